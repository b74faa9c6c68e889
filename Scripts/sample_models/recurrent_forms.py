"""Recurrent forms: the generic RNN wrapper around cells (LSTMCell, GRUCell, SimpleRNNCell, StackedRNNCells) with
every RNN option, CuDNNLSTM / CuDNNGRU checkpoints (tf-keras), and softmax as (recurrent) activation.

Which generations have what (checked in each Keras):
  RNN, LSTMCell, GRUCell (reset_after), SimpleRNNCell, StackedRNNCells: Keras 2.2.4, tf-keras, Keras 3 (not 1.2.2).
    Keras 2.2.4 on Theano cannot SAVE a StackedRNNCells (see K2_STACK_WHY): there each stack is one of its cells.
  CuDNNLSTM / CuDNNGRU: tf-keras only (tf.compat.v1.keras.layers.*). Keras 2.2.4 has the classes but refuses to
    construct them on Theano ("CuDNN RNNs are only available with the TensorFlow backend."); Keras 3 has none.
  LSTM / GRU / SimpleRNN with activation='softmax' (and recurrent_activation='softmax'): all four generations.

CuDNN layers cannot run on this CPU-only machine (tf.raw_ops.CudnnRNNV3 has no CPU kernel: fit and predict fail
with "No OpKernel was registered to support Op 'CudnnRNNV3'"), but they build and save. So a CuDNN sample is made
like this (every weight conversion is tf-keras' own code, tf_keras/src/saving/legacy/hdf5_format.py
_convert_rnn_weights):
  1. P = the same architecture with plain layers (LSTM; GRU(reset_after=True, recurrent_activation='sigmoid')),
     same layer names; the driver trains P (spec fit_model).
  2. P.save_weights(tmp) and m.load_weights(tmp) into the CuDNN model m: tf-keras converts LSTM -> CuDNN layout.
  3. Bias halves: converted from LSTM they are equal (np.tile(0.5 * b, 2)), and a trained GRU(reset_after=True) has
     equal input / recurrent z and r biases (same gradient); so every CuDNN bias is then set (layer.set_weights) to
     [b_in + d, b_rec - d] with a seeded d ~ U(-0.5, 0.5): a reader that mixes up or drops a half fails.
  4. expected*.npy = predict of Q, a fresh plain model (same names) after Q.load_weights(<m saved as .h5>):
     tf-keras converts CuDNN -> plain on load: what Keras computes after loading the CuDNN weights into the plain
     layer. Steps 2-4 run inside m.predict (replaced on this model instance), which the driver calls after fit.
  5. layer_outputs.npz needs m's own graph to run: each CuDNN layer instance (not the class, not the config) gets
     its _process_batch replaced by a call of a plain tf-keras LSTM/GRU layer (not tracked, not saved) holding
     _convert_rnn_weights(plain, cudnn.get_weights()). report.json `cudnn` records that this path and Q agree.
"""
import os
import shutil
import tempfile

import numpy as np

from sample_kit import (K3, TFK, K2, K1, L, keras, tf, MODELS, model, ALL, MOD, LEGACY2, first, seq, Input, Model,
                        Dense, LSTM, rnd, spec_of, tokens, masked_steps, Concatenate)


# ---------------------------------------------------------------- cells
def _lstm_cell(units, name, **kw):
    return L.LSTMCell(units, name=name, **kw)


def _gru_cell(units, name, **kw):
    return L.GRUCell(units, name=name, **kw)


def _simple_cell(units, name, **kw):
    return L.SimpleRNNCell(units, name=name, **kw)


K2_STACK_WHY = ("Keras 2.2.4 on Theano cannot save a StackedRNNCells whose cells have weights: every cell's weights get "
                "the same names ('<rnn>/kernel', '<rnn>/recurrent_kernel', '<rnn>/bias'; Theano does not make variable "
                "names unique), and model.save fails with h5py \"KeyError: Cannot set attribute. Group with name "
                "'<rnn>/kernel' exists.\"")


def _stack(cells, name, k2_keep=-1):
    """StackedRNNCells(cells); Keras 2.2.4 (see K2_STACK_WHY): the one cell cells[k2_keep] instead."""
    if K2:
        return cells[k2_keep]
    return L.StackedRNNCells(cells, name=name)


def _k2_covers(spec, name, what):
    """Keras 2.2.4: say in covers / notes which StackedRNNCells was replaced by one cell."""
    if K2:
        spec["covers"] = MODELS[name]["covers"] + "; KERAS 2.2.4: " + what + " (no StackedRNNCells, see notes)"
        spec["notes"] = spec.get("notes", "") + "; " + K2_STACK_WHY
    return spec


def _rnn(cell, name, shape=None, batch_shape=None, **kw):
    """RNN(cell) named `name`; shape / batch_shape make it the first layer of a Sequential (Keras 2 / tf-keras)."""
    if shape is not None or batch_shape is not None:
        kw.update(first(shape=shape, batch_shape=batch_shape))
    return L.RNN(cell, name=name, **kw)


def _default_notes():
    if K2:
        return ("Keras 2.2.4 cell defaults: LSTMCell/GRUCell recurrent_activation='hard_sigmoid' (clip(0.2*x+0.5,0,1)), "
                "GRUCell reset_after=False, implementation=1")
    if TFK:
        return "tf-keras cell defaults: recurrent_activation='sigmoid', GRUCell reset_after=True"
    return "Keras 3 cell defaults: recurrent_activation='sigmoid', GRUCell reset_after=True"


