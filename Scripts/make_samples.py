#!/usr/bin/env python3
"""Generate SampleCheckpoints/<generation>/<model>/ with REAL Keras.

Runs under any of the venvs made by Scripts/make-venvs.sh and detects which Keras it is:
  * TF_USE_LEGACY_KERAS=1 in the environment  -> tf-keras   (import tf_keras as keras)
  * Theano importable (legacy venvs)           -> keras 1.2.2 or 2.2.4 on Theano
  * otherwise                                  -> Keras 3

Usage: python make_samples.py [--out SampleCheckpoints] [--only name,name] [--list]

Each model directory gets model.h5 (model.save, legacy HDF5), input*.npy, expected*.npy
(model.predict of this very Keras) and report.json (what Keras reports about the model,
plus what the saved file holds, read back with h5py).

Models: the first catalogue is below; the per-family ones are Scripts/sample_models/*.py, sharing the
registry, seeds and API shims of Scripts/sample_kit.py. Samples outside sample_kit.LEGACY_SEED_ORDER also get
layer_outputs.npz (every layer's output, from Keras) and, in Keras 3, the native twins model.keras,
model.weights.h5, model.json and native.json (Scripts/sample_outputs.py).
"""
import argparse
import json
import os
import shutil
import sys
import traceback

# ---------------------------------------------------------------- environment, registry
# sample_kit imports keras_generation first (it sets the backend's environment before NumPy/Keras).
from sample_kit import (GEN, keras, tf, K3, TFK, K2, K1,  # noqa: E402
                        seed_offset, is_legacy, set_seeds, fit, reset_states, to_list, default_inputs, targets_for, one,
                        MODELS)

import numpy as np  # noqa: E402
import h5py  # noqa: E402
from keras_attributes import read_str_list  # noqa: E402
from sample_outputs import write_layer_outputs, write_native_twins  # noqa: E402


def backend_name():
    try:
        return keras.backend.backend()
    except Exception:
        return None


# ---------------------------------------------------------------- report helpers
def shape_list(s):
    if s is None:
        return None
    if isinstance(s, list) and s and isinstance(s[0], (list, tuple)):
        return [shape_list(t) for t in s]
    if isinstance(s, list) and s and hasattr(s[0], "shape"):
        return [shape_list(t) for t in s]
    if hasattr(s, "as_list"):
        s = s.as_list()
    return [None if d is None else int(d) for d in s]


def layer_output_shape(layer):
    try:
        s = layer.output_shape
        if isinstance(s, list) and s and isinstance(s[0], tuple):
            return [shape_list(t) for t in s]
        return shape_list(s)
    except Exception:
        pass
    try:
        out = layer.output
        if isinstance(out, (list, tuple)):
            return [shape_list(tuple(o.shape)) for o in out]
        return shape_list(tuple(out.shape))
    except Exception:
        pass
    try:
        return shape_list(layer.batch_shape)
    except Exception:
        return None


def tensor_layer_name(t):
    h = t._keras_history
    op = getattr(h, "operation", None)
    if op is None:
        op = getattr(h, "layer", None)
    if op is None:
        op = h[0]
    return op.name


def input_names(model):
    try:
        names = list(model.input_names)
        if names:
            return names
    except Exception:
        pass
    return [tensor_layer_name(t) for t in to_list(model.inputs)]


def output_names(model):
    names = [tensor_layer_name(t) for t in to_list(model.outputs)]
    return names


def weight_shape(w):
    try:
        return [int(d) for d in w.shape]
    except Exception:
        return [int(d) for d in keras.backend.int_shape(w)]


def jsonable(o):
    try:
        return json.loads(json.dumps(o, default=str))
    except Exception:
        return str(o)


# ---------------------------------------------------------------- h5 inspection
def attr_encoding(attrs, name):
    if name not in attrs:
        return None
    dt = attrs.get_id(name).dtype
    info = h5py.check_string_dtype(dt)
    if info is not None:
        return "vlen" if info.length is None else "fixed"
    if dt.kind == "S":
        return "fixed"
    if dt.kind == "O":
        return "vlen"
    return "non-string:" + dt.str


def chunked_names(attrs):
    import re
    return sorted(k for k in attrs.keys() if re.match(r"^(layer_names|weight_names)\d+$", k))


