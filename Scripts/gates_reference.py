#!/usr/bin/env python3
"""Float64 NumPy gate references for `keras-replay gates`.

For every recurrent layer (LSTM, GRU, SimpleRNN, RNN around one LSTMCell / GRUCell / SimpleRNNCell or around
StackedRNNCells, CuDNNLSTM / CuDNNGRU, Bidirectional of any of those; ConvLSTM1D / 2D / 3D) of selected samples,
compute every gate at every timestep in float64 NumPy straight from the checkpoint's weights (h5py, bound by the
ORDER of `weight_names`), and write SampleCheckpoints/<gen>/<model>/gates_<layer name>.npz (float32 arrays; one
file per cell for a stack).

Only the layer's INPUTS come from the Keras that wrote the file (sub-model `Model(model.inputs, layer.input)`
predict; when the call passes initial_state, the state tensors too, each by `Model(model.inputs, <tensor>)`); the
recurrences are this file's own NumPy code. As a sanity check the reference hidden states are merged/arranged like
the layer's output (plus the final states of every cell when the layer has return_state) and compared with
`Model(model.inputs, layer.output)` predict (or with expected.npy when Keras cannot load the file back).
Exceptions to "from a Keras sub-model":
  * Keras 3 cannot load its own masked legacy .h5 (`Unknown layer: 'NotEqual'`). When the sample has the native
    twin model.keras (written by the same Keras from the same model) that is loaded instead, after checking that its
    weights equal model.h5's weight_names arrays exactly; samples without one (masked_bidirectional) get the Masking
    output computed in NumPy (== the model input there).
  * CuDNNLSTM / CuDNNGRU models (tf-keras cudnn_*): Keras loads them but cannot predict them on this CPU machine
    (no OpKernel for CudnnRNNV3), so no Keras model is run. The layer input is the model input or the previous
    layer's entry of the sample's layer_outputs.npz, and the sanity check compares with layer_outputs.npz[layer]
    (Keras' own layer outputs, written when the sample was made: the CuDNN layers' cuDNN call replaced by tf-keras'
    plain LSTM / GRU holding tf-keras' own converted weights; report.json `cudnn` says how, and that this graph
    reproduces expected.npy exactly). lstm_cudnn_layout is a plain LSTM/GRU model and runs in Keras as usual.

Run under the venv of the generation (detection as in make_samples.py; Scripts/make-gates.sh does all four):
  keras3:     ~/.cache/keras-replay/venvs/modern/bin/python Scripts/gates_reference.py
  tf-keras:   TF_USE_LEGACY_KERAS=1 ~/.cache/keras-replay/venvs/modern/bin/python Scripts/gates_reference.py
  keras2.2.4: KERAS_BACKEND=theano THEANO_FLAGS=blas.ldflags=,cxx=,device=cpu,floatX=float32 \
              ~/.cache/keras-replay/venvs/keras2/bin/python Scripts/gates_reference.py
  keras1.2.2: (same env) ~/.cache/keras-replay/venvs/keras1/bin/python Scripts/gates_reference.py
Options: --root SampleCheckpoints, --only name,name

npz layout (all float32 (batch, timesteps, units) unless said otherwise):
  LSTM: input_gate, forget_gate, candidate, output_gate, cell, hidden
  GRU: update_gate, reset_gate, candidate, hidden          SimpleRNN: hidden
  RNN(LSTMCell) / RNN(GRUCell) (reset_after either way) / RNN(SimpleRNNCell), CuDNNLSTM, CuDNNGRU: the arrays of
  LSTM / GRU / SimpleRNN, file gates_<layer>.npz.
  RNN(StackedRNNCells([...])) (also RNN([cells]), which Keras saves as a StackedRNNCells): ONE FILE PER CELL,
  gates_<layer>@<cell name>.npz (cell name = the cell config's `name`), each holding that cell's arrays as above.
  At each step the step's input goes through cell 1, cell 1's new output into cell 2, etc.; the layer's output is
  the last cell's hidden, its states (return_state) every cell's states in cell order (LSTM h, c). read_order and
  mask (below) are written into every cell's file.
  Bidirectional: the same names prefixed forward_ / backward_ (around a stack: one file per cell, both directions
  of that cell inside; forward and backward cells carry the same names).
  Time axis = INPUT time order: index t is the step that read input t (also for go_backwards layers and the
  backward half of Bidirectional). Layers that read backwards also get `read_order` (int32 (timesteps,)):
  read_order[k] = input index read at processing step k (prefixed forward_/backward_ inside Bidirectional). A
  go_backwards stack reads backwards as a whole: every cell's index t is the step whose input t entered cell 1,
  and later cells read the previous cell's outputs in processing order.
  `mask` (uint8 (batch, timesteps), 1 = kept) when masking applies. At a masked step the gate arrays hold what
  the cell computes from that step's input and the carried state (Keras computes it, then discards it); `cell`
  and `hidden` hold the carried (unchanged) state. In a stack every cell's states carry over at a masked step, and
  the input of cell k > 1 at a masked step is cell k-1's FRESH output of that step (computed, then discarded), as
  Keras' StackedRNNCells.call passes it on. An engine that runs the cells one after another as masked layers
  would feed cell k-1's CARRIED (previous) output instead: both are computed, and where the gate arrays differ
  (masked steps of cells after the first only) is printed and stored in gates.json (`masked_stack_fresh_vs_carried`).
  initial_state: the states start from the tensors the call passes (from Keras, see above), in the order of the
  call (one list per cell, LSTM h then c); otherwise from zeros.
  Stateful layers: rows are processed in chunks of the sample's predict batch size, row i of chunk k continuing
  the state of row i of chunk k-1 (every cell's), starting from zeros.
  ConvLSTM1D / 2D / 3D (Keras 1.2.2: ConvLSTM2D only): the LSTM names input_gate, forget_gate, candidate,
  output_gate, cell, hidden, each float32 (batch, timesteps, *spatial_out, filters): the gate map at every output
  position with the filters LAST, also for channels_first layers (whose input is moved to channels last first and
  whose sanity output is moved back); input time order and `read_order` for go_backwards layers as above; gates
  activated as the cell computed them, cell / hidden the states after the step; stateful as above (h and c maps).
  Initial states zero (initial_state, masks, Bidirectional around a ConvLSTM: refused, not in any sample).
Weights and activations:
  * Gate blocks in stored order (LSTM i, f, c, o; GRU z, r, h); Keras 1 LSTM/GRU: one W/U/b per gate (12 / 9 arrays).
  * CuDNN layout: CuDNNLSTM / CuDNNGRU, and an LSTM / GRU whose stored bias has the CuDNN shape ((8u,) / (6u,);
    tf-keras detects the layout by the bias shape only, as in lstm_cudnn_layout), are converted exactly as tf-keras'
    `_convert_rnn_weights` does on load (tf_keras/src/saving/legacy/hdf5_format.py): per gate block, input kernel
    block K (d, u) -> K.T.reshape(K.shape, order='F'), recurrent block R (u, u) -> R.T; LSTM bias = input half +
    recurrent half (4u,); GRU bias -> reshape (2, 3u) (row 0 input, row 1 recurrent) = a GRU(reset_after=True).
    Then the usual LSTM / GRU(reset_after=True) math with sigmoid gates and tanh (CuDNN configs name no activation).
  * softmax as activation / recurrent_activation: applied to each gate block separately (softmax over that block's
    units), as every generation's LSTM / GRU / SimpleRNN does (it activates each (batch, units) block); in LSTM also
    to the cell in h = o * act(c). The sanity check against Keras' layer output covers it in every generation.
  * ConvLSTM (conv_nd, run_convlstm): per gate g in i, f, c, o: z_x = conv(x_t, W_g, strides, padding, dilation) +
    b_g, z_h = conv(h, U_g, stride 1, 'same', no dilation); i = ract(z_x_i + z_h_i), f, o likewise, c = f*c +
    i*act(z_x_c + z_h_c), h = o*act(c). Keras 2+: kernel (*k, in, 4F), recurrent_kernel (*k, F, 4F), bias (4F)
    (none with use_bias=False), gate blocks i, f, c, o along the last axis. Keras 1.2.2: 12 arrays W_i U_i b_i W_c
    U_c b_c W_f U_f b_f W_o U_o b_o (file order i, c, f, o); dim_ordering 'th' W / U are (F, in|F, rows, cols)
    (transposed to (rows, cols, in|F, F)); the Keras 1 config records no subsample, so stride 1 (as Keras 1 rebuilds
    it). The convolution is plain NumPy float64. Keras 3 / tf-keras (TensorFlow): cross-correlation, 'same' = TF SAME
    (total = max((ceil(n/s)-1)*s + dk - n, 0), total//2 before). Keras 1.2.2 / 2.2.4 (Theano): TRUE convolution
    (kernel and recurrent kernel reversed along every spatial axis) and 'same' = Theano 'half' (dk//2 zeros before),
    output cut to ceil(n/s); this differs from TF for even kernels (also the recurrent 'same' conv) and strides.
    hard_sigmoid: clip(x/6 + 0.5) in Keras 3, clip(0.2x + 0.5) elsewhere (the ConvLSTM default recurrent_activation
    is hard_sigmoid in tf-keras / 2.2.4 / 1.2.2 and sigmoid in Keras 3; every config records it). Keras 1.2.2 / 2.2.4
    need the Theano Python-convolution fix of Scripts/sample_models/convolutions.py to run these models at all: it is
    applied (theano_python_convolutions) only for samples with a ConvLSTM. The sanity check compares the hidden
    arranged like the layer's output (last step, or the sequence in processing order; channels_first if the layer
    is) and, with return_state, h and c.
"""
import argparse
import json
import os
import sys

