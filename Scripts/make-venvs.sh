#!/usr/bin/env bash
# Create the Python virtual environments used to generate SampleCheckpoints.
# The venvs live OUTSIDE the repository:
#   ${KERAS_REPLAY_VENVS:-$HOME/.cache/keras-replay/venvs}/{modern,keras1,keras2}
# Idempotent: a venv whose packages already import correctly is left alone.
# Usage: Scripts/make-venvs.sh [modern] [keras1] [keras2]   (default: all three, in parallel)
# Optional, never part of the default: `Scripts/make-venvs.sh onnx` (after modern exists) adds
# onnxruntime and tf2onnx to the modern venv, for Scripts/bench.sh.
set -euo pipefail

VENVS="${KERAS_REPLAY_VENVS:-$HOME/.cache/keras-replay/venvs}"
PYTHON="${PYTHON:-python3}"
mkdir -p "$VENVS"

legacy_pkgs=(numpy==1.23.5 scipy==1.10.1 h5py==3.8.0 Theano==1.0.5 "setuptools<70")  # Theano imports pkg_resources (gone from setuptools>=81)
# Theano 1.0.5 needs these flags on this numpy (no BLAS probing, pure-Python ops, no C++ compiler).
export THEANO_FLAGS="${THEANO_FLAGS:-blas.ldflags=,cxx=,device=cpu,floatX=float32}"

check() {   # check <name>: succeeds if the venv already has what it needs
  local name="$1" py="$VENVS/$1/bin/python"
  [ "$name" = onnx ] && py="$VENVS/modern/bin/python"   # onnx is an add-on to the modern venv
  [ -x "$py" ] || return 1
  case "$name" in
    modern) "$py" -c 'import tensorflow, tf_keras, keras, h5py, numpy
assert tensorflow.__version__ == "2.21.0" and tf_keras.__version__ == "2.21.0" and keras.__version__ == "3.15.1"' >/dev/null 2>&1 ;;
    keras1) "$py" -c 'import importlib.metadata as m; assert m.version("keras") == "1.2.2"; import pkg_resources, theano, h5py, numpy, scipy' >/dev/null 2>&1 ;;
    keras2) "$py" -c 'import importlib.metadata as m; assert m.version("keras") == "2.2.4"; import pkg_resources, theano, h5py, numpy, scipy' >/dev/null 2>&1 ;;
    onnx) "$py" -c 'import onnxruntime, tf2onnx, tensorflow' >/dev/null 2>&1 ;;
  esac
}

build() {
  local name="$1"
  if check "$name"; then echo "[$name] already complete: $VENVS/$name"; return 0; fi
  if [ "$name" = onnx ]; then   # an add-on to the modern venv, not a venv of its own
    check modern || { echo "[onnx] needs the modern venv first: Scripts/make-venvs.sh modern" >&2; return 1; }
    "$VENVS/modern/bin/pip" install -q onnxruntime tf2onnx
    if check onnx; then echo "[onnx] OK"; else echo "[onnx] FAILED sanity check" >&2; return 1; fi
    return 0
  fi
  echo "[$name] creating $VENVS/$name"
  "$PYTHON" -m venv "$VENVS/$name"
  local pip="$VENVS/$name/bin/pip"
  "$pip" install -q --upgrade pip wheel
  case "$name" in
    modern) "$pip" install -q tensorflow-cpu==2.21.0 tf-keras==2.21.0 keras==3.15.1 h5py ;;
    keras1) "$pip" install -q "${legacy_pkgs[@]}" keras==1.2.2 ;;
    keras2) "$pip" install -q "${legacy_pkgs[@]}" keras==2.2.4 ;;
  esac
  if check "$name"; then echo "[$name] OK"; else echo "[$name] FAILED sanity check" >&2; return 1; fi
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(modern keras1 keras2)

pids=()
for t in "${targets[@]}"; do
  build "$t" > "$VENVS/$t.log" 2>&1 &
  pids+=($!)
done
rc=0
for i in "${!pids[@]}"; do
  if wait "${pids[$i]}"; then echo "${targets[$i]}: ok"; else echo "${targets[$i]}: FAILED (see $VENVS/${targets[$i]}.log)"; rc=1; fi
  tail -n 3 "$VENVS/${targets[$i]}.log"
done
exit $rc
