"""The first sample catalogue: the recurrent models of the seed checkpoints and the keras3 / tf-keras coverage
models (LSTM, GRU, SimpleRNN, Bidirectional, masking, Conv1D, normalization, shapes, merges, activations,
chunked attributes, weights-only).

These samples were generated before the per-family catalogues existed: their seeds are frozen in
sample_kit.LEGACY_SEED_ORDER and the driver writes exactly the files it always wrote for them (no
layer_outputs.npz, no native twins). Keep the models below in this order: a full Keras 1/2 run builds them
first and in this order, which fixes the auto-numbered layer names (lstm_1, dense_5, ...) in their files.
"""
import numpy as np

from sample_kit import (keras, tf, K3, K2, L, model, ALL, MOD, first, seq, Input, Model, LSTM, Dense, rnd)



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
