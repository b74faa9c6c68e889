#!/usr/bin/env python3
"""Generate SampleCheckpoints/<generation>/<model>/ with REAL Keras.

Runs under any of the venvs made by Scripts/make-venvs.sh and detects which Keras it is:
  * TF_USE_LEGACY_KERAS=1 in the environment  -> tf-keras   (import tf_keras as keras)
  * Theano importable (legacy venvs)           -> keras 1.2.2 or 2.2.4 on Theano
  * otherwise                                  -> Keras 3

Usage: python make_samples.py [--out SampleCheckpoints] [--only name,name] [--list]

Each model directory gets model.h5 (model.save, legacy HDF5), input*.npy, expected*.npy
(model.predict of this very Keras) and report.json (what Keras reports about the model,
plus what the saved file holds, read back with h5py).
"""
import argparse
import json
import os
import random
import shutil
import sys
import traceback

# ---------------------------------------------------------------- environment
from keras_generation import GEN, keras  # noqa: E402  (sets the backend's environment first)
from keras_generation import TF_KERAS as GEN_ENV_TF_KERAS  # noqa: E402

import numpy as np  # noqa: E402
import h5py  # noqa: E402
from keras_attributes import read_str_list  # noqa: E402

if GEN_ENV_TF_KERAS:
    import tensorflow as tf  # noqa: E402,F401

K3 = GEN == "keras3"
TFK = GEN == "tf-keras"
K2 = GEN == "keras2.2.4"
K1 = GEN == "keras1.2.2"
MODERN = K3 or TFK
L = keras.layers
SEED = 1234


def backend_name():
    try:
        return keras.backend.backend()
    except Exception:
        return None


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


def shape_list(s):
    if s is None:
        return None
    if isinstance(s, list) and s and isinstance(s[0], (list, tuple)):
        return [shape_list(t) for t in s]
    if isinstance(s, list) and s and hasattr(s[0], "shape"):
        return [shape_list(t) for t in s]
    if hasattr(s, "as_list"):
        s = s.as_list()
    return [None if d is None else int(d) for d in s]


def layer_output_shape(layer):
    try:
        s = layer.output_shape
        if isinstance(s, list) and s and isinstance(s[0], tuple):
            return [shape_list(t) for t in s]
        return shape_list(s)
    except Exception:
        pass
    try:
        out = layer.output
        if isinstance(out, (list, tuple)):
            return [shape_list(tuple(o.shape)) for o in out]
        return shape_list(tuple(out.shape))
    except Exception:
        pass
    try:
        return shape_list(layer.batch_shape)
    except Exception:
        return None


def tensor_layer_name(t):
    h = t._keras_history
    op = getattr(h, "operation", None)
    if op is None:
        op = getattr(h, "layer", None)
    if op is None:
        op = h[0]
    return op.name


def input_names(model):
    try:
        names = list(model.input_names)
        if names:
            return names
    except Exception:
        pass
    return [tensor_layer_name(t) for t in to_list(model.inputs)]


def output_names(model):
    names = [tensor_layer_name(t) for t in to_list(model.outputs)]
    return names


def weight_shape(w):
    try:
        return [int(d) for d in w.shape]
    except Exception:
        return [int(d) for d in keras.backend.int_shape(w)]


def jsonable(o):
    try:
        return json.loads(json.dumps(o, default=str))
    except Exception:
        return str(o)


# ---------------------------------------------------------------- h5 inspection
def attr_encoding(attrs, name):
    if name not in attrs:
        return None
    dt = attrs.get_id(name).dtype
    info = h5py.check_string_dtype(dt)
    if info is not None:
        return "vlen" if info.length is None else "fixed"
    if dt.kind == "S":
        return "fixed"
    if dt.kind == "O":
        return "vlen"
    return "non-string:" + dt.str


def chunked_names(attrs):
    import re
    return sorted(k for k in attrs.keys() if re.match(r"^(layer_names|weight_names)\d+$", k))