from keras_generation import GEN, LEGACY, keras  # noqa: E402  (sets the backend's environment first)

import numpy as np  # noqa: E402
import h5py  # noqa: E402
from keras_attributes import read_str_list  # noqa: E402

ALL4 = ["seed_stateful", "seed_lstm8_tanh_sigmoid", "seed_lstm8_tanh_relu", "seed_hard_sigmoid", "seed_autoencoder_small"]
MODERN_ONLY = ["gru_reset_after", "gru_reset_before", "simple_rnn", "bidirectional_gru", "lstm_go_backwards",
               "masking_lstm", "masked_bidirectional"]
# Issue 13 (which generation has which: each sample's report.json). keras2.2.4 has the RNN(cell) forms, its
# "stack" layers being one cell (Theano cannot save StackedRNNCells); Keras 1.2.2 has no RNN/cell classes; only
# tf-keras has CuDNN classes (cudnn_weights_only has no model: no references).
RNN_FORMS = ["rnn_lstm_cell", "rnn_gru_cell_reset_after", "rnn_gru_cell_reset_before", "rnn_simple_cell",
             "rnn_go_backwards", "rnn_stateful", "rnn_masked", "rnn_initial_state", "rnn_unroll", "bidirectional_rnn_cell"]
RNN_STACKED = ["rnn_stacked_cells", "rnn_stacked_return_state"]
CUDNN = ["cudnn_lstm", "cudnn_gru", "cudnn_bidirectional", "lstm_cudnn_layout"]
SOFTMAX = ["softmax_gates_lstm", "softmax_gates_gru", "softmax_simple_rnn"]
MODERN = GEN in ("keras3", "tf-keras")
# Issue 14: ConvLSTM1D/3D exist in tf-keras and Keras 3 only; Keras 1.2.2 has no return_state (bench_convlstm2d is
# left out: big, and its layers are covered by these).
CONVLSTM = ((["convlstm1d_options"] if MODERN else []) + ["convlstm2d_options", "convlstm2d_channels_first"]
            + (["convlstm2d_return_state"] if GEN != "keras1.2.2" else []) + ["convlstm2d_stateful"]
            + (["convlstm3d_options"] if MODERN else []))
SAMPLES = (ALL4 + (MODERN_ONLY if MODERN else []) + (RNN_FORMS if GEN != "keras1.2.2" else [])
           + (RNN_STACKED if MODERN else []) + (CUDNN if GEN == "tf-keras" else []) + SOFTMAX + CONVLSTM)
RNN_CLASSES = ("LSTM", "GRU", "SimpleRNN", "RNN", "CuDNNLSTM", "CuDNNGRU")  # and Bidirectional around them
CONVLSTM_CLASSES = ("ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")
THEANO = GEN in ("keras1.2.2", "keras2.2.4")  # Theano backend: true convolution, 'half' padding (conv_nd)
CUDNN_CLASSES = ("CuDNNLSTM", "CuDNNGRU")
KIND = {"LSTM": "LSTM", "LSTMCell": "LSTM", "CuDNNLSTM": "LSTM", "GRU": "GRU", "GRUCell": "GRU", "CuDNNGRU": "GRU",
        "SimpleRNN": "SimpleRNN", "SimpleRNNCell": "SimpleRNN"}
ARRAY_NAMES = {"LSTM": ["input_gate", "forget_gate", "candidate", "output_gate", "cell", "hidden"],
               "GRU": ["update_gate", "reset_gate", "candidate", "hidden"],
               "SimpleRNN": ["hidden"]}
STATE_NAMES = {"LSTM": ["hidden", "cell"], "GRU": ["hidden"], "SimpleRNN": ["hidden"]}  # Keras' state order
TOL = 1e-5


# ---------------------------------------------------------------- h5 reading
def attr_str(attrs, name):
    v = attrs[name]
    return v.decode("utf8") if isinstance(v, bytes) else str(v)


def config_layers(model_config):
    cfg = model_config["config"]
    if isinstance(cfg, list):
        return cfg
    return cfg["layers"]


def entry_name(e):
    return e.get("name") or e["config"]["name"]


def layer_cells(cls, cfg):
    """-> (cells, stacked): cells = [(cell name, cell class, cell config)] in stacking order. A plain layer
    (LSTM, GRU, SimpleRNN, CuDNN*) is its own single cell (name None, config = the layer's config)."""
    if cls != "RNN":
        return [(None, cls, cfg)], False
    cell = cfg["cell"]
    if isinstance(cell, list):  # RNN([cells]) as written by a Keras that keeps the list
        return [(c["config"]["name"], c["class_name"], c["config"]) for c in cell], True
    if cell["class_name"] == "StackedRNNCells":
        return [(c["config"]["name"], c["class_name"], c["config"]) for c in cell["config"]["cells"]], True
    return [(cell["config"].get("name"), cell["class_name"], cell["config"])], False


# ---------------------------------------------------------------- activations (float64)
def softmax(x):
    """Over the last axis, i.e. over ONE gate block's units: every generation activates each (batch, units) block."""
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def activation(name):
    if isinstance(name, dict):  # serialized activation object
        name = name.get("config", {}).get("name") or name.get("class_name")
    name = (name or "linear")
    if name == "tanh":
        return np.tanh
    if name == "sigmoid":
        return lambda x: 1.0 / (1.0 + np.exp(-x))
    if name == "relu":
        return lambda x: np.maximum(x, 0.0)
    if name == "linear":
        return lambda x: x
    if name == "hard_sigmoid":
        if GEN == "keras3":
            return lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0)
        return lambda x: np.clip(0.2 * x + 0.5, 0.0, 1.0)
    if name == "softmax":
        return softmax
    raise ValueError("activation %r not supported" % name)


# ---------------------------------------------------------------- cell parameters bound by weight_names order
def from_cudnn(kernel, recurrent, n_gates):
    """tf-keras `_convert_rnn_weights(..., from_cudnn=True)` kernels: per gate block (np.hsplit into n_gates), the
    input block K -> K.T.reshape(K.shape, order='F') (`transpose_input(from_cudnn=True)`), the recurrent block
    R -> R.T; gate order unchanged."""
    k = np.hstack([b.T.reshape(b.shape, order="F") for b in np.hsplit(kernel, n_gates)])
    r = np.hstack([b.T for b in np.hsplit(recurrent, n_gates)])
    return k, r


