"""Makes SampleCheckpoints/hostile-structures/: small checkpoints (and inputs) that are strange in
exactly ONE way each, plus manifest.json, which says for each case the keras-replay command line,
whether it must be refused or succeed, the exit code and what the one-line error must name.

Where make_fuzz_corpus.py feeds the fuzzer, these are fixed cases for the Swift tests:
configs whose numbers are legal JSON but nonsense for a layer (zero strides, 1e28 dilation,
2^62 overflow, a 10^28-element Flatten), a valid RepeatVector whose output is too large to
replay, FIFOs where files should be, an HDF5 hard-link cycle under optimizer_weights, .keras
archives that lie about a member's size or carry a flipped byte, VALID files that contain the
bytes "GCOL" where a naive global-heap scanner would trip (an attribute text, a layer name, a
float32 weight, 16 MB of data), float64 + gzip and libver="latest" files, a 24 MB model_config,
hostile .npy inputs, config values of the wrong JSON type, and output paths that must not be
clobbered. Files that real Keras can load are checked with it (Keras 3.15) while they are made;
expected_*.npy come from Keras' own predict.

Manifest fields (one object per case):
    name, why, args (CLI arguments; "{dir}" = this folder), expect ("refused" | "succeeds"),
    exit_code (0 success, 1 refused file, 2 diff error, 64 bad command line),
    stderr_contains (fragments stderr must contain; for refusals, the error line),
    one_line (refused cases: true when stderr must be exactly one line, i.e. exit 1 or 2; usage
    errors, exit 64, may be followed by the argument parser's usage text),
    expected_npy (optional: compare the predict output with this array, written by Keras),
    setup (null | "fifo" | "hardlink"), path (for setup: the path to create, relative to {dir}),
    target (for "hardlink": the existing file, relative to {dir}),
    zipped (optional: {dir}/<zipped>.zip holds <zipped>; unzip it to a temp folder and put that
    path in place of "{dir}/<zipped>" in args), max_seconds (optional: wall-clock bound),
    stdout_contains (optional: fragments stdout must contain), numpy (optional: what NumPy says),
    keras (optional: what Keras 3.15 itself does with the file).

    $HOME/.cache/keras-replay/venvs/modern/bin/python Scripts/make_hostile_structures.py
"""
import json
import os
import shutil
import struct
import sys
import tempfile
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import h5py
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "SampleCheckpoints")
K3 = os.path.join(ROOT, "keras3")
LSTM = os.path.join(K3, "seed_lstm8_tanh_sigmoid")
CONV = os.path.join(K3, "conv1d_valid")
EMBED = os.path.join(K3, "embedding_mask_zero")
AUTO = os.path.join(K3, "seed_autoencoder_small")
OUT = os.path.join(ROOT, "hostile-structures")

GCOL_FLOAT = np.frombuffer(b"GCOL", "<f4")[0]  # 54332700.0: the float32 whose bytes are "GCOL"

manifest = []
keras_notes = {}  # file name -> what Keras 3.15 said / did


def case(name, why, args, expect, exit_code, stderr_contains=(), expected_npy=None, setup=None, **extra):
    assert not any(c["name"] == name for c in manifest), name
    entry = {"name": name, "why": why, "args": args, "expect": expect, "exit_code": exit_code,
             "stderr_contains": list(stderr_contains), "expected_npy": expected_npy, "setup": setup}
    if expect == "refused":
        entry["one_line"] = exit_code != 64  # a refused file: exactly one stderr line; usage errors may add usage text
    entry.update(extra)
    manifest.append(entry)


def out(name):
    return os.path.join(OUT, name)


def fresh(name, source=LSTM, config=None, libver=None, optimizer=False):
    """A compact copy of a sample's model.h5 (model_weights and the root attributes, no
    training_config, optimizer_weights only if asked), optionally with a new model_config text.
    Returns the open file for further changes. `source` is a sample folder or an .h5 path."""
    path = source if source.endswith(".h5") else os.path.join(source, "model.h5")
    src = h5py.File(path, "r")
    big = config is not None and len(config) > 60000
    f = new_file(out(name), ("latest" if big else libver) or "earliest")
    for key, value in src.attrs.items():
        if key in ("training_config", "model_config"):
            continue
        f.attrs[key] = value
    f.attrs["model_config"] = config if config is not None else src.attrs["model_config"]
    for group in ("model_weights", "optimizer_weights") if optimizer else ("model_weights",):
        copy_untimed(src[group], new_group(f, group))
    src.close()
    return f


def new_file(path, libver="earliest"):
    """An HDF5 file whose root group records no modification time (a libver="latest" file
    otherwise would), so the output is the same on every run."""
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(*{"earliest": (h5py.h5f.LIBVER_EARLIEST, h5py.h5f.LIBVER_LATEST),
                             "latest": (h5py.h5f.LIBVER_LATEST, h5py.h5f.LIBVER_LATEST)}[libver])
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)
    return h5py.File(h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fapl=fapl, fcpl=fcpl))


def new_group(parent, name):
    plist = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    plist.set_obj_track_times(False)
    return h5py.Group(h5py.h5g.create(parent.id, name.encode(), gcpl=plist))


def config_of(source=LSTM):
    path = source if source.endswith(".h5") else os.path.join(source, "model.h5")
    with h5py.File(path, "r") as f:
        return json.loads(f.attrs["model_config"])


def layer_named(config, name):
    return next(l for l in config["config"]["layers"] if l["config"]["name"] == name)


def with_config(name, change, source=LSTM):
    config = config_of(source)
    result = change(config)
    fresh(name, source, result if isinstance(result, str) else json.dumps(config)).close()


def copy_untimed(source, target):
    """Copies a group's attributes and members without object modification times (which a
    libver="latest" file would otherwise record), so the output is the same on every run."""
    for key, value in source.attrs.items():
        target.attrs[key] = value
    for name, item in source.items():
        if isinstance(item, h5py.Dataset):
            made = target.create_dataset(name, data=item[()], track_times=False)
            for key, value in item.attrs.items():
                made.attrs[key] = value
        else:
            copy_untimed(item, new_group(target, name))


FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip member dates, so archives are the same on every run


def zip_write(archive, name, data, compression):
    info = zipfile.ZipInfo(name, FIXED_TIME)
    info.compress_type = compression
    info.external_attr = 0o644 << 16
    archive.writestr(info, data, compress_type=compression, compresslevel=9 if compression == zipfile.ZIP_DEFLATED else None)


