"""Convolutions, pooling, padding / cropping / upsampling, spatial dropout, augmentation layers, TimeDistributed
around convolutions, and the CNN+LSTM benchmark (issue 14).

Most models are one Input (plus a channels_first twin input) -> one branch per option combination, each branch a
model output (expected_<layer>.npy), so a wrong option shows up in one file. Layers without weights (pooling,
padding, cropping, upsampling) sit after a trained 1x1 convolution named `pre*`, so they see trained values and
the model has something to fit.

The layer shims below (Conv, ConvT, Pool, GlobalPool, ZeroPad, Crop, UpSample, SpatialDrop) take Keras 2 / 3
arguments and build the Keras 1.2.2 class with its own arguments (Convolution2D(nb_filter, nb_row, nb_col,
subsample=, border_mode=, dim_ordering=, bias=), AtrousConvolution1D/2D for dilation, Deconvolution2D with an
explicit output_shape, MaxPooling1D(pool_length=, stride=), UpSampling1D(length=), SpatialDropout2D(p=), ...).
channels_last is never passed explicitly, so each file records the Keras default it resolved to (Keras 1 on
Theano here: dim_ordering 'tf'; Keras 2.2.4: 'channels_last', from ~/.keras/keras.json).

What exists per generation (checked in each Keras): Conv1DTranspose, DepthwiseConv1D, ConvLSTM1D/3D, groups,
augmentation layers: tf-keras and Keras 3 only; Adaptive*Pooling: Keras 3 only; SeparableConv1D/2D,
DepthwiseConv2D, Conv2DTranspose/Conv3DTranspose: Keras 2.2.4 too; Keras 1.2.2 has Deconvolution2D but its
SeparableConvolution2D refuses the Theano backend ("SeparableConv2D is only available with TensorFlow").
"""
import numpy as np

from sample_kit import (K3, TFK, K2, K1, L, keras, model, ALL, MOD, LEGACY2, Input, Model, Dense, LSTM,
                        rnd, spec_of, targets_for)

THEANO = K1 or K2

N_TRAIN = 8  # rows fitted; predict uses the first 6 in batches of 3 (spec_of defaults)


# ---------------------------------------------------------------- Theano: let its Python convolutions run
def _theano_python_convolutions():
    """Keras 1.2.2 / 2.2.4 here run Theano 1.0.5 with cxx= (no C compiler, see keras_generation.py). Out of the
    box that Theano cannot run a convolution at all:
      * its Python convolutions (ConvOp.perform and the AbstractConv*.perform reference implementation, the one
        Theano's DebugMode checks its C code against) import `_valfrommode`, `_bvalfromboundary`, `convolve` from
        `scipy.signal.signaltools` and `_convolve2d` from `scipy.signal.sigtools`; SciPy 1.10 keeps these private
        names only in `scipy.signal._signaltools` / `_sigtools`, so Theano marks scipy.signal as missing;
      * the optimizer 'AbstractConvCheck' raises for every abstract convolution no C implementation replaced
        ('same' padding = 'half', dilation, groups, 3-D, transposed), instead of letting perform() run.
      * the legacy rewrites local_conv2d_cpu / local_conv2d_gradweight_cpu / local_conv2d_gradinputs_cpu (abstract
        convolution -> old ConvOp) drop filter_dilation, so any dilated 'valid' convolution (causal Conv1D,
        ConvLSTM2D dilation, Conv2DTranspose dilation) fails with a shape error while training;
      * Keras 1.2.2's K.in_train_phase (Dropout, SpatialDropout2D/3D) calls theano.ifelse.ifelse without importing
        the submodule theano.ifelse ("module 'theano' has no attribute 'ifelse'"): it is imported here;
      * the Python Pool.perform / AveragePoolGrad.perform (and MaxPoolRop.perform) index NumPy
        arrays with a LIST of slices, which NumPy 1.23 refuses (a tuple is meant).
    This points those names at SciPy's, takes AbstractConvCheck and the three ConvOp rewrites out of the default
    optimizer query (so every convolution runs AbstractConv*.perform), and re-creates the three pool perform
    methods from their own source with tuple(...) indexing. Graphs without convolutions or pooling (every other
    sample) never meet any of this, so their numbers do not change. (With g++ instead, Theano's Cython scan cannot
    be built on Python 3.11, so every LSTM fails; and C elemwise code changes the last bits of the existing
    samples.)"""
    import inspect
    import textwrap
    import scipy.signal
    from scipy.signal import _signaltools, _sigtools
    import theano
    import theano.ifelse  # noqa: F401
    from theano.tensor.nnet import abstract_conv, conv, opt
    from theano.tensor.signal import pool
    for mod in (abstract_conv, conv):
        mod._valfrommode = _signaltools._valfrommode
        mod._bvalfromboundary = _signaltools._bvalfromboundary
        mod._convolve2d = _sigtools._convolve2d
        mod.imported_scipy_signal = True
    abstract_conv.convolve = scipy.signal.convolve

    def untag(db, name):  # what DB.remove_tags does, but idempotent
        for obj in list(db.__db__[name]):
            for tag in ("fast_compile", "fast_run"):
                db.__db__[tag].discard(obj)
    untag(theano.compile.optdb, "AbstractConvCheck")
    for name in ("local_conv2d_cpu", "local_conv2d_gradweight_cpu", "local_conv2d_gradinputs_cpu"):
        untag(opt.conv_groupopt, name)

    fixes = {"Pool": [("yk[[region_slices[i][r[i]] for i in xrange(nd)]]",
                       "yk[tuple(region_slices[i][r[i]] for i in xrange(nd))]")],
             "AveragePoolGrad": [("gxk[region_slice] += val", "gxk[tuple(region_slice)] += val")],
             "MaxPoolRop": [(" = yk[[region_slices[i][r[i]] for i in xrange(nd)]]",
                                              " = yk[tuple(region_slices[i][r[i]] for i in xrange(nd))]"),
                                             (" = eyk[[region_slices[i][r[i]] for i in xrange(nd)]]",
                                              " = eyk[tuple(region_slices[i][r[i]] for i in xrange(nd))]")]}
    for cls_name, subs in fixes.items():
        cls = getattr(pool, cls_name)
        if getattr(cls.perform, "_tuple_indexing", False):
            continue
        src = textwrap.dedent(inspect.getsource(cls.perform))
        for old, new in subs:
            assert src.count(old) == 1, (cls_name, old)
            src = src.replace(old, new)
        ns = {}
        exec(compile(src, "<theano.tensor.signal.pool.%s.perform, tuple indexing>" % cls_name, "exec"), vars(pool), ns)
        ns["perform"]._tuple_indexing = True
        cls.perform = ns["perform"]


if K1 or K2:
    _theano_python_convolutions()