def rnn_params(cls, cfg, arrays, names):
    """-> dict(kind, units, act, ract, W, U, b, (brec, reset_after), cudnn) with gate blocks already split.
    cls: the layer class (LSTM, GRU, SimpleRNN, CuDNNLSTM, CuDNNGRU) or cell class (LSTMCell, ...); cfg its config."""
    kind = KIND[cls]
    cudnn = None
    if kind == "LSTM":
        units = cfg.get("units", cfg.get("output_dim"))
        if cls == "CuDNNLSTM":  # the config names no activation: cuDNN is tanh / sigmoid
            act, ract = activation("tanh"), activation("sigmoid")
        else:
            act = activation(cfg.get("activation", "tanh"))
            default_ra = "hard_sigmoid" if GEN in ("keras1.2.2", "keras2.2.4") else "sigmoid"
            ract = activation(cfg.get("recurrent_activation", cfg.get("inner_activation", default_ra)))
        if len(arrays) == 12:  # Keras 1: W_i U_i b_i W_c U_c b_c W_f U_f b_f W_o U_o b_o
            for k, suffix in enumerate(["W_i", "U_i", "b_i", "W_c", "U_c", "b_c", "W_f", "U_f", "b_f", "W_o", "U_o", "b_o"]):
                assert names[k].endswith(suffix), (names[k], suffix)
            blk = {g: (arrays[3 * j], arrays[3 * j + 1], arrays[3 * j + 2]) for j, g in enumerate("icfo")}
            W = {g: blk[g][0] for g in "ifco"}
            U = {g: blk[g][1] for g in "ifco"}
            b = {g: blk[g][2] for g in "ifco"}
        else:
            kern, rec = arrays[0], arrays[1]
            bias = arrays[2] if len(arrays) > 2 else np.zeros(4 * units)
            if cls in ("LSTM", "CuDNNLSTM") and len(arrays) == 3 and bias.shape == (8 * units,):
                kern, rec = from_cudnn(kern, rec, 4)
                bias = np.sum(np.split(bias, 2, axis=0), axis=0)  # input half + recurrent half
                cudnn = ("CuDNN-layout weights (bias (8u,)) converted as tf-keras _convert_rnn_weights: per gate block "
                         "kernel K -> K.T.reshape(K.shape, order='F'), recurrent R -> R.T, bias = bias[:4u] + bias[4u:]")
            assert cls != "CuDNNLSTM" or cudnn, "CuDNNLSTM with bias %s" % (bias.shape,)
            W = {g: kern[:, j * units:(j + 1) * units] for j, g in enumerate("ifco")}
            U = {g: rec[:, j * units:(j + 1) * units] for j, g in enumerate("ifco")}
            b = {g: bias[j * units:(j + 1) * units] for j, g in enumerate("ifco")}
        return dict(kind="LSTM", units=units, act=act, ract=ract, W=W, U=U, b=b, cudnn=cudnn)
    if kind == "GRU":
        units = cfg.get("units", cfg.get("output_dim"))
        if cls == "CuDNNGRU":  # cuDNN's GRU = GRU(reset_after=True) with tanh / sigmoid
            act, ract, reset_after = activation("tanh"), activation("sigmoid"), True
        else:
            act = activation(cfg.get("activation", "tanh"))
            ract = activation(cfg.get("recurrent_activation", cfg.get("inner_activation", "sigmoid")))
            reset_after = bool(cfg.get("reset_after", GEN in ("keras3", "tf-keras")))
        if len(arrays) == 9:  # Keras 1: W_z U_z b_z W_r U_r b_r W_h U_h b_h (reset-before GRU)
            for k, suffix in enumerate(["W_z", "U_z", "b_z", "W_r", "U_r", "b_r", "W_h", "U_h", "b_h"]):
                assert names[k].endswith(suffix), (names[k], suffix)
            assert not reset_after
            W = {g: arrays[3 * j] for j, g in enumerate("zrh")}
            U = {g: arrays[3 * j + 1] for j, g in enumerate("zrh")}
            b = {g: arrays[3 * j + 2] for j, g in enumerate("zrh")}
            brec = {g: np.zeros(units) for g in "zrh"}
            return dict(kind="GRU", units=units, act=act, ract=ract, W=W, U=U, b=b, brec=brec, reset_after=False, cudnn=None)
        kern, rec = arrays[0], arrays[1]
        if len(arrays) > 2:
            bias = arrays[2]
        else:
            bias = np.zeros((2, 3 * units)) if reset_after else np.zeros(3 * units)
        if cls in ("GRU", "CuDNNGRU") and len(arrays) == 3 and bias.shape == (6 * units,):
            # tf-keras refuses CuDNNGRU weights for a GRU(reset_after=False) ("... is not compatible with ...")
            assert reset_after, "CuDNN GRU weights in a GRU(reset_after=False)"
            kern, rec = from_cudnn(kern, rec, 3)
            bias = np.array(bias).reshape((2, -1))
            cudnn = ("CuDNN-layout weights (bias (6u,)) converted as tf-keras _convert_rnn_weights: per gate block "
                     "kernel K -> K.T.reshape(K.shape, order='F'), recurrent R -> R.T, bias -> reshape (2, 3u) "
                     "(GRU reset_after=True)")
        assert cls != "CuDNNGRU" or cudnn, "CuDNNGRU with bias %s" % (bias.shape,)
        if reset_after:
            assert bias.shape == (2, 3 * units), bias.shape
            bi, br = bias[0], bias[1]
        else:
            assert bias.shape == (3 * units,), bias.shape
            bi, br = bias, np.zeros(3 * units)
        W = {g: kern[:, j * units:(j + 1) * units] for j, g in enumerate("zrh")}
        U = {g: rec[:, j * units:(j + 1) * units] for j, g in enumerate("zrh")}
        b = {g: bi[j * units:(j + 1) * units] for j, g in enumerate("zrh")}
        brec = {g: br[j * units:(j + 1) * units] for j, g in enumerate("zrh")}
        return dict(kind="GRU", units=units, act=act, ract=ract, W=W, U=U, b=b, brec=brec, reset_after=reset_after,
                    cudnn=cudnn)
    if kind == "SimpleRNN":
        units = cfg.get("units", cfg.get("output_dim"))
        act = activation(cfg.get("activation", "tanh"))
        bias = arrays[2] if len(arrays) > 2 else np.zeros(units)
        return dict(kind="SimpleRNN", units=units, act=act, W=arrays[0], U=arrays[1], b=bias, cudnn=None)
    raise ValueError(cls)


def cells_params(cells, arrays, names):
    """The cells' parameters in stacking order: a stack stores every cell's arrays one cell after the other
    (3 each, 2 with use_bias=False); a single cell / plain layer takes all of them."""
    ps, i = [], 0
    for _, ccls, ccfg in cells:
        n = len(arrays) if len(cells) == 1 else (3 if ccfg.get("use_bias", True) else 2)
        ps.append(rnn_params(ccls, ccfg, arrays[i:i + n], names[i:i + n]))
        i += n
    assert i == len(arrays), "%d weight arrays for cells %s" % (len(arrays), [c[0] for c in cells])
    return ps