def copy_npy(source_dir, file, name):
    shutil.copyfile(os.path.join(source_dir, file), out(name))


def zip_one(name):
    """Replaces {dir}/name by {dir}/name.zip (deflate, level 9) holding it."""
    with zipfile.ZipFile(out(name + ".zip"), "w") as archive, open(out(name), "rb") as handle:
        zip_write(archive, name, handle.read(), zipfile.ZIP_DEFLATED)
    os.remove(out(name))


# ---------------------------------------------------------------------------------------------
# Keras itself: loading checks and the models that have to be made by Keras.

_keras = None


def keras():
    global _keras
    if _keras is None:
        import logging
        import keras as k
        logging.getLogger("absl").setLevel(logging.ERROR)
        logging.getLogger("tensorflow").setLevel(logging.ERROR)
        _keras = k
    return _keras


def keras_predict(path, x, config_json=None):
    """Loads a file the way Keras would (full model, or --config JSON + weights) and predicts."""
    k = keras()
    if config_json is not None:
        with open(config_json) as handle:
            model = k.models.model_from_json(handle.read())
        model.load_weights(path)
    else:
        model = k.models.load_model(path, compile=False)
    return np.asarray(model.predict(x, verbose=0))


def keras_check(name, x, expected, config_json=None, tolerance=1e-6):
    """Asserts that Keras loads {dir}/name and predicts `expected`; records it."""
    got = keras_predict(out(name), x, config_json)
    difference = float(np.max(np.abs(got.astype(np.float64) - expected.astype(np.float64))))
    assert difference <= tolerance, (name, difference)
    keras_notes[name] = f"Keras 3.15 loads it; predict differs from expected by {difference:.3g}"
    return keras_notes[name]


def keras_refusal(path, config_json=None, x=None):
    """What Keras says when it loads `path` and predicts (None when it does)."""
    try:
        keras_predict(path, np.zeros((1, 3, 2), "f4") if x is None else x, config_json)
    except Exception as error:  # noqa: BLE001 - we record whatever Keras raises
        return f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
    return None


# ---------------------------------------------------------------------------------------------

def conv_and_pooling():
    """1. Conv1D / MaxPooling1D / InputLayer numbers that are legal JSON but no layer can use."""
    copy_npy(CONV, "input.npy", "input_conv.npy")
    copy_npy(CONV, "expected.npy", "expected_conv.npy")
    fresh("conv.h5", CONV).close()
    conv_in = ["--input", "{dir}/input_conv.npy"]
    case("conv_control_predict", "The unchanged keras3/conv1d_valid (Conv1D, MaxPooling1D, Conv1D, Flatten, Dense), the base of the Conv1D cases: predict matches Keras.",
         ["predict", "{dir}/conv.h5"] + conv_in + ["--expected", "{dir}/expected_conv.npy", "--tolerance", "1e-5"], "succeeds", 0,
         expected_npy="expected_conv.npy")

    def conv(key, value, layer="conv1d"):
        def change(c):
            layer_named(c, layer)["config"][key] = value
        return change

    files = [
        ("conv_zero_step.h5", conv("strides", [0]), "conv1d", "strides",
         "Conv1D 'conv1d' has \"strides\": [0] (a division by zero in the output length): refused, naming the layer and 'strides'."),
        ("pool_zero_window.h5", conv("pool_size", [0], "max_pooling1d"), "max_pooling1d", "pool_size",
         "MaxPooling1D 'max_pooling1d' has \"pool_size\": [0] (an empty window): refused, naming the layer and 'pool_size'."),
        ("conv_dilation_1e28.h5", conv("dilation_rate", [1e28]), "conv1d", "dilation_rate",
         "Conv1D 'conv1d' has \"dilation_rate\": [1e28] (a JSON float far beyond any integer size): refused, naming the layer and 'dilation_rate', never converted to a garbage Int."),
        ("conv_dilation_2pow31.h5", conv("dilation_rate", [2 ** 31]), "conv1d", "dilation_rate",
         "Conv1D 'conv1d' keeps its real kernel_size [3] and has \"dilation_rate\": [2147483648] (2^31, a plausible integer on its own), so the receptive field (k-1)*d+1 = 2^32+1 exceeds any input length and 32-bit arithmetic: refused, naming the layer and 'dilation_rate'."),
        ("conv_dilation_overflow.h5", conv("dilation_rate", [2 ** 62]), "conv1d", "dilation_rate",
         "Conv1D 'conv1d' keeps its real kernel_size [3] but has \"dilation_rate\": [4611686018427387904] (2^62, a valid Int64), so kernel_size x dilation_rate (and (k-1)*d+1) overflows 64 bits: refused, naming the layer and 'dilation_rate', no trap."),
    ]
    stems = {"conv_zero_step.h5": "conv_strides_zero", "pool_zero_window.h5": "pool_size_zero"}
    for file, change, layer, key, why in files:
        with_config(file, change, CONV)
        stem = stems.get(file, file[:-3])
        case(f"{stem}_inspect", why, ["inspect", "{dir}/" + file], "refused", 1, [layer, key])
        case(f"{stem}_predict", why, ["predict", "{dir}/" + file] + conv_in, "refused", 1, [layer, key])
    with h5py.File(out("conv_dilation_1e28.h5"), "r") as f:
        assert '"dilation_rate": [1e+28]' in f.attrs["model_config"]

    # InputLayer (None, 10^14, 10^14) -> Flatten -> Dense: each dimension is a valid Int, their
    # product (10^28) is not. A real Keras 3 model Input(2, 3) -> Flatten -> Dense(2), made here.
    k = keras()
    k.utils.set_random_seed(7)
    inputs = k.Input((2, 3), name="input_layer")
    outputs = k.layers.Dense(2, name="dense")(k.layers.Flatten(name="flatten")(inputs))
    model = k.Model(inputs, outputs)
    x = np.random.default_rng(7).standard_normal((4, 2, 3)).astype("f4")
    np.save(out("input_flatten.npy"), x)
    with tempfile.TemporaryDirectory() as scratch:
        model.save(os.path.join(scratch, "flatten.h5"))
        source = os.path.join(scratch, "flatten.h5")
        fresh("flatten_control.h5", source).close()
        with_config("input_dims_1e14.h5", lambda c: layer_named(c, "input_layer")["config"].__setitem__("batch_shape", [None, 10 ** 14, 10 ** 14]), source)
    np.save(out("expected_flatten.npy"), np.asarray(model.predict(x, verbose=0), "f4"))
    keras_check("flatten_control.h5", x, np.load(out("expected_flatten.npy")))
    case("flatten_control_predict", "A Keras 3 Input(2,3) -> Flatten -> Dense(2), the base of input_batch_shape_1e14: predict matches Keras.",
         ["predict", "{dir}/flatten_control.h5", "--input", "{dir}/input_flatten.npy", "--expected", "{dir}/expected_flatten.npy"],
         "succeeds", 0, expected_npy="expected_flatten.npy", keras=keras_notes["flatten_control.h5"])
    why = ("InputLayer 'input_layer' declares \"batch_shape\": [null, 100000000000000, 100000000000000] (each a valid integer) before a Flatten, "
           "whose output would be 10^28 values per sample (over 2^63): refused in one line naming the layer and 'batch_shape', no overflow trap, no allocation.")
    for command in ("inspect", "predict"):
        extra = ["--input", "{dir}/input_flatten.npy"] if command == "predict" else []
        case(f"input_batch_shape_1e14_{command}", why, [command, "{dir}/input_dims_1e14.h5"] + extra, "refused", 1, ["input_layer", "batch_shape"])