def inspect_h5(path):
    info = {"file": os.path.basename(path)}
    with h5py.File(path, "r") as f:
        root_attrs = sorted(f.attrs.keys())
        info["root_attributes"] = root_attrs
        info["root_groups"] = sorted(f.keys())
        info["has_model_config"] = "model_config" in f.attrs
        info["has_model_weights"] = "model_weights" in f
        wg = f["model_weights"] if "model_weights" in f else f
        enc = {"model_config": attr_encoding(f.attrs, "model_config")}
        ln_attr = "layer_names" if "layer_names" in wg.attrs else ("layer_names0" if "layer_names0" in wg.attrs else None)
        enc["layer_names"] = attr_encoding(wg.attrs, ln_attr) if ln_attr else None
        enc["keras_version"] = attr_encoding(f.attrs, "keras_version") if "keras_version" in f.attrs else attr_encoding(wg.attrs, "keras_version")
        info["string_encoding"] = enc
        chunked = ["/" + k for k in chunked_names(f.attrs)]
        if wg is not f:
            chunked += ["/model_weights:" + k for k in chunked_names(wg.attrs)]
        else:
            chunked = [c.replace("/", "/:", 1) for c in chunked]
        layer_names = read_str_list(wg.attrs, "layer_names")
        for ln in layer_names:
            if ln in wg:
                chunked += ["/%s:%s" % (wg[ln].name.lstrip("/"), k) for k in chunked_names(wg[ln].attrs)]
        info["chunked_attributes"] = [c.split(":")[-1] for c in chunked]
        info["chunked_attribute_locations"] = chunked
        info["file_layer_names"] = layer_names
        fl = []
        for ln in layer_names:
            g = wg[ln]
            wn_enc = None
            if "weight_names" in g.attrs:
                dt = g.attrs.get_id("weight_names").dtype
                wn_enc = "float64-empty" if dt.kind == "f" else attr_encoding(g.attrs, "weight_names")
            wnames = read_str_list(g.attrs, "weight_names")
            fl.append({"name": ln, "weight_names_encoding": wn_enc,
                       "weights": [{"name": wn, "shape": list(g[wn].shape), "dtype": str(g[wn].dtype)} for wn in wnames]})
        info["file_layers"] = fl
        for k in ("keras_version", "backend"):
            if k in f.attrs:
                v = f.attrs[k]
                info["file_" + k] = v.decode() if isinstance(v, bytes) else str(v)
    return info


# ---------------------------------------------------------------- hard sigmoid probe
def hard_sigmoid_probe():
    try:
        if K3:
            v = float(np.asarray(keras.activations.hard_sigmoid(keras.ops.convert_to_tensor(np.array([1.0], "float32"))))[0])
        elif TFK:
            v = float(keras.activations.hard_sigmoid(tf.constant([1.0])).numpy()[0])
        else:
            x = keras.backend.variable(np.array([1.0], "float32"))
            v = float(keras.backend.eval(keras.activations.hard_sigmoid(x))[0])
    except Exception as e:  # pragma: no cover
        return {"error": repr(e)}
    variant = "clip(0.2*x+0.5,0,1)" if abs(v - 0.7) < 1e-5 else ("clip(x/6+0.5,0,1)" if abs(v - (1 / 6 + 0.5)) < 1e-5 else "unknown")
    return {"formula": variant, "value_at_1": v}


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
    def deco(fn):
        MODELS[name] = dict(fn=fn, gens=gens, covers=covers)
        return fn
    return deco


ALL = ("keras3", "tf-keras", "keras2.2.4", "keras1.2.2")
MOD = ("keras3", "tf-keras")


# A builder returns a dict: model, x (list of train/predict inputs or None), y (optional),
# batch (predict batch size), fit_batch, epochs, shuffle, loss, notes, after_fit(model, dir, spec)
# and optionally checkpoints=dict(...).

@model("seed_stateful", ALL, "seed 000: Sequential stateful LSTM(10) batch_input_shape (1,1,1) + Dense softmax; predict batch 1 carries state across 12 samples")
def _():
    m = seq([LSTM(10, stateful=True, **first(batch_shape=(1, 1, 1))), Dense(2, activation="softmax")], batch_shape=(1, 1, 1))
    x = np.random.rand(12, 1, 1).astype("float32")
    y = np.eye(2, dtype="float32")[np.random.randint(0, 2, size=12)]
    return dict(model=m, x=[x], y=[y], batch=1, fit_batch=1, epochs=2, shuffle=False,
                loss="categorical_crossentropy", stateful=True,
                notes="fit 2 epochs batch 1 without shuffle; reset_states() before predict; predict(batch_size=1) walks the 12 samples carrying h/c")


def _lstm8(a, ra):
    def build():
        inputs = Input((3, 2))
        x = LSTM(8, activation=a, recurrent_activation=ra)(inputs)
        outputs = Dense(2, activation="softmax")(x)
        m = Model(inputs, outputs)
        X = np.concatenate([np.arange(24).reshape(4, 3, 2), np.random.uniform(0, 23, size=(4, 3, 2))]).astype("float32")
        y = np.array([[0, 1], [0, 1], [0, 1], [1, 0], [1, 0], [0, 1], [1, 0], [0, 1]], dtype="float32")
        return dict(model=m, x=[X], y=[y], batch=4, fit_batch=4, epochs=2, loss="categorical_crossentropy",
                    notes="seed 002; input = np.arange(24).reshape(4,3,2) then 4 random rows in [0,23)")
    return build


for _a, _ra in (("tanh", "sigmoid"), ("relu", "sigmoid"), ("tanh", "relu")):
    model("seed_lstm8_%s_%s" % (_a, _ra), ALL,
          "seed 002: Functional Input(3,2) -> LSTM(8, activation=%s, recurrent_activation=%s) -> Dense(2, softmax)" % (_a, _ra))(_lstm8(_a, _ra))