# ---------------------------------------------------------------- recurrences (float64)
def cell_step(p, xt, state, keep):
    """One step of one cell. state = [h] or [h, c]; keep (n, 1) bool. -> (values in ARRAY_NAMES order, state after
    the mask, the cell's fresh (unmasked) output)."""
    h = state[0]
    if p["kind"] == "LSTM":
        c = state[1]
        W, U, b = p["W"], p["U"], p["b"]
        i = p["ract"](xt @ W["i"] + h @ U["i"] + b["i"])
        f = p["ract"](xt @ W["f"] + h @ U["f"] + b["f"])
        g = p["act"](xt @ W["c"] + h @ U["c"] + b["c"])
        o = p["ract"](xt @ W["o"] + h @ U["o"] + b["o"])
        c_new = f * c + i * g
        h_new = o * p["act"](c_new)
        c = np.where(keep, c_new, c)
        h = np.where(keep, h_new, h)
        return (i, f, g, o, c, h), [h, c], h_new
    if p["kind"] == "GRU":
        W, U, b, br = p["W"], p["U"], p["b"], p["brec"]
        z = p["ract"](xt @ W["z"] + b["z"] + h @ U["z"] + br["z"])
        r = p["ract"](xt @ W["r"] + b["r"] + h @ U["r"] + br["r"])
        if p["reset_after"]:
            hh = p["act"](xt @ W["h"] + b["h"] + r * (h @ U["h"] + br["h"]))
        else:
            hh = p["act"](xt @ W["h"] + b["h"] + (r * h) @ U["h"])
        h_new = z * h + (1.0 - z) * hh
        h = np.where(keep, h_new, h)
        return (z, r, hh, h), [h], h_new
    h_new = p["act"](xt @ p["W"] + h @ p["U"] + p["b"])
    h = np.where(keep, h_new, h)
    return (h,), [h], h_new


def run_stack(ps, x, mask, go_backwards, chunk=None, initial=None, next_input="fresh"):
    """x (B,T,D) float64; mask (B,T) bool or None; ps: the cells' parameters in stacking order (one for a plain
    layer); initial: per cell a list of (B, units) states (Keras order) or None for zeros. next_input: what cell k+1
    reads at a step, 'fresh' = cell k's newly computed output (Keras' StackedRNNCells.call) or 'carried' = its
    output after the mask (they differ at masked steps only). Returns ([per cell: dict of (B,T,units) arrays in
    input time order], read order)."""
    B, T, _ = x.shape
    outs = [{n: np.zeros((B, T, p["units"])) for n in ARRAY_NAMES[p["kind"]]} for p in ps]
    order = list(range(T - 1, -1, -1)) if go_backwards else list(range(T))
    chunk = chunk or B
    carry = [[np.zeros((chunk, p["units"])) for _ in STATE_NAMES[p["kind"]]] for p in ps]
    if initial is not None:
        assert chunk == B
        carry = [[np.array(a, np.float64) for a in st] for st in initial]
        for p, st in zip(ps, carry):
            assert [a.shape for a in st] == [(B, p["units"])] * len(STATE_NAMES[p["kind"]]), [a.shape for a in st]
    for s in range(0, B, chunk):
        rows = slice(s, s + chunk)
        n = min(chunk, B - s)
        state = [[a[:n].copy() for a in st] for st in carry]
        for t in order:
            keep = np.ones((n, 1), bool) if mask is None else mask[rows, t][:, None]
            inp = x[rows, t, :]
            for j, p in enumerate(ps):
                values, state[j], fresh = cell_step(p, inp, state[j], keep)
                for nm, v in zip(ARRAY_NAMES[p["kind"]], values):
                    outs[j][nm][rows, t, :] = v
                inp = fresh if next_input == "fresh" else state[j][0]
        for st, new in zip(carry, state):
            for a, v in zip(st, new):
                a[:n] = v
    return outs, np.array(order, np.int32)


def layer_output_like_keras(out, read_order, return_sequences, mask, zero_masked):
    """Arrange one direction's hidden as Keras emits it (sequence in processing order / last processed step)."""
    h = out["hidden"]
    if mask is not None and zero_masked:
        h = np.where(mask[:, :, None], h, 0.0)
    if return_sequences:
        return h[:, read_order, :]
    return h[:, read_order[-1], :]


def final_states(outs, ps, read_order):
    """Every cell's states after the last processed step, flattened in cell order (LSTM h, c), as return_state."""
    return [o[n][:, read_order[-1], :] for o, p in zip(outs, ps) for n in STATE_NAMES[p["kind"]]]


def fresh_vs_carried(fresh, carried, mask, prefix=""):
    """Where the stacked cells' gate arrays differ between feeding cell k+1 cell k's fresh output (Keras) and its
    carried output, at masked steps. -> {array: {max_abs_diff, masked_positions_differing [[row, t], ...]}}, only
    arrays that differ; asserts equality at every kept step and of the carried states everywhere."""
    res = {}
    for nm in fresh:
        d = np.abs(fresh[nm] - carried[nm]).max(axis=-1)  # (B, T)
        assert not np.any(d[mask] > 0), "fresh/carried differ at a kept step: %s" % nm
        if nm in ("hidden", "cell"):
            assert not np.any(d > 0), "carried state differs: %s" % nm
        if np.any(d > 0):
            res[prefix + nm] = dict(max_abs_diff=float(d.max()),
                                    masked_positions_differing=[[int(r), int(t)] for r, t in zip(*np.nonzero(d > 0))])
    return res


# ---------------------------------------------------------------- ConvLSTM1D / 2D / 3D (float64)
def tup(v, n):
    return tuple(int(a) for a in v) if isinstance(v, (list, tuple)) else (int(v),) * n