def _cell_spec(m, x, **kw):
    s = spec_of(m, x, **kw)
    s["notes"] = ((s.get("notes") + "; ") if s.get("notes") else "") + _default_notes()
    return s


# ---------------------------------------------------------------- RNN(cell)
@model("rnn_lstm_cell", LEGACY2,
       "Functional Input(6,3) in_seq -> RNN(LSTMCell(6, name='lstm_cell_a'), return_sequences=True, name='rnn_lstm_seq') -> "
       "RNN(LSTMCell(4, name='lstm_cell_b'), return_state=True, name='rnn_lstm_state') -> outputs: Dense(2, head) of "
       "its output, and its states h (rnn_lstm_state:1) and c (rnn_lstm_state:2) as model outputs (expected_0/1/2: "
       "head, h, c)")
def _():
    inp = Input((6, 3), name="in_seq")
    s = _rnn(_lstm_cell(6, "lstm_cell_a"), "rnn_lstm_seq", return_sequences=True)(inp)
    o, h, c = _rnn(_lstm_cell(4, "lstm_cell_b"), "rnn_lstm_state", return_state=True)(s)
    m = Model(inp, [Dense(2, name="head")(o), h, c], name="rnn_lstm_cell")
    return _cell_spec(m, [rnd((16, 6, 3))])


def _gru_cells(reset_after):
    inp = Input((6, 3), name="in_seq")
    s = _rnn(_gru_cell(5, "gru_cell_a", reset_after=reset_after), "rnn_gru_seq", return_sequences=True)(inp)
    o = _rnn(_gru_cell(4, "gru_cell_b", reset_after=reset_after), "rnn_gru_last")(s)
    m = Model(inp, Dense(2, name="head")(o), name="rnn_gru_cell")
    return _cell_spec(m, [rnd((16, 6, 3))])


@model("rnn_gru_cell_reset_after", LEGACY2,
       "Functional Input(6,3) -> RNN(GRUCell(5, reset_after=True, name='gru_cell_a'), return_sequences=True, "
       "name='rnn_gru_seq') -> RNN(GRUCell(4, reset_after=True, name='gru_cell_b'), name='rnn_gru_last') -> Dense(2, head); "
       "bias (2, 3u)")
def _():
    return _gru_cells(True)


@model("rnn_gru_cell_reset_before", LEGACY2,
       "Functional Input(6,3) -> RNN(GRUCell(5, reset_after=False, name='gru_cell_a'), return_sequences=True, "
       "name='rnn_gru_seq') -> RNN(GRUCell(4, reset_after=False, name='gru_cell_b'), name='rnn_gru_last') -> "
       "Dense(2, head); bias (3u,)")
def _():
    return _gru_cells(False)


@model("rnn_simple_cell", LEGACY2,
       "Functional Input(6,3) -> RNN(SimpleRNNCell(5, name='simple_cell_a'), return_sequences=True, name='rnn_simple_seq') "
       "-> RNN(SimpleRNNCell(4, activation='relu', use_bias=False, name='simple_cell_b'), name='rnn_simple_last') -> "
       "Dense(2, head)")
def _():
    inp = Input((6, 3), name="in_seq")
    s = _rnn(_simple_cell(5, "simple_cell_a"), "rnn_simple_seq", return_sequences=True)(inp)
    o = _rnn(_simple_cell(4, "simple_cell_b", activation="relu", use_bias=False), "rnn_simple_last")(s)
    m = Model(inp, Dense(2, name="head")(o), name="rnn_simple_cell")
    return _cell_spec(m, [rnd((16, 6, 3))])


@model("rnn_stacked_cells", MOD,
       "Functional Input(6,3) -> RNN(StackedRNNCells([LSTMCell(6, cell_lstm), GRUCell(5, cell_gru), SimpleRNNCell(4, "
       "cell_simple)], name='stack3'), return_sequences=True, name='rnn_stack3') -> RNN([GRUCell(4, reset_after=False, "
       "cell_gru_b), LSTMCell(4, cell_lstm_b), LSTMCell(3, cell_lstm_c)] given as a plain list, which Keras wraps in "
       "StackedRNNCells itself; two cells of one class), name='rnn_stack_list') -> Dense(2, head)")
def _():
    inp = Input((6, 3), name="in_seq")
    st = _stack([_lstm_cell(6, "cell_lstm"), _gru_cell(5, "cell_gru"), _simple_cell(4, "cell_simple")], "stack3")
    s = _rnn(st, "rnn_stack3", return_sequences=True)(inp)
    o = _rnn([_gru_cell(4, "cell_gru_b", reset_after=False), _lstm_cell(4, "cell_lstm_b"), _lstm_cell(3, "cell_lstm_c")],
             "rnn_stack_list")(s)
    m = Model(inp, Dense(2, name="head")(o), name="rnn_stacked_cells")
    return _cell_spec(m, [rnd((16, 6, 3))])


@model("rnn_stacked_return_state", MOD,
       "Functional Input(5,3) -> RNN(StackedRNNCells([LSTMCell(5, cell_lstm), GRUCell(4, cell_gru), SimpleRNNCell(3, "
       "cell_simple)], name='stack3'), return_sequences=True, return_state=True, name='rnn_stack_state'): outputs "
       "expected_0 = sequence (B,5,3) (the last cell's output), expected_1 = LSTM h (B,5), expected_2 = LSTM c (B,5), "
       "expected_3 = GRU h (B,4), expected_4 = SimpleRNN h (B,3) (the cells' states in cell order, flattened)")