def _autoencoder(seq_len, vocab, latent, n_pred, full_epochs, keep):
    def build():
        inputs = Input((seq_len, vocab), name="input")
        enc = L.Bidirectional(LSTM(latent), merge_mode="sum", name="encoder_lstm")(inputs)
        dec = L.RepeatVector(seq_len, name="repeater")(enc)
        dec = L.Bidirectional(LSTM(vocab, return_sequences=True), merge_mode="sum", name="decoder_lstm")(dec)
        m = Model(inputs, dec)
        n_train = 10
        x_train = np.random.randint(0, 90, size=(n_train, seq_len, vocab)).astype("float32")
        y_train = np.random.normal(size=(n_train, seq_len, vocab)).astype("float32")
        half = n_pred // 2
        x_pred = np.concatenate([x_train[:half], rnd((n_pred - half, seq_len, vocab), 0, 1)]).astype("float32")
        return dict(model=m, x=[x_train], y=[y_train], x_pred=[x_pred], batch=n_pred, fit_batch=32,
                    epochs=full_epochs, optimizer="sgd", loss="mse",
                    checkpoints=dict(keep=keep),
                    notes="seed 003 architecture; fit on seed-style data (x = randint(0,90), y = normal) with "
                          "ModelCheckpoint during fit; model.h5 is the final model; input.npy = %d seed-style rows "
                          "then %d uniform[0,1) rows" % (half, n_pred - half))
    return build


model("seed_autoencoder_small", ALL,
      "seed 003 shrunk: Input(8,12) -> Bidirectional(LSTM(4), sum, encoder_lstm) -> RepeatVector(8) -> "
      "Bidirectional(LSTM(12, return_sequences), sum, decoder_lstm); ModelCheckpoint files for epochs 1,2,3,10")(
    _autoencoder(8, 12, 4, 4, 10, (1, 2, 3, 10)))

model("seed_autoencoder", ("keras3",),
      "seed 003 at full size: Input(45,100), latent 20; ModelCheckpoint files for epochs 1,2,3")(
    _autoencoder(45, 100, 20, 2, 3, (1, 2, 3)))


@model("seed_hard_sigmoid", ALL, "LSTM(6, recurrent_activation='hard_sigmoid') classifier: the hard_sigmoid version trap")
def _():
    inputs = Input((5, 3))
    x = LSTM(6, recurrent_activation="hard_sigmoid")(inputs)
    outputs = Dense(3, activation="softmax")(x)
    m = Model(inputs, outputs)
    X = rnd((6, 5, 3), -2, 2)
    y = np.eye(3, dtype="float32")[np.random.randint(0, 3, size=6)]
    return dict(model=m, x=[X], y=[y], batch=3, fit_batch=3, epochs=2, loss="categorical_crossentropy")


@model("wide_lstm", ("keras3",),
       "Input(10,4) -> LSTM(144, return_sequences) -> LSTM(128, go_backwards) -> Dense(2); predict on 5 rows: units "
       "that are multiples of 16 and >= 128 at a batch under 8, where keras-replay splits each step's units over two threads")
def _():
    inputs = Input((10, 4))
    x = LSTM(144, return_sequences=True)(inputs)
    x = LSTM(128, go_backwards=True)(x)
    outputs = Dense(2)(x)
    m = Model(inputs, outputs)
    X = rnd((8, 10, 4))
    return dict(model=m, x=[X], x_pred=[X[:5]], batch=5, fit_batch=4, epochs=1, optimizer="sgd",
                notes="optimizer sgd (no slot variables) to keep the file small; 5 predict rows (under 8)")


# ---------------- coverage models (keras3 + tf-keras)
def _simple_rnn_model(rnn):
    def build():
        m = seq([rnn(), Dense(2)], shape=(6, 3))
        return dict(model=m, batch=4)
    return build


model("gru_reset_after", MOD, "GRU(5, reset_after=True) -> Dense(2)")(
    _simple_rnn_model(lambda: L.GRU(5, reset_after=True, **first(shape=(6, 3)))))
model("gru_reset_before", MOD, "GRU(5, reset_after=False) -> Dense(2)")(
    _simple_rnn_model(lambda: L.GRU(5, reset_after=False, **first(shape=(6, 3)))))
model("simple_rnn", MOD, "SimpleRNN(5) -> Dense(2)")(
    _simple_rnn_model(lambda: L.SimpleRNN(5, **first(shape=(6, 3)))))


@model("bidirectional_concat", MOD, "Bidirectional(LSTM(4, return_sequences=True), merge_mode='concat') -> TimeDistributed(Dense(2))")
def _():
    m = seq([L.Bidirectional(LSTM(4, return_sequences=True), merge_mode="concat", **first(shape=(6, 3))),
             L.TimeDistributed(Dense(2))], shape=(6, 3))
    return dict(model=m, batch=4)


@model("bidirectional_mul", MOD, "Bidirectional(LSTM(4), merge_mode='mul') -> Dense(2)")
def _():
    m = seq([L.Bidirectional(LSTM(4), merge_mode="mul", **first(shape=(6, 3))), Dense(2)], shape=(6, 3))
    return dict(model=m, batch=4)


