#!/usr/bin/env python3
"""Float64 NumPy gate references for `keras-replay gates`.

For every recurrent layer (LSTM, GRU, SimpleRNN, Bidirectional of those) of selected samples, compute every gate
at every timestep in float64 NumPy straight from the checkpoint's weights (h5py, bound by the ORDER of
`weight_names`), and write SampleCheckpoints/<gen>/<model>/gates_<layer name>.npz (float32 arrays).

Only the layer's INPUT comes from the Keras that wrote the file (sub-model `Model(model.inputs, layer.input)`
predict); the recurrences are this file's own NumPy code. As a sanity check the reference hidden states are
merged/arranged like the layer's output and compared with `Model(model.inputs, layer.output)` predict (or with
expected.npy when Keras cannot load the file back).

Run under the venv of the generation (detection as in make_samples.py):
  keras3:     ~/.cache/keras-replay/venvs/modern/bin/python Scripts/gates_reference.py
  tf-keras:   TF_USE_LEGACY_KERAS=1 ~/.cache/keras-replay/venvs/modern/bin/python Scripts/gates_reference.py
  keras2.2.4: KERAS_BACKEND=theano THEANO_FLAGS=blas.ldflags=,cxx=,device=cpu,floatX=float32 \
              ~/.cache/keras-replay/venvs/keras2/bin/python Scripts/gates_reference.py
  keras1.2.2: (same env) ~/.cache/keras-replay/venvs/keras1/bin/python Scripts/gates_reference.py
Options: --root SampleCheckpoints, --only name,name

npz layout (all float32 (batch, timesteps, units) unless said otherwise):
  LSTM: input_gate, forget_gate, candidate, output_gate, cell, hidden
  GRU: update_gate, reset_gate, candidate, hidden          SimpleRNN: hidden
  Bidirectional: the same names prefixed forward_ / backward_.
  Time axis = INPUT time order: index t is the step that read input t (also for go_backwards layers and the
  backward half of Bidirectional). Layers that read backwards also get `read_order` (int32 (timesteps,)):
  read_order[k] = input index read at processing step k (prefixed forward_/backward_ inside Bidirectional).
  `mask` (uint8 (batch, timesteps), 1 = kept) when masking applies. At a masked step the gate arrays hold what
  the cell computes from that step's input and the carried state (Keras computes it, then discards it); `cell`
  and `hidden` hold the carried (unchanged) state.
  Stateful layers: rows are processed in chunks of the sample's predict batch size, row i of chunk k continuing
  the state of row i of chunk k-1, starting from zeros.
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
SAMPLES = ALL4 + (MODERN_ONLY if GEN in ("keras3", "tf-keras") else [])
RNN_CLASSES = ("LSTM", "GRU", "SimpleRNN")
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


# ---------------------------------------------------------------- activations (float64)
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
    raise ValueError("activation %r not supported" % name)


# ---------------------------------------------------------------- cell parameters bound by weight_names order
def rnn_params(cls, cfg, arrays, names):
    """-> dict(kind, units, act, ract, W, U, b, (b_rec), reset_after) with gate blocks already split."""
    if cls == "LSTM":
        units = cfg.get("units", cfg.get("output_dim"))
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
            W = {g: kern[:, j * units:(j + 1) * units] for j, g in enumerate("ifco")}
            U = {g: rec[:, j * units:(j + 1) * units] for j, g in enumerate("ifco")}
            b = {g: bias[j * units:(j + 1) * units] for j, g in enumerate("ifco")}
        return dict(kind="LSTM", units=units, act=act, ract=ract, W=W, U=U, b=b)
    if cls == "GRU":
        units = cfg["units"]
        act = activation(cfg.get("activation", "tanh"))
        ract = activation(cfg.get("recurrent_activation", "sigmoid"))
        kern, rec = arrays[0], arrays[1]
        reset_after = bool(cfg.get("reset_after", GEN in ("keras3", "tf-keras")))
        if len(arrays) > 2:
            bias = arrays[2]
        else:
            bias = np.zeros((2, 3 * units)) if reset_after else np.zeros(3 * units)
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
        return dict(kind="GRU", units=units, act=act, ract=ract, W=W, U=U, b=b, brec=brec, reset_after=reset_after)
    if cls == "SimpleRNN":
        units = cfg.get("units", cfg.get("output_dim"))
        act = activation(cfg.get("activation", "tanh"))
        bias = arrays[2] if len(arrays) > 2 else np.zeros(units)
        return dict(kind="SimpleRNN", units=units, act=act, W=arrays[0], U=arrays[1], b=bias)
    raise ValueError(cls)


def run_rnn(p, x, mask, go_backwards, chunk=None):
    """x (B,T,D) float64; mask (B,T) bool or None. Returns dict of (B,T,units) arrays in input time order."""
    B, T, _ = x.shape
    u = p["units"]
    names = {"LSTM": ["input_gate", "forget_gate", "candidate", "output_gate", "cell", "hidden"],
             "GRU": ["update_gate", "reset_gate", "candidate", "hidden"],
             "SimpleRNN": ["hidden"]}[p["kind"]]
    out = {n: np.zeros((B, T, u)) for n in names}
    order = list(range(T - 1, -1, -1)) if go_backwards else list(range(T))
    chunk = chunk or B
    h_carry = np.zeros((chunk, u))
    c_carry = np.zeros((chunk, u))
    for s in range(0, B, chunk):
        rows = slice(s, s + chunk)
        n = min(chunk, B - s)
        h = h_carry[:n].copy()
        c = c_carry[:n].copy()
        for t in order:
            xt = x[rows, t, :]
            keep = np.ones((n, 1), bool) if mask is None else mask[rows, t][:, None]
            if p["kind"] == "LSTM":
                W, U, b = p["W"], p["U"], p["b"]
                i = p["ract"](xt @ W["i"] + h @ U["i"] + b["i"])
                f = p["ract"](xt @ W["f"] + h @ U["f"] + b["f"])
                g = p["act"](xt @ W["c"] + h @ U["c"] + b["c"])
                o = p["ract"](xt @ W["o"] + h @ U["o"] + b["o"])
                c_new = f * c + i * g
                h_new = o * p["act"](c_new)
                c = np.where(keep, c_new, c)
                h = np.where(keep, h_new, h)
                for nm, v in zip(names, (i, f, g, o, c, h)):
                    out[nm][rows, t, :] = v
            elif p["kind"] == "GRU":
                W, U, b, br = p["W"], p["U"], p["b"], p["brec"]
                z = p["ract"](xt @ W["z"] + b["z"] + h @ U["z"] + br["z"])
                r = p["ract"](xt @ W["r"] + b["r"] + h @ U["r"] + br["r"])
                if p["reset_after"]:
                    hh = p["act"](xt @ W["h"] + b["h"] + r * (h @ U["h"] + br["h"]))
                else:
                    hh = p["act"](xt @ W["h"] + b["h"] + (r * h) @ U["h"])
                h_new = z * h + (1.0 - z) * hh
                h = np.where(keep, h_new, h)
                for nm, v in zip(names, (z, r, hh, h)):
                    out[nm][rows, t, :] = v
            else:
                h_new = p["act"](xt @ p["W"] + h @ p["U"] + p["b"])
                h = np.where(keep, h_new, h)
                out["hidden"][rows, t, :] = h
        h_carry[:n], c_carry[:n] = h, c
    return out, np.array(order, np.int32)


def layer_output_like_keras(out, read_order, return_sequences, mask, zero_masked):
    """Arrange one direction's hidden as Keras emits it (sequence in processing order / last processed step)."""
    h = out["hidden"]
    if mask is not None and zero_masked:
        h = np.where(mask[:, :, None], h, 0.0)
    if return_sequences:
        return h[:, read_order, :]
    return h[:, read_order[-1], :]


