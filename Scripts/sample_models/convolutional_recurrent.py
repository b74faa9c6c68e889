"""Convolutional recurrent layers: ConvLSTM1D / ConvLSTM2D / ConvLSTM3D (issue 14) and the ConvLSTM2D benchmark.

ConvLSTM2D exists in all four generations (Keras 1.2.2: ConvLSTM2D(nb_filter, nb_row, nb_col, border_mode=,
subsample=, inner_activation=, dim_ordering=)); ConvLSTM1D and ConvLSTM3D in tf-keras and Keras 3 only.
Default recurrent_activation: hard_sigmoid in Keras 1.2.2 / 2.2.4, sigmoid in tf-keras / Keras 3; the layers
that do not name it keep the default, so each file records its own.
"""
from sample_kit import (keras, K3, K1, L, model, ALL, MOD, LEGACY2, Input, Model, Dense, rnd, spec_of)
from sample_models.convolutions import Branches, _fmt, _tup, _x


def ConvLSTM(rank, filters, kernel_size, name, strides=1, padding="valid", dilation_rate=1, data_format=None,
             activation=None, recurrent_activation=None, **kw):
    """kw: return_sequences, return_state, go_backwards, stateful, use_bias (Keras 2/3 names)."""
    if K1:
        assert rank == 2 and dilation_rate == 1 and not kw.get("return_state")
        k = _tup(kernel_size, 2)
        args = dict(border_mode=padding, subsample=_tup(strides, 2), name=name, **kw)
        if activation:
            args["activation"] = activation
        if recurrent_activation:
            args["inner_activation"] = recurrent_activation
        return L.ConvLSTM2D(filters, k[0], k[1], **_fmt(args, data_format))
    args = dict(strides=strides, padding=padding, dilation_rate=dilation_rate, name=name, **kw)
    if activation:
        args["activation"] = activation
    if recurrent_activation:
        args["recurrent_activation"] = recurrent_activation
    return getattr(L, "ConvLSTM%dD" % rank)(filters, kernel_size, **_fmt(args, data_format))


@model("convlstm2d_options", ALL,
       "ConvLSTM2D on Input(4,5,6,2) (in_x: 4 frames of 5x6x2): cl_seq ConvLSTM2D(3, 3, padding='same', "
       "return_sequences=True) (default recurrent_activation of this Keras) -> cl_back ConvLSTM2D(2, (2,3), valid, "
       "go_backwards=True, activation='relu', recurrent_activation='sigmoid'); cl_strides ConvLSTM2D(2, 3, strides=2, "
       "padding='same', recurrent_activation='hard_sigmoid') on in_x (not Keras 1: its config drops subsample); cl_dil ConvLSTM2D(2, 3, dilation_rate=2, "
       "return_sequences=True, use_bias=False) on in_x (not Keras 1: no dilation); outputs cl_back, cl_strides, cl_dil")
def _():
    b = Branches("ConvLSTM2D on Input(4,5,6,2) (in_x: 4 frames of 5x6x2)" + (" (Keras 1: inner_activation, border_mode, subsample)" if K1 else ""))
    inp = Input((4, 5, 6, 2), name="in_x")
    h = ConvLSTM(2, 3, 3, "cl_seq", padding="same", return_sequences=True)(inp)
    b.add("cl_seq ConvLSTM2D(3, 3, padding='same', return_sequences=True) (default recurrent_activation) -> cl_back "
          "ConvLSTM2D(2, (2,3), valid, go_backwards=True, activation='relu', recurrent_activation='sigmoid')",
          ConvLSTM(2, 2, (2, 3), "cl_back", go_backwards=True, activation="relu", recurrent_activation="sigmoid")(h))
    if K1:
        b.skip("cl_strides", "Keras 1.2.2 ConvLSTM2D.get_config does not write subsample, so the file of a strided layer "
                             "does not say it is strided (Keras 1 itself rebuilds it with stride 1: output (5,6) instead "
                             "of (3,3))")
    else:
        b.add("cl_strides ConvLSTM2D(2, 3, strides=2, padding='same', recurrent_activation='hard_sigmoid') on in_x",
              ConvLSTM(2, 2, 3, "cl_strides", strides=2, padding="same", recurrent_activation="hard_sigmoid")(inp))
    if K1:
        b.skip("cl_dil", "Keras 1.2.2 ConvLSTM2D has no dilation")
    else:
        b.add("cl_dil ConvLSTM2D(2, 3, dilation_rate=2, return_sequences=True, use_bias=False) on in_x",
              ConvLSTM(2, 2, 3, "cl_dil", dilation_rate=2, return_sequences=True, use_bias=False)(inp))
    return b.spec("convlstm2d_options", inp, _x((4, 5, 6, 2)))