@model("bidirectional_ave", MOD, "Bidirectional(LSTM(4, return_sequences=True), merge_mode='ave') as the last layer")
def _():
    m = seq([L.Bidirectional(LSTM(4, return_sequences=True), merge_mode="ave", **first(shape=(6, 3)))], shape=(6, 3))
    return dict(model=m, batch=4)


@model("bidirectional_none", MOD, "Functional Input(6,3) -> Bidirectional(LSTM(4, return_sequences=True), merge_mode=None) as the final layer: "
       "two outputs from one layer, saved as expected_0.npy (forward) and expected_1.npy (backward, in input time order)")
def _():
    inp = Input((6, 3), name="in_seq")
    outs = L.Bidirectional(LSTM(4, return_sequences=True), merge_mode=None, name="bidi_none")(inp)
    m = Model(inp, list(outs))
    return dict(model=m, batch=4)


@model("bidirectional_gru", MOD, "Bidirectional(GRU(4)) (concat, reset_after default=True) -> Dense(2)")
def _():
    m = seq([L.Bidirectional(L.GRU(4), **first(shape=(6, 3))), Dense(2)], shape=(6, 3))
    return dict(model=m, batch=4)


@model("lstm_return_state", MOD, "Functional LSTM(5, return_sequences=True, return_state=True): seq, h, c feed "
       "Activation('linear', name='out_seq'), Dense(3, name='out_h'), Activation('linear', name='out_c') (3 outputs)")
def _():
    inp = Input((6, 3), name="in_seq")
    s, h, c = L.LSTM(5, return_sequences=True, return_state=True, name="lstm_rs")(inp)
    o1 = L.Activation("linear", name="out_seq")(s)
    o2 = Dense(3, name="out_h")(h)
    o3 = L.Activation("linear", name="out_c")(c)
    m = Model(inp, [o1, o2, o3])
    return dict(model=m, batch=4)


@model("lstm_go_backwards", MOD, "LSTM(5, go_backwards=True, return_sequences=True) -> LSTM(4, go_backwards=True, return_sequences=True) (output sequence order as Keras gives it)")
def _():
    m = seq([LSTM(5, go_backwards=True, return_sequences=True, **first(shape=(6, 3))),
             LSTM(4, go_backwards=True, return_sequences=True)], shape=(6, 3))
    return dict(model=m, batch=4)


@model("lstm_no_bias", MOD, "LSTM(5, use_bias=False) -> Dense(2, use_bias=False)")
def _():
    m = seq([LSTM(5, use_bias=False, **first(shape=(6, 3))), Dense(2, use_bias=False)], shape=(6, 3))
    return dict(model=m, batch=4)


@model("lstm_unroll", MOD, "LSTM(5, unroll=True) -> Dense(2)")
def _():
    m = seq([LSTM(5, unroll=True, **first(shape=(6, 3))), Dense(2)], shape=(6, 3))
    return dict(model=m, batch=4)


@model("stacked_lstm", MOD, "LSTM(5, return_sequences=True) -> LSTM(4, return_sequences=True) -> LSTM(3) -> Dense(2)")
def _():
    m = seq([LSTM(5, return_sequences=True, **first(shape=(6, 3))), LSTM(4, return_sequences=True), LSTM(3), Dense(2)], shape=(6, 3))
    return dict(model=m, batch=4)


@model("stateful_batch4", MOD, "stateful LSTM(6) with batch_input_shape (4,5,3) -> Dense(2); 12 samples, predict(batch_size=4) walks 3 batches carrying state (row i of batch k continues row i of batch k-1)")
def _():
    m = seq([LSTM(6, stateful=True, **first(batch_shape=(4, 5, 3))), Dense(2)], batch_shape=(4, 5, 3))
    x = rnd((12, 5, 3))
    return dict(model=m, x=[x], batch=4, fit_batch=4, shuffle=False, stateful=True,
                notes="reset_states() before predict; state carries across the 3 predict batches (not reset between them)")


def _masked_input(n=6, t=7, d=3):
    x = rnd((n, t, d))
    x[0, 5:, :] = 0.0  # trailing
    x[1, 2, :] = 0.0  # mid-sequence
    x[2, 0:2, :] = 0.0  # leading
    x[3, 1, :] = 0.0
    x[3, 4:, :] = 0.0  # mid + trailing
    x[4, 3, 0] = 0.0  # NOT masked: only one feature is zero
    return x


@model("masking_lstm", MOD, "Sequential Masking(0.0) -> LSTM(5) -> Dense(2); input with trailing, mid, leading all-zero timesteps (and a partly-zero step that is not masked)")
def _():
    m = seq([L.Masking(mask_value=0.0, **first(shape=(7, 3))), LSTM(5), Dense(2)], shape=(7, 3))
    return dict(model=m, x=[_masked_input()], batch=3)


