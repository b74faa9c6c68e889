"""What the sample catalogues share: the Keras of this venv, seeds, the model registry and API shims.

make_samples.py (the driver and the first catalogue) and the per-family catalogues in
Scripts/sample_models/ import from here, so a model is written once and builds in every generation
it names. Import this before NumPy or Keras: keras_generation sets the backend's environment first.

Exports: keras, L (keras.layers), tf (modern generations only, else None), GEN and the flags K3 / TFK / K2 /
K1 / MODERN; seeds (SEED, seed_offset, set_seeds); the registry (MODELS, model, ALL, MOD, LEGACY2,
is_legacy); the shims (first, seq, Input, Model, LSTM, Dense, Concatenate, fit, reset_states); data helpers
(rnd, to_list, one, static_shape, default_inputs, targets_for, tokens, masked_steps) and spec_of (the spec
of a small new sample).
"""
import random
import zlib

from keras_generation import GEN, keras  # noqa: E402  (sets the backend's environment first)
from keras_generation import TF_KERAS as GEN_ENV_TF_KERAS  # noqa: E402

import numpy as np  # noqa: E402

tf = None
if GEN_ENV_TF_KERAS:
    import tensorflow as tf  # noqa: E402,F401

K3 = GEN == "keras3"
TFK = GEN == "tf-keras"
K2 = GEN == "keras2.2.4"
K1 = GEN == "keras1.2.2"
MODERN = K3 or TFK
L = keras.layers
SEED = 1234

# ---------------------------------------------------------------- seeds
# The samples made before the per-family catalogues were seeded with SEED + the index of their name in
# sorted(MODELS). That list is frozen here, so adding models never moves an old sample's seed and
# regenerating one still gives identical files. Every other model gets a seed from its own name.
LEGACY_SEED_ORDER = (
    "bidirectional_ave", "bidirectional_concat", "bidirectional_gru", "bidirectional_mul", "bidirectional_none",
    "chunked_attrs", "conv1d_causal_dilation", "conv1d_same_strides", "conv1d_valid", "dense_activations",
    "embedding_mask_zero", "gru_reset_after", "gru_reset_before", "lstm_go_backwards", "lstm_no_bias",
    "lstm_return_state", "lstm_unroll", "masked_bidirectional", "masking_lstm", "merge_layers", "normalization",
    "seed_autoencoder", "seed_autoencoder_small", "seed_hard_sigmoid", "seed_lstm8_relu_sigmoid",
    "seed_lstm8_tanh_relu", "seed_lstm8_tanh_sigmoid", "seed_stateful", "shapes", "simple_rnn", "stacked_lstm",
    "stateful_batch4", "time_distributed", "weights_only", "wide_lstm",
)


def seed_offset(name):
    """Offset added to SEED for model `name`: its legacy index, else a stable hash of the name (>= 1000, so
    it never meets a legacy index; crc32 rather than hash(), which is salted per process)."""
    if name in LEGACY_SEED_ORDER:
        return LEGACY_SEED_ORDER.index(name)
    return 1000 + zlib.crc32(name.encode("utf-8")) % 1000003


def is_legacy(name):
    """True for the samples that existed before layer_outputs.npz / native twins: the driver keeps their
    output set exactly as it was."""
    return name in LEGACY_SEED_ORDER


def set_seeds(offset=0):
    s = SEED + offset
    random.seed(s)
    np.random.seed(s)
    if K3:
        keras.utils.set_random_seed(s)
    elif TFK:
        keras.utils.set_random_seed(s)
        try:
            tf.config.experimental.enable_op_determinism()
        except Exception:
            pass


# ---------------------------------------------------------------- API shims
def first(shape=None, batch_shape=None):
    """kwargs for the first layer of a Sequential (Keras 3 gets an Input instead, see seq())."""
    if K3:
        return {}
    if batch_shape is not None:
        return {"batch_input_shape": tuple(batch_shape)}
    return {"input_shape": tuple(shape)}


def seq(layers, shape=None, batch_shape=None, name=None):
    if K3:
        inp = keras.Input(batch_shape=tuple(batch_shape)) if batch_shape is not None else keras.Input(shape=tuple(shape))
        m = keras.Sequential([inp] + layers, name=name) if name else keras.Sequential([inp] + layers)
    else:
        m = keras.models.Sequential(layers, name=name) if name else keras.models.Sequential(layers)
    return m


def Input(shape, name=None, dtype=None):
    kw = {"shape": tuple(shape)}
    if name:
        kw["name"] = name
    if dtype:
        kw["dtype"] = dtype
    return L.Input(**kw)


def Model(inputs, outputs, name=None):
    if K1:
        return keras.models.Model(input=inputs, output=outputs, name=name)
    kw = {"name": name} if name else {}
    return keras.models.Model(inputs=inputs, outputs=outputs, **kw)


def LSTM(units, activation=None, recurrent_activation=None, **kw):
    if K1:
        kw["output_dim"] = units
        if activation is not None:
            kw["activation"] = activation
        if recurrent_activation is not None:
            kw["inner_activation"] = recurrent_activation
        return L.LSTM(**kw)
    if activation is not None:
        kw["activation"] = activation
    if recurrent_activation is not None:
        kw["recurrent_activation"] = recurrent_activation
    return L.LSTM(units, **kw)


