"""Attention layers: Attention, AdditiveAttention, MultiHeadAttention, GroupQueryAttention (Keras 3), EinsumDense, Dot.

Only tf-keras and Keras 3 have the attention layers and EinsumDense; Dot exists from Keras 2 on (Keras 1
has merge(mode='dot'/'cos'), see merges.py). Masks are real: they come from Embedding(mask_zero=True) on
int32 ids and from Masking(0.0) on float steps (see sample_kit.tokens / masked_steps), so Keras itself
propagates them into the attention call. Causal masking is the call argument use_causal_mask=True in both
generations (tf-keras's constructor argument `causal` is deprecated and is NOT written to get_config, so
a file could not say it; it is not used here). Several layers return (output, scores) with
return_attention_scores=True: such outputs are saved as expected_0.npy, expected_1.npy, ... in model
output order, and as '<layer>' / '<layer>:1' in layer_outputs.npz.
"""
import numpy as np

from sample_kit import (L, model, MOD, LEGACY2, Input, Model, Dense, rnd, spec_of, tokens, masked_steps)


# ---------------------------------------------------------------- Attention (Luong, dot / concat)
@model("attention_dot_scale", MOD,
       "Attention: query Input(4,5) -> Dense(5, q_proj); att_scaled_key Attention(use_scale=True, score_mode='dot', "
       "dropout=0.25) on [query, value Input(6,5), key Input(6,5)] with return_attention_scores=True (outputs 0, 1: "
       "output (4,5) and scores (4,6)); att_plain Attention() (use_scale=False, dot, no key) on [query, value] "
       "(output 2). Tq=4 != Tv=6; dropout is a no-op at predict")
def _():
    q_in = Input((4, 5), name="query")
    v_in = Input((6, 5), name="value")
    k_in = Input((6, 5), name="key")
    q = Dense(5, name="q_proj")(q_in)
    out, scores = L.Attention(use_scale=True, score_mode="dot", dropout=0.25, name="att_scaled_key")(
        [q, v_in, k_in], return_attention_scores=True)
    plain = L.Attention(name="att_plain")([q, v_in])
    m = Model([q_in, v_in, k_in], [out, scores, plain], name="attention_dot")
    x = [rnd((16, 4, 5), -2, 2), rnd((16, 6, 5), -2, 2), rnd((16, 6, 5), -2, 2)]
    return spec_of(m, x)


@model("attention_concat_causal", MOD,
       "Attention score_mode='concat': att_concat_causal Attention(score_mode='concat', use_scale=True) self-attention "
       "[h, h] with call use_causal_mask=True on h = Dense(4, proj)(Input(6,4)); att_concat Attention(score_mode='concat') "
       "(use_scale=False) cross-attention [query Input(3,4), h] (Tq=3, Tv=6); two outputs")
def _():
    x_in = Input((6, 4), name="seq")
    q_in = Input((3, 4), name="query")
    h = Dense(4, name="proj")(x_in)
    causal = L.Attention(score_mode="concat", use_scale=True, name="att_concat_causal")([h, h], use_causal_mask=True)
    cross = L.Attention(score_mode="concat", name="att_concat")([q_in, h])
    m = Model([x_in, q_in], [causal, cross], name="attention_concat")
    return spec_of(m, [rnd((16, 6, 4)), rnd((16, 3, 4))])


@model("attention_masked", MOD,
       "Attention with real query and value masks: query ids Input(5, int32) -> Embedding(12, 4, mask_zero=True, "
       "query_embed); value Input(7,4) -> Masking(0.0, value_masking); att_masked Attention(use_scale=True) on "
       "[query, value] with return_attention_scores=True (outputs 0: output, zero at masked query steps; 1: scores "
       "(5,7), masked value steps get ~0 weight); query ids have leading/mid/trailing zeros, value rows all-zero steps")
def _():
    qt = Input((5,), name="query_ids", dtype="int32")
    v_in = Input((7, 4), name="value")
    q = L.Embedding(12, 4, mask_zero=True, name="query_embed")(qt)
    v = L.Masking(0.0, name="value_masking")(v_in)
    out, scores = L.Attention(use_scale=True, name="att_masked")([q, v], return_attention_scores=True)
    m = Model([qt, v_in], [out, scores], name="attention_masked")
    return spec_of(m, [tokens(16, 5, 12), masked_steps(16, 7, 4)],
                   notes="input_query_ids.npy is int32; zeros are masked (mask_zero); value steps that are all 0.0 are masked")


# ---------------------------------------------------------------- AdditiveAttention (Bahdanau)
@model("additive_attention_masked", MOD,
       "AdditiveAttention(use_scale=True) (scale weight (4,)) named add_att_masked on [query, value] with real masks: "
       "query ids Input(5, int32) -> Embedding(12, 4, mask_zero=True); value Input(7,4) -> Masking(0.0); "
       "return_attention_scores=True (outputs 0: output, 1: scores)")