def repeat_vector_huge():
    """2. RepeatVector n = 10^9 in seed_autoencoder_small: valid, but too big to replay."""
    copy_npy(AUTO, "input.npy", "input_autoencoder.npy")
    copy_npy(AUTO, "expected.npy", "expected_autoencoder.npy")
    fresh("autoencoder.h5", AUTO).close()
    case("autoencoder_control_predict", "The unchanged keras3/seed_autoencoder_small (Bidirectional LSTM, RepeatVector 'repeater' n=8, Bidirectional LSTM), the base of repeat_vector_1e9: predict matches Keras.",
         ["predict", "{dir}/autoencoder.h5", "--input", "{dir}/input_autoencoder.npy", "--expected", "{dir}/expected_autoencoder.npy", "--tolerance", "1e-5"],
         "succeeds", 0, expected_npy="expected_autoencoder.npy")
    with_config("repeat_vector_1e9.h5", lambda c: layer_named(c, "repeater")["config"].__setitem__("n", 10 ** 9), AUTO)
    case("repeat_vector_1e9_inspect",
         "RepeatVector 'repeater' has \"n\": 1000000000, a valid config whose weights all fit (shapes (None, 10^9, 4) and (None, 10^9, 12) are under 2^40 per sample): inspect reads metadata only and succeeds.",
         ["inspect", "{dir}/repeat_vector_1e9.h5"], "succeeds", 0)
    case("repeat_vector_1e9_predict",
         "RepeatVector 'repeater' with n=10^9 would output 4*10^9 values per sample (the decoder 1.2*10^10): predict is refused before allocating, naming the layer and saying 'over the limit'.",
         ["predict", "{dir}/repeat_vector_1e9.h5", "--input", "{dir}/input_autoencoder.npy"], "refused", 1, ["repeater", "over the limit"])


def fifos():
    """3. FIFOs where checkpoints should be (the test makes them; git cannot hold FIFOs)."""
    case("fifo_checkpoint_inspect",
         "The checkpoint path is a FIFO (named pipe) with no writer: opening or reading it would block forever, so inspect refuses it in one line before opening.",
         ["inspect", "{dir}/fifo.h5"], "refused", 1, ["fifo.h5", "FIFO"], setup="fifo", path="fifo.h5")
    case("fifo_checkpoint_predict",
         "The checkpoint path is a FIFO (named pipe) with no writer: predict refuses it in one line, never hanging.",
         ["predict", "{dir}/fifo.h5", "--input", "{dir}/input_seq.npy"], "refused", 1, ["fifo.h5", "FIFO"], setup="fifo", path="fifo.h5")
    case("fifo_input_predict",
         "The --input .npy path is a FIFO (named pipe) with no writer: predict refuses it in one line, never hanging.",
         ["predict", "{dir}/lstm.h5", "--input", "{dir}/fifo_input.npy"], "refused", 1, ["fifo_input.npy", "FIFO"], setup="fifo", path="fifo_input.npy")
    os.makedirs(out("diff_fifo"))
    for epoch in ("1", "2"):
        fresh(f"diff_fifo/{epoch}.h5", os.path.join(AUTO, "checkpoints", f"{epoch}.h5"), optimizer=True).close()
    case("fifo_in_diff_folder",
         "diff over a folder holding two real ModelCheckpoint files (keras3/seed_autoencoder_small epochs 1 and 2) and a FIFO named 3.h5: refused in one line naming 3.h5 (exit 2), never blocking on the FIFO.",
         ["diff", "{dir}/diff_fifo"], "refused", 2, ["3.h5", "FIFO"], setup="fifo", path="diff_fifo/3.h5")


def optimizer_loop():
    """4. A hard link under optimizer_weights back to its own group."""
    fresh("loop_a.h5", LSTM, optimizer=True).close()
    f = fresh("loop_b.h5", LSTM, optimizer=True)
    f["optimizer_weights"]["loop"] = f["optimizer_weights"]  # a hard link: a cycle in the group graph
    assert f["optimizer_weights/loop/loop/loop"] == f["optimizer_weights"]
    f.close()
    keras_check("loop_b.h5", np.load(os.path.join(LSTM, "input.npy")), np.load(os.path.join(LSTM, "expected.npy")))
    case("optimizer_loop_diff_include_optimizer",
         "loop_b.h5 is loop_a.h5 (keras3/seed_lstm8_tanh_sigmoid with its Adam optimizer_weights) plus a hard link optimizer_weights/loop -> optimizer_weights (a cycle): diff --include-optimizer must refuse in one line (exit 2) instead of walking forever.",
         ["diff", "{dir}/loop_a.h5", "{dir}/loop_b.h5", "--include-optimizer"], "refused", 2, ["optimizer_weights/loop"], max_seconds=10,
         keras=keras_notes["loop_b.h5"] + " (load_model(compile=False) never walks optimizer_weights)")
    case("optimizer_loop_diff_model_weights",
         "The same two files without --include-optimizer: optimizer_weights is never walked, the model weights are identical, so diff succeeds with exit 0.",
         ["diff", "{dir}/loop_a.h5", "{dir}/loop_b.h5"], "succeeds", 0, max_seconds=10)