def _():
    inp = Input((5, 3), name="in_seq")
    st = _stack([_lstm_cell(5, "cell_lstm"), _gru_cell(4, "cell_gru"), _simple_cell(3, "cell_simple")], "stack3")
    outs = _rnn(st, "rnn_stack_state", return_sequences=True, return_state=True)(inp)
    flat = []
    for o in outs:  # Keras 3 / tf-keras nest the LSTM cell's [h, c]; Keras 2.2.4 returns a flat list
        flat.extend(o if isinstance(o, (list, tuple)) else [o])
    assert len(flat) == 5, len(flat)
    m = Model(inp, flat, name="rnn_stacked_return_state")
    spec = _cell_spec(m, [rnd((16, 5, 3))])
    if not K2:
        spec["notes"] += ("; the layer call returns (sequence, [lstm_h, lstm_c], gru_h, simple_h) (the LSTM cell's states "
                          "nested); the model outputs are that structure flattened")
    return spec


@model("rnn_go_backwards", LEGACY2,
       "Functional Input(6,3) -> RNN(StackedRNNCells([SimpleRNNCell(5, cell_simple), LSTMCell(4, cell_lstm)], "
       "name='stack2'), go_backwards=True, return_sequences=True, name='rnn_stack_back') (the sequence in the order "
       "Keras returns it: step t is the output after reading input steps T-1..T-1-t) -> RNN(GRUCell(4, cell_gru), "
       "go_backwards=True, name='rnn_gru_back') -> Dense(2, head)")
def _():
    inp = Input((6, 3), name="in_seq")
    st = _stack([_simple_cell(5, "cell_simple"), _lstm_cell(4, "cell_lstm")], "stack2")
    s = _rnn(st, "rnn_stack_back", go_backwards=True, return_sequences=True)(inp)
    o = _rnn(_gru_cell(4, "cell_gru"), "rnn_gru_back", go_backwards=True)(s)
    m = Model(inp, Dense(2, name="head")(o), name="rnn_go_backwards")
    return _k2_covers(_cell_spec(m, [rnd((16, 6, 3))]), "rnn_go_backwards",
                      "rnn_stack_back is RNN(LSTMCell(4, cell_lstm), go_backwards=True, return_sequences=True)")


@model("rnn_stateful", LEGACY2,
       "Sequential, batch shape (2,5,3): RNN(LSTMCell(5, cell_lstm), stateful=True, return_sequences=True, "
       "name='rnn_lstm_stateful') -> RNN(StackedRNNCells([GRUCell(4, cell_gru), SimpleRNNCell(3, cell_simple)], "
       "name='stack2'), stateful=True, name='rnn_stack_stateful') -> Dense(2, head); 8 rows, predict(batch_size=2) walks 4 "
       "batches carrying every cell's state (row i of batch k continues row i of batch k-1)")
def _():
    bs = (2, 5, 3)
    m = seq([_rnn(_lstm_cell(5, "cell_lstm"), "rnn_lstm_stateful", batch_shape=bs, stateful=True, return_sequences=True),
             _rnn(_stack([_gru_cell(4, "cell_gru"), _simple_cell(3, "cell_simple")], "stack2", 0), "rnn_stack_stateful",
                  stateful=True),
             Dense(2, name="head")], batch_shape=bs, name="rnn_stateful")
    x = rnd((8, 5, 3))
    notes = ("fit 2 epochs batch 2 without shuffle; reset_states() before predict; predict(batch_size=2) walks the 8 rows "
             "as 4 batches, carrying the LSTM h/c, GRU h and SimpleRNN h from batch to batch; " + _default_notes())
    if K3:
        # Keras 3.15 RNN.reset_state() does `for v in self.states: v.assign(zeros)`, but a StackedRNNCells layer's
        # states are nested ([[h], [h]]: a ListWrapper per cell), so it fails with "'ListWrapper' object has no
        # attribute 'assign'" (call() itself updates them through tree.flatten and works). Reset every state variable.
        layer = m.get_layer("rnn_stack_stateful")

        def reset_nested():
            for v in keras.tree.flatten(layer.states):
                v.assign(keras.ops.zeros_like(v.value))
        layer.reset_states = layer.reset_state = reset_nested
        notes += ("; Keras 3.15 cannot reset_states() a stateful RNN(StackedRNNCells) (RNN.reset_state iterates only the "
                  "top level of the nested states: AttributeError \"'ListWrapper' object has no attribute 'assign'\"), so "
                  "that layer instance's reset assigns zeros to keras.tree.flatten(layer.states); native.json's reloads "
                  "(fresh, zero states) check that this equals a fresh model")
    if K2:
        notes += ("; layer_outputs.npz is EMPTY in Keras 2.2.4 (report.json layer_outputs_skipped): the driver's Keras 1/2 "
                  "path calls K.function on all 8 rows at once, which the stateful layers (state variables of batch 2) "
                  "refuse")
    return _k2_covers(dict(model=m, x=[x], x_pred=[x], batch=2, fit_batch=2, epochs=2, shuffle=False, optimizer="sgd",
                           loss="mse", stateful=True, notes=notes), "rnn_stateful",
                      "rnn_stack_stateful is RNN(GRUCell(4, cell_gru), stateful=True)")