def _():
    qt = Input((5,), name="query_ids", dtype="int32")
    v_in = Input((7, 4), name="value")
    q = L.Embedding(12, 4, mask_zero=True, name="query_embed")(qt)
    v = L.Masking(0.0, name="value_masking")(v_in)
    out, scores = L.AdditiveAttention(use_scale=True, name="add_att_masked")([q, v], return_attention_scores=True)
    m = Model([qt, v_in], [out, scores], name="additive_masked")
    return spec_of(m, [tokens(16, 5, 12), masked_steps(16, 7, 4)], notes="input_query_ids.npy is int32")


@model("additive_attention_causal", MOD,
       "AdditiveAttention(use_scale=False, dropout=0.2) named add_att_causal, self-attention [h, h] with call "
       "use_causal_mask=True on h = Dense(4, proj)(Input(6,4)); and add_att_key AdditiveAttention() (use_scale=True) "
       "on [query Input(3,4), value h, key Dense(4, key_proj)(h)] (Tq=3, Tv=6, separate key); two outputs")
def _():
    x_in = Input((6, 4), name="seq")
    q_in = Input((3, 4), name="query")
    h = Dense(4, name="proj")(x_in)
    k = Dense(4, name="key_proj")(h)
    causal = L.AdditiveAttention(use_scale=False, dropout=0.2, name="add_att_causal")([h, h], use_causal_mask=True)
    keyed = L.AdditiveAttention(name="add_att_key")([q_in, h, k])
    m = Model([x_in, q_in], [causal, keyed], name="additive_causal")
    return spec_of(m, [rnd((16, 6, 4)), rnd((16, 3, 4))])


# ---------------------------------------------------------------- MultiHeadAttention
@model("mha_self", MOD,
       "MultiHeadAttention(num_heads=2, key_dim=4) named mha, self-attention called mha(h, h) (key defaults to value) "
       "with return_attention_scores=True on h = Dense(8, proj)(Input(6,8)): outputs 0 (6,8) and 1 scores (2,6,6)")
def _():
    x_in = Input((6, 8), name="seq")
    h = Dense(8, name="proj")(x_in)
    out, scores = L.MultiHeadAttention(num_heads=2, key_dim=4, name="mha")(h, h, return_attention_scores=True)
    m = Model(x_in, [out, scores], name="mha_self")
    return spec_of(m, [rnd((16, 6, 8))])


@model("mha_causal", MOD,
       "MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.1) named mha_causal called mha(x, x, x) (query=value=key "
       "all passed) with use_causal_mask=True on Input(6,8); one output")
def _():
    x_in = Input((6, 8), name="seq")
    h = Dense(8, name="proj")(x_in)
    out = L.MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.1, name="mha_causal")(h, h, h, use_causal_mask=True)
    m = Model(x_in, out, name="mha_causal")
    return spec_of(m, [rnd((16, 6, 8))])


@model("mha_cross_value_dim", MOD,
       "MultiHeadAttention cross-attention, query Input(4,6), value Input(7,5), key Input(7,3): mha_cross "
       "MultiHeadAttention(num_heads=3, key_dim=4, value_dim=2, output_shape=5, use_bias=False)(query, value, key) "
       "-> (4,5); mha_out2d MultiHeadAttention(num_heads=2, key_dim=3, value_dim=5, output_shape=(2, 3))(query, value) "
       "-> (4,2,3) (key = value); two outputs")
def _():
    q_in = Input((4, 6), name="query")
    v_in = Input((7, 5), name="value")
    k_in = Input((7, 3), name="key")
    a = L.MultiHeadAttention(num_heads=3, key_dim=4, value_dim=2, output_shape=5, use_bias=False, name="mha_cross")(
        q_in, v_in, k_in)
    b = L.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=5, output_shape=(2, 3), name="mha_out2d")(q_in, v_in)
    m = Model([q_in, v_in, k_in], [a, b], name="mha_cross")
    return spec_of(m, [rnd((16, 4, 6)), rnd((16, 7, 5)), rnd((16, 7, 3))])


@model("mha_axes_4d", MOD,
       "MultiHeadAttention attention_axes: mha_axes1 MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(1,)) "
       "self-attention on 3-D Input(5,6); mha_axes12 MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(1, 2)) "
       "on 4-D Input(3,4,6) with return_attention_scores=True (scores (2,3,4,3,4)); mha_axes2 "
       "MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=(2,)) on the same 4-D input; outputs: mha_axes1, "
       "mha_axes12 output, mha_axes12 scores, mha_axes2")
