#!/usr/bin/env bash
# Generate SampleCheckpoints/ with real Keras, one generation per venv (see Scripts/make-venvs.sh).
#   keras3      modern venv                              (Keras 3.15.1, TensorFlow 2.21 backend)
#   tf-keras    modern venv with TF_USE_LEGACY_KERAS=1    (tf-keras 2.21.0)
#   keras2.2.4  keras2 venv                              (Theano 1.0.5 backend)
#   keras1.2.2  keras1 venv                              (Theano 1.0.5 backend)
# Usage: Scripts/make-samples.sh [generation ...]   (default: all four; each generation dir is rebuilt model by model)
# Extra args for make_samples.py can be passed with MAKE_SAMPLES_ARGS, e.g. MAKE_SAMPLES_ARGS="--only seed_stateful".
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
VENVS="${KERAS_REPLAY_VENVS:-$HOME/.cache/keras-replay/venvs}"
OUT="${SAMPLES_OUT:-$ROOT/SampleCheckpoints}"
LOGS="${SAMPLES_LOGS:-$VENVS/logs}"
mkdir -p "$OUT" "$LOGS"
# shellcheck source=Scripts/generation-python.sh
. "$HERE/generation-python.sh"

gens=("$@")
[ ${#gens[@]} -gt 0 ] || gens=(keras3 tf-keras keras2.2.4 keras1.2.2)

run() {
  local gen="$1"; shift
  local py
  generation_python "$gen" || return 2
  # shellcheck disable=SC2086
  PYTHONHASHSEED=0 "$py" "$HERE/make_samples.py" --out "$OUT" ${MAKE_SAMPLES_ARGS:-}
}

rc=0
for g in "${gens[@]}"; do
  echo "=== $g (log: $LOGS/$g.log)"
  if ( run "$g" ) > "$LOGS/$g.log" 2>&1; then
    grep -E '^(generation|  ok|  FAIL)' "$LOGS/$g.log" | tail -n 1
  else
    grep -E '^(  FAIL|generation .* done)' "$LOGS/$g.log"
    echo "!!! $g had failures (see $LOGS/$g.log)"; rc=1
  fi
done
echo "=== sizes"; du -sh "$OUT" "$OUT"/*/ 2>/dev/null
exit $rc