def inspect_h5(path):
    info = {"file": os.path.basename(path)}
    with h5py.File(path, "r") as f:
        root_attrs = sorted(f.attrs.keys())
        info["root_attributes"] = root_attrs
        info["root_groups"] = sorted(f.keys())
        info["has_model_config"] = "model_config" in f.attrs
        info["has_model_weights"] = "model_weights" in f
        wg = f["model_weights"] if "model_weights" in f else f
        enc = {"model_config": attr_encoding(f.attrs, "model_config")}
        ln_attr = "layer_names" if "layer_names" in wg.attrs else ("layer_names0" if "layer_names0" in wg.attrs else None)
        enc["layer_names"] = attr_encoding(wg.attrs, ln_attr) if ln_attr else None
        enc["keras_version"] = attr_encoding(f.attrs, "keras_version") if "keras_version" in f.attrs else attr_encoding(wg.attrs, "keras_version")
        info["string_encoding"] = enc
        chunked = ["/" + k for k in chunked_names(f.attrs)]
        if wg is not f:
            chunked += ["/model_weights:" + k for k in chunked_names(wg.attrs)]
        else:
            chunked = [c.replace("/", "/:", 1) for c in chunked]
        layer_names = read_str_list(wg.attrs, "layer_names")
        for ln in layer_names:
            if ln in wg:
                chunked += ["/%s:%s" % (wg[ln].name.lstrip("/"), k) for k in chunked_names(wg[ln].attrs)]
        info["chunked_attributes"] = [c.split(":")[-1] for c in chunked]
        info["chunked_attribute_locations"] = chunked
        info["file_layer_names"] = layer_names
        fl = []
        for ln in layer_names:
            g = wg[ln]
            wn_enc = None
            if "weight_names" in g.attrs:
                dt = g.attrs.get_id("weight_names").dtype
                wn_enc = "float64-empty" if dt.kind == "f" else attr_encoding(g.attrs, "weight_names")
            wnames = read_str_list(g.attrs, "weight_names")
            fl.append({"name": ln, "weight_names_encoding": wn_enc,
                       "weights": [{"name": wn, "shape": list(g[wn].shape), "dtype": str(g[wn].dtype)} for wn in wnames]})
        info["file_layers"] = fl
        for k in ("keras_version", "backend"):
            if k in f.attrs:
                v = f.attrs[k]
                info["file_" + k] = v.decode() if isinstance(v, bytes) else str(v)
    return info


# ---------------------------------------------------------------- hard sigmoid probe
def hard_sigmoid_probe():
    try:
        if K3:
            v = float(np.asarray(keras.activations.hard_sigmoid(keras.ops.convert_to_tensor(np.array([1.0], "float32"))))[0])
        elif TFK:
            v = float(keras.activations.hard_sigmoid(tf.constant([1.0])).numpy()[0])
        else:
            x = keras.backend.variable(np.array([1.0], "float32"))
            v = float(keras.backend.eval(keras.activations.hard_sigmoid(x))[0])
    except Exception as e:  # pragma: no cover
        return {"error": repr(e)}
    variant = "clip(0.2*x+0.5,0,1)" if abs(v - 0.7) < 1e-5 else ("clip(x/6+0.5,0,1)" if abs(v - (1 / 6 + 0.5)) < 1e-5 else "unknown")
    return {"formula": variant, "value_at_1": v}


# ---------------------------------------------------------------- the catalogues
import sample_models  # noqa: E402,F401  (registers Scripts/sample_models/*.py: first.py, then the families)


# ---------------------------------------------------------------- driver
def compile_model(m, spec):
    opt = spec.get("optimizer", "adam")
    m.compile(optimizer=opt, loss=spec.get("loss", "mse"))


def layer_report(layer):
    ws = []
    for w in layer.weights:
        d = {"name": w.name, "shape": weight_shape(w)}
        p = getattr(w, "path", None)
        if p is not None and p != w.name:
            d["path"] = p
        ws.append(d)
    try:
        cfg = jsonable(layer.get_config())
    except Exception as e:
        cfg = {"error": repr(e)}
    return {"name": layer.name, "class_name": layer.__class__.__name__, "output_shape": layer_output_shape(layer),
            "params": int(layer.count_params()) if (layer.weights or not K1) else 0, "weights": ws, "config": cfg}


