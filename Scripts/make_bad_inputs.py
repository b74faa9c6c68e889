"""Makes the broken checkpoints in SampleCheckpoints/bad/ from a real Keras 3 sample.

Each file is one kind of damage a user meets (or an attacker tries); the Swift tests check that
keras-replay answers each with one clear line naming the file, the layer, what was expected and
what was found. Run with any Python that has h5py and numpy:

    $HOME/.cache/keras-replay/venvs/modern/bin/python Scripts/make_bad_inputs.py
"""
import json
import os
import shutil

import h5py
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "SampleCheckpoints")
SOURCE = os.path.join(ROOT, "keras3", "seed_lstm8_tanh_sigmoid", "model.h5")
OUT = os.path.join(ROOT, "bad")


def copy(name):
    path = os.path.join(OUT, name)
    shutil.copyfile(SOURCE, path)
    return path


def lstm_group(f):
    for name in f["model_weights"].attrs["layer_names"]:
        name = name.decode() if isinstance(name, bytes) else name
        if name.startswith("lstm"):
            return name, f["model_weights"][name]
    raise SystemExit("no LSTM layer in " + SOURCE)


def weight_names(group):
    return [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]


def main():
    os.makedirs(OUT, exist_ok=True)

    # HDF5, but not a Keras checkpoint.
    with h5py.File(os.path.join(OUT, "not_keras.h5"), "w") as f:
        f.create_dataset("measurements", data=np.arange(10, dtype="f4"))
        f.attrs["instrument"] = "thermometer"

    # A layer whose recurrent kernel dataset is gone.
    with h5py.File(copy("missing_dataset.h5"), "a") as f:
        _, group = lstm_group(f)
        del group[weight_names(group)[1]]

    # A recurrent kernel whose shape disagrees with units=8: (8, 28) instead of (8, 32).
    with h5py.File(copy("wrong_shape.h5"), "a") as f:
        _, group = lstm_group(f)
        name = weight_names(group)[1]
        del group[name]
        group.create_dataset(name, data=np.zeros((8, 28), dtype="f4"))

    # layer_names lists a layer whose group is missing.
    with h5py.File(copy("missing_layer_group.h5"), "a") as f:
        name, _ = lstm_group(f)
        del f["model_weights"][name]

    # model_config that is not JSON.
    with h5py.File(copy("bad_config.h5"), "a") as f:
        f.attrs["model_config"] = '{"class_name": "Functional", "config": {"layers": [ ...'

    # A weight that is an external link to another file: must be refused, not followed.
    with h5py.File(copy("external_link.h5"), "a") as f:
        _, group = lstm_group(f)
        name = weight_names(group)[0]
        del group[name]
        group[name] = h5py.ExternalLink("/etc/passwd", "/data")

    # A Lambda layer: its code must never run.
    with h5py.File(copy("lambda_layer.h5"), "a") as f:
        config = json.loads(f.attrs["model_config"])
        for layer in config["config"]["layers"]:
            if layer["class_name"] == "Dense":
                layer["class_name"] = "Lambda"
                layer["config"]["function"] = ["print('pwned')", None, None]
        f.attrs["model_config"] = json.dumps(config)

    # Truncated: the superblock survives, the data does not.
    data = open(SOURCE, "rb").read()
    with open(os.path.join(OUT, "truncated.h5"), "wb") as f:
        f.write(data[: len(data) // 2])

    # Not HDF5 at all.
    with open(os.path.join(OUT, "not_hdf5.h5"), "w") as f:
        f.write("this is a text file with an .h5 name\n")

    make_bad_archives()

    for name in sorted(os.listdir(OUT)):
        print(name, os.path.getsize(os.path.join(OUT, name)))


def make_bad_archives():
    """Damaged Keras 3 .keras archives (zip files)."""
    import struct
    import zipfile

    source = os.path.join(ROOT, "keras3", "seed_lstm8_tanh_sigmoid", "model.keras")
    members = {}
    with zipfile.ZipFile(source) as archive:
        for name in archive.namelist():
            members[name] = archive.read(name)

    data = open(source, "rb").read()
    with open(os.path.join(OUT, "truncated.keras"), "wb") as f:
        f.write(data[: len(data) // 2])

    with zipfile.ZipFile(os.path.join(OUT, "missing_member.keras"), "w") as archive:
        archive.writestr("config.json", members["config.json"])
        archive.writestr("metadata.json", members["metadata.json"])

    with zipfile.ZipFile(os.path.join(OUT, "member_not_hdf5.keras"), "w") as archive:
        archive.writestr("config.json", members["config.json"])
        archive.writestr("metadata.json", members["metadata.json"])
        archive.writestr("model.weights.h5", b"these are not weights\n" * 10)

    # A zip bomb's declared sizes: the weights member claims 4 GiB uncompressed.
    bomb = os.path.join(OUT, "zip_bomb.keras")
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", members["config.json"])
        archive.writestr("metadata.json", members["metadata.json"])
        archive.writestr("model.weights.h5", members["model.weights.h5"])
    raw = bytearray(open(bomb, "rb").read())
    central = raw.find(b"PK\x01\x02" )
    while central >= 0:
        name_length = struct.unpack_from("<H", raw, central + 28)[0]
        name = bytes(raw[central + 46: central + 46 + name_length])
        if name == b"model.weights.h5":
            struct.pack_into("<I", raw, central + 24, 0xFFFFFFF0)
            local = struct.unpack_from("<I", raw, central + 42)[0]
            struct.pack_into("<I", raw, local + 22, 0xFFFFFFF0)
        central = raw.find(b"PK\x01\x02", central + 4)
    open(bomb, "wb").write(bytes(raw))


if __name__ == "__main__":
    main()