def zip_members(path):
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, archive.read(info.filename)) for info in archive.infolist()]


def local_header(data, name):
    """Offset of the local file header of member `name`, and of its central directory entry."""
    encoded = name.encode()
    local = central = None
    at = 0
    while (at := data.find(b"PK\x03\x04", at)) >= 0:
        length = struct.unpack_from("<H", data, at + 26)[0]
        if data[at + 30:at + 30 + length] == encoded:
            local = at
            break
        at += 4
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + length] == encoded:
            central = at
            break
        at += 4
    return local, central


def keras_archives():
    """5. .keras archives: a member that lies about its size, a flipped byte with the old CRC."""
    members = zip_members(os.path.join(LSTM, "model.keras"))
    x = np.load(os.path.join(LSTM, "input.npy"))
    expected = np.load(os.path.join(LSTM, "expected.npy"))

    # 5a: deflated, declared uncompressed size (local header and central directory) too small.
    name = "keras_size_lie.keras"
    with zipfile.ZipFile(out(name), "w") as archive:
        for member, data in members:
            zip_write(archive, member, data, zipfile.ZIP_DEFLATED)
    data = bytearray(open(out(name), "rb").read())
    local, central = local_header(data, "model.weights.h5")
    real = struct.unpack_from("<I", data, local + 22)[0]
    lie = real // 4
    assert struct.unpack_from("<H", data, local + 8)[0] == 8  # deflated
    struct.pack_into("<I", data, local + 22, lie)
    struct.pack_into("<I", data, central + 24, lie)
    open(out(name), "wb").write(bytes(data))
    said = keras_refusal(out(name))
    keras_notes[name] = f"Keras 3.15 load_model: {said}" if said else "Keras 3.15 loads it"
    case("keras_member_size_lie",
         f"model.keras (keras3/seed_lstm8_tanh_sigmoid) whose deflated member model.weights.h5 declares {lie} bytes uncompressed in its local header and central directory while its data inflates to {real}: refused, naming the member, never trusting either size.",
         ["inspect", "{dir}/" + name], "refused", 1, ["model.weights.h5"], keras=keras_notes[name])
    case("keras_member_size_lie_predict",
         "The same archive for predict: refused in one line naming model.weights.h5.",
         ["predict", "{dir}/" + name, "--input", "{dir}/input_seq.npy"], "refused", 1, ["model.weights.h5"])

    # 5b: stored, one byte of the LSTM kernel flipped, CRC-32 left as it was.
    name = "keras_flipped_byte.keras"
    weights = dict(members)["model.weights.h5"]
    with tempfile.TemporaryDirectory() as scratch:
        open(os.path.join(scratch, "w.h5"), "wb").write(weights)
        with h5py.File(os.path.join(scratch, "w.h5"), "r") as f:
            kernel_at = f["layers/lstm/cell/vars/0"].id.get_offset()
    with zipfile.ZipFile(out(name), "w") as archive:
        for member, member_data in members:
            zip_write(archive, member, member_data, zipfile.ZIP_STORED)
    data = bytearray(open(out(name), "rb").read())
    local, _ = local_header(data, "model.weights.h5")
    start = local + 30 + struct.unpack_from("<H", data, local + 26)[0] + struct.unpack_from("<H", data, local + 28)[0]
    assert bytes(data[start:start + len(weights)]) == weights
    data[start + kernel_at + 1] ^= 0x40  # a mantissa bit of kernel[0, 0]
    open(out(name), "wb").write(bytes(data))
    said = keras_refusal(out(name))
    assert said and "CRC" in said, said
    keras_notes[name] = f"Keras 3.15 load_model: {said}"
    case("keras_flipped_byte_crc",
         f"model.keras (stored members) with one byte of the LSTM kernel layers/lstm/cell/vars/0 inside model.weights.h5 flipped (offset {kernel_at + 1} of the member) and the CRC-32 left as it was: a valid HDF5 file with a wrong weight, which only the CRC-32 betrays; refused naming the member and the CRC-32, as Keras does ('Bad CRC-32').",
         ["predict", "{dir}/" + name, "--input", "{dir}/input_seq.npy"], "refused", 1, ["model.weights.h5", "CRC-32"], keras=keras_notes[name])
    case("keras_flipped_byte_crc_inspect",
         "The same archive for inspect: refused (CRC-32), since the member's bytes are not what was written.",
         ["inspect", "{dir}/" + name], "refused", 1, ["model.weights.h5", "CRC-32"])

    # Control: the same members, stored, untouched.
    with zipfile.ZipFile(out("lstm_control.keras"), "w") as archive:
        for member, member_data in members:
            zip_write(archive, member, member_data, zipfile.ZIP_STORED)
    keras_check("lstm_control.keras", x, expected)
    case("keras_control_predict", "The untouched members of keras3/seed_lstm8_tanh_sigmoid/model.keras, stored: the base of the two archive cases; predict matches Keras.",
         ["predict", "{dir}/lstm_control.keras", "--input", "{dir}/input_seq.npy", "--expected", "{dir}/expected_seq.npy"],
         "succeeds", 0, expected_npy="expected_seq.npy", keras=keras_notes["lstm_control.keras"])