def conv_nd(x, w, strides, dilation, padding, theano):
    """N-D convolution in plain NumPy float64. x (B, *spatial, Cin) channels last, w (*k, Cin, Cout) -> (B, *out,
    Cout). theano=False (Keras 3, tf-keras): cross-correlation with the stored kernel; 'same' = TensorFlow's rule,
    out = ceil(n/s), total = max((out-1)*s + dk - n, 0) zeros, total//2 before and the rest after (dk = (k-1)*d + 1).
    theano=True (Keras 1.2.2, 2.2.4 on Theano): TRUE convolution, i.e. the kernel reversed along every spatial axis
    (Theano's conv2d/conv3d default filter_flip=True; Keras passes the kernel only transposed), and 'same' = Theano's
    'half': dk//2 zeros before (and after), the output then cut to the first ceil(n/s) positions (Keras'
    _postprocess_conv2d_output). 'valid': out = (n - dk)//s + 1 under both rules."""
    rank = w.ndim - 2
    if theano:
        w = w[(slice(None, None, -1),) * rank]
    pads, outs = [(0, 0)], []
    for a in range(rank):
        n, k, s, dl = x.shape[1 + a], w.shape[a], strides[a], dilation[a]
        dk = (k - 1) * dl + 1
        if padding == "valid":
            out, before = (n - dk) // s + 1, 0
        elif padding == "same":
            out = -(-n // s)
            before = dk // 2 if theano else max((out - 1) * s + dk - n, 0) // 2
        else:
            raise ValueError("padding %r not supported" % padding)
        assert out > 0, (n, k, s, dl, padding)
        pads.append((before, max((out - 1) * s + dk - n - before, 0)))
        outs.append(out)
    xp = np.pad(x, pads + [(0, 0)])
    y = np.zeros((x.shape[0],) + tuple(outs) + (w.shape[-1],))
    for j in np.ndindex(*w.shape[:rank]):
        win = tuple(slice(j[a] * dilation[a], j[a] * dilation[a] + (outs[a] - 1) * strides[a] + 1, strides[a])
                    for a in range(rank))
        y += xp[(slice(None),) + win] @ w[j]
    return y


def convlstm_params(cls, cfg, arrays, names):
    """-> dict(rank, filters, strides, dilation, padding, channels_first, theano, act, ract, W, U, b) with kernels
    as (*k, in, F) / (*k, F, F) per gate (channels-last layout, as stored by Keras 2+), bound by weight_names order.
    Keras 2+ (1D/2D/3D): kernel (*k, in, 4F), recurrent_kernel (*k, F, 4F), bias (4F) (absent with use_bias=False),
    gate blocks i, f, c, o along the last axis. Keras 1.2.2 ConvLSTM2D: 12 arrays W_i U_i b_i W_c U_c b_c W_f U_f b_f
    W_o U_o b_o (i, c, f, o order in the file); dim_ordering 'th' W (F, in, rows, cols) / U (F, F, rows, cols) ->
    transposed to (rows, cols, in, F); 'tf' already (rows, cols, in, F). Keras 1 configs do not record subsample
    (stride) or dilation: stride 1, no dilation, as Keras 1 itself rebuilds the layer."""
    rank = int(cls[-2])
    if "filters" in cfg:  # Keras 2.2.4, tf-keras, Keras 3
        F = int(cfg["filters"])
        ks = tup(cfg["kernel_size"], rank)
        strides = tup(cfg.get("strides", 1), rank)
        dilation = tup(cfg.get("dilation_rate", 1), rank)
        padding = cfg.get("padding", "valid")
        cf = cfg.get("data_format") == "channels_first"
        act_name = cfg.get("activation", "tanh")
        # constructor defaults (configs always record it): Keras 3 sigmoid; tf-keras and Keras 2.2.4 hard_sigmoid
        ract_name = cfg.get("recurrent_activation", "sigmoid" if GEN == "keras3" else "hard_sigmoid")
        use_bias = bool(cfg.get("use_bias", True))
        assert len(arrays) == (3 if use_bias else 2), (names, use_bias)
        kern, rec = arrays[0], arrays[1]
        bias = arrays[2] if use_bias else np.zeros(4 * F)
        W = {g: kern[..., j * F:(j + 1) * F] for j, g in enumerate("ifco")}
        U = {g: rec[..., j * F:(j + 1) * F] for j, g in enumerate("ifco")}
        b = {g: bias[j * F:(j + 1) * F] for j, g in enumerate("ifco")}
    else:  # Keras 1.2.2 ConvLSTM2D
        F = int(cfg["nb_filter"])
        ks = (int(cfg["nb_row"]), int(cfg["nb_col"]))
        strides = tup(cfg.get("subsample", 1), rank)
        dilation = (1,) * rank
        padding = cfg.get("border_mode", "valid")
        assert cfg["dim_ordering"] in ("th", "tf"), cfg["dim_ordering"]
        cf = cfg["dim_ordering"] == "th"
        act_name = cfg.get("activation", "tanh")
        ract_name = cfg.get("inner_activation", "hard_sigmoid")
        suffixes = ["W_i", "U_i", "b_i", "W_c", "U_c", "b_c", "W_f", "U_f", "b_f", "W_o", "U_o", "b_o"]
        assert len(arrays) == 12, names
        for k, suffix in enumerate(suffixes):
            assert names[k].endswith(suffix), (names[k], suffix)
        blk = {g: arrays[3 * j:3 * j + 3] for j, g in enumerate("icfo")}
        to_last = (lambda a: a.transpose(2, 3, 1, 0)) if cf else (lambda a: a)
        W = {g: to_last(blk[g][0]) for g in "ifco"}
        U = {g: to_last(blk[g][1]) for g in "ifco"}
        b = {g: blk[g][2] for g in "ifco"}
    for nm in (act_name, ract_name):
        assert "softmax" not in str(nm), "softmax in a ConvLSTM: its axis would depend on data_format, not handled"
    for g in "ifco":
        assert W[g].shape[:rank] == ks and W[g].shape[-1] == F, (g, W[g].shape, ks, F)
        assert U[g].shape == ks + (F, F), (g, U[g].shape, ks, F)
        assert b[g].shape == (F,), (g, b[g].shape)
    return dict(kind="ConvLSTM", rank=rank, filters=F, kernel_size=ks, strides=strides, dilation=dilation,
                padding=padding, channels_first=cf, theano=THEANO, act=activation(act_name), ract=activation(ract_name),
                W=W, U=U, b=b, cudnn=None)


def run_convlstm(p, x, go_backwards, chunk=None):
    """x (B, T, *spatial, C) float64 CHANNELS LAST (a channels_first input already moved). At each step, per gate
    g: z_x = conv(x_t, W_g, strides, padding, dilation) + b_g, z_h = conv(h, U_g, stride 1, 'same', no dilation),
    i = ract(z_x_i + z_h_i), f = ract(...), g = act(z_x_c + z_h_c), o = ract(...), c = f*c + i*g, h = o*act(c);
    zero initial states of the output's spatial shape. chunk: stateful, rows in chunks carrying h/c (as run_stack).
    -> (dict of (B, T, *spatial_out, F) arrays in ARRAY_NAMES['LSTM'] order, input time order; read order)."""
    B, T = x.shape[:2]
    rank, F = p["rank"], p["filters"]
    one = (1,) * rank
    # the input convolutions do not depend on the state: every step of every row at once
    flat = x.reshape((B * T,) + x.shape[2:])
    zx = {}
    for g in "ifco":
        v = conv_nd(flat, p["W"][g], p["strides"], p["dilation"], p["padding"], p["theano"]) + p["b"][g]
        zx[g] = v.reshape((B, T) + v.shape[1:])
    shp = zx["i"].shape[2:]  # (*spatial_out, F)
    outs = {n: np.zeros((B, T) + shp) for n in ARRAY_NAMES["LSTM"]}
    order = list(range(T - 1, -1, -1)) if go_backwards else list(range(T))
    chunk = chunk or B
    carry = [np.zeros((chunk,) + shp), np.zeros((chunk,) + shp)]
    for s in range(0, B, chunk):
        rows = slice(s, s + chunk)
        n = min(chunk, B - s)
        h, c = carry[0][:n].copy(), carry[1][:n].copy()
        for t in order:
            zh = {g: conv_nd(h, p["U"][g], one, one, "same", p["theano"]) for g in "ifco"}
            i = p["ract"](zx["i"][rows, t] + zh["i"])
            f = p["ract"](zx["f"][rows, t] + zh["f"])
            gc = p["act"](zx["c"][rows, t] + zh["c"])
            o = p["ract"](zx["o"][rows, t] + zh["o"])
            c = f * c + i * gc
            h = o * p["act"](c)
            for nm, v in zip(ARRAY_NAMES["LSTM"], (i, f, gc, o, c, h)):
                outs[nm][rows, t] = v
        carry[0][:n], carry[1][:n] = h, c
    return outs, np.array(order, np.int32)


# ---------------------------------------------------------------- Keras helpers (inputs and sanity output only)
def theano_python_convolutions():
    """Keras 1.2.2 / 2.2.4 here run Theano without a C compiler, whose Python convolutions cannot run out of the box
    (SciPy private names moved, AbstractConvCheck, ...): importing Scripts/sample_models/convolutions.py applies the
    fix make_samples.py wrote these samples with (its `_theano_python_convolutions()`, run at import in Keras 1/2).
    Only called for samples with convolutions, so no other sample's Keras graph meets it."""
    import sample_models.convolutions  # noqa: F401


def kmodel(inputs, outputs):
    if GEN == "keras1.2.2":
        return keras.models.Model(input=inputs, output=outputs)
    return keras.models.Model(inputs=inputs, outputs=outputs)


def model_inputs(m):
    ins = m.inputs
    return list(ins) if isinstance(ins, (list, tuple)) else [ins]


def flat(v):
    if isinstance(v, dict):
        raise TypeError("dict outputs")
    if isinstance(v, (list, tuple)):
        return [a for x in v for a in flat(x)]
    return [v]


def reset(m):
    for l in m.layers:
        if getattr(l, "stateful", False):
            try:
                l.reset_states() if hasattr(l, "reset_states") else l.reset_state()
            except AttributeError:
                # Keras 3.15 cannot reset a stateful RNN(StackedRNNCells): its states are nested ListWrappers
                # ("'ListWrapper' object has no attribute 'assign'"); call() updates them through tree.flatten.
                for v in keras.tree.flatten(l.states):
                    v.assign(np.zeros(v.shape, v.dtype))


def kpredict(m, xs, batch, stateful):
    if stateful:
        reset(m)
    p = m.predict(xs[0] if len(xs) == 1 else xs, batch_size=batch, verbose=0)
    if stateful:
        reset(m)
    return p


def load_keras_model(d, path, mc_json, weights):
    """-> (model, how, error). Keras 1.2.2/2.2.4 load_model fails on h5py-3 str attributes ('str' object has no
    attribute 'decode'), so legacy files are rebuilt with model_from_json(model_config) + layer.set_weights in
    weight_names order (both by the Keras that wrote the file). Keras 3 cannot load its own masked .h5: its native
    twin model.keras is used when the sample has one and its weights equal model.h5's arrays."""
    try:
        try:
            return keras.models.load_model(path, compile=False), "keras.models.load_model(compile=False)", None
        except TypeError:
            return keras.models.load_model(path), "keras.models.load_model", None
    except Exception as e:  # Keras 3 cannot load its own masking .h5 files
        err = "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:200])
    if not LEGACY:
        native = os.path.join(d, "model.keras")
        if GEN == "keras3" and os.path.exists(native):
            m = keras.models.load_model(native, compile=False)
            worst = 0.0
            for ln, (_, arrs) in weights.items():
                if not arrs:
                    continue
                got = m.get_layer(ln).get_weights()
                assert [a.shape for a in got] == [a.shape for a in arrs], (ln, [a.shape for a in got])
                worst = max([worst] + [float(np.max(np.abs(np.asarray(g, np.float64) - a))) for g, a in zip(got, arrs)])
            assert worst == 0.0, "model.keras weights differ from model.h5 by %g" % worst
            return m, ("keras.models.load_model(model.keras, compile=False): the native twin written by the same Keras "
                       "(its layers' get_weights() equal model.h5's weight_names arrays exactly; load_model(model.h5) "
                       "failed: %s)" % err), None
        return None, None, err
    m = keras.models.model_from_json(mc_json)
    for layer in m.layers:
        if layer.name in weights and weights[layer.name][1]:
            layer.set_weights([a.astype(np.float32) for a in weights[layer.name][1]])
    return m, "model_from_json(model_config) + set_weights in weight_names order (load_model failed: %s)" % err, None


# ---------------------------------------------------------------- the graph, read off the config
def call_refs(e, layers_cfg):
    """(sequence input ref, [initial-state refs]) of the layer's call; a ref = (source layer name, flat output index)
    or None for "the model input" (first layer of a Sequential). Sequential configs have no inbound_nodes: the
    previous layer. Keras 3 passes initial_state as a call kwarg, tf-keras / Keras 2 as extra inbound tensors."""
    nodes = e.get("inbound_nodes")
    if not nodes:
        real = [x for x in layers_cfg if x["class_name"] != "InputLayer"]
        i = [entry_name(x) for x in real].index(entry_name(e))
        return ((entry_name(real[i - 1]), 0) if i > 0 else None), []
    assert len(nodes) == 1, "%s is called %d times" % (entry_name(e), len(nodes))
    node = nodes[0]
    if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
        def ref(t):
            h = t["config"]["keras_history"]
            return h[0], h[2]
        assert len(node["args"]) == 1, node["args"]
        st = node.get("kwargs", {}).get("initial_state") or []
        st = st if isinstance(st, list) else [st]
        return ref(node["args"][0]), [ref(t) for t in st]
    refs = [(t[0], t[2]) for t in node]
    return refs[0], refs[1:]


def process_sample(root, name, summary):
    d = os.path.join(root, GEN, name)
    rep = json.load(open(os.path.join(d, "report.json")))
    xs = [np.load(os.path.join(d, f)) for f in rep["input_files"]]
    batch = rep["predict_batch_size"]
    stateful = bool(rep.get("stateful"))
    path = os.path.join(d, "model.h5")
    with h5py.File(path, "r") as f:
        kv = attr_str(f.attrs, "keras_version")
        mc_json = attr_str(f.attrs, "model_config")
        mc = json.loads(mc_json)
        wg = f["model_weights"]
        file_layers = read_str_list(wg.attrs, "layer_names")
        weights = {}
        for ln in file_layers:
            wn = read_str_list(wg[ln].attrs, "weight_names")
            weights[ln] = (wn, [np.asarray(wg[ln][w], dtype=np.float64) for w in wn])
    # Keras 3 masking configs also list operation nodes (NotEqual, Any) that are not layers: keep real layers only
    layers_cfg = [e for e in config_layers(mc) if e["class_name"] == "InputLayer" or entry_name(e) in weights]
    if LEGACY and any(e["class_name"] in CONVLSTM_CLASSES for e in layers_cfg):
        theano_python_convolutions()
    by_name = {entry_name(e): e for e in layers_cfg}
    input_names = list(rep["inputs"])

    def inner(e):
        return e["config"]["layer"]["class_name"] if e["class_name"] == "Bidirectional" else e["class_name"]

    uses_cudnn = any(inner(e) in CUDNN_CLASSES for e in layers_cfg)
    lo_path = os.path.join(d, "layer_outputs.npz")
    lo = dict(np.load(lo_path)) if os.path.exists(lo_path) else None
    model_check = None
    if uses_cudnn:
        m, load_how, load_err = None, None, None
        keras_model_note = ("not run: CuDNN layers (tf-keras loads this file but cannot predict it on CPU: no OpKernel "
                            "for CudnnRNNV3); layer inputs and sanity-check outputs from layer_outputs.npz")
        assert lo, "CuDNN sample without layer_outputs.npz"
    else:
        m, load_how, load_err = load_keras_model(d, path, mc_json, weights)
        keras_model_note = load_how or ("not loadable: " + str(load_err))
    if m is not None:  # the Keras model we take layer inputs from must reproduce expected*.npy
        p = kpredict(m, xs, batch, stateful)
        p = p if isinstance(p, (list, tuple)) else [p]
        exps = [np.load(os.path.join(d, fn)) for fn in rep["expected_files"]]
        model_check = max(float(np.max(np.abs(np.asarray(a, np.float64) - b))) for a, b in zip(p, exps))
        print("     %s %s: %s; whole-model predict vs expected*.npy max diff %.3g" % (GEN, name, load_how, model_check))
    first_non_input = [e for e in layers_cfg if e["class_name"] != "InputLayer"][0]

    def model_input_index(ref):
        """Index into xs when the ref is a model input (None = the first layer of a Sequential), else None."""
        if ref is None:
            return 0
        if ref[0] in input_names:
            return input_names.index(ref[0])
        if by_name[ref[0]]["class_name"] == "InputLayer":
            assert len(xs) == 1, ref
            return 0
        return None

    def fetch(ref):
        """-> (array, where from) of one tensor the graph feeds: a model input, Keras, or layer_outputs.npz."""
        i = model_input_index(ref)
        if i is not None:
            return xs[i], "the model input %r" % input_names[i]
        src, k = ref
        if m is not None:
            t = flat(m.get_layer(src).output)[k]
            return kpredict(kmodel(model_inputs(m), t), xs, batch, False), \
                "Keras predict of Model(model.inputs, %s.output[%d])" % (src, k)
        key = src if k == 0 else "%s:%d" % (src, k)
        assert lo is not None and key in lo, "no Keras model and no layer_outputs.npz[%r]" % key
        return lo[key], "layer_outputs.npz[%r] (Keras' own output of %s)" % (key, src)

    masking_present = any(e["class_name"] == "Masking" or (e["class_name"] == "Embedding" and e["config"].get("mask_zero"))
                          for e in layers_cfg)

    def mask_of(e):
        """The mask reaching layer e: walk up through return_sequences recurrent layers (they pass the mask on) to a
        Masking / Embedding(mask_zero) layer. -> (mask (B,T) bool or None, note)."""
        if not masking_present:
            return None, None
        cur = e
        while True:
            ref = call_refs(cur, layers_cfg)[0]
            if model_input_index(ref) is not None:
                return None, None
            src = by_name[ref[0]]
            scls = src["class_name"]
            if scls == "Masking":
                mv = float(src["config"].get("mask_value", 0.0))
                x, _ = fetch(call_refs(src, layers_cfg)[0])
                return np.any(x != mv, axis=-1), "Masking(mask_value=%r): a step is masked when all its features == mask_value" % mv
            if scls == "Embedding" and src["config"].get("mask_zero"):
                x, _ = fetch(call_refs(src, layers_cfg)[0])
                return x != 0, "Embedding(mask_zero=True): id 0 is masked"
            if scls in RNN_CLASSES or scls == "Bidirectional":
                c = src["config"]["layer"]["config"] if scls == "Bidirectional" else src["config"]
                if not c.get("return_sequences"):
                    return None, None
                cur = src
                continue
            raise ValueError("%s: the mask would pass through %s (%s): not supported" % (entry_name(e), ref[0], scls))

    for e in layers_cfg:
        cls = e["class_name"]
        inner_cls = inner(e)
        if inner_cls not in RNN_CLASSES + CONVLSTM_CLASSES:
            continue
        lname = entry_name(e)
        wnames, arrays = weights[lname]
        notes = []
        seq_ref, state_refs = call_refs(e, layers_cfg)
        mask, mask_note = mask_of(e)
        # ---- layer input (from Keras, or the model input when it feeds this layer directly)
        if model_input_index(seq_ref) is not None and (m is not None or uses_cudnn):
            x_in = xs[model_input_index(seq_ref)]
            notes.append("layer input = the model input (first layer)" if e is first_non_input
                         else "layer input = the model input %r" % input_names[model_input_index(seq_ref)])
        elif m is not None:
            layer = m.get_layer(lname)
            lin = layer.input
            if isinstance(lin, (list, tuple)):  # Keras 3: a masked layer's `input` is [tensor, mask]
                lin = lin[0]
                if state_refs:
                    notes.append("layer.input is [sequence, initial states...]; took the sequence")
                else:
                    notes.append("Keras 3 layer.input is [tensor, mask]; took the tensor")
            sub = kmodel(model_inputs(m), lin)
            x_in = kpredict(sub, xs, batch, False)
            notes.append("layer input = Keras predict of Model(model.inputs, layer.input)")
        elif uses_cudnn:
            x_in, how = fetch(seq_ref)
            notes.append("layer input = " + how)
        else:
            prev = [x for x in layers_cfg if x["class_name"] != "InputLayer"]
            assert prev[0]["class_name"] == "Masking" and prev[1] is e, "cannot compute the input of %s without Keras" % lname
            mv = float(prev[0]["config"].get("mask_value", 0.0))
            x_in = xs[0] * np.any(xs[0] != mv, axis=-1, keepdims=True)
            notes.append("Keras cannot load this file back (%s); layer input computed in NumPy as the Masking output "
                         "x * any(x != mask_value, -1) (== the model input here)" % load_err)
        x_in = np.asarray(x_in, np.float64)
        if uses_cudnn and inner_cls in CUDNN_CLASSES:
            notes.append("%s: Keras cannot run it on CPU (no CudnnRNNV3 kernel); reference = tf-keras' weight "
                         "conversion + plain LSTM / GRU(reset_after=True) math, tanh / sigmoid" % inner_cls)

        # ---- initial states (inputs of the call, from Keras like the sequence)
        initial = None
        lcfg = e["config"]["layer"]["config"] if cls == "Bidirectional" else e["config"]
        cells, stacked = layer_cells(inner_cls, lcfg)
        if state_refs:
            assert cls != "Bidirectional" and not stateful, "initial_state only handled for a plain recurrent layer"
            assert inner_cls not in CONVLSTM_CLASSES, "initial_state of a ConvLSTM not handled"
            vals = []
            for r in state_refs:
                v, how = fetch(r)
                vals.append(np.asarray(v, np.float64))
                notes.append("initial state %d = %s" % (len(vals) - 1, how))
            initial, k = [], 0
            for _, ccls, _ in cells:
                ns = len(STATE_NAMES[KIND[ccls]])
                initial.append(vals[k:k + ns])
                k += ns
            assert k == len(vals), "%d initial states for cells %s" % (len(vals), [c[0] for c in cells])
        chunk = batch if stateful else None

        # ---- reference recurrences
        per_cell = [dict() for _ in cells]  # cell index -> arrays of its file
        compare = [dict() for _ in cells]   # masked stacks: Keras' fresh vs the carried convention, per cell
        if inner_cls in CONVLSTM_CLASSES:
            assert cls == inner_cls, "%s around %s not handled" % (cls, inner_cls)
            assert mask is None, "masked ConvLSTM not handled"
            cfg = e["config"]
            p = convlstm_params(cls, cfg, arrays, wnames)
            cf = p["channels_first"]
            gb = bool(cfg.get("go_backwards", False))
            outs, ro = run_convlstm(p, np.moveaxis(x_in, 2, -1) if cf else x_in, gb, chunk)
            per_cell[0].update(outs)
            if gb:
                per_cell[0]["read_order"] = ro
            rs = bool(cfg.get("return_sequences", False))
            ref_out = [layer_output_like_keras(outs, ro, rs, None, False)]
            if cfg.get("return_state"):
                ref_out += [outs[n][:, ro[-1]] for n in STATE_NAMES["LSTM"]]
                notes.append("return_state: compared the output, h and c")
            if cf:  # Keras' tensors are channels first: filters right after the batch (and time) axes
                ref_out = [np.moveaxis(ref_out[0], -1, 2 if rs else 1)] + [np.moveaxis(a, -1, 1) for a in ref_out[1:]]
            notes.append("%s filters=%d kernel=%s strides=%s dilation=%s padding=%r %s; %s; recurrent conv stride 1 "
                         "'same'; gate arrays (batch, timesteps, *spatial_out, filters) channels last%s" % (
                             cls, p["filters"], list(p["kernel_size"]), list(p["strides"]), list(p["dilation"]),
                             p["padding"], "channels_first" if cf else "channels_last",
                             "Theano: TRUE convolution (kernel and recurrent kernel flipped along every spatial "
                             "axis), 'same' = Theano 'half' (dk//2 zeros before), output cut to ceil(n/s)"
                             if p["theano"] else "TensorFlow: cross-correlation, 'same' = TF SAME padding",
                             " (the channels_first input moved to channels last; the sanity output moved back)"
                             if cf else ""))
            if "nb_filter" in cfg:
                notes.append("Keras 1 per-gate arrays W/U/b in file order i, c, f, o%s; its config records no "
                             "subsample: stride 1" % (", dim_ordering 'th' kernels (F, in, rows, cols) transposed to "
                                                      "(rows, cols, in, F)" if cf else ""))
            ps_all = [p]
        elif cls == "Bidirectional":
            bcfg = e["config"]
            fcfg = bcfg["layer"]["config"]
            bwcfg = bcfg.get("backward_layer", {}).get("config", dict(fcfg, go_backwards=not fcfg.get("go_backwards", False)))
            bcells, _ = layer_cells(bcfg.get("backward_layer", {}).get("class_name", inner_cls), bwcfg)
            assert [c[0] for c in bcells] == [c[0] for c in cells], (bcells, cells)
            half = len(arrays) // 2
            pf = cells_params(cells, arrays[:half], wnames[:half])
            pb = cells_params(bcells, arrays[half:], wnames[half:])
            fgb = bool(fcfg.get("go_backwards", False))
            bgb = True if "backward_layer" not in bcfg else bool(bwcfg.get("go_backwards", True))
            of, rf = run_stack(pf, x_in, mask, fgb, chunk)
            ob, rb = run_stack(pb, x_in, mask, bgb, chunk)
            for j in range(len(cells)):
                for k, v in of[j].items():
                    per_cell[j]["forward_" + k] = v
                for k, v in ob[j].items():
                    per_cell[j]["backward_" + k] = v
                if fgb:
                    per_cell[j]["forward_read_order"] = rf
                per_cell[j]["backward_read_order"] = rb
            if stacked and mask is not None:
                of2, _ = run_stack(pf, x_in, mask, fgb, chunk, next_input="carried")
                ob2, _ = run_stack(pb, x_in, mask, bgb, chunk, next_input="carried")
                for j in range(1, len(cells)):
                    compare[j].update(fresh_vs_carried(of[j], of2[j], mask, "forward_"))
                    compare[j].update(fresh_vs_carried(ob[j], ob2[j], mask, "backward_"))
            rs = bool(fcfg.get("return_sequences", False))
            assert not fcfg.get("return_state"), "Bidirectional return_state not handled"
            zero = rs and mask is not None  # Bidirectional zeroes masked steps of returned sequences
            yf = layer_output_like_keras(of[-1], rf, rs, mask, zero)
            yb = layer_output_like_keras(ob[-1], rb, rs, mask, zero)
            if rs:
                yb = yb[:, ::-1, :]  # Bidirectional flips the backward sequence back to input order
            mm = bcfg.get("merge_mode", "concat")
            ref_out = {"concat": lambda: [np.concatenate([yf, yb], -1)], "sum": lambda: [yf + yb],
                       "ave": lambda: [(yf + yb) / 2], "mul": lambda: [yf * yb], None: lambda: [yf, yb]}[mm]()
            notes.append("Bidirectional merge_mode=%r; weights: first %d arrays forward, last %d backward" % (mm, half, half))
            ps_all = pf + pb
        else:
            cfg = e["config"]
            ps = cells_params(cells, arrays, wnames)
            gb = bool(cfg.get("go_backwards", False))
            outs, ro = run_stack(ps, x_in, mask, gb, chunk, initial)
            for j in range(len(cells)):
                per_cell[j].update(outs[j])
                if gb:
                    per_cell[j]["read_order"] = ro
            if stacked and mask is not None:
                outs2, _ = run_stack(ps, x_in, mask, gb, chunk, initial, next_input="carried")
                for j in range(1, len(cells)):
                    compare[j].update(fresh_vs_carried(outs[j], outs2[j], mask))
            rs = bool(cfg.get("return_sequences", False))
            ref_out = [layer_output_like_keras(outs[-1], ro, rs, mask, bool(cfg.get("zero_output_for_mask", False)) and rs)]
            if cfg.get("return_state"):
                ref_out += final_states(outs, ps, ro)
                notes.append("return_state: compared the output and every cell's final states (%d tensors)" % len(ref_out))
            ps_all = ps
        if cls == "RNN" or inner_cls == "RNN":
            notes.append("RNN(%s)" % ("StackedRNNCells([%s])" % ", ".join("%s %s" % (c[1], c[0]) for c in cells)
                                      if stacked else "%s %s" % (cells[0][1], cells[0][0])))
        for note in sorted(set(p["cudnn"] for p in ps_all if p.get("cudnn"))):
            notes.append(note)
        if mask is not None:
            for a in per_cell:
                a["mask"] = mask.astype(np.uint8)
            notes.append(mask_note)
        if stateful:
            notes.append("stateful: processed in chunks of %d rows carrying h/c from zero state" % batch)

        # ---- sanity check against Keras' own layer output
        if m is not None:
            sub = kmodel(model_inputs(m), m.get_layer(lname).output)
            kout = kpredict(sub, xs, batch, stateful)
            source = "Keras predict of Model(model.inputs, layer.output)"
        elif lo is not None and lname in lo:
            kout = [lo[lname]] + [lo["%s:%d" % (lname, k)] for k in range(1, len(ref_out))]
            source = "layer_outputs.npz (Keras' own output of this layer, written with the sample)"
        else:
            kout = [np.load(os.path.join(d, fn)) for fn in rep["expected_files"]]
            assert rep["outputs"] == [lname] or len(rep["outputs"]) == len(ref_out), rep["outputs"]
            source = "expected*.npy (the layer is the model output)"
        kout = flat(kout)
        assert len(kout) == len(ref_out), (lname, len(kout), len(ref_out))
        diff = max(float(np.max(np.abs(np.asarray(k, np.float64) - r))) for k, r in zip(kout, ref_out))
        scale = max(float(np.max(np.abs(r))) for r in ref_out)

        for j, (cname, ccls, _) in enumerate(cells):
            arrays_out = per_cell[j]
            fname = "gates_%s.npz" % lname if not stacked else "gates_%s@%s.npz" % (lname, cname)
            out_file = os.path.join(d, fname)
            np.savez(out_file, **{k: (v if v.dtype.kind in "iu" else v.astype(np.float32)) for k, v in arrays_out.items()})
            status = "ok  " if diff <= TOL else "DIFF"
            print("%s %-10s %-24s %-20s diff %.3g (max |out| %.3g) vs %s" % (status, GEN, name, fname, diff, scale, source), flush=True)
            entry = dict(generation=GEN, sample=name, layer=lname)
            cnotes = list(notes)
            if stacked:
                entry["cell"] = cname
                cnotes.append("cell %d of %d (%s); the layer's sanity check covers the last cell's output%s" % (
                    j + 1, len(cells), ccls, " and every cell's final states" if len(ref_out) > 1 else ""))
            entry.update(file=os.path.relpath(out_file, root), keras_version=kv, max_abs_diff=diff, max_abs_output=scale,
                         compared_with=source, arrays={k: list(v.shape) for k, v in arrays_out.items()}, notes=cnotes,
                         ok=diff <= TOL)
            if stacked and mask is not None:
                entry["masked_stack_fresh_vs_carried"] = compare[j]
                if j == 0:
                    print("     first cell: its input is the layer input, nothing to compare", flush=True)
                elif compare[j]:
                    for an, c in compare[j].items():
                        print("     MASKED-STEP DIFFERENCE %s@%s %s: Keras' fresh input vs the carried convention differ by up "
                              "to %.3g at (row, t) %s" % (lname, cname, an, c["max_abs_diff"],
                                                          " ".join("(%d,%d)" % tuple(x) for x in c["masked_positions_differing"])),
                              flush=True)
                else:
                    print("     %s@%s: no difference between Keras' fresh input and the carried convention" % (lname, cname), flush=True)
            summary.append(entry)
    mine = [dict(s, file=os.path.basename(s["file"])) for s in summary if s["sample"] == name and s["generation"] == GEN]
    with open(os.path.join(d, "gates.json"), "w") as fh:
        json.dump({"written_by": "Scripts/gates_reference.py (float64 NumPy from the checkpoint weights; "
                                 "layer input and the sanity-check output from the Keras that wrote the file)",
                   "keras_version": kv, "keras_model": keras_model_note,
                   "keras_model_predict_vs_expected_max_abs_diff": model_check, "layers": mine}, fh, indent=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "SampleCheckpoints"))
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    root = os.path.abspath(a.root)
    names = [n for n in SAMPLES if not a.only or n in a.only.split(",")]
    summary, failures = [], []
    for n in names:
        try:
            process_sample(root, n, summary)
        except Exception as e:
            import traceback
            traceback.print_exc()
            failures.append(n)
            print("FAIL %-10s %s: %r" % (GEN, n, e), flush=True)
    bad = [s for s in summary if not s["ok"]]
    print("%s: %d gate files, %d over %.0e, %d samples failed" % (GEN, len(summary), len(bad), TOL, len(failures)), flush=True)
    if os.environ.get("GATES_SUMMARY_JSON"):
        with open(os.environ["GATES_SUMMARY_JSON"], "w") as f:
            json.dump(summary, f, indent=1)
    return 1 if bad or failures else 0


if __name__ == "__main__":
    sys.exit(main())