@model("embedding_mask_zero", MOD, "Functional int32 Input(6) -> Embedding(10, 4, mask_zero=True) -> LSTM(5) -> Dense(2); input.npy is int32 with zero (masked) tokens")
def _():
    inp = Input((6,), name="tokens", dtype="int32")
    e = L.Embedding(10, 4, mask_zero=True, name="embed")(inp)
    h = LSTM(5, name="lstm")(e)
    out = Dense(2, name="out")(h)
    m = Model(inp, out)
    x = np.random.randint(1, 10, size=(6, 6)).astype("int32")
    x[0, 4:] = 0
    x[1, 2] = 0
    x[2, :2] = 0
    x[3, 1] = 0
    x[3, 5] = 0
    return dict(model=m, x=[x], batch=3, notes="input.npy dtype int32 (what Keras was fed)")


@model("masked_bidirectional", MOD, "Functional Masking(0.0) -> Bidirectional(LSTM(4, return_sequences=True), concat) (masked steps output zeros)")
def _():
    inp = Input((7, 3), name="in_seq")
    mk = L.Masking(mask_value=0.0, name="masking")(inp)
    out = L.Bidirectional(LSTM(4, return_sequences=True), merge_mode="concat", name="bidi")(mk)
    m = Model(inp, out)
    return dict(model=m, x=[_masked_input()], batch=3)


@model("time_distributed", MOD, "LSTM(6, return_sequences=True) -> TimeDistributed(Dense(2, activation='tanh'))")
def _():
    m = seq([LSTM(6, return_sequences=True, **first(shape=(5, 3))), L.TimeDistributed(Dense(2, activation="tanh"))], shape=(5, 3))
    return dict(model=m, batch=4)


ACTIVATION_NAMES = ["relu", "sigmoid", "tanh", "softmax", "softplus", "softsign", "selu", "elu", "exponential", "linear",
                    "hard_sigmoid", "swish", "silu", "gelu", "relu6", "leaky_relu", "mish", "log_softmax", "hard_silu",
                    "hard_swish", "celu", "hard_tanh", "log_sigmoid", "sparse_plus", "squareplus", "soft_shrink",
                    "hard_shrink", "tanh_shrink", "sparsemax", "glu", "sparse_sigmoid", "threshold"]


@model("dense_activations", MOD, "Input(6) -> Dense(8) base -> for every activation name this Keras accepts: Dense(4, activation=name) and Activation(name); all concatenated (one output)")
def _():
    inp = Input((6,), name="in_vec")
    base = Dense(8, name="base")(inp)
    branches, used, skipped = [], [], []
    for a in ACTIVATION_NAMES:
        try:
            fn = keras.activations.get(a)
            probe = np.linspace(-2, 2, 16).reshape(2, 8).astype("float32")
            r = np.asarray(fn(keras.ops.convert_to_tensor(probe) if K3 else tf.constant(probe)))
            if r.shape != probe.shape:
                raise ValueError("changes shape %s" % (r.shape,))
            d = Dense(4, activation=a, name="dense_" + a)(base)
            act = L.Activation(a, name="act_" + a)(base)
            if tuple(d.shape)[1:] != (4,) or tuple(act.shape)[1:] != (8,):
                raise ValueError("shape changed")
            branches += [d, act]
            used.append(a)
        except Exception as e:
            skipped.append("%s: %s" % (a, str(e).splitlines()[0][:100] if str(e) else type(e).__name__))
    out = L.Concatenate(name="concat")(branches)
    m = Model(inp, out)
    return dict(model=m, batch=4, extra={"activations_used": used, "activations_skipped": skipped})


@model("conv1d_valid", MOD, "Conv1D(4,3,valid,relu) -> MaxPooling1D(2) -> Conv1D(3,2,valid) -> Flatten -> Dense(2)")
def _():
    m = seq([L.Conv1D(4, 3, padding="valid", activation="relu", **first(shape=(12, 3))), L.MaxPooling1D(2),
             L.Conv1D(3, 2, padding="valid"), L.Flatten(), Dense(2)], shape=(12, 3))
    return dict(model=m, batch=4)


@model("conv1d_same_strides", MOD, "Conv1D(4,3,strides=2,same) -> AveragePooling1D(2) -> MaxPooling1D(2,strides=1,same) -> GlobalMaxPooling1D -> Dense(2)")
def _():
    m = seq([L.Conv1D(4, 3, strides=2, padding="same", **first(shape=(13, 3))), L.AveragePooling1D(2),
             L.MaxPooling1D(2, strides=1, padding="same"), L.GlobalMaxPooling1D(), Dense(2)], shape=(13, 3))
    return dict(model=m, batch=4)


@model("conv1d_causal_dilation", MOD, "Conv1D(4,3,causal,dilation 2,tanh) -> AveragePooling1D(3,strides=2,same) -> GlobalAveragePooling1D -> Dense(2)")
def _():
    m = seq([L.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="tanh", **first(shape=(12, 3))),
             L.AveragePooling1D(3, strides=2, padding="same"), L.GlobalAveragePooling1D(), Dense(2)], shape=(12, 3))
    return dict(model=m, batch=4)