@model("rnn_masked", LEGACY2,
       "Functional two inputs: in_seq (7,3) float with all-zero (masked) steps -> Masking(0.0, masking) -> "
       "RNN(LSTMCell(5, cell_lstm), return_sequences=True, name='rnn_lstm_masked_seq') -> RNN(GRUCell(4, cell_gru), "
       "name='rnn_gru_masked'); tokens (6,) int32 with zero ids -> Embedding(10, 4, mask_zero=True, embed) -> "
       "RNN(StackedRNNCells([SimpleRNNCell(4, cell_simple), LSTMCell(3, cell_lstm_b)], name='stack2'), "
       "name='rnn_stack_masked'); Concatenate (joined) -> Dense(2, head). Masked steps carry the previous output and "
       "states (see rnn_lstm_masked_seq in layer_outputs.npz)")
def _():
    a = Input((7, 3), name="in_seq")
    b = Input((6,), name="tokens", dtype="int32")
    ma = L.Masking(0.0, name="masking")(a)
    s = _rnn(_lstm_cell(5, "cell_lstm"), "rnn_lstm_masked_seq", return_sequences=True)(ma)
    ga = _rnn(_gru_cell(4, "cell_gru"), "rnn_gru_masked")(s)
    e = L.Embedding(10, 4, mask_zero=True, name="embed")(b)
    gb = _rnn(_stack([_simple_cell(4, "cell_simple"), _lstm_cell(3, "cell_lstm_b")], "stack2"), "rnn_stack_masked")(e)
    out = Dense(2, name="head")(Concatenate([ga, gb], name="joined"))
    m = Model([a, b], out, name="rnn_masked")
    x = [masked_steps(16, 7, 3), tokens(16, 6, 10)]
    spec = _cell_spec(m, x, notes="input_tokens.npy is int32 (what Keras was fed); input_in_seq.npy: rows with i%4==0 "
                                  "end with two zero steps, i%4==1 have step 2 zero, i%4==2 start with a zero step and "
                                  "have one zero feature at step 3 (not masked); tokens: i%4==0 trailing zeros, 1 a zero "
                                  "at position 1, 2 two leading zeros")
    return _k2_covers(spec, "rnn_masked", "rnn_stack_masked is RNN(LSTMCell(3, cell_lstm_b))")


@model("rnn_initial_state", LEGACY2,
       "Functional inputs enc_in (6,3), dec_in (5,2), g0 (5,): encoder RNN(LSTMCell(4, cell_enc), return_state=True, "
       "name='encoder') -> its states [h, c] are the initial_state of decoder RNN(LSTMCell(4, cell_dec), "
       "return_sequences=True, name='decoder')(dec_in) -> Dense(2, dec_head) per step; RNN(GRUCell(5, cell_gru), "
       "name='rnn_gru_init')(dec_in, initial_state=g0) (a model input as state) -> output gru_init is that layer; "
       "RNN(StackedRNNCells([GRUCell(3, cell_gru_s), SimpleRNNCell(2, cell_simple_s)], name='stack2'), "
       "name='rnn_stack_init')(dec_in, initial_state=[Dense(3, init_a)(g0), Dense(2, init_b)(g0)]) (one state per cell, "
       "computed by other layers). Outputs: dec_head, rnn_gru_init, rnn_stack_init")
def _():
    enc_in = Input((6, 3), name="enc_in")
    dec_in = Input((5, 2), name="dec_in")
    g0 = Input((5,), name="g0")
    _, h, c = _rnn(_lstm_cell(4, "cell_enc"), "encoder", return_state=True)(enc_in)
    dec = _rnn(_lstm_cell(4, "cell_dec"), "decoder", return_sequences=True)(dec_in, initial_state=[h, c])
    dec_head = Dense(2, name="dec_head")(dec)
    gru = _rnn(_gru_cell(5, "cell_gru"), "rnn_gru_init")(dec_in, initial_state=[g0])
    sa = Dense(3, name="init_a")(g0)
    states = [sa] if K2 else [sa, Dense(2, name="init_b")(g0)]
    stk = _rnn(_stack([_gru_cell(3, "cell_gru_s"), _simple_cell(2, "cell_simple_s")], "stack2", 0), "rnn_stack_init")(
        dec_in, initial_state=states)
    m = Model([enc_in, dec_in, g0], [dec_head, gru, stk], name="rnn_initial_state")
    return _k2_covers(_cell_spec(m, [rnd((16, 6, 3)), rnd((16, 5, 2)), rnd((16, 5))]), "rnn_initial_state",
                      "rnn_stack_init is RNN(GRUCell(3, cell_gru_s))(dec_in, initial_state=[Dense(3, init_a)(g0)]) "
                      "(no init_b)")


@model("rnn_unroll", LEGACY2,
       "Functional Input(5,3) -> RNN(LSTMCell(5, cell_lstm), unroll=True, return_sequences=True, name='rnn_lstm_unroll') "
       "-> RNN(StackedRNNCells([GRUCell(4, cell_gru), SimpleRNNCell(3, cell_simple)], name='stack2'), unroll=True, "
       "go_backwards=True, name='rnn_stack_unroll') -> Dense(2, head)")