def valid_but_odd():
    """6. Valid files with GCOL bytes, float64 + gzip, libver latest, an unnamed extra group."""
    k = keras()
    x = np.load(os.path.join(LSTM, "input.npy"))
    expected = np.load(os.path.join(LSTM, "expected.npy"))
    lstm_in = ["--input", "{dir}/input_seq.npy"]

    fresh("lstm.h5").close()
    keras_check("lstm.h5", x, expected)
    case("lstm_control_predict", "A compact copy of keras3/seed_lstm8_tanh_sigmoid/model.h5, the base of most cases: predict matches Keras.",
         ["predict", "{dir}/lstm.h5"] + lstm_in + ["--expected", "{dir}/expected_seq.npy"], "succeeds", 0,
         expected_npy="expected_seq.npy", keras=keras_notes["lstm.h5"])

    # A root attribute whose variable-length text (in a global heap collection) contains "GCOL".
    f = fresh("gcol_note.h5")
    f.attrs["note"] = "GCOL is harmless"
    f.close()
    raw = open(out("gcol_note.h5"), "rb").read()
    assert raw.count(b"GCOL is harmless") == 1 and raw.count(b"GCOL") >= 2
    keras_check("gcol_note.h5", x, expected)
    why = "A root attribute note = \"GCOL is harmless\" (variable-length, so its bytes sit inside the file's real global heap collection right after that collection's own GCOL signature): a valid file, not damage; {what}."
    case("gcol_note_inspect", why.format(what="inspect succeeds"), ["inspect", "{dir}/gcol_note.h5"], "succeeds", 0, keras=keras_notes["gcol_note.h5"])
    case("gcol_note_predict", why.format(what="predict matches Keras"),
         ["predict", "{dir}/gcol_note.h5"] + lstm_in + ["--expected", "{dir}/expected_seq.npy"], "succeeds", 0, expected_npy="expected_seq.npy")

    # A layer named BIGCOLUMN_dense (B-I-"GCOL"-U-M-N), built and saved by Keras 3.
    k.utils.set_random_seed(11)
    inputs = k.Input((3, 2), name="input_layer")
    hidden = k.layers.LSTM(4, name="lstm")(inputs)
    model = k.Model(inputs, k.layers.Dense(2, activation="softmax", name="BIGCOLUMN_dense")(hidden))
    model.save(out("bigcolumn.h5"))
    np.save(out("expected_bigcolumn.npy"), np.asarray(model.predict(x, verbose=0), "f4"))
    raw = open(out("bigcolumn.h5"), "rb").read()
    assert raw.count(b"BIGCOLUMN_dense") >= 3
    keras_check("bigcolumn.h5", x, np.load(out("expected_bigcolumn.npy")))
    why = "A Keras 3 model (Input(3,2) -> LSTM(4) -> Dense(2) named BIGCOLUMN_dense) whose layer name, in layer_names, weight_names, group names and model_config, contains the bytes GCOL: a valid file; {what}."
    case("bigcolumn_inspect", why.format(what="inspect succeeds and lists BIGCOLUMN_dense"), ["inspect", "{dir}/bigcolumn.h5"], "succeeds", 0,
         stdout_contains=["BIGCOLUMN_dense"], keras=keras_notes["bigcolumn.h5"])
    case("bigcolumn_predict", why.format(what="predict matches Keras' own predict"),
         ["predict", "{dir}/bigcolumn.h5"] + lstm_in + ["--expected", "{dir}/expected_bigcolumn.npy"], "succeeds", 0, expected_npy="expected_bigcolumn.npy")

    # A float32 weight whose 4 bytes are "GCOL": 54332700.0 (5.4e7 itself is 60 fe 4d 4c).
    model = k.models.load_model(os.path.join(LSTM, "model.h5"), compile=False)
    weights = model.get_weights()
    weights[2] = weights[2].copy()
    weights[2][0] = GCOL_FLOAT  # the LSTM bias, input gate of unit 0; bias[1..] follow it in the file
    model.set_weights(weights)
    model.save(out("gcol_float_bias.h5"))
    np.save(out("expected_gcol_float_bias.npy"), np.asarray(model.predict(x, verbose=0), "f4"))
    with h5py.File(out("gcol_float_bias.h5"), "r") as f:
        group = f["model_weights/lstm"]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        bias = group[names[2]]
        at = bias.id.get_offset()
        assert bias[0] == GCOL_FLOAT
    raw = open(out("gcol_float_bias.h5"), "rb").read()
    assert raw[at:at + 4] == b"GCOL", raw[at:at + 16]
    keras_check("gcol_float_bias.h5", x, np.load(out("expected_gcol_float_bias.npy")))
    why = ("keras3/seed_lstm8_tanh_sigmoid with LSTM bias[0] set (Keras set_weights, then save) to 54332700.0, the float32 whose little-endian bytes are "
           "exactly 'GCOL' (5.4e7 itself is 60 fe 4d 4c), followed by ordinary bias floats that read as a huge collection size: weight data, not a heap; {what}.")
    case("gcol_float_inspect", why.format(what="inspect succeeds"), ["inspect", "{dir}/gcol_float_bias.h5"], "succeeds", 0,
         keras=keras_notes["gcol_float_bias.h5"])
    case("gcol_float_predict", why.format(what="predict matches Keras"),
         ["predict", "{dir}/gcol_float_bias.h5"] + lstm_in + ["--expected", "{dir}/expected_gcol_float_bias.npy"], "succeeds", 0,
         expected_npy="expected_gcol_float_bias.npy")

    # float64 models: a full model.h5 rewritten with gzip, and a libver="latest" .weights.h5.
    k.config.set_floatx("float64")
    k.config.set_dtype_policy("float64")
    try:
        k.utils.set_random_seed(13)
        inputs = k.Input((3, 2), name="input_layer")
        hidden = k.layers.LSTM(4, name="lstm")(inputs)
        model = k.Model(inputs, k.layers.Dense(2, name="dense")(hidden))
        assert model.get_weights()[0].dtype == np.float64
        x64 = x.astype("f8")
        prediction = np.asarray(model.predict(x64, verbose=0))
        assert prediction.dtype == np.float64
        with tempfile.TemporaryDirectory() as scratch:
            model.save(os.path.join(scratch, "f64.h5"))
            model.save_weights(os.path.join(scratch, "f64.weights.h5"))
            with h5py.File(os.path.join(scratch, "f64.h5"), "r") as src, h5py.File(out("float64_gzip.h5"), "w") as dst:
                for key, value in src.attrs.items():
                    dst.attrs[key] = value

                def rewrite(source, target):
                    for key, value in source.attrs.items():
                        target.attrs[key] = value
                    for name, item in source.items():
                        if isinstance(item, h5py.Dataset):
                            assert item.dtype == np.float64 or item.size == 0 or item.dtype.kind != "f", (name, item.dtype)
                            options = {} if item.shape == () else {"compression": "gzip", "compression_opts": 9, "shuffle": True}
                            made = target.create_dataset(name, data=item[()], **options)
                            for key, value in item.attrs.items():
                                made.attrs[key] = value
                        else:
                            rewrite(item, target.create_group(name))
                rewrite(src["model_weights"], dst.create_group("model_weights"))
            with h5py.File(os.path.join(scratch, "f64.weights.h5"), "r") as src, new_file(out("float64_latest.weights.h5"), "latest") as dst:
                copy_untimed(src, dst)
        with open(out("float64_model.json"), "w") as handle:
            handle.write(model.to_json())
        np.save(out("input_float64.npy"), x64)
        np.save(out("expected_float64.npy"), prediction.astype("f4"))
        with h5py.File(out("float64_gzip.h5"), "r") as f:
            kernel = f["model_weights/lstm/" + f["model_weights/lstm"].attrs["weight_names"][0]]
            assert kernel.compression == "gzip" and kernel.dtype == np.float64
        with h5py.File(out("float64_latest.weights.h5"), "r") as f:
            assert f["layers/lstm/cell/vars/0"].dtype == np.float64
        got = keras_predict(out("float64_gzip.h5"), x64)
        assert np.max(np.abs(got - prediction)) == 0
        keras_notes["float64_gzip.h5"] = "Keras 3.15 (floatx float64) loads it; predict equals the original model's bit for bit"
        got = keras_predict(out("float64_latest.weights.h5"), x64, out("float64_model.json"))
        assert np.max(np.abs(got - prediction)) == 0
        keras_notes["float64_latest.weights.h5"] = "Keras 3.15 model_from_json(float64_model.json) + load_weights loads it; predict equals the original bit for bit"
    finally:
        k.config.set_dtype_policy("float32")
        k.config.set_floatx("float32")
    # The superblock of a libver="latest" file is version 3 (byte 8).
    assert open(out("float64_latest.weights.h5"), "rb").read(9)[8] == 3
    case("float64_gzip_predict",
         "A Keras 3 float64 model (LSTM(4) -> Dense(2), every weight float64) whose datasets were rewritten with gzip (level 9) and shuffle filters: valid; predict (float64 input) matches Keras' float64 predict within float32 rounding.",
         ["predict", "{dir}/float64_gzip.h5", "--input", "{dir}/input_float64.npy", "--expected", "{dir}/expected_float64.npy", "--tolerance", "1e-6"],
         "succeeds", 0, expected_npy="expected_float64.npy", keras=keras_notes["float64_gzip.h5"])
    case("float64_gzip_inspect", "The same float64 + gzip file for inspect --scan (reads every compressed weight): succeeds.",
         ["inspect", "{dir}/float64_gzip.h5", "--scan"], "succeeds", 0)
    case("float64_latest_weights_predict",
         "A Keras 3 model.weights.h5 of the float64 model copied into a libver=\"latest\" file (superblock v3, v2 object headers, new-style groups), with its model.to_json(): predict --config matches Keras.",
         ["predict", "{dir}/float64_latest.weights.h5", "--config", "{dir}/float64_model.json", "--input", "{dir}/input_float64.npy",
          "--expected", "{dir}/expected_float64.npy", "--tolerance", "1e-6"], "succeeds", 0, expected_npy="expected_float64.npy",
         keras=keras_notes["float64_latest.weights.h5"])
    case("float64_latest_weights_inspect", "The same libver=\"latest\" float64 .weights.h5 for inspect --config: succeeds.",
         ["inspect", "{dir}/float64_latest.weights.h5", "--config", "{dir}/float64_model.json"], "succeeds", 0)

    # A .weights.h5 with an extra group under layers/ whose vars have no `name` attribute.
    shutil.copyfile(os.path.join(LSTM, "model.weights.h5"), out("extra_group.weights.h5"))
    shutil.copyfile(os.path.join(LSTM, "model.json"), out("lstm_model.json"))
    with h5py.File(out("extra_group.weights.h5"), "a") as f:
        extra = f["layers"].create_group("leftover_from_another_model")
        extra.create_group("vars").create_dataset("0", data=np.arange(6, dtype="f4").reshape(2, 3))
        assert "name" not in extra["vars"].attrs
    keras_check("extra_group.weights.h5", x, expected, out("lstm_model.json"))
    case("extra_group_weights_predict",
         "keras3/seed_lstm8_tanh_sigmoid/model.weights.h5 plus a group layers/leftover_from_another_model/vars/0 whose vars has no 'name' attribute and matches no layer of model.json: Keras ignores it, so predict --config succeeds and matches Keras.",
         ["predict", "{dir}/extra_group.weights.h5", "--config", "{dir}/lstm_model.json"] + lstm_in + ["--expected", "{dir}/expected_seq.npy"],
         "succeeds", 0, expected_npy="expected_seq.npy", keras=keras_notes["extra_group.weights.h5"])


