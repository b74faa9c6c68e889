"""Activation layer classes: ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU.

Every model is Input -> Dense(4, name='dense') (trained, so the activations see real values) -> one branch
per option combination, each branch a model output (expected_<layer>.npy). Inputs span [-2, 2] so
thresholds, slopes and caps are all exercised. Which classes exist per generation (checked in each Keras):
  ReLU, Softmax: Keras 2.2.4, tf-keras, Keras 3 (not Keras 1.2.2);
  ThresholdedReLU: Keras 1.2.2, 2.2.4, tf-keras (removed in Keras 3);
  LeakyReLU, PReLU, ELU: all four. LeakyReLU's slope is `alpha` up to tf-keras, `negative_slope` in Keras 3.
"""
import numpy as np

from sample_kit import (K3, K1, L, keras, MODELS, model, ALL, LEGACY2, Input, Model, Dense, rnd, spec_of)

SHAPE = (5, 4)


def _branches(name, layers, covers=None, epochs=2):
    """Input(5,4) -> Dense(4, name='dense') -> each of `layers` as its own output."""
    inp = Input(SHAPE, name="in_x")
    # Keras 1 Dense takes 2-D input only: TimeDistributed(Dense) is its per-timestep equivalent
    h = (L.TimeDistributed(Dense(4), name="dense") if K1 else Dense(4, name="dense"))(inp)
    outs = [layer(h) for layer in layers]
    m = Model(inp, outs, name="activations")
    x = rnd((16,) + SHAPE, -2.0, 2.0)
    spec = spec_of(m, [x], epochs=epochs)
    covers = covers or MODELS[name]["covers"]
    if K1 and covers:
        covers = covers.replace("Dense(4) of Input(5,4)", "TimeDistributed(Dense(4)) (name 'dense') of Input(5,4)")
    if covers:
        spec["covers"] = covers
    return spec


@model("relu_layer", LEGACY2,
       "ReLU layer: relu_default ReLU(); relu_max ReLU(max_value=0.5); relu_slope ReLU(negative_slope=0.1); "
       "relu_threshold ReLU(threshold=0.2); relu_all ReLU(max_value=0.6, negative_slope=0.2, threshold=0.1); "
       "relu_max_threshold ReLU(max_value=1.0, threshold=0.25); relu_neg_threshold ReLU(max_value=0.6, "
       "negative_slope=0.2, threshold=-0.3) where this Keras accepts a negative threshold; each on Dense(4) of "
       "Input(5,4), one output per layer")
def _():
    layers = [
        L.ReLU(name="relu_default"),
        L.ReLU(max_value=0.5, name="relu_max"),
        L.ReLU(negative_slope=0.1, name="relu_slope"),
        L.ReLU(threshold=0.2, name="relu_threshold"),
        L.ReLU(max_value=0.6, negative_slope=0.2, threshold=0.1, name="relu_all"),
        L.ReLU(max_value=1.0, threshold=0.25, name="relu_max_threshold"),
    ]
    skipped = {}
    try:  # Keras 3 refuses a negative threshold; older ones take it (and differ in what they compute)
        layers.append(L.ReLU(max_value=0.6, negative_slope=0.2, threshold=-0.3, name="relu_neg_threshold"))
    except ValueError as e:
        skipped["relu_neg_threshold"] = "ReLU(max_value=0.6, negative_slope=0.2, threshold=-0.3): %s" % e
    covers = MODELS["relu_layer"]["covers"]
    if skipped:
        covers = covers.replace("; relu_neg_threshold ReLU(max_value=0.6, negative_slope=0.2, threshold=-0.3) where this "
                                "Keras accepts a negative threshold", " (no negative threshold: this Keras refuses it)")
    else:
        covers = covers.replace(" where this Keras accepts a negative threshold", "")
    spec = _branches("relu_layer", layers, covers=covers)
    spec["extra"] = {"options_skipped": skipped}
    return spec