# ---------------------------------------------------------------- shims (Keras 2/3 arguments -> this Keras)
def _tup(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _fmt(kw, data_format):
    """Only an explicit channels_first is passed (Keras 1: dim_ordering='th')."""
    if data_format:
        if K1:
            kw["dim_ordering"] = {"channels_first": "th", "channels_last": "tf"}[data_format]
        else:
            kw["data_format"] = data_format
    return kw


def Conv(rank, filters, kernel_size, name, strides=1, padding="valid", dilation_rate=1, activation=None,
         use_bias=True, data_format=None, groups=1):
    if K1:
        k, s, d = _tup(kernel_size, rank), _tup(strides, rank), _tup(dilation_rate, rank)
        kw = dict(border_mode=padding, bias=use_bias, name=name)
        if activation:
            kw["activation"] = activation
        if rank == 1:
            assert data_format is None
            if d[0] != 1:
                return L.AtrousConvolution1D(filters, k[0], subsample_length=s[0], atrous_rate=d[0], **kw)
            return L.Convolution1D(filters, k[0], subsample_length=s[0], **kw)
        _fmt(kw, data_format)
        if rank == 2:
            if d != (1, 1):
                return L.AtrousConvolution2D(filters, k[0], k[1], subsample=s, atrous_rate=d, **kw)
            return L.Convolution2D(filters, k[0], k[1], subsample=s, **kw)
        assert d == (1, 1, 1), "Keras 1 Convolution3D has no dilation"
        return L.Convolution3D(filters, k[0], k[1], k[2], subsample=s, **kw)
    kw = dict(strides=strides, padding=padding, dilation_rate=dilation_rate, activation=activation,
              use_bias=use_bias, name=name)
    if groups != 1:
        kw["groups"] = groups
    return getattr(L, "Conv%dD" % rank)(filters, kernel_size, **_fmt(kw, data_format))


def Pool(kind, rank, pool_size, name, strides=None, padding="valid", data_format=None):
    """kind 'Max' or 'Average'."""
    cls = getattr(L, "%sPooling%dD" % (kind, rank))
    if K1:
        if rank == 1:
            assert data_format is None
            return cls(pool_length=pool_size, stride=strides, border_mode=padding, name=name)
        return cls(**_fmt(dict(pool_size=_tup(pool_size, rank), strides=strides and _tup(strides, rank),
                               border_mode=padding, name=name), data_format))
    return cls(**_fmt(dict(pool_size=pool_size, strides=strides, padding=padding, name=name), data_format))


def GlobalPool(kind, rank, name, data_format=None, keepdims=None):
    kw = _fmt(dict(name=name), data_format)
    if keepdims is not None:
        kw["keepdims"] = keepdims
    return getattr(L, "Global%sPooling%dD" % (kind, rank))(**kw)


def ZeroPad(rank, padding, name, data_format=None):
    if K1 and rank == 2:  # Keras 1: (top, bottom, left, right)
        (t, b), (l, r) = padding
        padding = (t, b, l, r)
    return getattr(L, "ZeroPadding%dD" % rank)(padding, **_fmt(dict(name=name), data_format))


def Crop(rank, cropping, name, data_format=None):
    return getattr(L, "Cropping%dD" % rank)(cropping, **_fmt(dict(name=name), data_format))


def UpSample(rank, size, name, data_format=None, interpolation=None):
    if rank == 1:
        return L.UpSampling1D(length=size, name=name) if K1 else L.UpSampling1D(size=size, name=name)
    kw = _fmt(dict(size=size, name=name), data_format)
    if interpolation is not None:
        kw["interpolation"] = interpolation
    return getattr(L, "UpSampling%dD" % rank)(**kw)


def SpatialDrop(rank, rate, name, data_format=None):
    cls = getattr(L, "SpatialDropout%dD" % rank)
    if K1:
        return cls(p=rate, **_fmt(dict(name=name), data_format))
    return cls(rate, **_fmt(dict(name=name), data_format))


def TD(layer, name):
    return L.TimeDistributed(layer, name=name)


def Flatten(name):
    return L.Flatten(name=name)


class Branches:
    """Outputs of a branch model plus the covers text of what this generation built (and what it could not)."""

    def __init__(self, head):
        self.head, self.outs, self.desc, self.skipped, self.untrained = head, [], [], {}, []

    def add(self, desc, tensor, train=True):
        """train=False: fit through a model without this output (see spec)."""
        self.outs.append(tensor)
        self.desc.append(desc)
        if not train:
            self.untrained.append(desc.split()[0])
        return tensor

    def skip(self, what, why):
        self.skipped[what] = why

    def covers(self):
        text = self.head + ": " + "; ".join(self.desc) + "; one output per branch"
        if self.skipped:
            text += " (not in this generation: %s)" % "; ".join("%s: %s" % kv for kv in self.skipped.items())
        return text

    def spec(self, name, inputs, x, **kw):
        m = Model(inputs, self.outs, name=name)
        spec = spec_of(m, x, **kw)
        spec["covers"] = self.covers()
        if self.untrained:
            fm = Model(inputs, [t for t, d in zip(self.outs, self.desc) if d.split()[0] not in self.untrained],
                       name=name + "_fit")
            spec["fit_model"] = fm
            spec["y"] = targets_for(fm, x[0].shape[0])
            spec["notes"] = ("trained through a model without the outputs %s (same layers and weights): Theano's Python "
                             "AveragePoolGrad.perform raises NotImplementedError for mode='average_exc_pad' with "
                             "padding, i.e. average pooling with padding='same' has no gradient here; the saved model "
                             "and predictions have every output" % ", ".join(self.untrained))
        if self.skipped:
            spec.setdefault("extra", {})["options_skipped"] = self.skipped
        return spec


def _x(*shapes, lo=-1.0, hi=1.0):
    return [rnd((N_TRAIN,) + tuple(s), lo, hi) for s in shapes]


# ---------------------------------------------------------------- Conv1D
@model("conv1d_options", ALL,
       "Conv1D branches on Input(8,3) (in_x): c1d_same_s2 Conv1D(4, 3, strides=2, padding='same', relu) (even length: "
       "TF pads 0 before / 1 after, Theano 'half' pads 1 / 1); c1d_valid_nobias Conv1D(3, 2, valid, use_bias=False, "
       "tanh); c1d_dilated Conv1D(3, 3, dilation_rate=2, padding='same') (Keras 1: AtrousConvolution1D(atrous_rate=2)); "
       "c1d_even_same Conv1D(2, 2, padding='same') (even kernel); c1d_causal Conv1D(2, 3, padding='causal', "
       "dilation_rate=2, sigmoid) (not Keras 1)")
def _():
    b = Branches("Conv1D branches on Input(8,3) (in_x)" + (" (Keras 1 classes Convolution1D / AtrousConvolution1D)" if K1 else ""))
    inp = Input((8, 3), name="in_x")
    b.add("c1d_same_s2 Conv1D(4, 3, strides=2, padding='same', relu)",
          Conv(1, 4, 3, "c1d_same_s2", strides=2, padding="same", activation="relu")(inp))
    b.add("c1d_valid_nobias Conv1D(3, 2, valid, use_bias=False, tanh)",
          Conv(1, 3, 2, "c1d_valid_nobias", use_bias=False, activation="tanh")(inp))
    b.add("c1d_dilated Conv1D(3, 3, dilation_rate=2, padding='same')" + (" as AtrousConvolution1D(atrous_rate=2)" if K1 else ""),
          Conv(1, 3, 3, "c1d_dilated", dilation_rate=2, padding="same")(inp))
    b.add("c1d_even_same Conv1D(2, 2, padding='same')", Conv(1, 2, 2, "c1d_even_same", padding="same")(inp))
    if K1:
        b.skip("c1d_causal", "Keras 1.2.2 Convolution1D has no 'causal' border_mode")
    else:
        b.add("c1d_causal Conv1D(2, 3, padding='causal', dilation_rate=2, sigmoid)",
              Conv(1, 2, 3, "c1d_causal", padding="causal", dilation_rate=2, activation="sigmoid")(inp))
    return b.spec("conv1d_options", inp, _x((8, 3)))


@model("conv1d_channels_first", LEGACY2,
       "Conv1D data_format='channels_first' on Input(3,8) (in_cf: 3 channels, length 8): c1d_cf_same_s2 Conv1D(5, 3, "
       "strides=2, padding='same', relu, channels_first); c1d_cf_dilated Conv1D(2, 3, dilation_rate=2, valid, "
       "use_bias=False, channels_first)")
def _():
    b = Branches("Conv1D data_format='channels_first' on Input(3,8) (in_cf: 3 channels, length 8)")
    inp = Input((3, 8), name="in_cf")
    b.add("c1d_cf_same_s2 Conv1D(5, 3, strides=2, padding='same', relu, channels_first)",
          Conv(1, 5, 3, "c1d_cf_same_s2", strides=2, padding="same", activation="relu", data_format="channels_first")(inp))
    b.add("c1d_cf_dilated Conv1D(2, 3, dilation_rate=2, valid, use_bias=False, channels_first)",
          Conv(1, 2, 3, "c1d_cf_dilated", dilation_rate=2, use_bias=False, data_format="channels_first")(inp))
    return b.spec("conv1d_channels_first", inp, _x((3, 8)))


@model("conv1d_groups", MOD,
       "Conv1D groups on Input(8,4) (in_x): c1d_g2 Conv1D(6, 3, groups=2, padding='same', relu) (kernel (3, 2, 6)); "
       "c1d_g4 Conv1D(4, 2, groups=4, valid, use_bias=False) (kernel (2, 1, 4)); and on Input(4,8) (in_cf): c1d_cf_g2 "
       "Conv1D(6, 3, groups=2, strides=2, channels_first)")
def _():
    b = Branches("Conv1D groups on Input(8,4) (in_x) and Input(4,8) (in_cf, channels_first)")
    inp = Input((8, 4), name="in_x")
    cf = Input((4, 8), name="in_cf")
    b.add("c1d_g2 Conv1D(6, 3, groups=2, padding='same', relu) (kernel (3, 2, 6))",
          Conv(1, 6, 3, "c1d_g2", groups=2, padding="same", activation="relu")(inp))
    b.add("c1d_g4 Conv1D(4, 2, groups=4, valid, use_bias=False) (kernel (2, 1, 4))",
          Conv(1, 4, 2, "c1d_g4", groups=4, use_bias=False)(inp))
    b.add("c1d_cf_g2 Conv1D(6, 3, groups=2, strides=2, channels_first)",
          Conv(1, 6, 3, "c1d_cf_g2", groups=2, strides=2, data_format="channels_first")(cf))
    return b.spec("conv1d_groups", [inp, cf], _x((8, 4), (4, 8)))


# ---------------------------------------------------------------- Conv2D
@model("conv2d_options", ALL,
       "Conv2D branches on Input(6,7,3) (in_x): c2d_same_s2 Conv2D(4, 3, strides=2, padding='same', relu) (6 rows: even "
       "input with stride 2); c2d_rect_valid Conv2D(3, (2,3), strides=(1,2), valid, use_bias=False); c2d_dilated "
       "Conv2D(2, (3,2), dilation_rate=(2,1), padding='same', tanh) (Keras 1: AtrousConvolution2D); c2d_even_same "
       "Conv2D(2, (2,2), padding='same'); c2d_1x1 Conv2D(2, 1, sigmoid) after sdrop2d SpatialDropout2D(0.3) after "
       "c2d_same_s2 (identity at predict)")
def _():
    b = Branches("Conv2D branches on Input(6,7,3) (in_x)" + (" (Keras 1 Convolution2D / AtrousConvolution2D)" if K1 else ""))
    inp = Input((6, 7, 3), name="in_x")
    h = b.add("c2d_same_s2 Conv2D(4, 3, strides=2, padding='same', relu)",
              Conv(2, 4, 3, "c2d_same_s2", strides=2, padding="same", activation="relu")(inp))
    b.add("c2d_rect_valid Conv2D(3, (2,3), strides=(1,2), valid, use_bias=False)",
          Conv(2, 3, (2, 3), "c2d_rect_valid", strides=(1, 2), use_bias=False)(inp))
    b.add("c2d_dilated Conv2D(2, (3,2), dilation_rate=(2,1), padding='same', tanh)" +
          (" as AtrousConvolution2D(atrous_rate=(2,1))" if K1 else ""),
          Conv(2, 2, (3, 2), "c2d_dilated", dilation_rate=(2, 1), padding="same", activation="tanh")(inp))
    b.add("c2d_even_same Conv2D(2, (2,2), padding='same')", Conv(2, 2, (2, 2), "c2d_even_same", padding="same")(inp))
    d = SpatialDrop(2, 0.3, "sdrop2d")(h)
    b.add("c2d_1x1 Conv2D(2, 1, sigmoid) after sdrop2d SpatialDropout2D(0.3) after c2d_same_s2",
          Conv(2, 2, 1, "c2d_1x1", activation="sigmoid")(d))
    return b.spec("conv2d_options", inp, _x((6, 7, 3)))


@model("conv2d_channels_first", ALL,
       "Conv2D data_format='channels_first' (Keras 1: dim_ordering='th') on Input(3,6,7) (in_cf): c2d_cf_same_s2 "
       "Conv2D(5, 3, strides=2, padding='same', relu); c2d_cf_dilated Conv2D(2, 3, dilation_rate=2, valid, "
       "use_bias=False) (Keras 1: AtrousConvolution2D); c2d_cf_1x2 Conv2D(2, (1,2)) after sdrop2d_cf "
       "SpatialDropout2D(0.25, channels_first) after c2d_cf_same_s2")
def _():
    cfmt = "channels_first"
    b = Branches("Conv2D data_format='channels_first'%s on Input(3,6,7) (in_cf)" % (" (Keras 1: dim_ordering='th')" if K1 else ""))
    inp = Input((3, 6, 7), name="in_cf")
    h = b.add("c2d_cf_same_s2 Conv2D(5, 3, strides=2, padding='same', relu)",
              Conv(2, 5, 3, "c2d_cf_same_s2", strides=2, padding="same", activation="relu", data_format=cfmt)(inp))
    b.add("c2d_cf_dilated Conv2D(2, 3, dilation_rate=2, valid, use_bias=False)" + (" as AtrousConvolution2D" if K1 else ""),
          Conv(2, 2, 3, "c2d_cf_dilated", dilation_rate=2, use_bias=False, data_format=cfmt)(inp))
    d = SpatialDrop(2, 0.25, "sdrop2d_cf", data_format=cfmt)(h)
    b.add("c2d_cf_1x2 Conv2D(2, (1,2)) after sdrop2d_cf SpatialDropout2D(0.25, channels_first) after c2d_cf_same_s2" +
          (" (Keras 1 writes no dim_ordering for SpatialDropout2D; it is the identity at predict)" if K1 else ""),
          Conv(2, 2, (1, 2), "c2d_cf_1x2", data_format=cfmt)(d))
    return b.spec("conv2d_channels_first", inp, _x((3, 6, 7)))


@model("conv2d_groups", MOD,
       "Conv2D groups on Input(5,6,4) (in_x): c2d_g2 Conv2D(6, 3, groups=2, padding='same', relu) (kernel (3,3,2,6)); "
       "c2d_g4 Conv2D(4, (2,3), groups=4, valid, use_bias=False) (kernel (2,3,1,4)); on Input(4,5,6) (in_cf): "
       "c2d_cf_g2 Conv2D(6, 3, groups=2, strides=2, channels_first)")
def _():
    b = Branches("Conv2D groups on Input(5,6,4) (in_x) and Input(4,5,6) (in_cf, channels_first)")
    inp = Input((5, 6, 4), name="in_x")
    cf = Input((4, 5, 6), name="in_cf")
    b.add("c2d_g2 Conv2D(6, 3, groups=2, padding='same', relu) (kernel (3,3,2,6))",
          Conv(2, 6, 3, "c2d_g2", groups=2, padding="same", activation="relu")(inp))
    b.add("c2d_g4 Conv2D(4, (2,3), groups=4, valid, use_bias=False) (kernel (2,3,1,4))",
          Conv(2, 4, (2, 3), "c2d_g4", groups=4, use_bias=False)(inp))
    b.add("c2d_cf_g2 Conv2D(6, 3, groups=2, strides=2, channels_first)",
          Conv(2, 6, 3, "c2d_cf_g2", groups=2, strides=2, data_format="channels_first")(cf))
    return b.spec("conv2d_groups", [inp, cf], _x((5, 6, 4), (4, 5, 6)))


# ---------------------------------------------------------------- Conv3D
@model("conv3d_options", ALL,
       "Conv3D branches on Input(4,5,6,2) (in_x): c3d_same Conv3D(3, (2,3,3), strides=(1,2,2), padding='same', relu) "
       "(even kernel depth); c3d_valid_dil Conv3D(2, 2, dilation_rate=(1,2,1), valid, use_bias=False) (Keras 1: no "
       "dilation, Convolution3D(2, 2, 2, 2) valid); c3d_1x1 Conv3D(2, 1, tanh) after sdrop3d SpatialDropout3D(0.3) "
       "after c3d_same; and on Input(2,4,5,6) (in_cf): c3d_cf Conv3D(3, (3,2,2), strides=(1,2,1), padding='same', "
       "channels_first) (Keras 1: dim_ordering='th')")
def _():
    b = Branches("Conv3D branches on Input(4,5,6,2) (in_x) and Input(2,4,5,6) (in_cf, channels_first)" +
                 (" (Keras 1 Convolution3D)" if K1 else ""))
    inp = Input((4, 5, 6, 2), name="in_x")
    cf = Input((2, 4, 5, 6), name="in_cf")
    h = b.add("c3d_same Conv3D(3, (2,3,3), strides=(1,2,2), padding='same', relu)",
              Conv(3, 3, (2, 3, 3), "c3d_same", strides=(1, 2, 2), padding="same", activation="relu")(inp))
    if K1:
        b.add("c3d_valid_dil Convolution3D(2, 2, 2, 2) valid, bias=False (Keras 1 has no 3-D dilation)",
              Conv(3, 2, 2, "c3d_valid_dil", use_bias=False)(inp))
    else:
        b.add("c3d_valid_dil Conv3D(2, 2, dilation_rate=(1,2,1), valid, use_bias=False)",
              Conv(3, 2, 2, "c3d_valid_dil", dilation_rate=(1, 2, 1), use_bias=False)(inp))
    d = SpatialDrop(3, 0.3, "sdrop3d")(h)
    b.add("c3d_1x1 Conv3D(2, 1, tanh) after sdrop3d SpatialDropout3D(0.3) after c3d_same",
          Conv(3, 2, 1, "c3d_1x1", activation="tanh")(d))
    b.add("c3d_cf Conv3D(3, (3,2,2), strides=(1,2,1), padding='same', channels_first)",
          Conv(3, 3, (3, 2, 2), "c3d_cf", strides=(1, 2, 1), padding="same", data_format="channels_first")(cf))
    return b.spec("conv3d_options", [inp, cf], _x((4, 5, 6, 2), (2, 4, 5, 6)))


@model("conv3d_groups", MOD,
       "Conv3D groups on Input(3,4,5,4) (in_x): c3d_g2 Conv3D(4, 2, groups=2, padding='same') (kernel (2,2,2,2,4)); "
       "on Input(4,3,4,5) (in_cf): c3d_cf_g4 Conv3D(4, (1,2,2), groups=4, channels_first, use_bias=False)")
def _():
    b = Branches("Conv3D groups on Input(3,4,5,4) (in_x) and Input(4,3,4,5) (in_cf, channels_first)")
    inp = Input((3, 4, 5, 4), name="in_x")
    cf = Input((4, 3, 4, 5), name="in_cf")
    b.add("c3d_g2 Conv3D(4, 2, groups=2, padding='same') (kernel (2,2,2,2,4))",
          Conv(3, 4, 2, "c3d_g2", groups=2, padding="same")(inp))
    b.add("c3d_cf_g4 Conv3D(4, (1,2,2), groups=4, channels_first, use_bias=False)",
          Conv(3, 4, (1, 2, 2), "c3d_cf_g4", groups=4, use_bias=False, data_format="channels_first")(cf))
    return b.spec("conv3d_groups", [inp, cf], _x((3, 4, 5, 4), (4, 3, 4, 5)))


@model("conv_cf_bias_quirk", MOD,
       "channels_first layers whose LAST spatial size equals their channel count (every branch is built so), to record "
       "where the bias goes: Keras 3.15's TensorFlow-backend keras.ops.add(x, bias of shape (1, C, 1, ..)) turns into "
       "tf.nn.bias_add(data_format='NHWC') whenever x.shape[-1] == C, i.e. it adds the bias along the last spatial axis. "
       "Branches (channels_first, outputs (B, C, ..., C)): q_conv1d Conv1D(4, 3, strides=2, padding='same') on Input(3,8) "
       "(in_1d); q_conv2d Conv2D(4, 3, strides=2, padding='same') on Input(3,6,7) (in_2d); q_conv3d Conv3D(3, 2) on "
       "Input(2,3,4,4) (in_3d); q_convt2d Conv2DTranspose(4, 2) on Input(3,3,3) (in_t2d); q_sep2d SeparableConv2D(4, (2,3)) "
       "on Input(3,5,6) (in_s2d); q_dw2d DepthwiseConv2D((3,2), depth_multiplier=2) on Input(3,6,7) (in_2d); q_dw1d "
       "DepthwiseConv1D(2, depth_multiplier=2) on Input(3,7) (in_1d7); biases initialized RandomUniform(-1, 1). tf-keras adds every bias per channel (its twin here "
       "is the reference); in Keras 3 predict (see notes) q_conv1d and q_conv2d get it per channel, the others along the "
       "last axis")
def _():
    cfmt = "channels_first"

    def bias_init():  # biases far from 0 so where they go is plain to see (2 epochs of SGD keep them near the start)
        return keras.initializers.RandomUniform(-1.0, 1.0)
    b = Branches("channels_first layers whose last spatial size equals their channel count (Keras 3 bias-axis quirk); "
                 "biases initialized RandomUniform(-1, 1)")
    i1, i2, i3 = Input((3, 8), name="in_1d"), Input((3, 6, 7), name="in_2d"), Input((2, 3, 4, 4), name="in_3d")
    it, isp, i17 = Input((3, 3, 3), name="in_t2d"), Input((3, 5, 6), name="in_s2d"), Input((3, 7), name="in_1d7")
    b.add("q_conv1d Conv1D(4, 3, strides=2, padding='same') -> (B,4,4)",
          L.Conv1D(4, 3, strides=2, padding="same", data_format=cfmt, bias_initializer=bias_init(), name="q_conv1d")(i1))
    b.add("q_conv2d Conv2D(4, 3, strides=2, padding='same') -> (B,4,3,4)",
          L.Conv2D(4, 3, strides=2, padding="same", data_format=cfmt, bias_initializer=bias_init(), name="q_conv2d")(i2))
    b.add("q_conv3d Conv3D(3, 2) -> (B,3,2,3,3)", L.Conv3D(3, 2, data_format=cfmt, bias_initializer=bias_init(), name="q_conv3d")(i3))
    b.add("q_convt2d Conv2DTranspose(4, 2) -> (B,4,4,4)", L.Conv2DTranspose(4, 2, data_format=cfmt, bias_initializer=bias_init(), name="q_convt2d")(it))
    b.add("q_sep2d SeparableConv2D(4, (2,3)) -> (B,4,4,4)",
          L.SeparableConv2D(4, (2, 3), data_format=cfmt, bias_initializer=bias_init(), name="q_sep2d")(isp))
    b.add("q_dw2d DepthwiseConv2D((3,2), depth_multiplier=2) -> (B,6,4,6)",
          L.DepthwiseConv2D((3, 2), depth_multiplier=2, data_format=cfmt, bias_initializer=bias_init(), name="q_dw2d")(i2))
    b.add("q_dw1d DepthwiseConv1D(2, depth_multiplier=2) -> (B,6,6)",
          L.DepthwiseConv1D(2, depth_multiplier=2, data_format=cfmt, bias_initializer=bias_init(), name="q_dw1d")(i17))
    spec = b.spec("conv_cf_bias_quirk", [i1, i2, i3, it, isp, i17],
                  _x((3, 8), (3, 6, 7), (2, 3, 4, 4), (3, 3, 3), (3, 5, 6), (3, 7)))
    if K3:
        spec["notes"] = ("Keras 3.15.1 (TensorFlow backend) keras/src/backend/tensorflow/numpy.py add(): 'if x1.shape[-1] == "
                         "x2_squeeze_shape[0]: data_format = \"NHWC\"' -> tf.nn.bias_add on the last axis. Measured with "
                         "zero kernels and bias 1..C: in model.predict Conv3D, Conv*Transpose, SeparableConv*, "
                         "DepthwiseConv* add the bias along the last spatial axis, Conv1D/Conv2D per channel (their graph-mode "
                         "static shape does not trigger it); in an eager call model(x) ALL of them use the last axis, so "
                         "model(x) != model.predict(x) for q_conv1d / q_conv2d. expected*.npy are predict outputs.")
    return spec


# ---------------------------------------------------------------- transposed convolutions
def _deconv2d_k1(filters, k, name, in_hw, strides=(1, 1), padding="valid", extra=(0, 0), data_format=None, **kw):
    """Keras 1 Deconvolution2D: the output shape is an argument (batch None); `extra` adds what output_padding
    adds in Keras 2 (Theano accepts any output size whose convolution gives the input size back)."""
    s = _tup(strides, 2)
    k = _tup(k, 2)
    if padding == "valid":
        hw = [(i - 1) * st + kk + e for i, st, kk, e in zip(in_hw, s, k, extra)]
    else:
        hw = [i * st + e for i, st, e in zip(in_hw, s, extra)]
    shape = (None, filters) + tuple(hw) if data_format == "channels_first" else (None,) + tuple(hw) + (filters,)
    return L.Deconvolution2D(filters, k[0], k[1], output_shape=shape, subsample=s, border_mode=padding, name=name,
                             **_fmt(kw, data_format))


@model("conv_transpose_2d", ALL,
       "Conv2DTranspose on Input(4,5,2) (in_x): ct2d_same_s2 Conv2DTranspose(3, 3, strides=2, padding='same', relu); "
       "ct2d_valid_outpad Conv2DTranspose(2, (3,2), strides=(2,3), valid, output_padding=(1,2)); ct2d_dilated "
       "Conv2DTranspose(2, 3, dilation_rate=2, valid, use_bias=False) (not Keras 1); on Input(2,4,5) (in_cf): ct2d_cf "
       "Conv2DTranspose(3, 3, strides=2, valid, channels_first). Keras 1: Deconvolution2D with output_shape "
       "(output_padding expressed as a larger output_shape)")
def _():
    b = Branches("Conv2DTranspose on Input(4,5,2) (in_x) and Input(2,4,5) (in_cf, channels_first)" +
                 (" as Keras 1 Deconvolution2D(nb_filter, nb_row, nb_col, output_shape=(None, ...), subsample, border_mode)" if K1 else ""))
    inp = Input((4, 5, 2), name="in_x")
    cf = Input((2, 4, 5), name="in_cf")
    if K1:
        b.add("ct2d_same_s2 Deconvolution2D(3, 3, 3, output_shape=(None, 8, 10, 3), subsample=(2,2), border_mode='same', relu)",
              _deconv2d_k1(3, 3, "ct2d_same_s2", (4, 5), strides=2, padding="same", activation="relu")(inp))
        b.add("ct2d_valid_outpad Deconvolution2D(2, 3, 2, output_shape=(None, 10, 16, 2), subsample=(2,3)) (the "
              "output_padding=(1,2) output size)",
              _deconv2d_k1(2, (3, 2), "ct2d_valid_outpad", (4, 5), strides=(2, 3), extra=(1, 2))(inp))
        b.skip("ct2d_dilated", "Keras 1.2.2 Deconvolution2D has no dilation")
        b.add("ct2d_cf Deconvolution2D(3, 3, 3, output_shape=(None, 3, 9, 11), subsample=(2,2), dim_ordering='th')",
              _deconv2d_k1(3, 3, "ct2d_cf", (4, 5), strides=2, data_format="channels_first")(cf))
    else:
        b.add("ct2d_same_s2 Conv2DTranspose(3, 3, strides=2, padding='same', relu)",
              L.Conv2DTranspose(3, 3, strides=2, padding="same", activation="relu", name="ct2d_same_s2")(inp))
        b.add("ct2d_valid_outpad Conv2DTranspose(2, (3,2), strides=(2,3), valid, output_padding=(1,2))",
              L.Conv2DTranspose(2, (3, 2), strides=(2, 3), output_padding=(1, 2), name="ct2d_valid_outpad")(inp))
        b.add("ct2d_dilated Conv2DTranspose(2, 3, dilation_rate=2, valid, use_bias=False)",
              L.Conv2DTranspose(2, 3, dilation_rate=2, use_bias=False, name="ct2d_dilated")(inp))
        b.add("ct2d_cf Conv2DTranspose(3, 3, strides=2, valid, channels_first)",
              L.Conv2DTranspose(3, 3, strides=2, data_format="channels_first", name="ct2d_cf")(cf))
    return b.spec("conv_transpose_2d", [inp, cf], _x((4, 5, 2), (2, 4, 5)))


@model("conv_transpose_1d", MOD,
       "Conv1DTranspose on Input(5,2) (in_x): ct1d_same_s2_outpad Conv1DTranspose(3, 3, strides=2, padding='same', "
       "output_padding=1, relu); ct1d_dilated Conv1DTranspose(2, 3, dilation_rate=2, valid, use_bias=False); "
       "ct1d_even_s3 Conv1DTranspose(2, 4, strides=3, padding='same'); on Input(2,5) (in_cf): ct1d_cf "
       "Conv1DTranspose(3, 2, strides=2, valid, channels_first)")
def _():
    b = Branches("Conv1DTranspose on Input(5,2) (in_x) and Input(2,5) (in_cf, channels_first)")
    inp = Input((5, 2), name="in_x")
    cf = Input((2, 5), name="in_cf")
    b.add("ct1d_same_s2_outpad Conv1DTranspose(3, 3, strides=2, padding='same', output_padding=1, relu)",
          L.Conv1DTranspose(3, 3, strides=2, padding="same", output_padding=1, activation="relu", name="ct1d_same_s2_outpad")(inp))
    b.add("ct1d_dilated Conv1DTranspose(2, 3, dilation_rate=2, valid, use_bias=False)",
          L.Conv1DTranspose(2, 3, dilation_rate=2, use_bias=False, name="ct1d_dilated")(inp))
    b.add("ct1d_even_s3 Conv1DTranspose(2, 4, strides=3, padding='same')",
          L.Conv1DTranspose(2, 4, strides=3, padding="same", name="ct1d_even_s3")(inp))
    b.add("ct1d_cf Conv1DTranspose(3, 2, strides=2, valid, channels_first)",
          L.Conv1DTranspose(3, 2, strides=2, data_format="channels_first", name="ct1d_cf")(cf))
    return b.spec("conv_transpose_1d", [inp, cf], _x((5, 2), (2, 5)))


@model("conv_transpose_3d", LEGACY2,
       "Conv3DTranspose on Input(3,4,3,2) (in_x): ct3d_valid_outpad Conv3DTranspose(3, 2, strides=2, valid, "
       "output_padding=1, relu); ct3d_same Conv3DTranspose(2, 3, strides=(1,2,1), padding='same', use_bias=False); "
       "ct3d_dilated Conv3DTranspose(2, 2, dilation_rate=2) (Keras 3 only: tf-keras ignores dilation_rate and drops it "
       "from the config, Keras 2.2.4 has no such argument); on Input(2,3,4,3) (in_cf): ct3d_cf Conv3DTranspose(3, "
       "(1,2,3), strides=(1,2,2), valid, channels_first)")
def _():
    b = Branches("Conv3DTranspose on Input(3,4,3,2) (in_x) and Input(2,3,4,3) (in_cf, channels_first)")
    inp = Input((3, 4, 3, 2), name="in_x")
    cf = Input((2, 3, 4, 3), name="in_cf")
    b.add("ct3d_valid_outpad Conv3DTranspose(3, 2, strides=2, valid, output_padding=1, relu)",
          L.Conv3DTranspose(3, 2, strides=2, output_padding=1, activation="relu", name="ct3d_valid_outpad")(inp))
    b.add("ct3d_same Conv3DTranspose(2, 3, strides=(1,2,1), padding='same', use_bias=False)",
          L.Conv3DTranspose(2, 3, strides=(1, 2, 1), padding="same", use_bias=False, name="ct3d_same")(inp))
    if K3:
        b.add("ct3d_dilated Conv3DTranspose(2, 2, dilation_rate=2)",
              L.Conv3DTranspose(2, 2, dilation_rate=2, name="ct3d_dilated")(inp))
    elif TFK:
        b.skip("ct3d_dilated", "tf-keras Conv3DTranspose ignores dilation_rate (calls tf.nn.conv3d_transpose without "
                               "dilations, computes the size without it) and get_config pops it")
    else:
        b.skip("ct3d_dilated", "Keras 2.2.4 Conv3DTranspose has no dilation_rate argument")
    b.add("ct3d_cf Conv3DTranspose(3, (1,2,3), strides=(1,2,2), valid, channels_first)",
          L.Conv3DTranspose(3, (1, 2, 3), strides=(1, 2, 2), data_format="channels_first", name="ct3d_cf")(cf))
    return b.spec("conv_transpose_3d", [inp, cf], _x((3, 4, 3, 2), (2, 3, 4, 3)))


# ---------------------------------------------------------------- separable / depthwise
@model("separable_conv_1d", LEGACY2,
       "SeparableConv1D on Input(8,3) (in_x): sep1d_dm2_s2 SeparableConv1D(4, 3, depth_multiplier=2, strides=2, "
       "padding='same', relu); sep1d_dilated SeparableConv1D(2, 3, dilation_rate=2, valid, use_bias=False); on "
       "Input(3,8) (in_cf): sep1d_cf SeparableConv1D(4, 2, depth_multiplier=3, channels_first)")
def _():
    b = Branches("SeparableConv1D on Input(8,3) (in_x) and Input(3,8) (in_cf, channels_first)")
    inp = Input((8, 3), name="in_x")
    cf = Input((3, 8), name="in_cf")
    b.add("sep1d_dm2_s2 SeparableConv1D(4, 3, depth_multiplier=2, strides=2, padding='same', relu)",
          L.SeparableConv1D(4, 3, depth_multiplier=2, strides=2, padding="same", activation="relu", name="sep1d_dm2_s2")(inp))
    b.add("sep1d_dilated SeparableConv1D(2, 3, dilation_rate=2, valid, use_bias=False)",
          L.SeparableConv1D(2, 3, dilation_rate=2, use_bias=False, name="sep1d_dilated")(inp))
    b.add("sep1d_cf SeparableConv1D(4, 2, depth_multiplier=3, channels_first)",
          L.SeparableConv1D(4, 2, depth_multiplier=3, data_format="channels_first", name="sep1d_cf")(cf))
    return b.spec("separable_conv_1d", [inp, cf], _x((8, 3), (3, 8)))


@model("separable_conv_2d", LEGACY2,
       "SeparableConv2D on Input(6,7,3) (in_x): sep2d_dm2_s2 SeparableConv2D(4, 3, depth_multiplier=2, strides=2, "
       "padding='same', relu); sep2d_dilated SeparableConv2D(2, (3,2), dilation_rate=(2,1), valid, use_bias=False); on "
       "Input(3,6,7) (in_cf): sep2d_cf SeparableConv2D(4, (2,3), depth_multiplier=2, channels_first). (Keras 1.2.2 "
       "SeparableConvolution2D refuses the Theano backend)")
def _():
    b = Branches("SeparableConv2D on Input(6,7,3) (in_x) and Input(3,6,7) (in_cf, channels_first)")
    inp = Input((6, 7, 3), name="in_x")
    cf = Input((3, 6, 7), name="in_cf")
    b.add("sep2d_dm2_s2 SeparableConv2D(4, 3, depth_multiplier=2, strides=2, padding='same', relu)",
          L.SeparableConv2D(4, 3, depth_multiplier=2, strides=2, padding="same", activation="relu", name="sep2d_dm2_s2")(inp))
    b.add("sep2d_dilated SeparableConv2D(2, (3,2), dilation_rate=(2,1), valid, use_bias=False)",
          L.SeparableConv2D(2, (3, 2), dilation_rate=(2, 1), use_bias=False, name="sep2d_dilated")(inp))
    b.add("sep2d_cf SeparableConv2D(4, (2,3), depth_multiplier=2, channels_first)",
          L.SeparableConv2D(4, (2, 3), depth_multiplier=2, data_format="channels_first", name="sep2d_cf")(cf))
    return b.spec("separable_conv_2d", [inp, cf], _x((6, 7, 3), (3, 6, 7)))


@model("depthwise_conv_2d", LEGACY2,
       "DepthwiseConv2D on Input(6,7,3) (in_x): dw2d_dm2_s2 DepthwiseConv2D(3, depth_multiplier=2, strides=2, "
       "padding='same', relu); dw2d_valid DepthwiseConv2D((2,3), valid, use_bias=False); dw2d_dilated "
       "DepthwiseConv2D(3, dilation_rate=2, depth_multiplier=2) (not Keras 2.2.4: no dilation_rate argument); on "
       "Input(3,6,7) (in_cf): dw2d_cf DepthwiseConv2D(3, depth_multiplier=2, channels_first)")
def _():
    b = Branches("DepthwiseConv2D on Input(6,7,3) (in_x) and Input(3,6,7) (in_cf, channels_first)")
    inp = Input((6, 7, 3), name="in_x")
    cf = Input((3, 6, 7), name="in_cf")
    b.add("dw2d_dm2_s2 DepthwiseConv2D(3, depth_multiplier=2, strides=2, padding='same', relu)",
          L.DepthwiseConv2D(3, depth_multiplier=2, strides=2, padding="same", activation="relu", name="dw2d_dm2_s2")(inp))
    b.add("dw2d_valid DepthwiseConv2D((2,3), valid, use_bias=False)",
          L.DepthwiseConv2D((2, 3), use_bias=False, name="dw2d_valid")(inp))
    if K2:
        b.skip("dw2d_dilated", "Keras 2.2.4 DepthwiseConv2D has no dilation_rate argument")
    else:
        b.add("dw2d_dilated DepthwiseConv2D(3, dilation_rate=2, depth_multiplier=2)",
              L.DepthwiseConv2D(3, dilation_rate=2, depth_multiplier=2, name="dw2d_dilated")(inp))
    b.add("dw2d_cf DepthwiseConv2D(3, depth_multiplier=2, channels_first)",
          L.DepthwiseConv2D(3, depth_multiplier=2, data_format="channels_first", name="dw2d_cf")(cf))
    return b.spec("depthwise_conv_2d", [inp, cf], _x((6, 7, 3), (3, 6, 7)))


@model("depthwise_conv_1d", MOD,
       "DepthwiseConv1D on Input(8,3) (in_x): dw1d_dm2_s2 DepthwiseConv1D(3, depth_multiplier=2, strides=2, "
       "padding='same', relu); dw1d_dilated DepthwiseConv1D(3, dilation_rate=2, valid, use_bias=False); on "
       "Input(3,8) (in_cf): dw1d_cf DepthwiseConv1D(2, depth_multiplier=2, channels_first)")
def _():
    b = Branches("DepthwiseConv1D on Input(8,3) (in_x) and Input(3,8) (in_cf, channels_first)")
    inp = Input((8, 3), name="in_x")
    cf = Input((3, 8), name="in_cf")
    b.add("dw1d_dm2_s2 DepthwiseConv1D(3, depth_multiplier=2, strides=2, padding='same', relu)",
          L.DepthwiseConv1D(3, depth_multiplier=2, strides=2, padding="same", activation="relu", name="dw1d_dm2_s2")(inp))
    b.add("dw1d_dilated DepthwiseConv1D(3, dilation_rate=2, valid, use_bias=False)",
          L.DepthwiseConv1D(3, dilation_rate=2, use_bias=False, name="dw1d_dilated")(inp))
    b.add("dw1d_cf DepthwiseConv1D(2, depth_multiplier=2, channels_first)",
          L.DepthwiseConv1D(2, depth_multiplier=2, data_format="channels_first", name="dw1d_cf")(cf))
    return b.spec("depthwise_conv_1d", [inp, cf], _x((8, 3), (3, 8)))


# ---------------------------------------------------------------- pooling
def _pre(rank, channels, name, data_format=None):
    """The trained 1x1 convolution in front of weightless layers."""
    return Conv(rank, channels, 1, name, data_format=data_format)


@model("pooling1d_options", ALL,
       "1-D pooling after pre Conv1D(3, 1) of Input(8,3) (in_x): mp1d_2 MaxPooling1D(2); mp1d_3_s2_same "
       "MaxPooling1D(3, strides=2, padding='same'); ap1d_2_s1_same AveragePooling1D(2, strides=1, padding='same'); "
       "ap1d_3_s2_valid AveragePooling1D(3, strides=2, valid); ap1d_2_same AveragePooling1D(2, padding='same'); after "
       "pre_cf Conv1D(3, 1, channels_first) of Input(3,8) (in_cf): mp1d_cf MaxPooling1D(2, strides=1, "
       "channels_first), ap1d_cf_same AveragePooling1D(3, strides=2, padding='same', channels_first) (channels_first: "
       "not Keras 1). Keras 1: MaxPooling1D(pool_length, stride, border_mode)")
def _():
    b = Branches("1-D pooling after pre Conv1D(3, 1) of Input(8,3) (in_x)" +
                 ("" if K1 else " and after pre_cf Conv1D(3, 1, channels_first) of Input(3,8) (in_cf)"))
    inp = Input((8, 3), name="in_x")
    h = _pre(1, 3, "pre")(inp)
    for desc, args in (("mp1d_2 MaxPooling1D(2)", ("Max", 2, "mp1d_2")),
                       ("mp1d_3_s2_same MaxPooling1D(3, strides=2, padding='same')", ("Max", 3, "mp1d_3_s2_same", 2, "same")),
                       ("ap1d_2_s1_same AveragePooling1D(2, strides=1, padding='same')", ("Average", 2, "ap1d_2_s1_same", 1, "same")),
                       ("ap1d_3_s2_valid AveragePooling1D(3, strides=2, valid)", ("Average", 3, "ap1d_3_s2_valid", 2)),
                       ("ap1d_2_same AveragePooling1D(2, padding='same')", ("Average", 2, "ap1d_2_same", None, "same"))):
        kind, size, name = args[:3]
        avg_same = kind == "Average" and args[-1] == "same"
        b.add(desc, Pool(kind, 1, size, name, *args[3:])(h), train=not (THEANO and avg_same))
    inputs, x = [inp], _x((8, 3))
    if K1:
        b.skip("mp1d_cf, ap1d_cf_same", "Keras 1.2.2 1-D pooling has no dim_ordering")
    else:
        cf = Input((3, 8), name="in_cf")
        hc = _pre(1, 3, "pre_cf", data_format="channels_first")(cf)
        b.add("mp1d_cf MaxPooling1D(2, strides=1, channels_first)",
              Pool("Max", 1, 2, "mp1d_cf", strides=1, data_format="channels_first")(hc))
        b.add("ap1d_cf_same AveragePooling1D(3, strides=2, padding='same', channels_first)",
              Pool("Average", 1, 3, "ap1d_cf_same", strides=2, padding="same", data_format="channels_first")(hc),
              train=not THEANO)
        inputs, x = [inp, cf], _x((8, 3), (3, 8))
    return b.spec("pooling1d_options", inputs, x)


@model("pooling2d_options", ALL,
       "2-D pooling after pre Conv2D(2, 1) of Input(6,7,2) (in_x): mp2d_2 MaxPooling2D(2); mp2d_32_s21_same "
       "MaxPooling2D((3,2), strides=(2,1), padding='same'); ap2d_3_s2_same AveragePooling2D(3, strides=2, "
       "padding='same'); ap2d_23_s12_valid AveragePooling2D((2,3), strides=(1,2), valid); ap2d_2_same "
       "AveragePooling2D(2, padding='same'); after pre_cf Conv2D(2, 1, channels_first) of Input(2,6,7) (in_cf): "
       "mp2d_cf_same MaxPooling2D(2, strides=1, padding='same', channels_first); ap2d_cf AveragePooling2D((2,3), "
       "channels_first). Keras 1: border_mode, dim_ordering")
def _():
    b = Branches("2-D pooling after pre Conv2D(2, 1) of Input(6,7,2) (in_x) and pre_cf Conv2D(2, 1, channels_first) of Input(2,6,7) (in_cf)")
    inp = Input((6, 7, 2), name="in_x")
    cf = Input((2, 6, 7), name="in_cf")
    h = _pre(2, 2, "pre")(inp)
    hc = _pre(2, 2, "pre_cf", data_format="channels_first")(cf)
    b.add("mp2d_2 MaxPooling2D(2)", Pool("Max", 2, 2, "mp2d_2")(h))
    b.add("mp2d_32_s21_same MaxPooling2D((3,2), strides=(2,1), padding='same')",
          Pool("Max", 2, (3, 2), "mp2d_32_s21_same", strides=(2, 1), padding="same")(h))
    b.add("ap2d_3_s2_same AveragePooling2D(3, strides=2, padding='same')",
          Pool("Average", 2, 3, "ap2d_3_s2_same", strides=2, padding="same")(h), train=not THEANO)
    b.add("ap2d_23_s12_valid AveragePooling2D((2,3), strides=(1,2), valid)",
          Pool("Average", 2, (2, 3), "ap2d_23_s12_valid", strides=(1, 2))(h))
    b.add("ap2d_2_same AveragePooling2D(2, padding='same')", Pool("Average", 2, 2, "ap2d_2_same", padding="same")(h),
          train=not THEANO)
    b.add("mp2d_cf_same MaxPooling2D(2, strides=1, padding='same', channels_first)",
          Pool("Max", 2, 2, "mp2d_cf_same", strides=1, padding="same", data_format="channels_first")(hc))
    b.add("ap2d_cf AveragePooling2D((2,3), channels_first)",
          Pool("Average", 2, (2, 3), "ap2d_cf", data_format="channels_first")(hc))
    return b.spec("pooling2d_options", [inp, cf], _x((6, 7, 2), (2, 6, 7)))


@model("pooling3d_options", ALL,
       "3-D pooling after pre Conv3D(2, 1) of Input(4,5,6,2) (in_x): mp3d_2 MaxPooling3D(2); mp3d_323_same "
       "MaxPooling3D((3,2,3), strides=(1,2,2), padding='same'); mp3d_123_same MaxPooling3D((1,2,3), strides=(1,2,2), "
       "padding='same') (not Keras 1/2: their Theano pool3d fails for a pool size of 1 with 'same'); ap3d_223_s2_same AveragePooling3D((2,2,3), strides=2, "
       "padding='same'); ap3d_322_valid AveragePooling3D((3,2,2), strides=1, valid); after pre_cf Conv3D(2, 1, "
       "channels_first) of Input(2,4,5,6) (in_cf): mp3d_cf_same MaxPooling3D(2, padding='same', channels_first); "
       "ap3d_cf AveragePooling3D(2, strides=(1,2,2), channels_first)")
def _():
    b = Branches("3-D pooling after pre Conv3D(2, 1) of Input(4,5,6,2) (in_x) and pre_cf Conv3D(2, 1, channels_first) of Input(2,4,5,6) (in_cf)")
    inp = Input((4, 5, 6, 2), name="in_x")
    cf = Input((2, 4, 5, 6), name="in_cf")
    h = _pre(3, 2, "pre")(inp)
    hc = _pre(3, 2, "pre_cf", data_format="channels_first")(cf)
    b.add("mp3d_2 MaxPooling3D(2)", Pool("Max", 3, 2, "mp3d_2")(h))
    b.add("mp3d_323_same MaxPooling3D((3,2,3), strides=(1,2,2), padding='same')",
          Pool("Max", 3, (3, 2, 3), "mp3d_323_same", strides=(1, 2, 2), padding="same")(h))
    if K3 or TFK:
        b.add("mp3d_123_same MaxPooling3D((1,2,3), strides=(1,2,2), padding='same')",
              Pool("Max", 3, (1, 2, 3), "mp3d_123_same", strides=(1, 2, 2), padding="same")(h))
    else:
        b.skip("mp3d_123_same", "MaxPooling3D((1,2,3), padding='same'): Keras %s's Theano pool3d computes the pad of a "
                                "pool size 1 as 1 - 2 = -1 (pool2d guards it with pool_size > 2, pool3d does not) and "
                                "Theano fails" % ("1.2.2" if K1 else "2.2.4"))
    b.add("ap3d_223_s2_same AveragePooling3D((2,2,3), strides=2, padding='same')",
          Pool("Average", 3, (2, 2, 3), "ap3d_223_s2_same", strides=2, padding="same")(h), train=not THEANO)
    b.add("ap3d_322_valid AveragePooling3D((3,2,2), strides=1, valid)",
          Pool("Average", 3, (3, 2, 2), "ap3d_322_valid", strides=1)(h))
    b.add("mp3d_cf_same MaxPooling3D(2, padding='same', channels_first)",
          Pool("Max", 3, 2, "mp3d_cf_same", padding="same", data_format="channels_first")(hc))
    b.add("ap3d_cf AveragePooling3D(2, strides=(1,2,2), channels_first)",
          Pool("Average", 3, 2, "ap3d_cf", strides=(1, 2, 2), data_format="channels_first")(hc))
    return b.spec("pooling3d_options", [inp, cf], _x((4, 5, 6, 2), (2, 4, 5, 6)))


def _global_pooling(keepdims):
    head = ("Global pooling%s after pre1 Conv1D(3, 1) of Input(6,3) (in_1d), pre2 Conv2D(3, 1) of Input(4,5,3) (in_2d), "
            "pre3 Conv3D(2, 1) of Input(3,4,5,2) (in_3d), pre2_cf Conv2D(3, 1, channels_first) of Input(3,4,5) (in_2d_cf), "
            "pre3_cf Conv3D(2, 1, channels_first) of Input(2,3,4,5) (in_3d_cf)" % (" with keepdims" if keepdims else ""))
    b = Branches(head)
    i1, i2, i3 = Input((6, 3), name="in_1d"), Input((4, 5, 3), name="in_2d"), Input((3, 4, 5, 2), name="in_3d")
    i2c, i3c = Input((3, 4, 5), name="in_2d_cf"), Input((2, 3, 4, 5), name="in_3d_cf")
    h1, h2, h3 = _pre(1, 3, "pre1")(i1), _pre(2, 3, "pre2")(i2), _pre(3, 2, "pre3")(i3)
    cfmt = "channels_first"
    h2c, h3c = _pre(2, 3, "pre2_cf", data_format=cfmt)(i2c), _pre(3, 2, "pre3_cf", data_format=cfmt)(i3c)
    kd = True if keepdims else None
    rows = [("Max", 1, h1, None, kd), ("Average", 1, h1, None, None), ("Max", 2, h2, None, None), ("Average", 2, h2, None, kd),
            ("Max", 3, h3, None, kd), ("Average", 3, h3, None, None), ("Max", 2, h2c, cfmt, kd), ("Average", 2, h2c, cfmt, None),
            ("Max", 3, h3c, cfmt, None), ("Average", 3, h3c, cfmt, kd)]
    if not keepdims and not K1:
        i1c = Input((3, 6), name="in_1d_cf")
        h1c = _pre(1, 3, "pre1_cf", data_format=cfmt)(i1c)
        rows += [("Max", 1, h1c, cfmt, None), ("Average", 1, h1c, cfmt, None)]
        b.head += ", pre1_cf Conv1D(3, 1, channels_first) of Input(3,6) (in_1d_cf)"
    for kind, rank, t, fmt, k in rows:
        name = "g%sp%dd%s%s" % ("m" if kind == "Max" else "a", rank, "_cf" if fmt else "", "_keep" if k else "")
        desc = "%s Global%sPooling%dD(%s)" % (name, kind, rank, ", ".join(
            (["data_format='channels_first'"] if fmt else []) + (["keepdims=True"] if k else [])))
        b.add(desc, GlobalPool(kind, rank, name, data_format=fmt, keepdims=k)(t))
    if K1:
        b.skip("GlobalMax/AveragePooling1D channels_first", "Keras 1.2.2 GlobalPooling1D has no dim_ordering")
    inputs = [i1, i2, i3, i2c, i3c] + ([i1c] if (not keepdims and not K1) else [])
    shapes = [(6, 3), (4, 5, 3), (3, 4, 5, 2), (3, 4, 5), (2, 3, 4, 5)] + ([(3, 6)] if (not keepdims and not K1) else [])
    return b, inputs, _x(*shapes)


@model("global_pooling_options", ALL,
       "GlobalMaxPooling1D/2D/3D and GlobalAveragePooling1D/2D/3D, channels_last and channels_first (1-D "
       "channels_first not in Keras 1), each after a trained 1x1 convolution of its own input; one output per layer "
       "(gmp1d, gap1d, gmp2d, gap2d, gmp3d, gap3d, gmp2d_cf, gap2d_cf, gmp3d_cf, gap3d_cf, gmp1d_cf, gap1d_cf)")
def _():
    b, inputs, x = _global_pooling(False)
    return b.spec("global_pooling_options", inputs, x)


@model("global_pooling_keepdims", MOD,
       "Global pooling keepdims=True (tf-keras / Keras 3) on the inputs of global_pooling_options: gmp1d_keep, "
       "gap2d_keep, gmp3d_keep, gmp2d_cf_keep, gap3d_cf_keep with keepdims=True, the other five without")
def _():
    b, inputs, x = _global_pooling(True)
    return b.spec("global_pooling_keepdims", inputs, x)


@model("adaptive_pooling_options", ("keras3",),
       "Adaptive pooling (Keras 3): after pre1 Conv1D(2, 1) of Input(7,2) (in_1d): aap1d_3 AdaptiveAveragePooling1D(3), "
       "amp1d_4 AdaptiveMaxPooling1D(4); after pre2 Conv2D(2, 1) of Input(6,7,2) (in_2d): aap2d_43 "
       "AdaptiveAveragePooling2D((4,3)), amp2d_52 AdaptiveMaxPooling2D((5,2)); after pre2_cf Conv2D(2, 1, channels_first) "
       "of Input(2,6,7) (in_2d_cf): aap2d_cf AdaptiveAveragePooling2D((4,5), channels_first), amp2d_cf "
       "AdaptiveMaxPooling2D((3,4), channels_first); after pre1_cf Conv1D(2, 1, channels_first) of Input(2,7) "
       "(in_1d_cf): amp1d_cf AdaptiveMaxPooling1D(5, channels_first); output sizes that do not divide the input")
def _():
    b = Branches("Adaptive pooling (Keras 3), output sizes that do not divide the input")
    cfmt = "channels_first"
    i1, i2 = Input((7, 2), name="in_1d"), Input((6, 7, 2), name="in_2d")
    i2c, i1c = Input((2, 6, 7), name="in_2d_cf"), Input((2, 7), name="in_1d_cf")
    h1, h2 = _pre(1, 2, "pre1")(i1), _pre(2, 2, "pre2")(i2)
    h2c, h1c = _pre(2, 2, "pre2_cf", data_format=cfmt)(i2c), _pre(1, 2, "pre1_cf", data_format=cfmt)(i1c)
    b.add("aap1d_3 AdaptiveAveragePooling1D(3) on (7,2)", L.AdaptiveAveragePooling1D(3, name="aap1d_3")(h1))
    b.add("amp1d_4 AdaptiveMaxPooling1D(4) on (7,2)", L.AdaptiveMaxPooling1D(4, name="amp1d_4")(h1))
    b.add("aap2d_43 AdaptiveAveragePooling2D((4,3)) on (6,7,2)", L.AdaptiveAveragePooling2D((4, 3), name="aap2d_43")(h2))
    b.add("amp2d_52 AdaptiveMaxPooling2D((5,2)) on (6,7,2)", L.AdaptiveMaxPooling2D((5, 2), name="amp2d_52")(h2))
    b.add("aap2d_cf AdaptiveAveragePooling2D((4,5), channels_first) on (2,6,7)",
          L.AdaptiveAveragePooling2D((4, 5), data_format=cfmt, name="aap2d_cf")(h2c))
    b.add("amp2d_cf AdaptiveMaxPooling2D((3,4), channels_first) on (2,6,7)",
          L.AdaptiveMaxPooling2D((3, 4), data_format=cfmt, name="amp2d_cf")(h2c))
    b.add("amp1d_cf AdaptiveMaxPooling1D(5, channels_first) on (2,7)",
          L.AdaptiveMaxPooling1D(5, data_format=cfmt, name="amp1d_cf")(h1c))
    return b.spec("adaptive_pooling_options", [i1, i2, i2c, i1c], _x((7, 2), (6, 7, 2), (2, 6, 7), (2, 7)))


# ---------------------------------------------------------------- padding, cropping, upsampling
K1_NO_DIM_ORDERING = ("Keras 1.2.2 ZeroPadding2D/3D, Cropping2D/3D, UpSampling2D/3D and SpatialDropout2D/3D do not "
                      "write dim_ordering in their config, so a file cannot say they were channels_first (Keras 1 "
                      "itself reloads them with the loader's default ordering and computes other shapes); not built")


@model("padding_cropping_options", ALL,
       "ZeroPadding / Cropping after trained 1x1 convolutions: on Input(7,3) (in_1d): zp1d ZeroPadding1D((1,2)), "
       "crop1d Cropping1D((2,1)); on Input(5,6,2) (in_2d): zp2d ZeroPadding2D(((1,0),(2,1))), crop2d "
       "Cropping2D(((1,0),(2,1))); on Input(3,4,5,2) (in_3d): zp3d ZeroPadding3D(((1,0),(0,2),(1,1))) (Keras 1: "
       "symmetric only, ZeroPadding3D((1,2,1))), crop3d Cropping3D(((1,0),(0,1),(1,2))); channels_first twins on "
       "Input(2,5,6) (in_2d_cf): zp2d_cf, crop2d_cf; and Input(2,3,4,5) (in_3d_cf): zp3d_cf, crop3d_cf (same amounts; not Keras "
       "1: its configs do not record dim_ordering)")
def _():
    b = Branches("ZeroPadding / Cropping after trained 1x1 convolutions (pre1, pre2, pre3%s)" % ("" if K1 else ", pre2_cf, pre3_cf"))
    cfmt = "channels_first"
    i1, i2, i3 = Input((7, 3), name="in_1d"), Input((5, 6, 2), name="in_2d"), Input((3, 4, 5, 2), name="in_3d")
    h1, h2, h3 = _pre(1, 3, "pre1")(i1), _pre(2, 2, "pre2")(i2), _pre(3, 2, "pre3")(i3)
    zp3 = (1, 2, 1) if K1 else ((1, 0), (0, 2), (1, 1))
    b.add("zp1d ZeroPadding1D((1,2)) on (7,3)", ZeroPad(1, (1, 2), "zp1d")(h1))
    b.add("crop1d Cropping1D((2,1)) on (7,3)", Crop(1, (2, 1), "crop1d")(h1))
    b.add("zp2d ZeroPadding2D(((1,0),(2,1)))%s on (5,6,2)" % (" (Keras 1 tuple (1,0,2,1): top, bottom, left, right)" if K1 else ""),
          ZeroPad(2, ((1, 0), (2, 1)), "zp2d")(h2))
    b.add("crop2d Cropping2D(((1,0),(2,1))) on (5,6,2)", Crop(2, ((1, 0), (2, 1)), "crop2d")(h2))
    b.add("zp3d ZeroPadding3D(%s) on (3,4,5,2)" % (zp3,), ZeroPad(3, zp3, "zp3d")(h3))
    b.add("crop3d Cropping3D(((1,0),(0,1),(1,2))) on (3,4,5,2)", Crop(3, ((1, 0), (0, 1), (1, 2)), "crop3d")(h3))
    if K1:
        b.skip("asymmetric ZeroPadding3D", "Keras 1.2.2 ZeroPadding3D takes one symmetric amount per axis")
        b.skip("zp2d_cf, crop2d_cf, zp3d_cf, crop3d_cf", K1_NO_DIM_ORDERING)
        return b.spec("padding_cropping_options", [i1, i2, i3], _x((7, 3), (5, 6, 2), (3, 4, 5, 2)))
    i2c, i3c = Input((2, 5, 6), name="in_2d_cf"), Input((2, 3, 4, 5), name="in_3d_cf")
    h2c, h3c = _pre(2, 2, "pre2_cf", data_format=cfmt)(i2c), _pre(3, 2, "pre3_cf", data_format=cfmt)(i3c)
    b.add("zp2d_cf ZeroPadding2D(((1,0),(2,1)), channels_first) on (2,5,6)",
          ZeroPad(2, ((1, 0), (2, 1)), "zp2d_cf", data_format=cfmt)(h2c))
    b.add("crop2d_cf Cropping2D(((1,0),(2,1)), channels_first) on (2,5,6)",
          Crop(2, ((1, 0), (2, 1)), "crop2d_cf", data_format=cfmt)(h2c))
    b.add("zp3d_cf ZeroPadding3D(%s, channels_first) on (2,3,4,5)" % (zp3,), ZeroPad(3, zp3, "zp3d_cf", data_format=cfmt)(h3c))
    b.add("crop3d_cf Cropping3D(((1,0),(0,1),(1,2)), channels_first) on (2,3,4,5)",
          Crop(3, ((1, 0), (0, 1), (1, 2)), "crop3d_cf", data_format=cfmt)(h3c))
    return b.spec("padding_cropping_options", [i1, i2, i3, i2c, i3c], _x((7, 3), (5, 6, 2), (3, 4, 5, 2), (2, 5, 6), (2, 3, 4, 5)))


@model("upsampling_options", ALL,
       "UpSampling after trained 1x1 convolutions: up1d UpSampling1D(3) on Input(4,3) (in_1d) (Keras 1: length=3); "
       "up2d_nearest UpSampling2D((2,3)) and up2d_bilinear UpSampling2D(2, interpolation='bilinear') (not Keras 1; "
       "Keras 2.2.4 on Theano takes bilinear only for size (2,2)) on Input(3,4,2) (in_2d); up3d UpSampling3D((1,2,2)) "
       "on Input(2,3,3,2) (in_3d); channels_first: up2d_cf UpSampling2D((3,2)), up2d_cf_bilinear UpSampling2D(2, "
       "bilinear) on Input(2,3,4) (in_2d_cf), up3d_cf UpSampling3D((2,1,2)) on Input(2,2,3,3) (in_3d_cf) (channels_first: not "
       "Keras 1, its configs do not record dim_ordering)")
def _():
    b = Branches("UpSampling after trained 1x1 convolutions (pre1, pre2, pre3%s)" % ("" if K1 else ", pre2_cf, pre3_cf"))
    cfmt = "channels_first"
    i1, i2, i3 = Input((4, 3), name="in_1d"), Input((3, 4, 2), name="in_2d"), Input((2, 3, 3, 2), name="in_3d")
    h1, h2, h3 = _pre(1, 3, "pre1")(i1), _pre(2, 2, "pre2")(i2), _pre(3, 2, "pre3")(i3)
    b.add("up1d UpSampling1D(3) on (4,3)", UpSample(1, 3, "up1d")(h1))
    b.add("up2d_nearest UpSampling2D((2,3)) on (3,4,2)", UpSample(2, (2, 3), "up2d_nearest")(h2))
    if K1:
        b.skip("up2d_bilinear, up2d_cf_bilinear", "Keras 1.2.2 UpSampling2D has no interpolation argument")
    else:
        b.add("up2d_bilinear UpSampling2D(2, interpolation='bilinear') on (3,4,2)",
              UpSample(2, 2, "up2d_bilinear", interpolation="bilinear")(h2))
    b.add("up3d UpSampling3D((1,2,2)) on (2,3,3,2)", UpSample(3, (1, 2, 2), "up3d")(h3))
    if K1:
        b.skip("up2d_cf, up3d_cf", K1_NO_DIM_ORDERING)
        return b.spec("upsampling_options", [i1, i2, i3], _x((4, 3), (3, 4, 2), (2, 3, 3, 2)))
    i2c, i3c = Input((2, 3, 4), name="in_2d_cf"), Input((2, 2, 3, 3), name="in_3d_cf")
    h2c, h3c = _pre(2, 2, "pre2_cf", data_format=cfmt)(i2c), _pre(3, 2, "pre3_cf", data_format=cfmt)(i3c)
    b.add("up2d_cf UpSampling2D((3,2), channels_first) on (2,3,4)", UpSample(2, (3, 2), "up2d_cf", data_format=cfmt)(h2c))
    b.add("up2d_cf_bilinear UpSampling2D(2, interpolation='bilinear', channels_first) on (2,3,4)",
          UpSample(2, 2, "up2d_cf_bilinear", data_format=cfmt, interpolation="bilinear")(h2c))
    b.add("up3d_cf UpSampling3D((2,1,2), channels_first) on (2,2,3,3)", UpSample(3, (2, 1, 2), "up3d_cf", data_format=cfmt)(h3c))
    return b.spec("upsampling_options", [i1, i2, i3, i2c, i3c], _x((4, 3), (3, 4, 2), (2, 3, 3, 2), (2, 3, 4), (2, 2, 3, 3)))


@model("augmentation_noop", MOD,
       "Augmentation layers, the identity at predict: Input(6,7,3) (in_x) -> flip RandomFlip('horizontal_and_vertical') "
       "-> rotate RandomRotation(0.2) -> zoom RandomZoom(0.2, 0.1) -> contrast RandomContrast(0.3) -> translate "
       "RandomTranslation(0.1, 0.2) -> conv Conv2D(3, 3, relu) -> gap GlobalAveragePooling2D -> head Dense(2); "
       "layer_outputs.npz shows each augmentation output equal to its input")
def _():
    inp = Input((6, 7, 3), name="in_x")
    h = L.RandomFlip("horizontal_and_vertical", name="flip")(inp)
    h = L.RandomRotation(0.2, name="rotate")(h)
    h = L.RandomZoom(0.2, 0.1, name="zoom")(h)
    h = L.RandomContrast(0.3, name="contrast")(h)
    h = L.RandomTranslation(0.1, 0.2, name="translate")(h)
    h = L.Conv2D(3, 3, activation="relu", name="conv")(h)
    out = Dense(2, name="head")(L.GlobalAveragePooling2D(name="gap")(h))
    m = Model(inp, out, name="augmentation_noop")
    return spec_of(m, _x((6, 7, 3), lo=0.0, hi=1.0))


# ---------------------------------------------------------------- TimeDistributed around convolutions
@model("time_distributed_conv_2d", ALL,
       "TimeDistributed around image layers: Input(3,6,7,2) (in_x: 3 frames) -> td_conv TimeDistributed(Conv2D(3, 3, "
       "relu)) -> td_pool TimeDistributed(MaxPooling2D(2)) -> td_flatten TimeDistributed(Flatten()) -> td_dense "
       "TimeDistributed(Dense(2)); outputs td_dense and, second, td_conv2 TimeDistributed(Conv2D(2, (2,3), strides=2, "
       "padding='same')) on in_x")
def _():
    inp = Input((3, 6, 7, 2), name="in_x")
    h = TD(Conv(2, 3, 3, "conv", activation="relu"), "td_conv")(inp)
    h = TD(Pool("Max", 2, 2, "pool"), "td_pool")(h)
    h = TD(Flatten("flatten"), "td_flatten")(h)
    out = TD(Dense(2, name="dense"), "td_dense")(h)
    out2 = TD(Conv(2, 2, (2, 3), "conv2", strides=2, padding="same"), "td_conv2")(inp)
    m = Model(inp, [out, out2], name="time_distributed_conv_2d")
    return spec_of(m, _x((3, 6, 7, 2)))


@model("time_distributed_conv_1d", ALL,
       "TimeDistributed around 1-D layers: Input(3,8,2) (in_x: 3 sequences of length 8) -> td_conv1d "
       "TimeDistributed(Conv1D(3, 3, padding='same', relu)) -> td_pool1d TimeDistributed(MaxPooling1D(2)) -> "
       "td_flatten TimeDistributed(Flatten()) -> lstm LSTM(4) -> head Dense(2)")
def _():
    inp = Input((3, 8, 2), name="in_x")
    h = TD(Conv(1, 3, 3, "conv1d", padding="same", activation="relu"), "td_conv1d")(inp)
    h = TD(Pool("Max", 1, 2, "pool1d"), "td_pool1d")(h)
    h = TD(Flatten("flatten"), "td_flatten")(h)
    out = Dense(2, name="head")(LSTM(4, name="lstm")(h))
    m = Model(inp, out, name="time_distributed_conv_1d")
    return spec_of(m, _x((3, 8, 2)))


# ---------------------------------------------------------------- benchmark
@model("bench_cnn_lstm", MOD,
       "CNN + LSTM benchmark: Input(16, 32, 32, 1) (frames) -> td_conv1 TimeDistributed(Conv2D(16, 3, relu)) -> td_pool "
       "TimeDistributed(MaxPooling2D(2)) -> td_conv2 TimeDistributed(Conv2D(32, 3, relu)) -> td_gap "
       "TimeDistributed(GlobalAveragePooling2D()) -> lstm LSTM(64) -> head Dense(10); trained 1 epoch on 8 rows, "
       "predict 2 rows in one batch")
def _():
    inp = Input((16, 32, 32, 1), name="frames")
    h = TD(L.Conv2D(16, 3, activation="relu", name="conv1"), "td_conv1")(inp)
    h = TD(L.MaxPooling2D(2, name="pool"), "td_pool")(h)
    h = TD(L.Conv2D(32, 3, activation="relu", name="conv2"), "td_conv2")(h)
    h = TD(L.GlobalAveragePooling2D(name="gap"), "td_gap")(h)
    out = Dense(10, name="head")(LSTM(64, name="lstm")(h))
    m = Model(inp, out, name="bench_cnn_lstm")
    return spec_of(m, [rnd((8, 16, 32, 32, 1), 0.0, 1.0)], n_pred=2, batch=2, epochs=1)