def big_files():
    """7. A 24 MB model_config and 16 MB of GCOL-looking optimizer data (both zipped)."""
    x = np.load(os.path.join(LSTM, "input.npy"))
    expected = np.load(os.path.join(LSTM, "expected.npy"))
    config = config_of()
    # Keras 3 refuses an unknown key in a Dense config ("Unrecognized keyword arguments") but
    # accepts it in an InputLayer config, so the note goes there and Keras can load the file.
    layer_named(config, "input_layer")["config"]["padding_note"] = "x" * (24 * 1024 * 1024)
    text = json.dumps(config)
    fresh("big_config.h5", LSTM, text).close()
    keras_check("big_config.h5", x, expected)
    zip_one("big_config.h5")
    case("big_config_predict",
         f"A legacy .h5 (keras3/seed_lstm8_tanh_sigmoid) whose model_config is {len(text)} bytes of valid JSON (an InputLayer 'padding_note' of 24 MiB 'x', in dense attribute storage): under the 64 MiB attribute limit, so predict succeeds and matches Keras.",
         ["predict", "{dir}/big_config.h5"] + ["--input", "{dir}/input_seq.npy", "--expected", "{dir}/expected_seq.npy"], "succeeds", 0,
         expected_npy="expected_seq.npy", zipped="big_config.h5", max_seconds=30, keras=keras_notes["big_config.h5"])
    case("big_config_inspect", "The same 24 MB model_config for inspect: succeeds.",
         ["inspect", "{dir}/big_config.h5"], "succeeds", 0, zipped="big_config.h5", max_seconds=30)

    # 16 MiB of 16-byte records b"GCOL" 01 00 00 00 <u64 4096>: a million fake collection
    # headers one after the other (each claims 4096 bytes, which the next header overlaps).
    record = b"GCOL" + bytes([1, 0, 0, 0]) + struct.pack("<Q", 4096)
    dense = np.frombuffer(record * (1 << 20), "<f4")
    # 16 MiB of well-formed fake 4 KiB collections: header, one object (index 1, 64 bytes),
    # then a free-space object (index 0) for the rest. 4096 "collections" that parse cleanly.
    block = bytearray(4096)
    block[0:16] = b"GCOL" + bytes([1, 0, 0, 0]) + struct.pack("<Q", 4096)
    struct.pack_into("<HH4xQ", block, 16, 1, 0, 64)
    block[32:96] = bytes(range(64))
    struct.pack_into("<HH4xQ", block, 96, 0, 0, 4096 - 96)
    blocks = np.frombuffer(bytes(block) * 4096, "<f4")
    for name, data, what in (
            ("gcol_dense", dense, "a million back-to-back 16-byte fake GCOL headers (version 1, size 4096, each overlapping the next)"),
            ("gcol_blocks", blocks, "4096 well-formed fake 4 KiB GCOL collections (header, object 1 of 64 bytes, free space), so a scanner that looks each one up across the file does 4096 x 16 MiB of work")):
        f = fresh(name + ".h5")
        group = f.create_group("optimizer_weights")
        group.attrs["weight_names"] = np.array([b"adam/" + name.encode()], dtype="S")
        group.create_dataset("adam/" + name, data=data)  # contiguous: the raw bytes are in the file
        f.close()
        raw = open(out(name + ".h5"), "rb").read()
        assert raw.count(b"GCOL") >= (1 << 12), name
        keras_check(name + ".h5", x, expected)
        zip_one(name + ".h5")
        case(f"{name}_inspect",
             f"keras3/seed_lstm8_tanh_sigmoid plus a float32 dataset optimizer_weights/adam/{name} of 16 MiB holding {what}: weight data in a valid file, not heap damage; inspect succeeds within a few seconds.",
             ["inspect", "{dir}/" + name + ".h5"], "succeeds", 0, zipped=name + ".h5", max_seconds=5, keras=keras_notes[name + ".h5"])
        case(f"{name}_predict",
             f"The same file ({name}) for predict: succeeds within a few seconds and matches Keras (optimizer_weights is ignored).",
             ["predict", "{dir}/" + name + ".h5", "--input", "{dir}/input_seq.npy", "--expected", "{dir}/expected_seq.npy"], "succeeds", 0,
             expected_npy="expected_seq.npy", zipped=name + ".h5", max_seconds=5)