def _():
    inp = Input((5, 3), name="in_seq")
    s = _rnn(_lstm_cell(5, "cell_lstm"), "rnn_lstm_unroll", unroll=True, return_sequences=True)(inp)
    o = _rnn(_stack([_gru_cell(4, "cell_gru"), _simple_cell(3, "cell_simple")], "stack2", 0), "rnn_stack_unroll",
             unroll=True, go_backwards=True)(s)
    m = Model(inp, Dense(2, name="head")(o), name="rnn_unroll")
    return _k2_covers(_cell_spec(m, [rnd((16, 5, 3))]), "rnn_unroll",
                      "rnn_stack_unroll is RNN(GRUCell(4, cell_gru), unroll=True, go_backwards=True)")


@model("bidirectional_rnn_cell", LEGACY2,
       "Functional Input(6,3) -> Bidirectional(RNN(LSTMCell(4, cell_lstm), return_sequences=True, name='rnn_lstm'), "
       "merge_mode='concat', name='bidi_concat') -> Bidirectional(RNN(StackedRNNCells([GRUCell(3, cell_gru), "
       "SimpleRNNCell(3, cell_simple)], name='stack2'), name='rnn_stack'), merge_mode='sum', name='bidi_sum') -> "
       "Dense(2, head)")
def _():
    inp = Input((6, 3), name="in_seq")
    s = L.Bidirectional(_rnn(_lstm_cell(4, "cell_lstm"), "rnn_lstm", return_sequences=True), merge_mode="concat",
                        name="bidi_concat")(inp)
    o = L.Bidirectional(_rnn(_stack([_gru_cell(3, "cell_gru"), _simple_cell(3, "cell_simple")], "stack2", 0), "rnn_stack"),
                        merge_mode="sum", name="bidi_sum")(s)
    m = Model(inp, Dense(2, name="head")(o), name="bidirectional_rnn_cell")
    return _k2_covers(_cell_spec(m, [rnd((16, 6, 3))]), "bidirectional_rnn_cell",
                      "bidi_sum wraps RNN(GRUCell(3, cell_gru), name='rnn_stack')")


# ---------------------------------------------------------------- softmax as (recurrent) activation
def _rnn_layer(cls, units, activation=None, recurrent_activation=None, **kw):
    """LSTM / GRU / SimpleRNN in every generation (Keras 1: output_dim, inner_activation)."""
    if cls == "LSTM":
        return LSTM(units, activation=activation, recurrent_activation=recurrent_activation, **kw)
    if K1:
        kw["output_dim"] = units
        if activation is not None:
            kw["activation"] = activation
        if recurrent_activation is not None:
            kw["inner_activation"] = recurrent_activation
        return getattr(L, cls)(**kw)
    if activation is not None:
        kw["activation"] = activation
    if recurrent_activation is not None:
        kw["recurrent_activation"] = recurrent_activation
    return getattr(L, cls)(units, **kw)


SOFTMAX_NOTE = ("softmax is applied per gate block: Keras computes z = x.W + h.U + b, splits it into the gate blocks "
                "(LSTM i,f,c,o; GRU z,r,h) and applies the (recurrent) activation to each (B, units) block, i.e. "
                "softmax over that block's units")


@model("softmax_gates_lstm", ALL,
       "Functional Input(5,3) -> LSTM(5, activation='softmax', recurrent_activation='softmax', return_sequences=True, "
       "name='lstm_softmax_both') -> LSTM(4, activation='softmax', return_sequences=True, name='lstm_softmax_act') -> "
       "LSTM(4, recurrent_activation='softmax', name='lstm_softmax_rec') -> Dense(2, head) (Keras 1: inner_activation); "
       "outputs lstm_softmax_both, lstm_softmax_act (sequences) and head, so the gate softmax is checked directly")
def _():
    inp = Input((5, 3), name="in_seq")
    s1 = _rnn_layer("LSTM", 5, "softmax", "softmax", return_sequences=True, name="lstm_softmax_both")(inp)
    s2 = _rnn_layer("LSTM", 4, "softmax", None, return_sequences=True, name="lstm_softmax_act")(s1)
    h = _rnn_layer("LSTM", 4, None, "softmax", name="lstm_softmax_rec")(s2)
    m = Model(inp, [s1, s2, Dense(2, name="head")(h)], name="softmax_gates_lstm")
    return spec_of(m, [rnd((16, 5, 3), -2.0, 2.0)], notes=SOFTMAX_NOTE)


@model("softmax_gates_gru", ALL,
       "Functional Input(5,3) -> GRU(5, activation='softmax', recurrent_activation='softmax', reset_after=True, "
       "return_sequences=True, name='gru_softmax_after') -> GRU(4, activation='softmax', recurrent_activation='softmax', "
       "reset_after=False, name='gru_softmax_before') -> Dense(2, head); outputs gru_softmax_after (sequence) and head; Keras 1.2.2 has no reset_after (its GRU is "
       "reset-before), so there both layers are plain GRU(softmax, inner_activation=softmax)")
