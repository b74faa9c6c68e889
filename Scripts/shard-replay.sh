#!/usr/bin/env bash
# Shard one large `keras-replay predict` over the workers of a Dask cluster (dask.distributed):
# the output .npy is allocated once, the input rows are cut into contiguous shards, and each Dask
# task runs `keras-replay predict --rows A:B --output-into OUTPUT` in a subprocess on its worker.
# Without --scheduler a LocalCluster of --workers processes runs on this machine; with
# --scheduler HOST:8786 the same code runs on an existing cluster (checkpoint, input, output and
# the keras-replay binary must then be at the same paths on every worker: shared file system).
# Makes the venv ${KERAS_REPLAY_VENVS:-~/.cache/keras-replay/venvs}/dask (dask[distributed], numpy)
# when missing. Stateful models are refused (their state runs through every row).
#   Scripts/shard-replay.sh CHECKPOINT INPUT.npy OUTPUT.npy [--workers N] [--shards K]
#       [--scheduler ADDRESS] [--keras-replay PATH] [--chunk-rows N] [--check]
# KERAS_REPLAY_BIN=path is the default for --keras-replay (else keras-replay on PATH, else
# .build/release/keras-replay). See Scripts/shard_replay.py --help.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENVS="${KERAS_REPLAY_VENVS:-$HOME/.cache/keras-replay/venvs}"
VENV="$VENVS/dask"
PYTHON="${PYTHON:-python3}"
if ! "$VENV/bin/python" -c 'import dask.distributed, numpy' >/dev/null 2>&1; then
  echo "Creating $VENV (dask[distributed], numpy)..." >&2
  mkdir -p "$VENVS"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip >&2
  "$VENV/bin/pip" install -q "dask[distributed]" numpy >&2
fi
exec "$VENV/bin/python" "$HERE/shard_replay.py" "$@"
