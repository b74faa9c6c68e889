#!/usr/bin/env bash
# Write SampleCheckpoints/<gen>/<model>/gates_<layer>.npz (+ gates.json) with Scripts/gates_reference.py,
# each generation under the venv of the Keras that wrote it (see Scripts/make-venvs.sh).
# Usage: Scripts/make-gates.sh [generation ...]   (default: keras3 tf-keras keras2.2.4 keras1.2.2)
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENVS="${KERAS_REPLAY_VENVS:-$HOME/.cache/keras-replay/venvs}"
gens=("$@")
[ ${#gens[@]} -gt 0 ] || gens=(keras3 tf-keras keras2.2.4 keras1.2.2)
rc=0
for gen in "${gens[@]}"; do
  (
    case "$gen" in
      keras3)     py="$VENVS/modern/bin/python" ;;
      tf-keras)   py="$VENVS/modern/bin/python"; export TF_USE_LEGACY_KERAS=1 ;;
      keras2.2.4) py="$VENVS/keras2/bin/python" ;;
      keras1.2.2) py="$VENVS/keras1/bin/python" ;;
      *) echo "unknown generation $gen" >&2; exit 2 ;;
    esac
    if [ "$gen" = keras1.2.2 ] || [ "$gen" = keras2.2.4 ]; then
      export KERAS_BACKEND=theano THEANO_FLAGS="blas.ldflags=,cxx=,device=cpu,floatX=float32"
    fi
    "$py" "$HERE/gates_reference.py" 2>&1 | grep -E '^(ok|DIFF|FAIL|     |[a-z0-9.-]+: )'
    exit "${PIPESTATUS[0]}"
  ) || rc=1
done
exit $rc