# ---------------------------------------------------------------- Keras helpers (input and sanity output only)
def kmodel(inputs, outputs):
    if GEN == "keras1.2.2":
        return keras.models.Model(input=inputs, output=outputs)
    return keras.models.Model(inputs=inputs, outputs=outputs)


def model_inputs(m):
    ins = m.inputs
    return list(ins) if isinstance(ins, (list, tuple)) else [ins]


def reset(m):
    for l in m.layers:
        if getattr(l, "stateful", False):
            l.reset_states() if hasattr(l, "reset_states") else l.reset_state()


def kpredict(m, xs, batch, stateful):
    if stateful:
        reset(m)
    p = m.predict(xs[0] if len(xs) == 1 else xs, batch_size=batch, verbose=0)
    if stateful:
        reset(m)
    return p


def load_keras_model(path, mc_json, weights):
    """-> (model, how, error). Keras 1.2.2/2.2.4 load_model fails on h5py-3 str attributes ('str' object has no
    attribute 'decode'), so legacy files are rebuilt with model_from_json(model_config) + layer.set_weights in
    weight_names order (both by the Keras that wrote the file)."""
    try:
        try:
            return keras.models.load_model(path, compile=False), "keras.models.load_model(compile=False)", None
        except TypeError:
            return keras.models.load_model(path), "keras.models.load_model", None
    except Exception as e:  # Keras 3 cannot load its own masking .h5 files
        err = "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:200])
    if not LEGACY:
        return None, None, err
    m = keras.models.model_from_json(mc_json)
    for layer in m.layers:
        if layer.name in weights and weights[layer.name][1]:
            layer.set_weights([a.astype(np.float32) for a in weights[layer.name][1]])
    return m, "model_from_json(model_config) + set_weights in weight_names order (load_model failed: %s)" % err, None


