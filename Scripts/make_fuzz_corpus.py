"""Makes SampleCheckpoints/fuzz-corpus/: structured hostile checkpoints the fuzz harness
(Sources/KerasReplayFuzz) starts from, on top of which it applies its byte-level mutations.

The Swift side is read-only by design, so everything that needs an HDF5 writer is made here:
adversarial `model_config` JSON (wrong types, 10^5-deep nesting, huge numbers, unknown layers,
Lambda, cycles, missing keys), datasets whose shapes lie or are huge, NaN weights, odd dtypes,
soft and external links, external raw storage and virtual datasets. manifest.json says, for each
file, which inputs to give `predict` and which --config (for weights-only files).

    $HOME/.cache/keras-replay/venvs/modern/bin/python Scripts/make_fuzz_corpus.py
"""
import copy
import json
import os
import shutil
import zipfile

import h5py
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "SampleCheckpoints")
LSTM = os.path.join(ROOT, "keras3", "seed_lstm8_tanh_sigmoid")
MERGE = os.path.join(ROOT, "keras3", "merge_layers")
LEGACY = os.path.join(ROOT, "keras2.2.4", "seed_lstm8_tanh_sigmoid")
OUT = os.path.join(ROOT, "fuzz-corpus")

manifest = []
LSTM_INPUTS = ["input_lstm.npy"]
MERGE_INPUTS = ["in_a=input_in_a.npy", "in_b=input_in_b.npy"]


def fresh(name, source=LSTM, config=None, inputs=None, libver=None):
    """A new, compact copy of a sample's model.h5 (no training_config), optionally with a new
    model_config text. Returns the open file for further damage."""
    src = h5py.File(os.path.join(source, "model.h5"), "r")
    path = os.path.join(OUT, name)
    big = config is not None and len(config) > 60000
    f = h5py.File(path, "w", libver=("latest" if big else libver) or "earliest")
    for key, value in src.attrs.items():
        if key in ("training_config", "model_config"):
            continue
        f.attrs[key] = value
    if isinstance(config, bytes):
        f.attrs["model_config"] = np.bytes_(config)
    else:
        f.attrs["model_config"] = config if config is not None else src.attrs["model_config"]
    src.copy(src["model_weights"], f, "model_weights")
    src.close()
    manifest.append({"file": name, "inputs": inputs if inputs is not None else (MERGE_INPUTS if source == MERGE else LSTM_INPUTS)})
    return f


def config_of(source=LSTM):
    with h5py.File(os.path.join(source, "model.h5"), "r") as f:
        return json.loads(f.attrs["model_config"])


def layer(config, class_name):
    return next(l for l in config["config"]["layers"] if l["class_name"] == class_name)


def with_config(name, change, source=LSTM):
    config = config_of(source)
    result = change(config)
    text = result if isinstance(result, (str, bytes)) else json.dumps(config)
    fresh(name, source, text).close()


def set_units(value):
    def change(config):
        layer(config, "LSTM")["config"]["units"] = value
    return change


def weight_group(f, layer_name):
    names = [n.decode() if isinstance(n, bytes) else n for n in f["model_weights"][layer_name].attrs["weight_names"]]
    return f["model_weights"][layer_name], names