@model("normalization", MOD, "Input(5,4) -> BatchNormalization(momentum 0.6) -> Dense(6) -> LayerNormalization -> Flatten -> Dense(6) -> BatchNormalization -> Dense(2); trained 8 epochs on shifted data so moving stats are non-trivial")
def _():
    m = seq([L.BatchNormalization(momentum=0.6, **first(shape=(5, 4))), Dense(6), L.LayerNormalization(), L.Flatten(),
             Dense(6), L.BatchNormalization(), Dense(2)], shape=(5, 4))
    x = (np.random.normal(size=(32, 5, 4)) * 2.0 + 3.0).astype("float32")
    return dict(model=m, x=[x], x_pred=[x[:6]], batch=3, fit_batch=8, epochs=8)


@model("shapes", MOD, "Reshape((4,6)) -> Permute((2,1)) -> Dropout -> SpatialDropout1D -> GaussianNoise -> GaussianDropout -> LSTM(5) -> RepeatVector(3) -> Flatten -> Dense(2) (noise/dropout are identity at predict)")
def _():
    m = seq([L.Reshape((4, 6), **first(shape=(6, 4))), L.Permute((2, 1)), L.Dropout(0.3), L.SpatialDropout1D(0.2),
             L.GaussianNoise(0.1), L.GaussianDropout(0.1), LSTM(5), L.RepeatVector(3), L.Flatten(), Dense(2)], shape=(6, 4))
    return dict(model=m, batch=4)


@model("merge_layers", MOD, "Functional inputs in_a, in_b -> Dense -> Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate -> outputs out_sum (Add) and out_cat (Dense on Concatenate)")
def _():
    a = Input((5,), name="in_a")
    b = Input((5,), name="in_b")
    da = Dense(4, name="dense_a")(a)
    db = Dense(4, name="dense_b")(b)
    s = L.Add(name="add")([da, db])
    d = L.Subtract(name="subtract")([da, db])
    mu = L.Multiply(name="multiply")([da, db])
    av = L.Average(name="average")([da, db])
    mx = L.Maximum(name="maximum")([da, db])
    mn = L.Minimum(name="minimum")([da, db])
    cat = L.Concatenate(name="concatenate")([s, d, mu, av, mx, mn])
    out_cat = Dense(3, name="out_cat")(cat)
    out_sum = L.Add(name="out_sum")([s, d, mu])
    m = Model([a, b], [out_sum, out_cat])
    return dict(model=m, batch=4)


@model("weights_only", ("tf-keras",), "Keras 2 style save_weights('weights.h5') of the seed_lstm8_tanh_sigmoid architecture + model.json (to_json); no model.h5")
def _():
    spec = _lstm8("tanh", "sigmoid")()
    spec["weights_only"] = True
    spec["notes"] = "weights.h5 from model.save_weights (layer_names at file root, no model_config); model.json = model.to_json()"
    return spec


@model("chunked_attrs", ("keras3", "tf-keras", "keras2.2.4"),
       "Sequential Dense(2, name='dense_in') + 72 Activation layers (tanh/linear/sigmoid) with 1000-char names, so the "
       "layer_names attribute (over 64 KiB) is split by Keras into layer_names0, layer_names1; report.json is compact (no per-layer config)")
def _():
    layers = [Dense(2, name="dense_in", **first(shape=(2,)))]
    # Theano's pure-Python mode (cxx=) cannot run the fused gradient Elemwise of 72 chained tanh/sigmoid
    # (numpy ufuncs take at most 32 operands), so Keras 2.2.4 gets linear activations only.
    acts = ("linear",) if K2 else ("tanh", "linear", "sigmoid")
    for i in range(72):
        layers.append(L.Activation(acts[i % len(acts)], name=("activation_%03d_" % i + "y" * 1000)[:1000]))
    m = seq(layers, shape=(2,))
    return dict(model=m, batch=4, epochs=1, optimizer="sgd", compact_report=True,
                notes="optimizer sgd (no slot variables) to keep the file small" +
                      ("; Keras 2.2.4: all activations linear (Theano python-mode fusion limit)" if K2 else ""))


# ---------------------------------------------------------------- driver
def compile_model(m, spec):
    opt = spec.get("optimizer", "adam")
    m.compile(optimizer=opt, loss=spec.get("loss", "mse"))


def layer_report(layer):
    ws = []
    for w in layer.weights:
        d = {"name": w.name, "shape": weight_shape(w)}
        p = getattr(w, "path", None)
        if p is not None and p != w.name:
            d["path"] = p
        ws.append(d)
    try:
        cfg = jsonable(layer.get_config())
    except Exception as e:
        cfg = {"error": repr(e)}
    return {"name": layer.name, "class_name": layer.__class__.__name__, "output_shape": layer_output_shape(layer),
            "params": int(layer.count_params()) if (layer.weights or not K1) else 0, "weights": ws, "config": cfg}


