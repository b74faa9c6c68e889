#!/usr/bin/env python3
"""Add Keras 3 native-format files next to existing keras3 samples (run with the modern venv, Keras 3).

For each sample in SAMPLES (SampleCheckpoints/keras3/<name>/), this loads the existing model.h5 with
keras.models.load_model(..., compile=False) and writes next to it:
  model.keras        model.save("model.keras")          (zip: config.json, metadata.json, model.weights.h5)
  model.weights.h5   model.save_weights("model.weights.h5")
  model.json         model.to_json()
  native.json        {"files", "max_abs_diff_reload", "layer_paths", ...}
It checks that model.keras loaded back predicts the sample's existing expected*.npy (and that a fresh
load of model.h5 + load_weights("model.weights.h5") does too). Existing files are never touched.

For seed_autoencoder_small it also writes checkpoints_keras/: a fresh copy of the architecture trained 3 epochs
with ModelCheckpoint("{epoch}.keras"), then (same seed, second run) ModelCheckpoint("{epoch}.weights.h5",
save_weights_only=True), and expected_<epoch>.npy = predict(input.npy) at the end of each epoch.

Usage: ~/.cache/keras-replay/venvs/modern/bin/python Scripts/make_native_samples.py [--root SampleCheckpoints] [--only a,b]
"""
import argparse
import json
import os
import sys
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
if os.environ.get("TF_USE_LEGACY_KERAS") == "1":
    raise SystemExit("run without TF_USE_LEGACY_KERAS: this script needs Keras 3")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import keras  # noqa: E402

assert keras.__version__.startswith("3."), keras.__version__

SAMPLES = ["seed_stateful", "seed_lstm8_tanh_sigmoid", "seed_lstm8_relu_sigmoid", "seed_lstm8_tanh_relu",
           "seed_autoencoder_small", "seed_hard_sigmoid", "bidirectional_none", "gru_reset_after",
           "masking_lstm", "time_distributed"]
TOL = 1e-7
SEED = 1234


def load_inputs(d, rep):
    return [np.load(os.path.join(d, f)) for f in rep["input_files"]]


def load_expected(d, rep):
    return [np.load(os.path.join(d, f)) for f in rep["expected_files"]]


def predict(m, xs, rep):
    stateful = rep.get("stateful", False)
    if stateful:
        reset(m)
    p = m.predict(xs[0] if len(xs) == 1 else xs, batch_size=rep["predict_batch_size"], verbose=0)
    if stateful:
        reset(m)
    return p if isinstance(p, (list, tuple)) else [p]


def reset(m):
    for l in m.layers:
        if getattr(l, "stateful", False):
            l.reset_state() if hasattr(l, "reset_state") else l.reset_states()


def max_diff(preds, exps):
    assert len(preds) == len(exps), (len(preds), len(exps))
    return float(max(np.max(np.abs(np.asarray(p, np.float64) - np.asarray(e, np.float64))) for p, e in zip(preds, exps)))


def h5_layout(path):
    """layer_paths: group path (relative to layers/) -> `name` attribute of its vars group; plus dataset list."""
    layer_paths, datasets, order = {}, [], []
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Group) and name.split("/")[-1] == "vars":
                parent = name[: -len("/vars")] if name.endswith("/vars") else ""
                nm = obj.attrs.get("name")
                if isinstance(nm, bytes):
                    nm = nm.decode()
                if parent.startswith("layers/"):
                    layer_paths[parent[len("layers/"):]] = None if nm is None else str(nm)
                elif parent == "":
                    layer_paths["<root vars>"] = None if nm is None else str(nm)
            elif isinstance(obj, h5py.Dataset):
                datasets.append({"path": name, "shape": list(obj.shape), "dtype": str(obj.dtype)})
        f.visititems(visit)
        if "layers" in f:
            g = f["layers"]
            try:
                cpl = g.id.get_create_plist()
                tracked = bool(cpl.get_link_creation_order())
            except Exception:
                tracked = False
            order = {"layers_children_h5py_order": list(g.keys()), "link_creation_order_tracked": tracked}
    return layer_paths, datasets, order