def _leaky(slope, name):
    if slope is None:
        return L.LeakyReLU(name=name)
    if K3:
        return L.LeakyReLU(negative_slope=slope, name=name)
    return L.LeakyReLU(alpha=slope, name=name)


@model("leaky_relu", ALL,
       "LeakyReLU: leaky_default LeakyReLU() (default slope 0.3) and leaky_005 with slope 0.05 (alpha=0.05 in "
       "Keras 1.2.2/2.2.4/tf-keras, negative_slope=0.05 in Keras 3); on Dense(4) of Input(5,4), two outputs")
def _():
    arg = "negative_slope" if K3 else "alpha"
    return _branches("leaky_relu", [_leaky(None, "leaky_default"), _leaky(0.05, "leaky_005")],
                     covers="LeakyReLU: leaky_default LeakyReLU() (default %s 0.3) and leaky_005 LeakyReLU(%s=0.05); "
                            "on Dense(4) of Input(5,4), two outputs" % (arg, arg))


def _prelu(name, shared_axes=None):
    shape = tuple(1 if (shared_axes and i + 1 in shared_axes) else d for i, d in enumerate(SHAPE))
    if K1:  # Keras 1 has no alpha_initializer: start from explicit weights instead
        return L.PReLU(weights=[np.full(shape, 0.25, "float32")], shared_axes=shared_axes, name=name)
    kw = {"shared_axes": shared_axes} if shared_axes else {}
    return L.PReLU(alpha_initializer=keras.initializers.Constant(0.25), name=name, **kw)


@model("prelu_shared_axes", ALL,
       "PReLU, alpha started at 0.25 and trained 3 epochs (so alphas differ per position): prelu_full PReLU() "
       "(alpha (5,4)); prelu_shared PReLU(shared_axes=[1]) (alpha (1,4)); prelu_shared_all PReLU(shared_axes=[1, 2]) "
       "(alpha (1,1)); on Dense(4) of Input(5,4), three outputs")
def _():
    init = ("weights=[np.full(alpha_shape, 0.25)] (Keras 1 has no alpha_initializer)" if K1
            else "alpha_initializer=Constant(0.25)")
    return _branches("prelu_shared_axes", [_prelu("prelu_full"), _prelu("prelu_shared", [1]), _prelu("prelu_shared_all", [1, 2])],
                     epochs=3,
                     covers="PReLU, %s, trained 3 epochs (alphas differ per position): prelu_full PReLU() (alpha (5,4)); "
                            "prelu_shared PReLU(shared_axes=[1]) (alpha (1,4)); prelu_shared_all PReLU(shared_axes=[1, 2]) "
                            "(alpha (1,1)); on Dense(4) of Input(5,4), three outputs" % init)


@model("elu_layer", ALL, "ELU layer: elu_default ELU() (alpha 1.0) and elu_05 ELU(alpha=0.5); on Dense(4) of Input(5,4), two outputs")
def _():
    return _branches("elu_layer", [L.ELU(name="elu_default"), L.ELU(alpha=0.5, name="elu_05")])


@model("softmax_layer", LEGACY2,
       "Softmax layer: softmax_last Softmax() (axis=-1) and softmax_axis1 Softmax(axis=1) (over the 5 timesteps); "
       "on Dense(4) of Input(5,4), two outputs")
def _():
    return _branches("softmax_layer", [L.Softmax(name="softmax_last"), L.Softmax(axis=1, name="softmax_axis1")])


@model("thresholded_relu", ("tf-keras", "keras2.2.4", "keras1.2.2"),
       "ThresholdedReLU: thr_default ThresholdedReLU() (theta 1.0) and thr_03 ThresholdedReLU(theta=0.3); on Dense(4) "
       "of Input(5,4), two outputs (Keras 3 has no ThresholdedReLU)")
def _():
    return _branches("thresholded_relu", [L.ThresholdedReLU(name="thr_default"), L.ThresholdedReLU(theta=0.3, name="thr_03")])
