"""The two combined models the issue names for a later benchmark (keras3 and tf-keras).

Shapes are the issue's; sizes stay small (SGD, 2 epochs on 32 random rows) and predict runs on 8 rows in one
batch of 8.
"""
from sample_kit import (L, model, MOD, Input, Model, Dense, LSTM, rnd, spec_of)


@model("bench_transformer", MOD,
       "Transformer-encoder time-series block: Input(24, 8, series) -> MultiHeadAttention(num_heads=2, key_dim=8, mha) "
       "self-attention mha(x, x) -> Add(add_attn)([x, attn]) -> LayerNormalization(ln_attn) -> Dense(16, relu, ff1) -> "
       "Dense(8, ff2) -> Add(add_ff)([ln_attn, ff2]) -> LayerNormalization(ln_ff) -> GlobalAveragePooling1D(gap) -> "
       "Dense(1, head)")
def _():
    x = Input((24, 8), name="series")
    attn = L.MultiHeadAttention(num_heads=2, key_dim=8, name="mha")(x, x)
    h = L.LayerNormalization(name="ln_attn")(L.Add(name="add_attn")([x, attn]))
    ff = Dense(8, name="ff2")(Dense(16, activation="relu", name="ff1")(h))
    h = L.LayerNormalization(name="ln_ff")(L.Add(name="add_ff")([h, ff]))
    out = Dense(1, name="head")(L.GlobalAveragePooling1D(name="gap")(h))
    m = Model(x, out, name="bench_transformer")
    return spec_of(m, [rnd((32, 24, 8))], n_pred=8, batch=8)


@model("bench_lstm_attention", MOD,
       "LSTM + Attention: Input(20, 6, series) -> LSTM(16, return_sequences=True, lstm) -> Attention(attention)([h, h]) "
       "(dot, no scale) -> GlobalAveragePooling1D(gap) -> Dense(2, head)")
def _():
    x = Input((20, 6), name="series")
    h = LSTM(16, return_sequences=True, name="lstm")(x)
    a = L.Attention(name="attention")([h, h])
    out = Dense(2, name="head")(L.GlobalAveragePooling1D(name="gap")(a))
    m = Model(x, out, name="bench_lstm_attention")
    return spec_of(m, [rnd((32, 20, 6))], n_pred=8, batch=8)