def native_one(root, name):
    d = os.path.join(root, "keras3", name)
    rep = json.load(open(os.path.join(d, "report.json")))
    xs, exps = load_inputs(d, rep), load_expected(d, rep)
    keras.backend.clear_session()
    m = keras.models.load_model(os.path.join(d, "model.h5"), compile=False)
    d_h5 = max_diff(predict(m, xs, rep), exps)
    kpath, wpath, jpath = (os.path.join(d, f) for f in ("model.keras", "model.weights.h5", "model.json"))
    m.save(kpath)
    m.save_weights(wpath)
    with open(jpath, "w") as f:
        f.write(m.to_json())

    keras.backend.clear_session()
    mk = keras.models.load_model(kpath, compile=False)
    d_keras = max_diff(predict(mk, xs, rep), exps)

    keras.backend.clear_session()
    mw = keras.models.load_model(os.path.join(d, "model.h5"), compile=False)
    for v in mw.weights:  # make sure load_weights really overwrote something
        v.assign(np.zeros(v.shape, v.dtype))
    mw.load_weights(wpath)
    d_w = max_diff(predict(mw, xs, rep), exps)

    keras.backend.clear_session()
    mj = keras.models.model_from_json(open(jpath).read())
    mj.load_weights(wpath)
    d_j = max_diff(predict(mj, xs, rep), exps)

    layer_paths, datasets, order = h5_layout(wpath)
    with zipfile.ZipFile(kpath) as z:
        members = z.namelist()
    ok = max(d_keras, d_w, d_j) <= TOL
    info = {
        "files": ["model.keras", "model.weights.h5", "model.json"],
        "max_abs_diff_reload": d_keras,
        "max_abs_diff_reload_detail": {
            "model.h5 load_model (baseline)": d_h5,
            "model.keras load_model": d_keras,
            "model.h5 architecture + load_weights(model.weights.h5)": d_w,
            "model_from_json(model.json) + load_weights(model.weights.h5)": d_j,
        },
        "compared_with": rep["expected_files"],
        "predict_batch_size": rep["predict_batch_size"],
        "stateful": rep.get("stateful", False),
        "layer_paths": layer_paths,
        "weights_h5_datasets": datasets,
        "weights_h5_order": order,
        "keras_zip_members": members,
        "keras_version": keras.__version__,
        "written_by": "Scripts/make_native_samples.py: keras.models.load_model('model.h5', compile=False), then "
                      "model.save('model.keras'), model.save_weights('model.weights.h5'), model.to_json()",
    }
    if name == "seed_autoencoder_small":
        info["checkpoints_keras"] = checkpoints_keras(d, rep, xs)
        info["files"] = info["files"] + ["checkpoints_keras/"]
    with open(os.path.join(d, "native.json"), "w") as f:
        json.dump(info, f, indent=1)
    return ok, info


def build_autoencoder(seq_len=8, vocab=12, latent=4):
    L = keras.layers
    inputs = keras.Input((seq_len, vocab), name="input")
    enc = L.Bidirectional(L.LSTM(latent), merge_mode="sum", name="encoder_lstm")(inputs)
    dec = L.RepeatVector(seq_len, name="repeater")(enc)
    dec = L.Bidirectional(L.LSTM(vocab, return_sequences=True), merge_mode="sum", name="decoder_lstm")(dec)
    m = keras.Model(inputs, dec)
    m.compile(optimizer="sgd", loss="mse")
    return m


class PredictAtEpochEnd(keras.callbacks.Callback):
    def __init__(self, x, batch):
        super().__init__()
        self.x, self.batch, self.preds = x, batch, {}

    def on_epoch_end(self, epoch, logs=None):
        self.preds[epoch + 1] = np.asarray(self.model.predict(self.x, batch_size=self.batch, verbose=0), np.float32)