def save_outputs(out_dir, prefix, names, preds):
    preds = to_list(preds)
    assert len(preds) == len(names), (len(preds), names)
    files = []
    if len(preds) == 1:
        fn = prefix + ".npy"
        np.save(os.path.join(out_dir, fn), np.ascontiguousarray(np.asarray(preds[0], dtype="float32")))
        return [fn]
    use_idx = len(set(names)) != len(names)
    for i, (n, p) in enumerate(zip(names, preds)):
        fn = "%s_%s.npy" % (prefix, i if use_idx else n)
        np.save(os.path.join(out_dir, fn), np.ascontiguousarray(np.asarray(p, dtype="float32")))
        files.append(fn)
    return files


class PredictAtEpochEnd(keras.callbacks.Callback):
    def __init__(self, x, batch, keep, out_dir, onames, epoch_base):
        super().__init__()
        self.x, self.batch, self.keep, self.out_dir, self.onames, self.epoch_base = x, batch, keep, out_dir, onames, epoch_base
        self.files = {}

    def on_epoch_end(self, epoch, logs=None):
        e = epoch + self.epoch_base
        if e in self.keep:
            p = self.model.predict(one(self.x), batch_size=self.batch, verbose=0)
            self.files[e] = save_outputs(self.out_dir, "expected_%d" % e, self.onames, p)


