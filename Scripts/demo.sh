#!/usr/bin/env bash
# The main job on a sample: inspect the seed Bidirectional LSTM autoencoder (written by Keras 3),
# then replay it and print the max difference from what Keras' model.predict returned.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/ensure-system-packages.sh
swift build -c release --product keras-replay >&2
bin="$(swift build -c release --show-bin-path)/keras-replay"
sample=SampleCheckpoints/keras3/seed_autoencoder
"$bin" inspect "$sample/model.h5"
echo
"$bin" predict "$sample/model.h5" --input "$sample/input.npy" --expected "$sample/expected.npy"