def checkpoints_keras(d, rep, xs):
    ck = os.path.join(d, "checkpoints_keras")
    os.makedirs(ck, exist_ok=True)
    x_pred, batch = xs[0], rep["predict_batch_size"]
    runs = {}
    for kind, fp, wo in (("keras", "{epoch}.keras", False), ("weights", "{epoch}.weights.h5", True)):
        keras.backend.clear_session()
        keras.utils.set_random_seed(SEED + 7)
        rng = np.random.RandomState(SEED + 7)
        x_train = rng.randint(0, 90, size=(10, 8, 12)).astype("float32")
        y_train = rng.normal(size=(10, 8, 12)).astype("float32")
        m = build_autoencoder()
        mc = keras.callbacks.ModelCheckpoint(filepath=os.path.join(ck, fp), save_weights_only=wo)
        pc = PredictAtEpochEnd(x_pred, batch)
        m.fit(x_train, y_train, epochs=3, batch_size=32, shuffle=False, verbose=0, callbacks=[mc, pc])
        runs[kind] = pc.preds
    files, checks = {}, {}
    for e in (1, 2, 3):
        np.save(os.path.join(ck, "expected_%d.npy" % e), np.ascontiguousarray(runs["keras"][e]))
        same = float(np.max(np.abs(runs["keras"][e].astype(np.float64) - runs["weights"][e])))
        exp_w = "expected_%d.npy" % e
        if same != 0.0:
            exp_w = "expected_weights_%d.npy" % e
            np.save(os.path.join(ck, exp_w), np.ascontiguousarray(runs["weights"][e]))
        files["%d.keras" % e] = "expected_%d.npy" % e
        files["%d.weights.h5" % e] = exp_w
        # reload checks
        keras.backend.clear_session()
        mk = keras.models.load_model(os.path.join(ck, "%d.keras" % e), compile=False)
        dk = float(np.max(np.abs(mk.predict(x_pred, batch_size=batch, verbose=0) - runs["keras"][e])))
        keras.backend.clear_session()
        mw = build_autoencoder()
        mw.load_weights(os.path.join(ck, "%d.weights.h5" % e))
        dw = float(np.max(np.abs(mw.predict(x_pred, batch_size=batch, verbose=0) - runs["weights"][e])))
        checks[str(e)] = {"run_diff_keras_vs_weights": same, "reload_diff_keras": dk, "reload_diff_weights_h5": dw}
    lp, _, order = h5_layout(os.path.join(ck, "1.weights.h5"))
    with zipfile.ZipFile(os.path.join(ck, "1.keras")) as z:
        members = z.namelist()
    return {
        "how": "fresh Input(8,12)->Bidirectional(LSTM(4),sum,encoder_lstm)->RepeatVector(8,repeater)->"
               "Bidirectional(LSTM(12,return_sequences),sum,decoder_lstm), compile(sgd, mse), keras.utils.set_random_seed(1241), "
               "fit 3 epochs batch 32 shuffle=False on x=randint(0,90,(10,8,12)), y=normal((10,8,12)) (np RandomState(1241)); "
               "run 1: ModelCheckpoint(filepath='checkpoints_keras/{epoch}.keras'); run 2 (same seeds): "
               "ModelCheckpoint(filepath='checkpoints_keras/{epoch}.weights.h5', save_weights_only=True). "
               "expected_<epoch>.npy = predict(../input.npy, batch_size=%d) at that epoch's end (callback)." % batch,
        "files": files,
        "checks": checks,
        "layer_paths_weights_h5": lp,
        "weights_h5_order": order,
        "keras_zip_members": members,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "SampleCheckpoints"))
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    names = [n for n in SAMPLES if not a.only or n in a.only.split(",")]
    bad = 0
    for n in names:
        try:
            ok, info = native_one(os.path.abspath(a.root), n)
        except Exception as e:  # report and go on
            import traceback
            traceback.print_exc()
            print("FAIL %-26s %r" % (n, e), flush=True)
            bad += 1
            continue
        det = info["max_abs_diff_reload_detail"]
        print("%s %-26s .keras %.3g | h5+weights.h5 %.3g | json+weights.h5 %.3g | h5 %.3g" % (
            "ok  " if ok else "DIFF", n, det["model.keras load_model"],
            det["model.h5 architecture + load_weights(model.weights.h5)"],
            det["model_from_json(model.json) + load_weights(model.weights.h5)"],
            det["model.h5 load_model (baseline)"]), flush=True)
        if "checkpoints_keras" in info:
            print("     checkpoints_keras:", json.dumps(info["checkpoints_keras"]["checks"]), flush=True)
        bad += 0 if ok else 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
