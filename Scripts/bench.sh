#!/usr/bin/env bash
# Speed side by side: keras-replay bench (release build) vs Keras 3 model.predict, a compiled
# tf.function and onnxruntime, on the seed autoencoder, the seed stateful model and a larger
# two-layer LSTM(256) generated into ~/.cache/keras-replay/bench. Each measurement in a fresh
# process of its own, one at a time; --rounds R (default 3) repeats the grid, best median per cell.
# Prints a markdown table (progress on stderr).
#   Scripts/bench.sh [--rounds R] [--iterations N] [--batches 1,32,256]
# Needs: Scripts/make-venvs.sh modern && Scripts/make-venvs.sh onnx. Benchmarks, not tests.
set -euo pipefail
cd "$(dirname "$0")/.."
VENVS="${KERAS_REPLAY_VENVS:-$HOME/.cache/keras-replay/venvs}"
SCRATCH="${SCRATCH:-.build-bench}"
swift build -c release --scratch-path "$SCRATCH" --product keras-replay >&2
"$VENVS/modern/bin/python" -c 'import onnxruntime, tf2onnx' 2>/dev/null || Scripts/make-venvs.sh onnx >&2
exec "$VENVS/modern/bin/python" Scripts/bench.py --keras-replay "$SCRATCH/release/keras-replay" "$@"
