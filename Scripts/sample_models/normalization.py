"""Normalization layers: LayerNormalization (axes, center/scale), RMSNormalization (Keras 3), GroupNormalization,
UnitNormalization, preprocessing Normalization (adapted / given mean and variance, invert) and Rescaling.

None of these exist in Keras 1.2.2 or 2.2.4. Layers with weights sit after a trained Dense and are model
outputs themselves, so their gamma/beta are trained away from ones/zeros and expected_<layer>.npy checks
each one directly.
"""
import numpy as np

from sample_kit import (L, MODELS, model, MOD, Input, Model, Dense, spec_of)


def _outputs_of(name, inp_shape, layers, epochs=3, x=None, **kw):
    """Input -> Dense(last dim, name='dense') -> each layer as its own output."""
    inp = Input(inp_shape, name="in_x")
    h = Dense(inp_shape[-1], name="dense")(inp)
    m = Model(inp, [layer(h) for layer in layers], name=name)
    x = x if x is not None else (np.random.normal(size=(16,) + tuple(inp_shape)) * 1.5 + 0.5).astype("float32")
    return spec_of(m, [x], epochs=epochs, **kw)


@model("layer_norm_axes", MOD,
       "LayerNormalization on Dense(4) of Input(5,4): ln_last LayerNormalization() (axis=-1, epsilon=0.001); ln_trailing "
       "LayerNormalization(axis=[1, 2]) (gamma/beta (5,4)); ln_axis1 LayerNormalization(axis=1) (a NON-trailing axis: "
       "statistics over the 5 steps per feature, gamma/beta (5,)); ln_no_center LayerNormalization(center=False); "
       "ln_no_scale LayerNormalization(scale=False, epsilon=1e-5); ln_axis1_plain LayerNormalization(axis=1, "
       "center=False, scale=False) (no weights); six outputs, trained 3 epochs")
def _():
    return _outputs_of("layer_norm_axes", (5, 4), [
        L.LayerNormalization(name="ln_last"),
        L.LayerNormalization(axis=[1, 2], name="ln_trailing"),
        L.LayerNormalization(axis=1, name="ln_axis1"),
        L.LayerNormalization(center=False, name="ln_no_center"),
        L.LayerNormalization(scale=False, epsilon=1e-5, name="ln_no_scale"),
        L.LayerNormalization(axis=1, center=False, scale=False, name="ln_axis1_plain"),
    ])


@model("rms_norm", ("keras3",),
       "RMSNormalization on Dense(4) of Input(5,4): rms_last RMSNormalization() (axis=-1, epsilon=1e-6, scale (4,)); "
       "rms_trailing RMSNormalization(axis=[1, 2], epsilon=1e-4) (scale (5,4)); two outputs, trained 3 epochs. "
       "(RMSNormalization(axis=1), a non-trailing axis, builds a scale (5,) that Keras 3.15 then multiplies against the "
       "last axis: call fails, so it is not in the sample)")
def _():
    return _outputs_of("rms_norm", (5, 4), [
        L.RMSNormalization(name="rms_last"),
        L.RMSNormalization(axis=[1, 2], epsilon=1e-4, name="rms_trailing"),
    ])


@model("group_norm", MOD,
       "GroupNormalization on Dense(4) of Input(5,4) (channels = last axis, 4): gn_2 GroupNormalization(groups=2); "
       "gn_1 GroupNormalization(groups=1, epsilon=1e-5); gn_4_plain GroupNormalization(groups=4, center=False, "
       "scale=False); gn_instance GroupNormalization(groups=-1) where this Keras accepts -1 (instance norm; Keras "
       "replaces -1 by the channel count when building, so the saved config says groups 4); and on "
       "a 4-D Input(3,3,4) image, gn_image GroupNormalization(groups=2); trained 3 epochs")