def replace_dataset(name, make, which=0, layer_name="lstm"):
    f = fresh(name)
    group, names = weight_group(f, layer_name)
    target = names[which]
    del group[target]
    make(group, target, f)
    f.close()


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    shutil.copyfile(os.path.join(LSTM, "input.npy"), os.path.join(OUT, "input_lstm.npy"))
    for part in ("in_a", "in_b"):
        shutil.copyfile(os.path.join(MERGE, f"input_{part}.npy"), os.path.join(OUT, f"input_{part}.npy"))

    # --- model_config: wrong types, missing keys, huge numbers, unknown and forbidden layers.
    with_config("config_layers_is_string.h5", lambda c: c["config"].__setitem__("layers", "lstm"))
    with_config("config_layer_is_number.h5", lambda c: c["config"]["layers"].__setitem__(1, 42))
    with_config("config_units_string.h5", set_units("eight"))
    with_config("config_units_list.h5", set_units([8, 8]))
    with_config("config_units_1e308.h5", lambda c: json.dumps(c).replace('"units": 8', '"units": 1e308'))
    with_config("config_units_negative.h5", set_units(-1))
    with_config("config_units_zero.h5", set_units(0))
    with_config("config_units_2pow62.h5", set_units(2 ** 62))
    with_config("config_units_100000.h5", set_units(100000))
    with_config("config_units_nan.h5", set_units(float("nan")))
    with_config("config_dense_units_2pow40.h5", lambda c: layer(c, "Dense")["config"].__setitem__("units", 2 ** 40))
    with_config("config_batch_shape_huge.h5", lambda c: layer(c, "InputLayer")["config"].__setitem__("batch_shape", [None, 2 ** 40, 2 ** 40]))
    with_config("config_batch_shape_negative.h5", lambda c: layer(c, "InputLayer")["config"].__setitem__("batch_shape", [-5, -3, 2]))
    with_config("config_batch_shape_string.h5", lambda c: layer(c, "InputLayer")["config"].__setitem__("batch_shape", "3x2"))
    with_config("config_activation_unknown.h5", lambda c: layer(c, "LSTM")["config"].__setitem__("activation", "os.system"))
    with_config("config_activation_object.h5", lambda c: layer(c, "Dense")["config"].__setitem__("activation", {"class_name": "X", "config": {"a": [1, [2, [3]]]}}))
    with_config("config_unknown_layer.h5", lambda c: layer(c, "Dense").__setitem__("class_name", "FancyAttention"))
    with_config("config_custom_layer.h5", lambda c: layer(c, "Dense").update({"class_name": "my_pkg>Evil", "module": "evil", "registered_name": "my_pkg>Evil"}))

    def make_lambda(c):
        dense = layer(c, "Dense")
        dense["class_name"] = "Lambda"
        dense["config"]["function"] = {"class_name": "__lambda__", "config": {"code": "import os; os.system('touch /tmp/pwned')"}}
    with_config("config_lambda.h5", make_lambda)
    with_config("config_missing_config.h5", lambda c: c.pop("config"))
    with_config("config_missing_class_name.h5", lambda c: layer(c, "LSTM").pop("class_name"))
    with_config("config_missing_layer_config.h5", lambda c: layer(c, "LSTM").pop("config"))
    with_config("config_empty_layers.h5", lambda c: c["config"].__setitem__("layers", []))
    with_config("config_null.h5", lambda c: "null")
    with_config("config_empty_string.h5", lambda c: "")
    with_config("config_array.h5", lambda c: "[1, 2, 3]")
    with_config("config_duplicate_layers.h5", lambda c: c["config"]["layers"].append(copy.deepcopy(layer(c, "LSTM"))))
    with_config("config_output_missing.h5", lambda c: c["config"].__setitem__("output_layers", [["nowhere", 0, 0]]))
    with_config("config_output_index_huge.h5", lambda c: c["config"].__setitem__("output_layers", [["dense", 2 ** 62, 99]]))
    with_config("config_sequential_class.h5", lambda c: c.__setitem__("class_name", "Sequential"))
    # 10^5-deep nesting: stored as a dense attribute (libver latest).
    with_config("config_deep_nesting.h5", lambda c: json.dumps(c).replace('"trainable": true', '"trainable": ' + "[" * 100000 + "]" * 100000, 1))
    with_config("config_invalid_utf8.h5", lambda c: json.dumps(c).encode().replace(b"lstm", b"ls\xfftm"))

    # Graph cycles in a functional model with two inputs and two outputs.
    def history(c, name, source):
        for node in layer_named(c, name)["inbound_nodes"]:
            for arg in node["args"]:
                items = arg if isinstance(arg, list) else [arg]
                for item in items:
                    item["config"]["keras_history"][0] = source

    def layer_named(c, name):
        return next(l for l in c["config"]["layers"] if l["name"] == name)

    def cycle(c):
        history(c, "dense_a", "out_sum")
    with_config("config_cycle.h5", cycle, MERGE)
    with_config("config_self_loop.h5", lambda c: history(c, "dense_a", "dense_a"), MERGE)
    with_config("config_inbound_unknown.h5", lambda c: history(c, "dense_b", "ghost"), MERGE)
    with_config("config_inbound_not_list.h5", lambda c: layer_named(c, "dense_a").__setitem__("inbound_nodes", {"args": 1}), MERGE)

    # --- datasets: shapes that lie, huge declared dimensions, NaN weights, odd types, links.
    replace_dataset("shape_rank3_kernel.h5", lambda g, n, f: g.create_dataset(n, data=np.zeros((2, 32, 1), "f4")))
    replace_dataset("shape_transposed_kernel.h5", lambda g, n, f: g.create_dataset(n, data=np.zeros((32, 2), "f4")))
    replace_dataset("shape_scalar_kernel.h5", lambda g, n, f: g.create_dataset(n, data=np.float32(1)))
    replace_dataset("shape_empty_kernel.h5", lambda g, n, f: g.create_dataset(n, shape=(0, 32), dtype="f4"))
    replace_dataset("huge_kernel_2pow40.h5", lambda g, n, f: g.create_dataset(n, shape=(2 ** 20, 2 ** 20), chunks=(1, 32), dtype="f4"))
    replace_dataset("huge_kernel_2pow62.h5", lambda g, n, f: g.create_dataset(n, shape=(2 ** 31, 2 ** 31), chunks=(1, 32), dtype="f4"))
    replace_dataset("huge_bias_2pow28.h5", lambda g, n, f: g.create_dataset(n, shape=(2 ** 28 + 32,), chunks=(32,), dtype="f4"), which=2)
    replace_dataset("nan_kernel.h5", lambda g, n, f: g.create_dataset(n, data=np.full((2, 32), np.nan, "f4")))
    replace_dataset("inf_recurrent.h5", lambda g, n, f: g.create_dataset(n, data=np.full((8, 32), -np.inf, "f4")), which=1)
    replace_dataset("dtype_int_kernel.h5", lambda g, n, f: g.create_dataset(n, data=np.arange(64, dtype="i4").reshape(2, 32)))
    replace_dataset("dtype_float16_kernel.h5", lambda g, n, f: g.create_dataset(n, data=np.ones((2, 32), "f2")))
    replace_dataset("dtype_string_kernel.h5", lambda g, n, f: g.create_dataset(n, data=np.array([b"kernel"] * 64).reshape(2, 32)))
    replace_dataset("dtype_compound_kernel.h5", lambda g, n, f: g.create_dataset(n, data=np.zeros((2, 32), dtype=[("a", "f4"), ("b", "i2")])))
    replace_dataset("dtype_bool_kernel.h5", lambda g, n, f: g.create_dataset(n, data=np.ones((2, 32), "?")))
    replace_dataset("soft_link_kernel.h5", lambda g, n, f: g.__setitem__(n, h5py.SoftLink("/model_weights/lstm/lstm/lstm_cell/recurrent_kernel")))
    replace_dataset("soft_link_loop.h5", lambda g, n, f: g.__setitem__(n, h5py.SoftLink(g.name + "/" + n)))
    replace_dataset("external_link_kernel.h5", lambda g, n, f: g.__setitem__(n, h5py.ExternalLink("input_lstm.npy", "/data")))
    replace_dataset("external_storage_kernel.h5", lambda g, n, f: g.create_dataset(n, shape=(2, 32), dtype="f4", external=[("input_lstm.npy", 0, 256)]))

    def virtual(g, n, f):
        layout = h5py.VirtualLayout(shape=(2, 32), dtype="f4")
        layout[:] = h5py.VirtualSource("other.h5", "/data", shape=(2, 32))
        g.create_virtual_dataset(n, layout, fillvalue=0)
    replace_dataset("virtual_kernel.h5", virtual)

    # A layer group that is a soft link, a dataset where a group should be.
    f = fresh("soft_link_layer_group.h5")
    del f["model_weights/dense"]
    f["model_weights/dense"] = h5py.SoftLink("/model_weights/lstm")
    f.close()
    f = fresh("dataset_for_group.h5")
    del f["model_weights/dense"]
    f["model_weights"].create_dataset("dense", data=np.zeros(4, "f4"))
    f.close()

    # --- attributes: types and sizes that are not what Keras writes.
    f = fresh("layer_names_odd.h5")
    f["model_weights"].attrs["layer_names"] = np.array([b"..", b"", b"/", b"lstm/../dense", b"dense" * 200], dtype="S")
    f.close()
    f = fresh("layer_names_numbers.h5")
    f["model_weights"].attrs["layer_names"] = np.arange(3, dtype="f8")
    f.close()
    f = fresh("weight_names_traversal.h5")
    f["model_weights/lstm"].attrs["weight_names"] = np.array([b"../../dense/dense/kernel", b"/etc/passwd", b"lstm/lstm/lstm_cell/bias"], dtype="S")
    f.close()
    f = fresh("weight_names_int.h5")
    f["model_weights/lstm"].attrs["weight_names"] = np.arange(3, dtype="i8")
    f.close()
    f = fresh("model_config_int.h5")
    f.attrs["model_config"] = np.arange(5, dtype="i4")
    f.close()
    f = fresh("model_config_fixed_bytes.h5")
    f.attrs["model_config"] = np.bytes_(config_text := json.dumps(config_of()))
    f.close()
    f = fresh("model_config_string_array.h5")
    f.attrs["model_config"] = np.array([b"{", b"}"], dtype="S")
    f.close()
    f = fresh("keras_version_odd.h5")
    f.attrs["keras_version"] = "99999999999999999999999.-1.x"
    f.attrs["backend"] = np.arange(2, dtype="f8")
    f.close()

    # --- Keras 3 formats: a .keras archive and a .weights.h5 with --config, both hostile.
    with zipfile.ZipFile(os.path.join(LSTM, "model.keras")) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    native = json.loads(members["config.json"])

    def archive_with(name, config_text):
        with zipfile.ZipFile(os.path.join(OUT, name), "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("metadata.json", members["metadata.json"])
            archive.writestr("config.json", config_text)
            archive.writestr("model.weights.h5", members["model.weights.h5"])
        manifest.append({"file": name, "inputs": LSTM_INPUTS})

    huge = copy.deepcopy(native)
    layer(huge, "LSTM")["config"]["units"] = 2 ** 62
    archive_with("keras_units_2pow62.keras", json.dumps(huge))
    lam = copy.deepcopy(native)
    layer(lam, "Dense")["class_name"] = "Lambda"
    archive_with("keras_lambda.keras", json.dumps(lam))
    deep = "[" * 100000 + "]" * 100000
    with zipfile.ZipFile(os.path.join(OUT, "keras_deep_nesting.keras"), "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", members["metadata.json"])
        archive.writestr("config.json", deep)
        archive.writestr("model.weights.h5", members["model.weights.h5"])
    manifest.append({"file": "keras_deep_nesting.keras", "inputs": LSTM_INPUTS})

    shutil.copyfile(os.path.join(LSTM, "model.weights.h5"), os.path.join(OUT, "native.weights.h5"))
    with open(os.path.join(OUT, "native.json"), "w") as out:
        out.write(json.dumps(huge))
    manifest.append({"file": "native.weights.h5", "inputs": LSTM_INPUTS, "config": "native.json"})
    with open(os.path.join(OUT, "native_cycle.json"), "w") as out:
        out.write(json.dumps(native).replace('"keras_history": ["input_layer"', '"keras_history": ["dense"'))
    manifest.append({"file": "native.weights.h5", "inputs": LSTM_INPUTS, "config": "native_cycle.json"})

    # A Keras 2 weights-only style file whose layer groups hold hostile datasets.
    src = h5py.File(os.path.join(LEGACY, "model.h5"), "r")
    with h5py.File(os.path.join(OUT, "legacy_weights_only.h5"), "w") as f:
        for key, value in src["model_weights"].attrs.items():
            f.attrs[key] = value
        for name in src["model_weights"]:
            src.copy(src["model_weights"][name], f, name)
        f["lstm_2/lstm_2"].pop("bias")
        f["lstm_2/lstm_2"].create_dataset("bias", shape=(2 ** 40,), chunks=(64,), dtype="f8")
    src.close()
    manifest.append({"file": "legacy_weights_only.h5", "inputs": LSTM_INPUTS})

    with open(os.path.join(OUT, "manifest.json"), "w") as out:
        json.dump(manifest, out, indent=1)
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"{len(manifest)} cases, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