def save_outputs(out_dir, prefix, names, preds):
    preds = to_list(preds)
    assert len(preds) == len(names), (len(preds), names)
    files = []
    if len(preds) == 1:
        fn = prefix + ".npy"
        np.save(os.path.join(out_dir, fn), np.ascontiguousarray(np.asarray(preds[0], dtype="float32")))
        return [fn]
    use_idx = len(set(names)) != len(names)
    for i, (n, p) in enumerate(zip(names, preds)):
        fn = "%s_%s.npy" % (prefix, i if use_idx else n)
        np.save(os.path.join(out_dir, fn), np.ascontiguousarray(np.asarray(p, dtype="float32")))
        files.append(fn)
    return files


class PredictAtEpochEnd(keras.callbacks.Callback):
    def __init__(self, x, batch, keep, out_dir, onames, epoch_base):
        super().__init__()
        self.x, self.batch, self.keep, self.out_dir, self.onames, self.epoch_base = x, batch, keep, out_dir, onames, epoch_base
        self.files = {}

    def on_epoch_end(self, epoch, logs=None):
        e = epoch + self.epoch_base
        if e in self.keep:
            p = self.model.predict(one(self.x), batch_size=self.batch, verbose=0)
            self.files[e] = save_outputs(self.out_dir, "expected_%d" % e, self.onames, p)


