"""Which Keras this venv runs, imported with the environment it needs.

Shared by make_samples.py and gates_reference.py; import it before NumPy or Keras, since it sets
the backend's environment first:
  * TF_USE_LEGACY_KERAS=1 in the environment  -> tf-keras 2.x   (import tf_keras as keras)
  * Theano importable (the legacy venvs)       -> Keras 1.2.2 or 2.2.4 on Theano, with the aliases
                                                  they need on Python 3.11
  * otherwise                                  -> Keras 3
Exports: keras, GEN ("keras3", "tf-keras", "keras2.2.4", "keras1.2.2"), TF_KERAS, LEGACY.
"""
import importlib.util
import os

TF_KERAS = os.environ.get("TF_USE_LEGACY_KERAS") == "1"
LEGACY = (not TF_KERAS) and importlib.util.find_spec("theano") is not None

if LEGACY:
    os.environ.setdefault("KERAS_BACKEND", "theano")
    os.environ.setdefault("THEANO_FLAGS", "blas.ldflags=,cxx=,device=cpu,floatX=float32")
    import collections
    import collections.abc
    import inspect
    # Keras 1/2 and Theano use names Python 3.10+ removed.
    for _name in ("Iterable", "Mapping", "MutableMapping", "Sequence", "Callable"):
        if not hasattr(collections, _name):
            setattr(collections, _name, getattr(collections.abc, _name))
    if not hasattr(inspect, "getargspec"):  # Keras 1.2.2 model_from_json uses it (gone in Python 3.11)
        inspect.getargspec = inspect.getfullargspec
else:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

if TF_KERAS:
    import tf_keras as keras  # noqa: E402
    GEN = "tf-keras"
else:
    import keras  # noqa: E402
    GEN = {"1.2.2": "keras1.2.2", "2.2.4": "keras2.2.4"}.get(keras.__version__)
    if GEN is None:
        if not keras.__version__.startswith("3."):
            raise SystemExit("unsupported keras version %s" % keras.__version__)
        GEN = "keras3"
