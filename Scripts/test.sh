#!/usr/bin/env bash
# The test command: installs what the build needs, then runs every Swift test.
# Tests replay the checkpoints in SampleCheckpoints/ and compare with what real Keras wrote;
# they need no Python.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/ensure-system-packages.sh
swift build --build-tests
swift test --skip-build