def build_one(name, out_root):
    entry = MODELS[name]
    set_seeds(sorted(MODELS).index(name))
    if K3 or TFK:
        keras.backend.clear_session()
    spec = entry["fn"]()
    m = spec["model"]
    out_dir = os.path.join(out_root, GEN, name)
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    compile_model(m, spec)

    fit_batch = spec.get("fit_batch", 4)
    n_default = 8
    x = spec.get("x") or default_inputs(m, n_default)
    n = x[0].shape[0]
    y = spec.get("y") or targets_for(m, n)
    x_pred = spec.get("x_pred") or x
    batch = spec["batch"]
    inames = input_names(m)
    onames = output_names(m)
    report_notes = []
    if spec.get("notes"):
        report_notes.append(spec["notes"])

    ckpt_info = None
    if "checkpoints" in spec:
        keep = tuple(spec["checkpoints"]["keep"])
        ck_dir = os.path.join(out_dir, "checkpoints")
        os.makedirs(ck_dir)
        ext = "h5" if K3 else "hdf5"
        epochs = spec["epochs"]
        initial_epoch = 0
        epoch_base = 1
        if K1:
            # Keras 1 formats {epoch} 0-based; start at initial_epoch=1 so files are named 1..N like Keras 2+.
            initial_epoch = 1
            epoch_base = 0
            epochs = epochs + 1
        mc = keras.callbacks.ModelCheckpoint(filepath=os.path.join(ck_dir, "{epoch}." + ext))
        pc = PredictAtEpochEnd(x_pred, batch, keep, ck_dir, onames, epoch_base)
        fit(m, one(x), one(y), epochs, fit_batch, callbacks=[mc, pc], initial_epoch=initial_epoch)
        written = sorted(os.listdir(ck_dir))
        removed = []
        for fn in written:
            if fn.endswith("." + ext):
                e = int(fn.split(".")[0])
                if e not in keep:
                    os.remove(os.path.join(ck_dir, fn))
                    removed.append(fn)
        ckpt_info = {"callback": "keras.callbacks.ModelCheckpoint(filepath='checkpoints/{epoch}.%s') defaults "
                                 "(save_best_only=False, save_weights_only=False, include_optimizer default)" % ext,
                     "epochs_fit": spec["epochs"], "kept": ["%d.%s" % (e, ext) for e in keep],
                     "deleted_after_fit": removed,
                     "expected_files": {str(e): pc.files.get(e) for e in keep},
                     "files": {}}
        if K3:
            ckpt_info["note"] = "Keras 3 ModelCheckpoint accepts only .keras or .h5 (not .hdf5) for full-model saves, so files are {epoch}.h5 (legacy HDF5 format)"
        if K1:
            ckpt_info["note"] = ("Keras 1.2.2 ModelCheckpoint formats {epoch} 0-based; fit used initial_epoch=1, nb_epoch=%d "
                                 "so the 10 trained epochs are named 1..%d" % (epochs, epochs - 1))
        for e in keep:
            p = os.path.join(ck_dir, "%d.%s" % (e, ext))
            ckpt_info["files"]["%d.%s" % (e, ext)] = inspect_h5(p) if os.path.exists(p) else "MISSING"
    else:
        fit(m, one(x), one(y), spec.get("epochs", 2), fit_batch, shuffle=spec.get("shuffle", True))

    stateful = bool(spec.get("stateful", False))
    if stateful:
        reset_states(m)
    preds = m.predict(one(x_pred), batch_size=batch, verbose=0)
    if stateful:
        reset_states(m)

    # inputs
    if len(x_pred) == 1:
        in_files = ["input.npy"]
        np.save(os.path.join(out_dir, "input.npy"), np.ascontiguousarray(x_pred[0]))
    else:
        in_files = []
        for nm, arr in zip(inames, x_pred):
            fn = "input_%s.npy" % nm
            np.save(os.path.join(out_dir, fn), np.ascontiguousarray(arr))
            in_files.append(fn)
    exp_files = save_outputs(out_dir, "expected", onames, preds)

    if spec.get("weights_only"):
        m.save_weights(os.path.join(out_dir, "weights.h5"))
        with open(os.path.join(out_dir, "model.json"), "w") as f:
            f.write(m.to_json())
        saved = "weights.h5"
    else:
        m.save(os.path.join(out_dir, "model.h5"))
        saved = "model.h5"
    finfo = inspect_h5(os.path.join(out_dir, saved))

    layers = [layer_report(l) for l in m.layers]
    if spec.get("compact_report"):
        for l in layers:
            l.pop("config", None)
        finfo.pop("file_layers", None)
        fln = finfo.pop("file_layer_names")
        finfo["file_layer_count"] = len(fln)
        finfo["file_layer_names_note"] = "omitted to keep report small; equal to the names in 'layers'%s" % (
            "" if [l["name"] for l in layers] == fln else " EXCEPT: first entries " + repr([n[:40] for n in fln[:2]]))
    try:
        in_shapes = m.input_shape
        in_shapes = [shape_list(s) for s in in_shapes] if isinstance(in_shapes, list) else [shape_list(in_shapes)]
    except Exception:
        in_shapes = [shape_list(tuple(t.shape)) for t in to_list(m.inputs)]
    try:
        out_shapes = m.output_shape
        out_shapes = [shape_list(s) for s in out_shapes] if isinstance(out_shapes, list) else [shape_list(out_shapes)]
    except Exception:
        out_shapes = [shape_list(tuple(t.shape)) for t in to_list(m.outputs)]
    try:
        cfg_str = m.to_json()
    except Exception:
        cfg_str = ""
    rep = {
        "keras_version": keras.__version__,
        "backend": backend_name() if not K1 else keras.backend.backend(),
        "generation": GEN,
        "model": name,
        "covers": entry["covers"],
        "model_class": m.__class__.__name__,
        "saved_with": "model.save_weights('weights.h5')" if spec.get("weights_only") else "model.save('model.h5')",
        "predict_batch_size": batch,
        "stateful": stateful,
        "inputs": inames,
        "input_files": in_files,
        "input_dtypes": [str(a.dtype) for a in x_pred],
        "outputs": onames,
        "expected_files": exp_files,
        "input_shapes": in_shapes,
        "output_shapes": out_shapes,
        "layers": layers,
        "total_params": int(m.count_params()),
        "string_encoding": {"model_config": finfo["string_encoding"]["model_config"],
                            "layer_names": finfo["string_encoding"]["layer_names"]},
        "chunked_attributes": finfo["chunked_attributes"],
        "training": {"optimizer": spec.get("optimizer", "adam"), "loss": spec.get("loss", "mse"),
                     "epochs": spec.get("epochs", 2), "batch_size": fit_batch, "samples": int(n),
                     "shuffle": spec.get("shuffle", True)},
        "file": finfo,
        "notes": report_notes,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "h5py": h5py.__version__,
    }
    if "hard_sigmoid" in cfg_str or "hard_sigmoid" in json.dumps(finfo) or name == "seed_hard_sigmoid" or K1 or K2:
        hs = hard_sigmoid_probe()
        rep["hard_sigmoid_variant"] = hs
    if TFK:
        import tensorflow
        rep["tensorflow_version"] = tensorflow.__version__
    if K3:
        try:
            import tensorflow
            rep["tensorflow_version"] = tensorflow.__version__
        except Exception:
            pass
    if spec.get("extra"):
        rep.update(spec["extra"])
    if ckpt_info:
        rep["checkpoints"] = ckpt_info
    with open(os.path.join(out_dir, "report.json"), "w") as f:
        json.dump(rep, f, indent=1)
    return out_dir


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "SampleCheckpoints"))
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    names = [n for n, e in MODELS.items() if GEN in e["gens"]]
    if args.only:
        wanted = set(args.only.split(","))
        names = [n for n in names if n in wanted]
    if args.list:
        print("\n".join(names))
        return 0
    out_root = os.path.abspath(args.out)
    print("generation %s (keras %s, backend %s): %d models -> %s" % (GEN, keras.__version__, backend_name(), len(names), out_root), flush=True)
    failures = []
    for n in names:
        try:
            d = build_one(n, out_root)
            print("  ok   %s -> %s" % (n, d), flush=True)
        except Exception as e:
            failures.append((n, repr(e)))
            print("  FAIL %s: %r" % (n, e), flush=True)
            traceback.print_exc()
    fail_path = os.path.join(out_root, GEN, "FAILURES.json")
    if failures:
        os.makedirs(os.path.dirname(fail_path), exist_ok=True)
        with open(fail_path, "w") as f:
            json.dump(dict(failures), f, indent=1)
    elif os.path.exists(fail_path):
        os.remove(fail_path)
    print("generation %s done: %d ok, %d failed" % (GEN, len(names) - len(failures), len(failures)), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
