# Sourced by make-samples.sh and make-gates.sh (needs $VENVS). `generation_python GEN` sets $py to
# the python of the venv whose Keras writes generation GEN (keras3, tf-keras, keras2.2.4,
# keras1.2.2; exports TF_USE_LEGACY_KERAS=1 for tf-keras), or says why not and returns 2. The
# Theano settings of the legacy generations come from Scripts/keras_generation.py.
generation_python() {
  case "$1" in
    keras3)     py="$VENVS/modern/bin/python" ;;
    tf-keras)   py="$VENVS/modern/bin/python"; export TF_USE_LEGACY_KERAS=1 ;;
    keras2.2.4) py="$VENVS/keras2/bin/python" ;;
    keras1.2.2) py="$VENVS/keras1/bin/python" ;;
    *) echo "unknown generation $1" >&2; return 2 ;;
  esac
  [ -x "$py" ] || { echo "missing venv for $1: run Scripts/make-venvs.sh" >&2; return 2; }
}