def _():
    inp = Input((5, 3), name="in_seq")
    ka = {} if K1 else {"reset_after": True}
    kb = {} if K1 else {"reset_after": False}
    s1 = _rnn_layer("GRU", 5, "softmax", "softmax", return_sequences=True, name="gru_softmax_after", **ka)(inp)
    h = _rnn_layer("GRU", 4, "softmax", "softmax", name="gru_softmax_before", **kb)(s1)
    m = Model(inp, [s1, Dense(2, name="head")(h)], name="softmax_gates_gru")
    spec = spec_of(m, [rnd((16, 5, 3), -2.0, 2.0)], notes=SOFTMAX_NOTE)
    if K1:
        spec["covers"] = ("Functional Input(5,3) -> GRU(5, activation='softmax', inner_activation='softmax', "
                          "return_sequences=True, name='gru_softmax_after') -> GRU(4, activation='softmax', "
                          "inner_activation='softmax', name='gru_softmax_before') -> Dense(2, head) (Keras 1.2.2 has no "
                          "reset_after: both are reset-before GRUs; the names are kept from the other generations); outputs "
                          "gru_softmax_after (sequence) and head")
    return spec


@model("softmax_simple_rnn", ALL,
       "Functional Input(5,3) -> SimpleRNN(5, activation='softmax', return_sequences=True, name='simple_softmax_seq') -> "
       "SimpleRNN(4, activation='softmax', name='simple_softmax_last') -> Dense(2, head); outputs simple_softmax_seq "
       "and head")
def _():
    inp = Input((5, 3), name="in_seq")
    s1 = _rnn_layer("SimpleRNN", 5, "softmax", return_sequences=True, name="simple_softmax_seq")(inp)
    h = _rnn_layer("SimpleRNN", 4, "softmax", name="simple_softmax_last")(s1)
    m = Model(inp, [s1, Dense(2, name="head")(h)], name="softmax_simple_rnn")
    return spec_of(m, [rnd((16, 5, 3), -2.0, 2.0)], notes="softmax over the units of each step's pre-activation")


# ---------------------------------------------------------------- CuDNN (tf-keras)
def _hdf5_format():
    from tf_keras.src.saving.legacy import hdf5_format
    return hdf5_format


def _cudnn(kind, units, cudnn, **kw):
    """CuDNNLSTM / CuDNNGRU (tf.compat.v1.keras.layers) or the plain layer tf-keras converts their weights to."""
    if cudnn:
        C = tf.compat.v1.keras.layers
        return (C.CuDNNLSTM if kind == "lstm" else C.CuDNNGRU)(units, **kw)
    if kind == "lstm":
        return L.LSTM(units, **kw)
    return L.GRU(units, reset_after=True, recurrent_activation="sigmoid", **kw)


def _cudnn_layers(m):
    """Every CuDNN layer instance m runs (Bidirectional: its forward and backward copies)."""
    out = []
    for layer in m.layers:
        subs = [layer.forward_layer, layer.backward_layer] if isinstance(layer, L.Bidirectional) else [layer]
        out += [s for s in subs if type(s).__name__ in ("CuDNNLSTM", "CuDNNGRU")]
    return out


def _make_runnable(layer):
    """Replace this instance's _process_batch (CudnnRNNV3, GPU only) by a plain tf-keras LSTM / GRU layer that holds
    the layer's weights as tf-keras converts them (hdf5_format._convert_rnn_weights). The plain layer is kept in a
    closure, so it is neither tracked nor saved. Returns a function that copies the current weights into it."""
    kind = "lstm" if type(layer).__name__ == "CuDNNLSTM" else "gru"
    plain = _cudnn(kind, layer.units, False, return_sequences=layer.return_sequences, return_state=True)
    input_dim = int(layer.kernel.shape[0])
    plain.build((None, None, input_dim))

    def process(inputs, initial_state):
        x = tf.transpose(inputs, perm=(1, 0, 2)) if layer.time_major else inputs  # (batch, time, features) here
        outs = plain(x, initial_state=list(initial_state))
        return outs[0], list(outs[1:])

    layer._process_batch = process

    def sync():
        plain.set_weights(_hdf5_format()._convert_rnn_weights(plain, layer.get_weights()))
    return sync


def _split_biases(m, rng):
    """Make the input and recurrent bias halves of every CuDNN layer clearly different: [b_in + d, b_rec - d] with a
    seeded d ~ U(-0.5, 0.5). (Converted from LSTM the halves are equal, np.tile(0.5 * b, 2); from a trained
    GRU(reset_after=True) the z and r parts are equal too, as both halves get the same gradient there.)"""
    for layer in _cudnn_layers(m):
        k, rk, b = layer.get_weights()
        half = b.size // 2
        d = rng.uniform(-0.5, 0.5, size=half).astype("float32")
        layer.set_weights([k, rk, np.concatenate([b[:half] + d, b[half:] - d])])


def _max_diff(a, b):
    a = a if isinstance(a, list) else [a]
    b = b if isinstance(b, list) else [b]
    return float(max(np.max(np.abs(np.asarray(p, np.float64) - np.asarray(q, np.float64))) for p, q in zip(a, b)))