def _():
    x3 = Input((5, 6), name="seq")
    x4 = Input((3, 4, 6), name="grid")
    a = L.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(1,), name="mha_axes1")(x3, x3)
    b, bs = L.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(1, 2), name="mha_axes12")(
        x4, x4, return_attention_scores=True)
    c = L.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=(2,), name="mha_axes2")(x4, x4)
    m = Model([x3, x4], [a, b, bs, c], name="mha_axes")
    # y_like_predict: Keras 3 declares the scores of mha_axes12 as (B, 2, 3, 3), they are (B, 2, 3, 4, 3, 4)
    return spec_of(m, [rnd((16, 5, 6)), rnd((16, 3, 4, 6))], y_like_predict=True)


@model("mha_attention_mask", MOD,
       "MultiHeadAttention(num_heads=2, key_dim=3) named mha_masked, mha(query Input(4,6), value Input(5,6), "
       "attention_mask=Input(4,5) float32 0/1 named attention_mask, return_attention_scores=True); every mask row keeps "
       ">= 1 position; outputs 0 (4,6) and 1 scores (2,4,5)")
def _():
    q_in = Input((4, 6), name="query")
    v_in = Input((5, 6), name="value")
    am = Input((4, 5), name="attention_mask")
    out, scores = L.MultiHeadAttention(num_heads=2, key_dim=3, name="mha_masked")(
        q_in, v_in, attention_mask=am, return_attention_scores=True)
    m = Model([q_in, v_in, am], [out, scores], name="mha_attention_mask")
    mask = (np.random.uniform(size=(16, 4, 5)) > 0.4).astype("float32")
    mask[:, :, 0] = 1.0  # no fully masked row
    mask[0, :, :] = 1.0
    # Trained through a model without the scores output: Keras 3 declares the scores as (B, 2, Tq, Tq) =
    # (B, 2, 4, 4) (they are (B, 2, 4, 5)) and hands them a (B, 1, 4, 5) Keras mask that breaks the loss.
    fit_model = Model([q_in, v_in, am], out, name="mha_attention_mask_fit")
    x = [rnd((16, 4, 6)), rnd((16, 5, 6)), mask]
    return spec_of(m, x, fit_model=fit_model, y=[np.random.uniform(0, 1, size=(16, 4, 6)).astype("float32")],
                   notes="input_attention_mask.npy is float32 0/1 (1 = may attend); Keras casts it to bool. Trained "
                         "through Model(inputs, output) without the scores output (same layers), so model.h5's "
                         "training_config is that of the saved two-output model, which was compiled but not fit")


@model("mha_masked", MOD,
       "MultiHeadAttention with Keras masks: ids Input(6, int32) -> Embedding(10, 8, mask_zero=True, embed); "
       "mha_self_masked MultiHeadAttention(num_heads=2, key_dim=4)(e, e, use_causal_mask=True) (query/value mask "
       "merged with the causal mask); value Input(5,8) -> Masking(0.0, value_masking); mha_cross_masked "
       "MultiHeadAttention(num_heads=2, key_dim=4)(e, value) (query mask from Embedding, value mask from Masking); "
       "two outputs")
def _():
    ids = Input((6,), name="ids", dtype="int32")
    v_in = Input((5, 8), name="value")
    e = L.Embedding(10, 8, mask_zero=True, name="embed")(ids)
    v = L.Masking(0.0, name="value_masking")(v_in)
    a = L.MultiHeadAttention(num_heads=2, key_dim=4, name="mha_self_masked")(e, e, use_causal_mask=True)
    b = L.MultiHeadAttention(num_heads=2, key_dim=4, name="mha_cross_masked")(e, v)
    m = Model([ids, v_in], [a, b], name="mha_masked")
    return spec_of(m, [tokens(16, 6, 10), masked_steps(16, 5, 8)], notes="input_ids.npy is int32")


# ---------------------------------------------------------------- GroupQueryAttention (Keras 3 only)
@model("gqa", ("keras3",),
       "GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2) named gqa, self-attention gqa(h, h) "
       "with return_attention_scores=True on h = Dense(8, proj)(Input(6,8)) (outputs 0 (6,8), 1 scores (4,6,6)); "
       "gqa_cross GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2, use_bias=False, "
       "dropout=0.1)(h, value Input(5,8), key Input(5,7)) (output 2)")
def _():
    x_in = Input((6, 8), name="seq")
    v_in = Input((5, 8), name="value")
    k_in = Input((5, 7), name="key")
    h = Dense(8, name="proj")(x_in)
    out, scores = L.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2, name="gqa")(
        h, h, return_attention_scores=True)
    cross = L.GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2, use_bias=False, dropout=0.1,
                                  name="gqa_cross")(h, v_in, k_in)
    m = Model([x_in, v_in, k_in], [out, scores, cross], name="gqa")
    return spec_of(m, [rnd((16, 6, 8)), rnd((16, 5, 8)), rnd((16, 5, 7))])


