"""Merge layers with broadcasting, and Keras 1's merge(mode=...) / Merge.

Keras 2.2.4, tf-keras and Keras 3 share one rule (checked in their sources, _Merge / Merge.build and .call):
output shapes are aligned from the right and size-1 axes broadcast; when ranks differ, the lower-rank
input is expanded at axis 1 (right after the batch axis) until the ranks match, then the op broadcasts.
Keras 2.2.4 on Theano can only broadcast axes Theano knows to be broadcastable: an expanded axis is, an
Input axis of static size 1 is not (see merge_broadcast's per-generation covers). Keras 1.2.2 has no
broadcasting: merge(mode='sum'|'mul'|'ave'|'max'|'cos') demands equal shapes.
"""
from sample_kit import (K2, L, keras, model, LEGACY2, Input, Model, Dense, rnd, spec_of)

# name -> (class, input letters); a = Dense(4)(Input(5,4)), b (4,), c (1,4), d (5,1), e (1,)
_BROADCAST = [
    ("add_rank", "Add", "ab"),
    ("add_rank_first", "Add", "ba"),
    ("subtract_size1", "Subtract", "ac"),
    ("multiply_size1", "Multiply", "ac"),
    ("average_rank", "Average", "ab"),
    ("maximum_mixed", "Maximum", "abc"),
    ("minimum_last1", "Minimum", "ad"),
    ("multiply_scalar", "Multiply", "ae"),
]
# Keras 2.2.4 / Theano: only an axis added by the merge's own expand_dims is broadcastable; a static size-1
# axis of an Input (c (1,4), d (5,1), e (1,)) is not, and fit fails with "Dimension mismatch". Measured by
# fitting each merge alone (Keras 2.2.4 accepts add_rank, add_rank_first, average_rank; refuses these):
_K2_REFUSES = {"subtract_size1", "multiply_size1", "maximum_mixed", "minimum_last1", "multiply_scalar"}


def _cover(rows):
    shapes = {"a": "a (5,4)", "b": "b (4,)", "c": "c (1,4)", "d": "d (5,1)", "e": "e (1,)"}
    return "; ".join("%s %s()([%s])" % (n, cls, ", ".join(shapes[ch] for ch in ins)) for n, cls, ins in rows)


@model("merge_broadcast", LEGACY2,
       "Merge layers on inputs of different ranks / with size-1 axes; a = Dense(4, dense_a)(Input(5,4)), b Input(4), "
       "c Input(1,4), d Input(5,1), e Input(1): " + _cover(_BROADCAST) + "; one output per merge")
def _():
    rows = [r for r in _BROADCAST if not (K2 and r[0] in _K2_REFUSES)]
    a_in = Input((5, 4), name="a")
    ins = {"b": Input((4,), name="b"), "c": Input((1, 4), name="c"), "d": Input((5, 1), name="d"), "e": Input((1,), name="e")}
    used = ["b", "c", "d", "e"] if not K2 else sorted({ch for _, _, i in rows for ch in i} - {"a"})
    t = {"a": Dense(4, name="dense_a")(a_in)}
    t.update(ins)
    outs = [getattr(L, cls)(name=n)([t[ch] for ch in letters]) for n, cls, letters in rows]
    m = Model([a_in] + [ins[k] for k in used], outs, name="merge_broadcast")
    shapes = {"b": (4,), "c": (1, 4), "d": (5, 1), "e": (1,)}
    x = [rnd((16, 5, 4))] + [rnd((16,) + shapes[k]) for k in used]
    spec = spec_of(m, x)
    spec["covers"] = ("Merge layers on inputs of different ranks / with size-1 axes; a = Dense(4, dense_a)(Input(5,4)), "
                      "%s: %s; one output per merge" % (", ".join("%s Input%s" % (k, shapes[k]) for k in used), _cover(rows)))
    if K2:
        spec["covers"] += ("; Keras 2.2.4 (Theano) leaves out %s: an Input axis of static size 1 is not broadcastable "
                           "in Theano (only the axes the merge itself inserts are), fit fails with 'Dimension mismatch'"
                           % ", ".join(sorted(_K2_REFUSES)))
    return spec


# ---------------------------------------------------------------- Keras 1.2.2
_K1_MODES = [
    # name, inputs, kwargs of merge()
    ("m_sum", "ab", dict(mode="sum")),
    ("m_sum3", "aba", dict(mode="sum")),
    ("m_mul", "ab", dict(mode="mul")),
    ("m_ave", "ab", dict(mode="ave")),
    ("m_max", "ab", dict(mode="max")),
    ("m_concat", "ab", dict(mode="concat")),
    ("m_concat_axis1", "ab", dict(mode="concat", concat_axis=1)),
    ("m_dot_22", "ab", dict(mode="dot", dot_axes=[2, 2])),
    ("m_dot_1", "cd", dict(mode="dot", dot_axes=1)),
    ("m_cos_1", "cd", dict(mode="cos", dot_axes=1)),
    ("m_cos_22", "ab", dict(mode="cos", dot_axes=[2, 2])),
]


@model("merge_keras1", ("keras1.2.2",),
       "Keras 1 functional merge(): a = TimeDistributed(Dense(4), dense_a)(Input(5,4)), b Input(5,4), c = Dense(4, dense_c)"
       "(Input(4)), d Input(4): " + "; ".join("%s merge([%s], %s)" % (n, ", ".join(i), ", ".join(
           "%s=%r" % kv for kv in kw.items())) for n, i, kw in _K1_MODES) + "; one output per merge (Merge layers in the file)")
def _():
    a_in = Input((5, 4), name="a")
    c_in = Input((4,), name="c")
    t = {"a": L.TimeDistributed(Dense(4), name="dense_a")(a_in), "b": Input((5, 4), name="b"),
         "c": Dense(4, name="dense_c")(c_in), "d": Input((4,), name="d")}
    outs = [L.merge([t[ch] for ch in ins], name=n, **kw) for n, ins, kw in _K1_MODES]
    m = Model([a_in, t["b"], c_in, t["d"]], outs, name="merge_keras1")
    # Not trained: Keras 1's cos mode takes sqrt(dot(l1, l1)·dot(l2, l2)) elementwise, and with dot_axes
    # [2, 2] the cross terms can be negative, so its output holds NaN (replayed as such) and any training
    # step turns every weight upstream of it into NaN. The merges' math is what this sample checks.
    x = [rnd((16, 5, 4)), rnd((16, 5, 4)), rnd((16, 4)), rnd((16, 4))]
    return spec_of(m, x, epochs=0, notes="not trained (epochs=0): the cos merge with dot_axes [2, 2] yields NaN, "
                                           "whose gradient would make every upstream weight NaN")


@model("merge_keras1_sequential", ("keras1.2.2",),
       "Keras 1 Sequential whose first layer is Merge([left, right], mode='concat', name='merge_lr'): left = "
       "Sequential([Dense(4, input_dim=3, name='left_dense')], name='left'), right = Sequential([Dense(5, input_dim=2, "
       "name='right_dense')], name='right'); then Dense(2, name='head'); two inputs (the branches' inputs)")
def _():
    left = keras.models.Sequential([Dense(4, input_dim=3, name="left_dense")], name="left")
    right = keras.models.Sequential([Dense(5, input_dim=2, name="right_dense")], name="right")
    m = keras.models.Sequential([L.Merge([left, right], mode="concat", name="merge_lr"), Dense(2, name="head")],
                                name="merged")
    return spec_of(m, [rnd((16, 3)), rnd((16, 2))])