@model("convlstm2d_return_state", LEGACY2,
       "ConvLSTM2D(3, 3, padding='same', return_sequences=True, return_state=True) (cl_state) on Input(3,4,5,2) (in_x): "
       "three outputs from one layer, expected_0 = the sequence, expected_1 = h, expected_2 = c; plus cl_state2 "
       "ConvLSTM2D(2, (2,2), return_state=True, go_backwards=True) on in_x: expected_3 = output (= h), expected_4 = h, "
       "expected_5 = c")
def _():
    inp = Input((3, 4, 5, 2), name="in_x")
    outs = ConvLSTM(2, 3, 3, "cl_state", padding="same", return_sequences=True, return_state=True)(inp)
    outs2 = ConvLSTM(2, 2, (2, 2), "cl_state2", return_state=True, go_backwards=True)(inp)
    m = Model(inp, list(outs) + list(outs2), name="convlstm2d_return_state")
    return spec_of(m, _x((3, 4, 5, 2)))


@model("convlstm2d_stateful", ALL,
       "stateful ConvLSTM2D: Input(batch_shape=(2,3,4,5,2)) (in_x) -> cl_stateful ConvLSTM2D(2, 3, padding='same', "
       "stateful=True, return_sequences=True) -> cl_last ConvLSTM2D(2, 2, stateful=True); fit 2 epochs batch 2 "
       "without shuffle; reset_states() before predict; predict(batch_size=2) walks 6 rows in 3 batches carrying h/c")
def _():
    if K3:
        inp = keras.Input(batch_shape=(2, 3, 4, 5, 2), name="in_x")
    else:
        inp = L.Input(batch_shape=(2, 3, 4, 5, 2), name="in_x")
    h = ConvLSTM(2, 2, 3, "cl_stateful", padding="same", stateful=True, return_sequences=True)(inp)
    out = ConvLSTM(2, 2, 2, "cl_last", stateful=True)(h)
    m = Model(inp, out, name="convlstm2d_stateful")
    return spec_of(m, _x((3, 4, 5, 2)), batch=2, fit_batch=2, shuffle=False, stateful=True,
                   notes="fit 2 epochs batch 2 without shuffle; reset_states() before predict; predict(batch_size=2) "
                         "walks the 6 rows in 3 batches carrying h/c from batch to batch")


@model("convlstm2d_channels_first", ALL,
       "ConvLSTM2D data_format='channels_first' (Keras 1: dim_ordering='th') on Input(4,2,5,6) (in_cf: 4 frames of "
       "2x5x6): cl_cf_seq ConvLSTM2D(3, 3, padding='same', return_sequences=True) -> cl_cf ConvLSTM2D(2, (3,2), valid, "
       "go_backwards=True)")
def _():
    cfmt = "channels_first"
    inp = Input((4, 2, 5, 6), name="in_cf")
    h = ConvLSTM(2, 3, 3, "cl_cf_seq", padding="same", return_sequences=True, data_format=cfmt)(inp)
    out = ConvLSTM(2, 2, (3, 2), "cl_cf", go_backwards=True, data_format=cfmt)(h)
    m = Model(inp, out, name="convlstm2d_channels_first")
    return spec_of(m, _x((4, 2, 5, 6)))