# ---------------------------------------------------------------- per sample
def masking_info(layers_cfg, xs):
    """Mask from a Masking layer (or Embedding mask_zero) fed by the model input; None when the model does not mask."""
    for e in layers_cfg:
        if e["class_name"] == "Masking":
            mv = float(e["config"].get("mask_value", 0.0))
            return np.any(xs[0] != mv, axis=-1), "Masking(mask_value=%r): a step is masked when all its features == mask_value" % mv
        if e["class_name"] == "Embedding" and e["config"].get("mask_zero"):
            return xs[0] != 0, "Embedding(mask_zero=True): id 0 is masked"
    return None, None


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
    mask, mask_note = masking_info(layers_cfg, xs)
    m, load_how, load_err = load_keras_model(path, mc_json, weights)
    model_check = None
    if m is not None:  # the Keras model we take layer inputs from must reproduce expected*.npy
        p = kpredict(m, xs, batch, stateful)
        p = p if isinstance(p, (list, tuple)) else [p]
        exps = [np.load(os.path.join(d, fn)) for fn in rep["expected_files"]]
        model_check = max(float(np.max(np.abs(np.asarray(a, np.float64) - b))) for a, b in zip(p, exps))
        print("     %s %s: %s; whole-model predict vs expected*.npy max diff %.3g" % (GEN, name, load_how, model_check))
    first_non_input = [e for e in layers_cfg if e["class_name"] != "InputLayer"][0]

    for e in layers_cfg:
        cls = e["class_name"]
        inner_cls = e["config"]["layer"]["class_name"] if cls == "Bidirectional" else cls
        if inner_cls not in RNN_CLASSES:
            continue
        lname = entry_name(e)
        wnames, arrays = weights[lname]
        notes = []
        # ---- layer input (from Keras, or the model input when it feeds this layer directly)
        if m is not None:
            layer = m.get_layer(lname)
            if e is first_non_input:
                x_in = xs[0]
                notes.append("layer input = the model input (first layer)")
            else:
                lin = layer.input
                if isinstance(lin, (list, tuple)):  # Keras 3: a masked layer's `input` is [tensor, mask]
                    lin = lin[0]
                    notes.append("Keras 3 layer.input is [tensor, mask]; took the tensor")
                sub = kmodel(model_inputs(m), lin)
                x_in = kpredict(sub, xs, batch, False)
                notes.append("layer input = Keras predict of Model(model.inputs, layer.input)")
        else:
            prev = [x for x in layers_cfg if x["class_name"] != "InputLayer"]
            assert prev[0]["class_name"] == "Masking" and prev[1] is e, "cannot compute the input of %s without Keras" % lname
            mv = float(prev[0]["config"].get("mask_value", 0.0))
            x_in = xs[0] * np.any(xs[0] != mv, axis=-1, keepdims=True)
            notes.append("Keras cannot load this file back (%s); layer input computed in NumPy as the Masking output "
                         "x * any(x != mask_value, -1) (== the model input here)" % load_err)
        x_in = np.asarray(x_in, np.float64)

        # ---- reference recurrences
        arrays_out = {}
        if cls == "Bidirectional":
            bcfg = e["config"]
            fcfg = bcfg["layer"]["config"]
            bwcfg = bcfg.get("backward_layer", {}).get("config", dict(fcfg, go_backwards=not fcfg.get("go_backwards", False)))
            half = len(arrays) // 2
            pf = rnn_params(inner_cls, fcfg, arrays[:half], wnames[:half])
            pb = rnn_params(inner_cls, bwcfg, arrays[half:], wnames[half:])
            of, rf = run_rnn(pf, x_in, mask, bool(fcfg.get("go_backwards", False)), batch if stateful else None)
            ob, rb = run_rnn(pb, x_in, mask, True if "backward_layer" not in bcfg else bool(bwcfg.get("go_backwards", True)),
                             batch if stateful else None)
            for k, v in of.items():
                arrays_out["forward_" + k] = v
            for k, v in ob.items():
                arrays_out["backward_" + k] = v
            if fcfg.get("go_backwards"):
                arrays_out["forward_read_order"] = rf
            arrays_out["backward_read_order"] = rb
            rs = bool(fcfg.get("return_sequences", False))
            zero = rs and mask is not None  # Bidirectional zeroes masked steps of returned sequences
            yf = layer_output_like_keras(of, rf, rs, mask, zero)
            yb = layer_output_like_keras(ob, rb, rs, mask, zero)
            if rs:
                yb = yb[:, ::-1, :]  # Bidirectional flips the backward sequence back to input order
            mm = bcfg.get("merge_mode", "concat")
            ref_out = {"concat": lambda: [np.concatenate([yf, yb], -1)], "sum": lambda: [yf + yb],
                       "ave": lambda: [(yf + yb) / 2], "mul": lambda: [yf * yb], None: lambda: [yf, yb]}[mm]()
            notes.append("Bidirectional merge_mode=%r; weights: first %d arrays forward, last %d backward" % (mm, half, half))
        else:
            cfg = e["config"]
            p = rnn_params(cls, cfg, arrays, wnames)
            gb = bool(cfg.get("go_backwards", False))
            o, ro = run_rnn(p, x_in, mask, gb, batch if stateful else None)
            arrays_out.update(o)
            if gb:
                arrays_out["read_order"] = ro
            rs = bool(cfg.get("return_sequences", False))
            ref_out = [layer_output_like_keras(o, ro, rs, mask, bool(cfg.get("zero_output_for_mask", False)) and rs)]
        if mask is not None:
            arrays_out["mask"] = mask.astype(np.uint8)
            notes.append(mask_note)
        if stateful:
            notes.append("stateful: processed in chunks of %d rows carrying h/c from zero state" % batch)

        # ---- sanity check against Keras' own layer output
        if m is not None:
            sub = kmodel(model_inputs(m), m.get_layer(lname).output)
            kout = kpredict(sub, xs, batch, stateful)
            source = "Keras predict of Model(model.inputs, layer.output)"
        else:
            kout = [np.load(os.path.join(d, fn)) for fn in rep["expected_files"]]
            assert rep["outputs"] == [lname] or len(rep["outputs"]) == len(ref_out), rep["outputs"]
            source = "expected*.npy (the layer is the model output)"
        kout = kout if isinstance(kout, (list, tuple)) else [kout]
        diff = max(float(np.max(np.abs(np.asarray(k, np.float64) - r))) for k, r in zip(kout, ref_out))
        scale = max(float(np.max(np.abs(r))) for r in ref_out)

        out_file = os.path.join(d, "gates_%s.npz" % lname)
        np.savez(out_file, **{k: (v if v.dtype.kind in "iu" else v.astype(np.float32)) for k, v in arrays_out.items()})
        status = "ok  " if diff <= TOL else "DIFF"
        print("%s %-10s %-24s gates_%-14s diff %.3g (max |out| %.3g) vs %s" % (status, GEN, name, lname + ".npz", diff, scale, source), flush=True)
        summary.append(dict(generation=GEN, sample=name, layer=lname, file=os.path.relpath(out_file, root),
                            keras_version=kv, max_abs_diff=diff, max_abs_output=scale, compared_with=source,
                            arrays={k: list(v.shape) for k, v in arrays_out.items()}, notes=notes, ok=diff <= TOL))
    mine = [dict(s, file=os.path.basename(s["file"])) for s in summary if s["sample"] == name and s["generation"] == GEN]
    with open(os.path.join(d, "gates.json"), "w") as fh:
        json.dump({"written_by": "Scripts/gates_reference.py (float64 NumPy from the checkpoint weights; "
                                 "layer input and the sanity-check output from the Keras that wrote the file)",
                   "keras_version": kv, "keras_model": load_how or ("not loadable: " + str(load_err)),
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