def build_one(name, out_root):
    """Fit, predict and save sample `name` into <out_root>/<GEN>/<name>/.

    A builder returns a spec dict: model; x (list of train inputs, default random), y (targets, default random
    in the declared output shapes), x_pred (predict inputs, default x); batch (predict batch size), fit_batch,
    epochs, shuffle, optimizer, loss; notes, covers (per-generation text), extra (merged into report.json);
    optionally checkpoints=dict(keep=...), stateful, weights_only, compact_report, fit_model (a model sharing
    the layers that is trained instead), inference_model (fn(model) -> twin whose predict is expected*.npy).
    """
    entry = MODELS[name]
    legacy = is_legacy(name)  # the first samples keep exactly the files (and seeds) they always had
    set_seeds(seed_offset(name))
    if K3 or TFK:
        keras.backend.clear_session()
    elif not legacy:
        # Keras 1/2 keep auto-name counters (dense_input_1, ...) for the whole process: restart them so a new
        # sample's names do not depend on which models ran before it (the legacy ones keep their old names).
        (keras.backend.reset_uids if hasattr(keras.backend, "reset_uids") else keras.backend.common.reset_uids)()
    spec = entry["fn"]()
    m = spec["model"]
    out_dir = os.path.join(out_root, GEN, name)
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    compile_model(m, spec)

    fit_batch = spec.get("fit_batch", 4)
    n_default = 8
    x = spec.get("x") or default_inputs(m, n_default)
    n = x[0].shape[0]
    y = spec.get("y") or targets_for(m, n)
    x_pred = spec.get("x_pred") or x
    batch = spec["batch"]
    inames = input_names(m)
    onames = output_names(m)
    report_notes = []
    if spec.get("notes"):
        report_notes.append(spec["notes"])

    ckpt_info = None
    if "checkpoints" in spec:
        keep = tuple(spec["checkpoints"]["keep"])
        ck_dir = os.path.join(out_dir, "checkpoints")
        os.makedirs(ck_dir)
        ext = "h5" if K3 else "hdf5"
        epochs = spec["epochs"]
        initial_epoch = 0
        epoch_base = 1
        if K1:
            # Keras 1 formats {epoch} 0-based; start at initial_epoch=1 so files are named 1..N like Keras 2+.
            initial_epoch = 1
            epoch_base = 0
            epochs = epochs + 1
        mc = keras.callbacks.ModelCheckpoint(filepath=os.path.join(ck_dir, "{epoch}." + ext))
        pc = PredictAtEpochEnd(x_pred, batch, keep, ck_dir, onames, epoch_base)
        fit(m, one(x), one(y), epochs, fit_batch, callbacks=[mc, pc], initial_epoch=initial_epoch)
        written = sorted(os.listdir(ck_dir))
        removed = []
        for fn in written:
            if fn.endswith("." + ext):
                e = int(fn.split(".")[0])
                if e not in keep:
                    os.remove(os.path.join(ck_dir, fn))
                    removed.append(fn)
        ckpt_info = {"callback": "keras.callbacks.ModelCheckpoint(filepath='checkpoints/{epoch}.%s') defaults "
                                 "(save_best_only=False, save_weights_only=False, include_optimizer default)" % ext,
                     "epochs_fit": spec["epochs"], "kept": ["%d.%s" % (e, ext) for e in keep],
                     "deleted_after_fit": removed,
                     "expected_files": {str(e): pc.files.get(e) for e in keep},
                     "files": {}}
        if K3:
            ckpt_info["note"] = "Keras 3 ModelCheckpoint accepts only .keras or .h5 (not .hdf5) for full-model saves, so files are {epoch}.h5 (legacy HDF5 format)"
        if K1:
            ckpt_info["note"] = ("Keras 1.2.2 ModelCheckpoint formats {epoch} 0-based; fit used initial_epoch=1, nb_epoch=%d "
                                 "so the 10 trained epochs are named 1..%d" % (epochs, epochs - 1))
        for e in keep:
            p = os.path.join(ck_dir, "%d.%s" % (e, ext))
            ckpt_info["files"]["%d.%s" % (e, ext)] = inspect_h5(p) if os.path.exists(p) else "MISSING"
    else:
        # fit_model: a model sharing m's layers that Keras can train when m itself cannot be fit as a whole
        fm = spec.get("fit_model", m)
        if fm is not m:
            compile_model(fm, spec)
        fit(fm, one(x), one(y), spec.get("epochs", 2), fit_batch, shuffle=spec.get("shuffle", True))

    stateful = bool(spec.get("stateful", False))
    if stateful:
        reset_states(m)
    preds = m.predict(one(x_pred), batch_size=batch, verbose=0)
    if stateful:
        reset_states(m)
    # A model whose graph forces training-mode behaviour (Dropout(...)(x, training=True)) predicts random
    # numbers; its spec gives an inference-mode twin (same weights) whose predict becomes expected*.npy.
    outputs_model = m
    random_files = []
    if spec.get("inference_model"):
        random_files = save_outputs(out_dir, "predict_random", onames, preds)
        outputs_model = spec["inference_model"](m)
        preds = outputs_model.predict(one(x_pred), batch_size=batch, verbose=0)

    # inputs
    if len(x_pred) == 1:
        in_files = ["input.npy"]
        np.save(os.path.join(out_dir, "input.npy"), np.ascontiguousarray(x_pred[0]))
    else:
        in_files = []
        for nm, arr in zip(inames, x_pred):
            fn = "input_%s.npy" % nm
            np.save(os.path.join(out_dir, fn), np.ascontiguousarray(arr))
            in_files.append(fn)
    exp_files = save_outputs(out_dir, "expected", onames, preds)

    if spec.get("weights_only"):
        m.save_weights(os.path.join(out_dir, "weights.h5"))
        with open(os.path.join(out_dir, "model.json"), "w") as f:
            f.write(m.to_json())
        saved = "weights.h5"
    else:
        m.save(os.path.join(out_dir, "model.h5"))
        saved = "model.h5"
    finfo = inspect_h5(os.path.join(out_dir, saved))

    layers = [layer_report(l) for l in m.layers]
    if spec.get("compact_report"):
        for l in layers:
            l.pop("config", None)
        finfo.pop("file_layers", None)
        fln = finfo.pop("file_layer_names")
        finfo["file_layer_count"] = len(fln)
        finfo["file_layer_names_note"] = "omitted to keep report small; equal to the names in 'layers'%s" % (
            "" if [l["name"] for l in layers] == fln else " EXCEPT: first entries " + repr([n[:40] for n in fln[:2]]))
    try:
        in_shapes = m.input_shape
        in_shapes = [shape_list(s) for s in in_shapes] if isinstance(in_shapes, list) else [shape_list(in_shapes)]
    except Exception:
        in_shapes = [shape_list(tuple(t.shape)) for t in to_list(m.inputs)]
    try:
        out_shapes = m.output_shape
        out_shapes = [shape_list(s) for s in out_shapes] if isinstance(out_shapes, list) else [shape_list(out_shapes)]
    except Exception:
        out_shapes = [shape_list(tuple(t.shape)) for t in to_list(m.outputs)]
    try:
        cfg_str = m.to_json()
    except Exception:
        cfg_str = ""
    rep = {
        "keras_version": keras.__version__,
        "backend": backend_name() if not K1 else keras.backend.backend(),
        "generation": GEN,
        "model": name,
        "covers": spec.get("covers", entry["covers"]),
        "model_class": m.__class__.__name__,
        "saved_with": "model.save_weights('weights.h5')" if spec.get("weights_only") else "model.save('model.h5')",
        "predict_batch_size": batch,
        "stateful": stateful,
        "inputs": inames,
        "input_files": in_files,
        "input_dtypes": [str(a.dtype) for a in x_pred],
        "outputs": onames,
        "expected_files": exp_files,
        "input_shapes": in_shapes,
        "output_shapes": out_shapes,
        "layers": layers,
        "total_params": int(m.count_params()),
        "string_encoding": {"model_config": finfo["string_encoding"]["model_config"],
                            "layer_names": finfo["string_encoding"]["layer_names"]},
        "chunked_attributes": finfo["chunked_attributes"],
        "training": {"optimizer": spec.get("optimizer", "adam"), "loss": spec.get("loss", "mse"),
                     "epochs": spec.get("epochs", 2), "batch_size": fit_batch, "samples": int(n),
                     "shuffle": spec.get("shuffle", True)},
        "file": finfo,
        "notes": report_notes,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "h5py": h5py.__version__,
    }
    if "hard_sigmoid" in cfg_str or "hard_sigmoid" in json.dumps(finfo) or name == "seed_hard_sigmoid" or K1 or K2:
        hs = hard_sigmoid_probe()
        rep["hard_sigmoid_variant"] = hs
    if TFK:
        import tensorflow
        rep["tensorflow_version"] = tensorflow.__version__
    if K3:
        try:
            import tensorflow
            rep["tensorflow_version"] = tensorflow.__version__
        except Exception:
            pass
    if spec.get("extra"):
        rep.update(spec["extra"])
    if ckpt_info:
        rep["checkpoints"] = ckpt_info
    if random_files:
        rep["predict_random_files"] = random_files
        rep["predict_random_max_abs_diff_to_expected"] = float(max(
            np.max(np.abs(np.load(os.path.join(out_dir, r)).astype("float64") - np.asarray(p, "float64")))
            for r, p in zip(random_files, to_list(preds))))
    if not legacy:
        rep.update(write_layer_outputs(out_dir, outputs_model, x_pred, batch))
        if K3 and not spec.get("weights_only"):
            rep["native"] = "native.json (model.keras, model.weights.h5, model.json)"
    with open(os.path.join(out_dir, "report.json"), "w") as f:
        json.dump(rep, f, indent=1)
    if not legacy and K3 and not spec.get("weights_only"):
        # last: the reload checks clear the Keras session
        write_native_twins(out_dir, m, x_pred, [np.asarray(p, "float32") for p in to_list(preds)], batch,
                           notes=spec.get("native_notes"))
    return out_dir


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "SampleCheckpoints"))
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    names = [n for n, e in MODELS.items() if GEN in e["gens"]]
    if args.only:
        wanted = set(args.only.split(","))
        unknown = sorted(wanted - set(MODELS))
        if unknown:
            print("unknown model names: %s (see --list)" % ", ".join(unknown), file=sys.stderr)
            return 2
        names = [n for n in names if n in wanted]
    if args.list:
        print("\n".join(names))
        return 0
    out_root = os.path.abspath(args.out)
    print("generation %s (keras %s, backend %s): %d models -> %s" % (GEN, keras.__version__, backend_name(), len(names), out_root), flush=True)
    failures = []
    for n in names:
        try:
            d = build_one(n, out_root)
            print("  ok   %s -> %s" % (n, d), flush=True)
        except Exception as e:
            failures.append((n, repr(e)))
            print("  FAIL %s: %r" % (n, e), flush=True)
            traceback.print_exc()
    fail_path = os.path.join(out_root, GEN, "FAILURES.json")
    if failures:
        os.makedirs(os.path.dirname(fail_path), exist_ok=True)
        with open(fail_path, "w") as f:
            json.dump(dict(failures), f, indent=1)
    elif os.path.exists(fail_path):
        os.remove(fail_path)
    print("generation %s done: %d ok, %d failed" % (GEN, len(names) - len(failures), len(failures)), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