def _():
    seq_in = Input((5, 4), name="in_x")
    img_in = Input((3, 3, 4), name="in_image")
    h = Dense(4, name="dense")(seq_in)
    g = Dense(4, name="dense_image")(img_in)
    layers = [L.GroupNormalization(groups=2, name="gn_2"),
              L.GroupNormalization(groups=1, epsilon=1e-5, name="gn_1"),
              L.GroupNormalization(groups=4, center=False, scale=False, name="gn_4_plain")]
    outs = [layer(h) for layer in layers]
    skipped = {}
    try:
        outs.append(L.GroupNormalization(groups=-1, name="gn_instance")(h))
    except Exception as e:  # Keras 3 validates groups > 0 (checked when building)
        skipped["gn_instance"] = "GroupNormalization(groups=-1): %s: %s" % (type(e).__name__, str(e).splitlines()[0][:200])
    outs.append(L.GroupNormalization(groups=2, name="gn_image")(g))
    m = Model([seq_in, img_in], outs, name="group_norm")
    x = [(np.random.normal(size=(16, 5, 4)) * 1.5 + 0.5).astype("float32"),
         (np.random.normal(size=(16, 3, 3, 4)) * 1.5 + 0.5).astype("float32")]
    spec = spec_of(m, x, epochs=3, extra={"options_skipped": skipped})
    if skipped:
        spec["covers"] = MODELS["group_norm"]["covers"].split(" gn_instance")[0] + " and on" + \
            MODELS["group_norm"]["covers"].split("); and on")[1] + " (groups=-1 refused by this Keras)"
    else:
        spec["covers"] = MODELS["group_norm"]["covers"].replace(" where this Keras accepts -1", "")
    return spec



@model("unit_norm", MOD,
       "UnitNormalization on Dense(4) of Input(5,4): un_last UnitNormalization() (axis=-1); un_12 "
       "UnitNormalization(axis=(1, 2)) (a tuple: L2 over steps and features together); un_axis1 UnitNormalization(axis=1); "
       "three outputs")
def _():
    return _outputs_of("unit_norm", (5, 4), [
        L.UnitNormalization(name="un_last"),
        L.UnitNormalization(axis=(1, 2), name="un_12"),
        L.UnitNormalization(axis=1, name="un_axis1"),
    ], epochs=2)


@model("preprocessing_normalization", MOD,
       "preprocessing Normalization on Input(3,4) (data ~ N(3, 2^2)): norm_adapted Normalization(axis=-1) adapted "
       "(mean/variance (4,)); norm_axis_none Normalization(axis=None) adapted (scalar mean/variance); norm_axes_12 "
       "Normalization(axis=(1, 2)) adapted ((3,4) statistics); norm_given Normalization(mean=[...4], variance=[...4]) "
       "(constants in the config); norm_invert Normalization(axis=-1, invert=True) adapted; norm_invert_given "
       "Normalization(mean=[...4], variance=[...4], invert=True); head Dense(2) on Flatten(concatenate of all six); "
       "seven outputs (the six normalizations, then head)")
def _():
    x = (np.random.normal(size=(16, 3, 4)) * 2.0 + 3.0).astype("float32")
    inp = Input((3, 4), name="in_x")
    mean = [0.5, -1.0, 2.0, 0.0]
    var = [4.0, 0.25, 1.0, 9.0]
    adapted = [L.Normalization(axis=-1, name="norm_adapted"),
               L.Normalization(axis=None, name="norm_axis_none"),
               L.Normalization(axis=(1, 2), name="norm_axes_12"),
               L.Normalization(axis=-1, invert=True, name="norm_invert")]
    for layer in adapted:
        layer.adapt(x)
    given = [L.Normalization(mean=mean, variance=var, name="norm_given"),
             L.Normalization(mean=mean, variance=var, invert=True, name="norm_invert_given")]
    norms = [layer(inp) for layer in adapted[:3] + given[:1] + adapted[3:] + given[1:]]
    cat = L.Concatenate(axis=-1, name="concat")(norms)
    head = Dense(2, name="head")(L.Flatten(name="flatten")(cat))
    m = Model(inp, norms + [head], name="preprocessing_normalization")
    return spec_of(m, [x], notes="adapt() on the 16 training rows before compile; mean/variance of norm_given and "
                                 "norm_invert_given: %s / %s" % (mean, var))


@model("rescaling", MOD,
       "Rescaling on Input(4,3) with values in [0, 255]: rescale_offset Rescaling(scale=1/127.5, offset=-1.0); "
       "rescale_only Rescaling(scale=2.0) (offset 0.0); then head Dense(2) on Flatten(rescale_offset); three outputs")
def _():
    inp = Input((4, 3), name="in_x")
    a = L.Rescaling(scale=1.0 / 127.5, offset=-1.0, name="rescale_offset")(inp)
    b = L.Rescaling(scale=2.0, name="rescale_only")(inp)
    head = Dense(2, name="head")(L.Flatten(name="flatten")(a))
    m = Model(inp, [a, b, head], name="rescaling")
    x = np.random.uniform(0, 255, size=(16, 4, 3)).astype("float32")
    return spec_of(m, [x])