def Dense(units, **kw):
    if K1:
        return L.Dense(output_dim=units, **kw)
    return L.Dense(units, **kw)


def fit(model, x, y, epochs, batch_size, callbacks=None, shuffle=True, initial_epoch=0):
    kw = dict(batch_size=batch_size, verbose=0, shuffle=shuffle, callbacks=callbacks or [])
    if initial_epoch:
        kw["initial_epoch"] = initial_epoch
    if K1:
        kw["nb_epoch"] = epochs
    else:
        kw["epochs"] = epochs
    return model.fit(x, y, **kw)


def reset_states(model):
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            if hasattr(layer, "reset_states"):
                layer.reset_states()
            else:
                layer.reset_state()


def to_list(v):
    return v if isinstance(v, (list, tuple)) else [v]


# ---------------------------------------------------------------- data helpers
def rnd(shape, lo=-1.0, hi=1.0):
    return np.random.uniform(lo, hi, size=shape).astype("float32")


def static_shape(t):
    if K3:
        return tuple(t.shape)
    return tuple(keras.backend.int_shape(t))


def default_inputs(model, n):
    xs = []
    for t in to_list(model.inputs):
        shp = tuple(int(d) if d is not None else n for d in static_shape(t))
        shp = (n,) + shp[1:]
        xs.append(rnd(shp))
    return xs


def targets_for(model, n):
    ys = []
    for t in to_list(model.outputs):
        shp = (n,) + tuple(int(d) for d in static_shape(t)[1:])
        ys.append(np.random.uniform(0, 1, size=shp).astype("float32"))
    return ys


def one(v):
    return v[0] if isinstance(v, list) and len(v) == 1 else v


# ---------------------------------------------------------------- model catalogue
MODELS = {}


def model(name, gens, covers):
    """Register builder fn under `name` for the generations `gens`. The builder returns a spec dict (see
    make_samples.build_one); `covers` is the README/report text (a builder may refine it per generation
    with spec["covers"])."""
    def deco(fn):
        if name in MODELS:
            raise ValueError("model %s registered twice" % name)
        MODELS[name] = dict(fn=fn, gens=gens, covers=covers)
        return fn
    return deco


ALL = ("keras3", "tf-keras", "keras2.2.4", "keras1.2.2")
MOD = ("keras3", "tf-keras")
LEGACY2 = ("keras3", "tf-keras", "keras2.2.4")  # every generation with the Keras 2 layer API (not Keras 1)


# ---------------------------------------------------------------- helpers of the per-family catalogues
def spec_of(m, x, n_pred=6, batch=3, epochs=2, y_like_predict=False, **kw):
    """The usual spec of a small new sample: train on all rows of x (SGD: no slot variables, small files),
    predict the first n_pred rows in batches of `batch` (so predict walks more than one batch).

    y_like_predict: shape the random targets like what predict returns, for models whose declared (static)
    output shape is unknown or wrong (Keras 3 declares MultiHeadAttention scores as (B, heads, Tq, Tq))."""
    d = dict(model=m, x=list(x), x_pred=[a[:n_pred] for a in x], batch=batch, fit_batch=4, epochs=epochs,
             optimizer="sgd", loss="mse")
    if y_like_predict:
        preds = m.predict(x[0] if len(x) == 1 else list(x), verbose=0)
        d["y"] = [np.random.uniform(0, 1, size=np.shape(p)).astype("float32") for p in to_list(preds)]
    d.update(kw)
    return d


def tokens(n, t, vocab):
    """int32 ids in [1, vocab) with zeros (masked by mask_zero) trailing, leading and mid-sequence; every row
    keeps at least one non-zero id, so no attention row is fully masked."""
    x = np.random.randint(1, vocab, size=(n, t)).astype("int32")
    for i in range(n):
        k = i % 4
        if k == 0:
            x[i, t - 2:] = 0  # trailing
        elif k == 1:
            x[i, 1] = 0  # mid
        elif k == 2:
            x[i, :2] = 0  # leading
    return x


def masked_steps(n, t, d, lo=-1.0, hi=1.0):
    """float32 (n, t, d) where some whole timesteps are 0.0 (masked by Masking(0.0)), at least one kept per row."""
    x = rnd((n, t, d), lo, hi)
    for i in range(n):
        k = i % 4
        if k == 0:
            x[i, t - 2:, :] = 0.0
        elif k == 1:
            x[i, 2, :] = 0.0
        elif k == 2:
            x[i, 0, :] = 0.0
            x[i, 3, 1] = 0.0  # one zero feature only: NOT masked
    return x


def Concatenate(tensors, name, axis=-1):
    """Concatenate layer (Keras 2+) or merge(mode='concat') (Keras 1)."""
    if K1:
        return L.merge(tensors, mode="concat", concat_axis=axis, name=name)
    return L.Concatenate(axis=axis, name=name)(tensors)