def npy_with_header(path, array, header_change=None):
    np.save(path, array)
    if header_change:
        data = bytearray(open(path, "rb").read())
        length = struct.unpack_from("<H", data, 8)[0]
        header = bytes(data[10:10 + length])
        changed = header_change(header)
        assert len(changed) == len(header)
        data[10:10 + length] = changed
        open(path, "wb").write(bytes(data))


def hostile_inputs():
    """8. .npy inputs: ids float32 cannot hold, a bad fortran_order, a NaN."""
    fresh("embedding_mask_zero.h5", EMBED).close()
    copy_npy(EMBED, "input.npy", "input_embedding.npy")
    copy_npy(EMBED, "expected.npy", "expected_embedding.npy")
    case("embedding_control_predict", "The unchanged keras3/embedding_mask_zero (int32 ids, Embedding input_dim 10, mask_zero) with its own input: predict matches Keras.",
         ["predict", "{dir}/embedding_mask_zero.h5", "--input", "{dir}/input_embedding.npy", "--expected", "{dir}/expected_embedding.npy", "--tolerance", "1e-5"],
         "succeeds", 0, expected_npy="expected_embedding.npy")
    ids = np.load(os.path.join(EMBED, "input.npy"))
    big = ids.astype("i8")
    big[1, 2] = 2 ** 62
    np.save(out("ids_int64_huge.npy"), big)
    case("embedding_id_2pow62",
         "An int64 ids .npy for keras3/embedding_mask_zero with ids[1, 2] = 4611686018427387904 (2^62: a power of two, so float32 holds it exactly and only the range check of Embedding input_dim 10 catches it; an Int32 conversion would wrap it to 0, a valid id): predict refused, quoting the id exactly as an integer.",
         ["predict", "{dir}/embedding_mask_zero.h5", "--input", "{dir}/ids_int64_huge.npy"], "refused", 1, ["4611686018427387904"])
    odd = ids.copy()
    odd[3, 1] = 16777217
    np.save(out("ids_float32_gap.npy"), odd)
    case("embedding_id_16777217",
         "An int32 ids .npy (the sample's own dtype) with ids[3, 1] = 16777217, the first integer float32 cannot hold (it rounds to 16777216): predict refused as out of range for input_dim 10, quoting 16777217 itself, not a rounded value.",
         ["predict", "{dir}/embedding_mask_zero.h5", "--input", "{dir}/ids_float32_gap.npy"], "refused", 1, ["16777217"])

    x = np.load(os.path.join(LSTM, "input.npy"))
    npy_with_header(out("fortran_yes.npy"), x, lambda h: h.replace(b"'fortran_order': False", b"'fortran_order': 'yes'"))
    assert b"'fortran_order': 'yes'" in open(out("fortran_yes.npy"), "rb").read(128)
    try:
        np.load(out("fortran_yes.npy"))
        numpy_says = "NumPy loads it"
    except Exception as error:  # noqa: BLE001
        numpy_says = f"NumPy refuses it: {type(error).__name__}: {str(error).splitlines()[0][:200]}"
    case("npy_fortran_order_yes",
         "The input .npy header says 'fortran_order': 'yes' (a string, in the place of 'False', same header length): neither True nor False, so predict refuses it naming fortran_order.",
         ["predict", "{dir}/lstm.h5", "--input", "{dir}/fortran_yes.npy"], "refused", 1, ["fortran_order"], numpy=numpy_says)
    nan = x.copy()
    nan[2, 1, 0] = np.nan
    np.save(out("input_nan.npy"), nan)
    case("npy_nan_input",
         "A float32 input (keras3/seed_lstm8_tanh_sigmoid) with a NaN at [2, 1, 0]: a legal input (Keras predicts NaN for that row), so predict succeeds but warns on stderr that the input holds a NaN.",
         ["predict", "{dir}/lstm.h5", "--input", "{dir}/input_nan.npy"], "succeeds", 0, ["NaN"])


