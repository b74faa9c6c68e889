#!/usr/bin/env bash
# The long fuzz run: builds keras-replay and keras-replay-fuzz (release) and runs CASES mutated
# checkpoints and inputs (default 20000) through keras-replay, 2 at a time, each in a child
# process with a 10 s limit. Failing cases are kept in .build-fuzz-runs/failures-SEED/ with the command that
# reproduces them; the JSON report goes to .build-fuzz-runs/report-SEED.json. Exits 1 on any crash, hang,
# noisy error or modified input.
#   Scripts/fuzz.sh [CASES] [SEED]
# To regenerate the structured corpus (needs h5py): Scripts/make_fuzz_corpus.py.
set -euo pipefail
cd "$(dirname "$0")/.."
CASES="${1:-20000}"
SEED="${2:-$(date +%s)}"
# SCRATCH=DIR builds in another scratch path (e.g. .build-fuzz, while others use .build).
BUILD=(swift build -c release ${SCRATCH:+--scratch-path "$SCRATCH"})
"${BUILD[@]}" --product keras-replay
"${BUILD[@]}" --product keras-replay-fuzz
BIN="$("${BUILD[@]}" --show-bin-path)"
OUT=.build-fuzz-runs  # ignored by git (.build-*/)
mkdir -p "$OUT"
exec "$BIN/keras-replay-fuzz" --cases "$CASES" --seed "$SEED" --jobs "${JOBS:-2}" --binary "$BIN/keras-replay" \
    --samples SampleCheckpoints --report "$OUT/report-$SEED.json" --keep-failures "$OUT/failures-$SEED"