@model("convlstm1d_options", MOD,
       "ConvLSTM1D on Input(5,7,2) (in_x: 5 steps of 7x2): cl1_seq ConvLSTM1D(3, 3, padding='same', "
       "return_sequences=True) -> cl1_back ConvLSTM1D(2, 2, valid, go_backwards=True, recurrent_activation="
       "'hard_sigmoid'); cl1_state ConvLSTM1D(2, 3, strides=2, padding='same', return_state=True) on in_x (three "
       "outputs: output, h, c); cl1_dil ConvLSTM1D(2, 3, dilation_rate=2, return_sequences=True, activation='relu') on "
       "in_x; on Input(5,2,7) (in_cf): cl1_cf ConvLSTM1D(3, 3, channels_first, use_bias=False)")
def _():
    inp = Input((5, 7, 2), name="in_x")
    cf = Input((5, 2, 7), name="in_cf")
    h = ConvLSTM(1, 3, 3, "cl1_seq", padding="same", return_sequences=True)(inp)
    back = ConvLSTM(1, 2, 2, "cl1_back", go_backwards=True, recurrent_activation="hard_sigmoid")(h)
    state = ConvLSTM(1, 2, 3, "cl1_state", strides=2, padding="same", return_state=True)(inp)
    dil = ConvLSTM(1, 2, 3, "cl1_dil", dilation_rate=2, return_sequences=True, activation="relu")(inp)
    cfo = ConvLSTM(1, 3, 3, "cl1_cf", data_format="channels_first", use_bias=False)(cf)
    m = Model([inp, cf], [back] + list(state) + [dil, cfo], name="convlstm1d_options")
    return spec_of(m, _x((5, 7, 2), (5, 2, 7)))


@model("convlstm3d_options", MOD,
       "ConvLSTM3D on Input(3,3,4,4,2) (in_x: 3 steps of 3x4x4x2): cl3_seq ConvLSTM3D(2, 2, padding='same', "
       "return_sequences=True) -> cl3_back ConvLSTM3D(2, (1,2,2), valid, go_backwards=True); on Input(3,2,3,4,4) "
       "(in_cf): cl3_cf ConvLSTM3D(2, 3, strides=(1,2,2), padding='same', channels_first, return_state=True) (three "
       "outputs: output, h, c)")
def _():
    inp = Input((3, 3, 4, 4, 2), name="in_x")
    cf = Input((3, 2, 3, 4, 4), name="in_cf")
    h = ConvLSTM(3, 2, 2, "cl3_seq", padding="same", return_sequences=True)(inp)
    back = ConvLSTM(3, 2, (1, 2, 2), "cl3_back", go_backwards=True)(h)
    state = ConvLSTM(3, 2, 3, "cl3_cf", strides=(1, 2, 2), padding="same", data_format="channels_first",
                     return_state=True)(cf)
    m = Model([inp, cf], [back] + list(state), name="convlstm3d_options")
    return spec_of(m, _x((3, 3, 4, 4, 2), (3, 2, 3, 4, 4)))


@model("bench_convlstm2d", MOD,
       "ConvLSTM2D benchmark: Input(10, 32, 32, 1) (frames) -> convlstm1 ConvLSTM2D(16, 3, padding='same', "
       "return_sequences=True) -> convlstm2 ConvLSTM2D(16, 3, padding='same') -> gap GlobalAveragePooling2D -> head "
       "Dense(10); trained 1 epoch on 8 rows, predict 2 rows in one batch")
def _():
    inp = Input((10, 32, 32, 1), name="frames")
    h = L.ConvLSTM2D(16, 3, padding="same", return_sequences=True, name="convlstm1")(inp)
    h = L.ConvLSTM2D(16, 3, padding="same", name="convlstm2")(h)
    out = Dense(10, name="head")(L.GlobalAveragePooling2D(name="gap")(h))
    m = Model(inp, out, name="bench_convlstm2d")
    return spec_of(m, [rnd((8, 10, 32, 32, 1), 0.0, 1.0)], n_pred=2, batch=2, epochs=1)