@model("gqa_masked_causal", ("keras3",),
       "GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2) named gqa_masked on ids Input(6, int32) "
       "-> Embedding(10, 8, mask_zero=True): gqa(e, e, use_causal_mask=True) (Keras mask + causal mask); one output")
def _():
    ids = Input((6,), name="ids", dtype="int32")
    e = L.Embedding(10, 8, mask_zero=True, name="embed")(ids)
    out = L.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2, name="gqa_masked")(
        e, e, use_causal_mask=True)
    m = Model(ids, out, name="gqa_masked")
    return spec_of(m, [tokens(16, 6, 10)], notes="input.npy is int32")


# ---------------------------------------------------------------- EinsumDense
@model("einsum_dense", MOD,
       "EinsumDense on vec Input(6) and seq Input(5,6): ed_ab_bc EinsumDense('ab,bc->ac', output_shape=4, bias_axes='c', "
       "activation='relu')(vec); ed_abc_cd EinsumDense('abc,cd->abd', output_shape=(None, 4)) (no bias)(seq); "
       "ed_abc_cd_bias EinsumDense('abc,cd->abd', output_shape=(None, 4), bias_axes='d', activation='tanh')(seq); "
       "ed_bias_b EinsumDense('abc,cd->abd', output_shape=(5, 4), bias_axes='b') (bias (5,1), a non-last axis)(seq); "
       "ed_abc_cde EinsumDense('abc,cde->abde', output_shape=(None, 2, 3), bias_axes='de')(seq) (bias over two axes); "
       "ed_ellipsis EinsumDense('...b,bc->...c', output_shape=4, bias_axes='c', activation='sigmoid')(seq); six outputs")
def _():
    vec = Input((6,), name="vec")
    sq = Input((5, 6), name="seq")
    outs = [
        L.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c", activation="relu", name="ed_ab_bc")(vec),
        L.EinsumDense("abc,cd->abd", output_shape=(None, 4), name="ed_abc_cd")(sq),
        L.EinsumDense("abc,cd->abd", output_shape=(None, 4), bias_axes="d", activation="tanh", name="ed_abc_cd_bias")(sq),
        L.EinsumDense("abc,cd->abd", output_shape=(5, 4), bias_axes="b", name="ed_bias_b")(sq),
        L.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de", name="ed_abc_cde")(sq),
        L.EinsumDense("...b,bc->...c", output_shape=4, bias_axes="c", activation="sigmoid", name="ed_ellipsis")(sq),
    ]
    m = Model([vec, sq], outs, name="einsum_dense")
    # y_like_predict: output_shape=(None, 4) leaves a None in the declared output shape
    return spec_of(m, [rnd((16, 6)), rnd((16, 5, 6))], y_like_predict=True)


# ---------------------------------------------------------------- Dot
@model("dot_layer", LEGACY2,
       "Dot: a = Dense(4, dense_a)(Input(5,4)); b Input(6,4); e Input(3,5); f Input(5,3); c, d Input(4): "
       "dot_22 Dot(axes=(2, 2))([a, b]) -> (5,6); dot_2_norm Dot(axes=2, normalize=True)([a, b]); dot_12_norm "
       "Dot(axes=(1, 2), normalize=True)([a, e]) -> (4,3); dot_1_3d Dot(axes=1)([a, f]) -> (4,3); dot_1 Dot(axes=1)([c, d]) "
       "-> (1,); dot_neg1_norm Dot(axes=-1, normalize=True)([c, d]) (cosine); six outputs")
def _():
    a_in = Input((5, 4), name="a")
    b = Input((6, 4), name="b")
    e = Input((3, 5), name="e")
    f = Input((5, 3), name="f")
    c = Input((4,), name="c")
    d = Input((4,), name="d")
    a = Dense(4, name="dense_a")(a_in)
    outs = [
        L.Dot(axes=(2, 2), name="dot_22")([a, b]),
        L.Dot(axes=2, normalize=True, name="dot_2_norm")([a, b]),
        L.Dot(axes=(1, 2), normalize=True, name="dot_12_norm")([a, e]),
        L.Dot(axes=1, name="dot_1_3d")([a, f]),
        L.Dot(axes=1, name="dot_1")([c, d]),
        L.Dot(axes=-1, normalize=True, name="dot_neg1_norm")([c, d]),
    ]
    m = Model([a_in, b, e, f, c, d], outs, name="dot_layer")
    x = [rnd((16, 5, 4)), rnd((16, 6, 4)), rnd((16, 3, 5)), rnd((16, 5, 3)), rnd((16, 4)), rnd((16, 4))]
    return spec_of(m, x)
