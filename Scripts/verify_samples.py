#!/usr/bin/env python3
"""Check SampleCheckpoints/: every model dir has its files, every .h5/.hdf5 re-opens with h5py and holds
model_config + model_weights (weights-only files: layer_names at the root), weight datasets match
weight_names, the npy files match report.json, and the newer samples' layer_outputs.npz (float32, the keys
report.json lists, equal to expected*.npy where a model output is a layer's first output) and native.json
files exist. Optionally (--reload) reload each model.h5 with the
Keras of the current venv and compare predict() against expected*.npy.
Runs with any python that has numpy + h5py (e.g. the modern venv).
Usage: python Scripts/verify_samples.py [SampleCheckpoints] [--reload | --cross]
  --reload: reload this venv's own generation (keras3, or tf-keras with TF_USE_LEGACY_KERAS=1) and compare
  --cross:  also try the other modern generation's files (shows where Keras itself cannot cross over)
"""
import json
import os
import sys

import h5py
import numpy as np

from keras_attributes import read_str_list as names


def check_h5(path, weights_only=False):
    problems = []
    with h5py.File(path, "r") as f:
        if weights_only:
            wg = f
            if "model_config" in f.attrs:
                problems.append("weights-only file has model_config")
        else:
            if "model_config" not in f.attrs:
                problems.append("no model_config")
            else:
                json.loads(f.attrs["model_config"])
            if "model_weights" not in f:
                problems.append("no model_weights")
                return problems
            wg = f["model_weights"]
        ln = names(wg.attrs, "layer_names")
        if not ln:
            problems.append("no layer_names")
        for n in ln:
            if n not in wg:
                problems.append("missing layer group %s" % n[:60])
                continue
            for w in names(wg[n].attrs, "weight_names"):
                if w not in wg[n]:
                    problems.append("missing dataset %s/%s" % (n[:60], w))
    return problems


def check_layer_outputs(mdir, rep):
    """layer_outputs.npz (newer samples): the keys report.json lists, float32, and each model output that is
    a layer's first output equals that layer's entry (both are Keras predictions of the same input)."""
    fn = rep.get("layer_outputs")
    if not fn:
        return []
    path = os.path.join(mdir, fn)
    if not os.path.exists(path):
        return ["missing " + fn]
    probs = []
    with np.load(path) as z:
        keys = list(z.keys())
        if keys != rep.get("layer_outputs_keys", keys):
            probs.append("%s keys differ from report.json" % fn)
        for k in keys:
            if z[k].dtype != np.float32:
                probs.append("%s[%s] not float32" % (fn, k))
        if len(set(rep["outputs"])) == len(rep["outputs"]):  # outputs named by layer: compare
            for name, efn in zip(rep["outputs"], rep["expected_files"]):
                if name in keys:
                    e = np.load(os.path.join(mdir, efn))
                    if e.shape != z[name].shape:
                        probs.append("%s[%s] shape %s != %s" % (fn, name, z[name].shape, e.shape))
                    elif float(np.max(np.abs(e.astype(np.float64) - z[name]))) > 1e-5:
                        probs.append("%s[%s] differs from %s" % (fn, name, efn))
    return probs


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    reload_ = "--reload" in sys.argv or "--cross" in sys.argv
    cross = "--cross" in sys.argv  # also try loading the other modern generation's files
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "SampleCheckpoints")
    keras = None
    if reload_:
        if os.environ.get("TF_USE_LEGACY_KERAS") == "1":
            import tf_keras as keras
        else:
            import keras
    total, bad = 0, 0
    for gen in sorted(os.listdir(root)):
        gdir = os.path.join(root, gen)
        if not os.path.isdir(gdir) or gen == "bad":
            continue
        for model in sorted(os.listdir(gdir)):
            mdir = os.path.join(gdir, model)
            rp = os.path.join(mdir, "report.json")
            if not os.path.isfile(rp):
                continue
            total += 1
            rep = json.load(open(rp))
            probs = []
            wo = os.path.exists(os.path.join(mdir, "weights.h5"))
            main_file = os.path.join(mdir, "weights.h5" if wo else "model.h5")
            probs += check_h5(main_file, weights_only=wo)
            for fn in rep["input_files"] + rep["expected_files"]:
                a = np.load(os.path.join(mdir, fn))
                if not a.flags["C_CONTIGUOUS"]:
                    probs.append("%s not C-order" % fn)
            for fn in rep["expected_files"]:
                if np.load(os.path.join(mdir, fn)).dtype != np.float32:
                    probs.append("%s not float32" % fn)
            if rep["generation"] != gen:
                probs.append("generation mismatch")
            probs += check_layer_outputs(mdir, rep)
            for fn in rep.get("predict_random_files", []):
                if not os.path.exists(os.path.join(mdir, fn)):
                    probs.append("missing " + fn)
            if os.path.exists(os.path.join(mdir, "native.json")):
                for fn in json.load(open(os.path.join(mdir, "native.json")))["files"]:
                    if not os.path.exists(os.path.join(mdir, fn.rstrip("/"))):
                        probs.append("missing native file " + fn)
            ck = rep.get("checkpoints")
            if ck:
                for fn in ck["kept"]:
                    p = os.path.join(mdir, "checkpoints", fn)
                    if not os.path.exists(p):
                        probs.append("missing checkpoint " + fn)
                    else:
                        probs += ["%s: %s" % (fn, q) for q in check_h5(p)]
                for e, files in ck["expected_files"].items():
                    for fn in files or ["<none>"]:
                        if not os.path.exists(os.path.join(mdir, "checkpoints", fn)):
                            probs.append("missing checkpoint expectation " + fn)
            own = "tf-keras" if os.environ.get("TF_USE_LEGACY_KERAS") == "1" else "keras3"
            if reload_ and keras is not None and not wo and (gen == own or (cross and gen in ("keras3", "tf-keras"))):
                try:
                    m = keras.models.load_model(main_file, compile=False)
                    xs = [np.load(os.path.join(mdir, f)) for f in rep["input_files"]]
                    for layer in m.layers:
                        if getattr(layer, "stateful", False):
                            layer.reset_states()
                    p = m.predict(xs[0] if len(xs) == 1 else xs, batch_size=rep["predict_batch_size"], verbose=0)
                    p = p if isinstance(p, list) else [p]
                    d = max(float(np.abs(np.asarray(a) - np.load(os.path.join(mdir, f))).max())
                            for a, f in zip(p, rep["expected_files"]))
                    why = " (a node has training=True; expected is the inference-mode output, see report notes)" if rep.get(
                        "predict_random_files") else ""
                    print("    reload %s/%s max|diff| %.3g%s" % (gen, model, d, why))
                except Exception as e:
                    print("    reload %s/%s: keras could not reload (%s)" % (gen, model, str(e).splitlines()[0][:120]))
            status = "OK " if not probs else "BAD"
            bad += bool(probs)
            print("%s %-11s %-28s %s" % (status, gen, model, "; ".join(probs)))
    print("%d model dirs checked, %d with problems" % (total, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
