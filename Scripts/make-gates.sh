#!/usr/bin/env bash
# Write SampleCheckpoints/<gen>/<model>/gates_<layer>.npz (+ gates.json) with Scripts/gates_reference.py,
# each generation under the venv of the Keras that wrote it (see Scripts/make-venvs.sh).
# Usage: Scripts/make-gates.sh [generation ...]   (default: keras3 tf-keras keras2.2.4 keras1.2.2)
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENVS="${KERAS_REPLAY_VENVS:-$HOME/.cache/keras-replay/venvs}"
# shellcheck source=Scripts/generation-python.sh
. "$HERE/generation-python.sh"
gens=("$@")
[ ${#gens[@]} -gt 0 ] || gens=(keras3 tf-keras keras2.2.4 keras1.2.2)
rc=0
for gen in "${gens[@]}"; do
  (
    generation_python "$gen" || exit 2
    "$py" "$HERE/gates_reference.py" 2>&1 | grep -E '^(ok|DIFF|FAIL|     |[a-z0-9.-]+: )'
    exit "${PIPESTATUS[0]}"
  ) || rc=1
done
exit $rc