def _cudnn_spec(build, x, weights_only=False, covers=None):
    """Spec for a CuDNN sample (tf-keras): see the module docstring, steps 1-5."""
    m = build(True)
    p = build(False)
    syncs = [_make_runnable(layer) for layer in _cudnn_layers(m)]
    rng = np.random.RandomState(4321)
    info = {}
    orig_predict = m.predict

    def predict(*a, **k):
        if not info:
            tmp = tempfile.mkdtemp(prefix="cudnn_")
            try:
                p.save_weights(os.path.join(tmp, "plain.h5"))
                m.load_weights(os.path.join(tmp, "plain.h5"))  # tf-keras: LSTM/GRU -> CuDNN layout
                _split_biases(m, rng)
                for s in syncs:
                    s()
                saved = os.path.join(tmp, "cudnn.h5")
                (m.save_weights if weights_only else m.save)(saved)
                q = build(False)
                q.load_weights(saved)  # tf-keras: CuDNN layout -> LSTM / GRU(reset_after=True)
                info["q"] = q
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        ref = info["q"].predict(*a, **k)
        own = orig_predict(*a, **k)
        spec["extra"]["cudnn"]["max_abs_diff_cudnn_graph_vs_expected"] = _max_diff(own, ref)
        return ref

    m.predict = predict
    spec = spec_of(m, x, fit_model=p,
                   notes="CuDNN layers cannot fit or predict on CPU: the plain twin was trained and its weights converted "
                         "into this CuDNN model by tf-keras load_weights; bias halves then made different; expected = plain "
                         "twin after load_weights of this CuDNN file (tf-keras converts); details in report.json 'cudnn'")
    spec["weights_only"] = weights_only
    if covers:
        spec["covers"] = covers
    spec["extra"] = {"cudnn": {
        "fit": "CuDNN layers cannot run on CPU (CudnnRNNV3 has no CPU kernel), so the plain twin (same names; LSTM / "
               "GRU(reset_after=True, recurrent_activation='sigmoid')) was trained (SGD, 2 epochs) and its weights loaded "
               "into the CuDNN model with tf-keras' load_weights (LSTM -> CuDNN conversion)",
        "bias_halves": "after the transfer every CuDNN bias [b_in, b_rec] was set to [b_in + d, b_rec - d] with d ~ "
                       "U(-0.5, 0.5) from np.random.RandomState(4321) (layer.set_weights, layers in model order, forward "
                       "before backward), so input and recurrent halves differ (converted from LSTM they are equal "
                       "halves b/2; a trained GRU(reset_after=True) has equal z and r halves)",
        "expected": "predict of a fresh plain twin after load_weights(<this CuDNN model saved with %s>): tf-keras "
                    "converts the CuDNN weights on load (hdf5_format._convert_rnn_weights)" %
                    ("save_weights" if weights_only else "save"),
        "layer_outputs": "from the CuDNN model's own graph, each CuDNN layer instance running a plain tf-keras LSTM/GRU "
                         "(untracked) that holds _convert_rnn_weights(plain, cudnn.get_weights()); "
                         "max_abs_diff_cudnn_graph_vs_expected compares that path with expected",
    }}
    return spec


def _cudnn_seq(kind, name):
    def build(cudnn):
        return seq([_cudnn(kind, 8, cudnn, return_sequences=True, name="%s_seq" % name, **first(shape=(5, 3))),
                    _cudnn(kind, 4, cudnn, go_backwards=(kind == "gru"), name="%s_last" % name),
                    Dense(2, name="head")], shape=(5, 3), name=name)
    return build


@model("cudnn_lstm", ("tf-keras",),
       "Sequential CuDNNLSTM(8, return_sequences=True, name='cudnn_lstm_seq') -> CuDNNLSTM(4, name='cudnn_lstm_last') -> "
       "Dense(2, head) (tf.compat.v1.keras.layers.CuDNNLSTM); kernel (in, 4u), recurrent_kernel (u, 4u), bias (8u,); "
       "expected = plain LSTM twin after tf-keras' CuDNN->LSTM weight conversion (report.json cudnn)")
def _():
    return _cudnn_spec(_cudnn_seq("lstm", "cudnn_lstm"), [rnd((16, 5, 3))])


@model("cudnn_gru", ("tf-keras",),
       "Sequential CuDNNGRU(8, return_sequences=True, name='cudnn_gru_seq') -> CuDNNGRU(4, go_backwards=True, "
       "name='cudnn_gru_last') -> Dense(2, head) (tf.compat.v1.keras.layers.CuDNNGRU); kernel (in, 3u), recurrent_kernel "
       "(u, 3u), bias (6u,); expected = plain GRU(reset_after=True, recurrent_activation='sigmoid') twin after tf-keras' "
       "CuDNN->GRU weight conversion (report.json cudnn)")
def _():
    return _cudnn_spec(_cudnn_seq("gru", "cudnn_gru"), [rnd((16, 5, 3))])


@model("cudnn_bidirectional", ("tf-keras",),
       "Functional Input(5,3) -> Bidirectional(CuDNNLSTM(4, return_sequences=True, name='cudnn_lstm'), merge_mode='concat', "
       "name='bidi_cudnn_lstm') -> Bidirectional(CuDNNGRU(3, name='cudnn_gru'), merge_mode='sum', name='bidi_cudnn_gru') "
       "-> Dense(2, head); expected = plain twin (Bidirectional(LSTM), Bidirectional(GRU(reset_after=True, sigmoid))) after "
       "tf-keras' conversion (report.json cudnn)")
def _():
    def build(cudnn):
        inp = Input((5, 3), name="in_seq")
        s = L.Bidirectional(_cudnn("lstm", 4, cudnn, return_sequences=True, name="cudnn_lstm"), merge_mode="concat",
                            name="bidi_cudnn_lstm")(inp)
        o = L.Bidirectional(_cudnn("gru", 3, cudnn, name="cudnn_gru"), merge_mode="sum", name="bidi_cudnn_gru")(s)
        return Model(inp, Dense(2, name="head")(o), name="cudnn_bidirectional")
    return _cudnn_spec(build, [rnd((16, 5, 3))])