def wrong_types():
    """9. Config values of the wrong JSON type."""
    files = [
        ("wt_recurrent_backwards_text.h5", "lstm", "go_backwards", "false", "LSTM 'lstm' has \"go_backwards\": \"false\" (a string; a truthiness test would read it as true and run backwards)"),
        ("wt_recurrent_seq_text.h5", "lstm", "return_sequences", "yes", "LSTM 'lstm' has \"return_sequences\": \"yes\" (a string, not true or false)"),
        ("wt_recurrent_size_text.h5", "lstm", "units", "8", "LSTM 'lstm' has \"units\": \"8\" (its true value, but a string; a lenient parser would accept it)"),
        ("wt_head_act_number.h5", "dense", "activation", 42, "Dense 'dense' has \"activation\": 42 (a number, not an activation name)"),
        ("wt_head_size_text.h5", "dense", "units", "2", "Dense 'dense' has \"units\": \"2\" (its true value, but a string)"),
        ("wt_head_size_text_8.h5", "dense", "units", "8", "Dense 'dense' has \"units\": \"8\" (a string, and not even its size, 2)"),
    ]
    for file, layer, key, value, what in files:
        with_config(file, lambda c, layer=layer, key=key, value=value: layer_named(c, layer)["config"].__setitem__(key, value))
        stem = f"{layer}_{key}_{type(value).__name__}" + ("_8" if file.endswith("_8.h5") else "")
        why = what + ": refused in one line naming the layer and the key."
        case(f"{stem}_inspect", why, ["inspect", "{dir}/" + file], "refused", 1, [layer, key])
        case(f"{stem}_predict", why, ["predict", "{dir}/" + file, "--input", "{dir}/input_seq.npy"], "refused", 1, [layer, key])


def output_safety():
    """10. Output paths and batch sizes."""
    base = ["predict", "{dir}/lstm.h5", "--input", "{dir}/input_seq.npy"]
    case("output_dev_null",
         "predict --output /dev/null: a character device is written in place, never replaced by a renamed temporary file; succeeds and /dev/null is still a character device afterwards.",
         base + ["--output", "/dev/null"], "succeeds", 0)
    case("output_hardlink_to_checkpoint",
         "--output names lstm_link.npy, a hard link to the checkpoint lstm.h5 (a different name, same inode): writing it would destroy the input, so predict refuses 'over an input' (a bad command line, exit 64) and lstm.h5 is unchanged.",
         base + ["--output", "{dir}/lstm_link.npy"], "refused", 64, ["over an input"], setup="hardlink", path="lstm_link.npy", target="lstm.h5")
    case("output_hardlink_to_input",
         "--output names input_link.npy, a hard link to the --input file input_seq.npy: refused 'over an input' (exit 64), the input unchanged.",
         base + ["--output", "{dir}/input_link.npy"], "refused", 64, ["over an input"], setup="hardlink", path="input_link.npy", target="input_seq.npy")
    for name, args, what in (
            ("batch_size_zero", ["--batch-size", "0"], "--batch-size 0: no rows per batch"),
            ("batch_size_negative", ["--batch-size=-1"], "--batch-size=-1 (the value attached, so it is parsed as a number): a negative row count"),
            ("batch_size_negative_separate", ["--batch-size", "-1"], "--batch-size -1 (separate, so '-1' may be taken for an option): a negative row count or a missing value"),
            ("batch_size_2pow62", ["--batch-size", str(2 ** 62)], f"--batch-size {2 ** 62} (2^62: rows x row size would overflow any buffer size)")):
        case(name, f"predict {what}; a usage error (exit 64) naming --batch-size, before any file is read.",
             base + args, "refused", 64, ["batch-size"])


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    copy_npy(LSTM, "input.npy", "input_seq.npy")
    copy_npy(LSTM, "expected.npy", "expected_seq.npy")

    valid_but_odd()          # makes lstm.h5, the base of many cases, first
    conv_and_pooling()
    repeat_vector_huge()
    fifos()
    optimizer_loop()
    keras_archives()
    big_files()
    hostile_inputs()
    wrong_types()
    output_safety()

    # Every path a case names (besides setup paths and zipped files) exists.
    for entry in manifest:
        for arg in entry["args"]:
            if "{dir}/" not in arg:
                continue
            rel = arg.split("{dir}/", 1)[1]
            if rel in (entry.get("path"), entry.get("zipped")):
                continue
            assert os.path.exists(out(rel)), (entry["name"], rel)
        if entry.get("zipped"):
            assert os.path.exists(out(entry["zipped"] + ".zip"))
        if entry.get("expected_npy"):
            assert os.path.exists(out(entry["expected_npy"]))

        if entry["expect"] == "refused" and entry.get("setup") != "fifo" and entry["exit_code"] != 64:
            for fragment in entry["stderr_contains"]:
                assert not any(fragment in arg for arg in entry["args"]), (entry["name"], fragment)

    with open(out("README.md"), "w") as handle:
        handle.write("# hostile-structures\n\nMade by `Scripts/make_hostile_structures.py` (do not edit by hand). Each file is strange in one\n"
                     "way; `manifest.json` lists the cases.\n\n" + __doc__.split("Manifest fields", 1)[1].split("    $HOME", 1)[0]
                     .replace("(one object per case):", "Manifest fields (one object per case):", 1).strip() + "\n\n"
                     "Setup cases: run them in a temporary copy of this folder; create `path` there (a FIFO, or a hard link to\n"
                     "`target`) and substitute that copy for `{dir}`. Git cannot hold FIFOs or hard links.\n\n"
                     "File names are chosen so that no refusal's `stderr_contains` fragment is found in the command line\n"
                     "(a message that only echoes the path cannot pass); FIFO cases name the FIFO on purpose.\n")
    with open(out("manifest.json"), "w") as handle:
        json.dump(manifest, handle, indent=1)
        handle.write("\n")
    total = 0
    for folder, _, files in os.walk(OUT):
        total += sum(os.path.getsize(os.path.join(folder, n)) for n in files)
    assert total < 1_000_000, total
    print(f"{len(manifest)} cases, {total} bytes in {os.path.normpath(OUT)}")
    for name, note in keras_notes.items():
        print(f"  {name}: {note}")


if __name__ == "__main__":
    sys.exit(main())