@model("cudnn_weights_only", ("tf-keras",),
       "save_weights('weights.h5') + model.json (to_json) of Sequential CuDNNLSTM(6, return_sequences=True, "
       "name='cudnn_lstm_seq') -> CuDNNGRU(4, name='cudnn_gru_last') -> Dense(2, head); no model.h5; expected = plain "
       "twin after load_weights(weights.h5) (tf-keras' conversion, report.json cudnn)")
def _():
    def build(cudnn):
        return seq([_cudnn("lstm", 6, cudnn, return_sequences=True, name="cudnn_lstm_seq", **first(shape=(5, 3))),
                    _cudnn("gru", 4, cudnn, name="cudnn_gru_last"),
                    Dense(2, name="head")], shape=(5, 3), name="cudnn_weights_only")
    return _cudnn_spec(build, [rnd((16, 5, 3))], weights_only=True)


@model("lstm_cudnn_layout", ("tf-keras",),
       "model.h5 whose model_config is a plain tf-keras Sequential LSTM(8, return_sequences=True, name='lstm_seq') -> "
       "GRU(4, name='gru_last') (reset_after=True, sigmoid) -> Dense(2, head), but whose LSTM / GRU datasets hold the "
       "CuDNN layout (LSTM bias (8u,) = input half + recurrent half; GRU bias (6u,)), as tf-keras writes them for "
       "CuDNNLSTM / CuDNNGRU; tf-keras load_model detects the bias shapes and converts; expected = that load_model's "
       "predict (report.json cudnn_layout says how the file was made)")
def _():
    def build(cudnn):
        return seq([_cudnn("lstm", 8, cudnn, return_sequences=True, name="lstm_seq", **first(shape=(5, 3))),
                    _cudnn("gru", 4, cudnn, name="gru_last"),
                    Dense(2, name="head")], shape=(5, 3), name="lstm_cudnn_layout")
    import h5py
    m = build(False)
    rng = np.random.RandomState(4322)
    info = {}
    tmp = tempfile.mkdtemp(prefix="cudnn_layout_")
    rewritten = os.path.join(tmp, "rewritten.h5")
    orig_predict, orig_save = m.predict, m.save

    def make_file():
        plain = os.path.join(tmp, "plain.h5")
        orig_save(plain)
        c = build(True)
        c.load_weights(plain)  # tf-keras: LSTM / GRU -> CuDNN layout
        _split_biases(c, rng)
        shutil.copy(plain, rewritten)
        layers_done = []
        with h5py.File(rewritten, "r+") as f:
            g = f["model_weights"]
            for layer in c.layers:
                if type(layer).__name__ not in ("CuDNNLSTM", "CuDNNGRU"):
                    continue
                lg = g[layer.name]
                names = [n.decode() if isinstance(n, bytes) else str(n) for n in lg.attrs["weight_names"]]
                for wn, val in zip(names, layer.get_weights()):
                    old = lg[wn].shape
                    del lg[wn]
                    lg.create_dataset(wn, data=val)
                    layers_done.append("%s %s -> %s" % (wn, list(old), list(val.shape)))
        r = keras.models.load_model(rewritten, compile=False)
        m.set_weights(r.get_weights())  # m now computes exactly what Keras loaded (for layer_outputs.npz)
        info["r"] = r
        info["rewritten"] = layers_done

    def predict(*a, **k):
        if not info:
            make_file()
        ref = info["r"].predict(*a, **k)
        spec["extra"]["cudnn_layout"]["max_abs_diff_plain_model_vs_expected"] = _max_diff(orig_predict(*a, **k), ref)
        spec["extra"]["cudnn_layout"]["datasets_rewritten"] = info["rewritten"]
        return ref

    def save(path, *a, **k):
        shutil.copy(rewritten, path)
        shutil.rmtree(tmp, ignore_errors=True)

    m.predict = predict
    m.save = save
    spec = spec_of(m, [rnd((16, 5, 3))],
                   notes="model.h5 = the plain model's own save, then its LSTM/GRU datasets replaced (h5py) by the CuDNN "
                         "layout weights tf-keras produced when loading it into a CuDNN twin; expected = tf-keras "
                         "load_model(model.h5).predict; details in report.json 'cudnn_layout'")
    spec["extra"] = {"cudnn_layout": {
        "how": "1. the plain model (this model_config) was trained (SGD, 2 epochs) and saved with model.save (tf-keras); "
               "2. a CuDNN twin (CuDNNLSTM(8, return_sequences=True) / CuDNNGRU(4), same names) load_weights(that file): "
               "tf-keras converted the weights to the CuDNN layout; 3. the bias halves were made different "
               "([b_in + d, b_rec - d], d ~ U(-0.5, 0.5), np.random.RandomState(4322), LSTM then GRU); 4. with h5py, the LSTM and GRU "
               "datasets of the saved plain file were replaced by the CuDNN twin's weights (same weight_names, new "
               "shapes; nothing else touched); 5. expected = tf-keras load_model(that file).predict, which converts "
               "back (hdf5_format._convert_rnn_weights detects the (8u,) / (6u,) bias); layer_outputs.npz from the "
               "plain model after set_weights(loaded.get_weights())",
    }}
    return spec
