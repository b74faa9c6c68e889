#!/usr/bin/env python3
"""Write SampleCheckpoints/README.md from the report.json files (plain python3, no extra packages)."""
import json
import os
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "SampleCheckpoints")
GENS = ["keras3", "tf-keras", "keras2.2.4", "keras1.2.2"]

HEADER = """# SampleCheckpoints

Checkpoints written by REAL Keras, with the outputs of that same Keras's `model.predict`, so the Swift
replay engine can be checked against them. Nothing here is produced by our own code.

Regenerate (venvs live outside the repo, in `${KERAS_REPLAY_VENVS:-~/.cache/keras-replay/venvs}`):

```sh
Scripts/make-venvs.sh && Scripts/make-samples.sh        # all four generations
Scripts/make-samples.sh keras3 tf-keras                  # only some generations
MAKE_SAMPLES_ARGS="--only seed_stateful" Scripts/make-samples.sh keras1.2.2
python3 Scripts/samples_readme.py                        # rewrite this README
~/.cache/keras-replay/venvs/modern/bin/python Scripts/verify_samples.py   # h5py re-open checks
```

| generation dir | Keras | backend | venv |
|---|---|---|---|
| `keras3` | keras 3.15.1 | tensorflow 2.21.0 (tensorflow-cpu) | modern |
| `tf-keras` | tf-keras 2.21.0 (`TF_USE_LEGACY_KERAS=1`, `import tf_keras as keras`) | tensorflow 2.21.0 | modern |
| `keras2.2.4` | keras 2.2.4 | Theano 1.0.5 (`THEANO_FLAGS=blas.ldflags=,cxx=,device=cpu,floatX=float32`), h5py 3.8.0 | keras2 |
| `keras1.2.2` | keras 1.2.2 | Theano 1.0.5 (same flags), h5py 3.8.0 | keras1 |

## Files in each `<generation>/<model>/`

- `model.h5`: `model.save("model.h5")` (legacy HDF5 full-model format in every generation, Keras 3 included),
  after 1-8 epochs of `fit` on random data (seeded), so weights are trained, not initializers.
- `input.npy` (float32, C-order); multi-input models: `input_<input layer name>.npy`. `embedding_mask_zero` uses int32.
- `expected.npy` = `model.predict(input, batch_size=report.predict_batch_size)` (float32). Multi-output:
  `expected_<output layer name>.npy`; when several outputs come from ONE layer (Bidirectional `merge_mode=None`)
  they are `expected_0.npy`, `expected_1.npy` in model output order (forward, backward).
- Stateful models: `reset_states()` was called before `predict`; `predict` walks the batches in order and carries
  h/c from batch to batch (checked: reloading and predicting batch by batch without reset gives the same numbers;
  resetting between batches does not).
- `report.json`: what Keras itself reports (`keras_version`, `backend`, `model_class`, `inputs`, `outputs`,
  `input_shapes`, per-layer `name`/`class_name`/`output_shape`/`params`/`weights` (`layer.weights[i].name`, plus
  `path` in Keras 3)/`config`, `total_params`), and what the saved file holds, read back with h5py (`file`:
  root attributes, `file_layer_names`, per-layer `weight_names` with shapes, `string_encoding`,
  `chunked_attributes`). `hard_sigmoid_variant` is measured from `keras.activations.hard_sigmoid(1.0)`.
- `checkpoints/` (autoencoders only): files written by `keras.callbacks.ModelCheckpoint(filepath=".../{epoch}.hdf5")`
  during `fit`, plus `expected_<epoch>.npy` = `predict(input.npy)` at the end of that epoch (a callback).
- Samples added with the per-family catalogues (`Scripts/sample_models/*.py`: activations, attention, normalization,
  merges, graph, benchmarks; every sample not in `sample_kit.LEGACY_SEED_ORDER`) also have:
  - `layer_outputs.npz`: every layer's output for `input*.npy`, computed by that Keras (`Model(model.inputs,
    [outputs])` in tf-keras / Keras 3, `K.function` in Keras 1/2); keys `<layer>` for the first output, `<layer>:1`, ...
    for more (`return_attention_scores`); Keras 3 operation nodes too; float32. A shared layer holds its first call
    (`report.json` `layer_outputs_shared`); `layer_outputs_skipped` says what could not be fetched.
  - keras3 only: `model.keras`, `model.weights.h5`, `model.json` and `native.json` (the layout described below),
    saved from the freshly trained model; `native.json` `reload_errors` records what Keras 3 cannot reload itself.
  - `training_true_dropout`: `predict_random.npy` = what `model.predict` returned (its Dropout node has
    `training=True`); `expected.npy` is the inference-mode output (see its `report.json` notes).

## Things worth knowing (facts read off these files)

- **Keras 3 `ModelCheckpoint` refuses `.hdf5`** (only `.keras` or `.h5` for full models), so `keras3/*/checkpoints/`
  hold `1.h5, 2.h5, ...`; the other generations hold `1.hdf5, ...`.
- **Keras 1.2.2 `ModelCheckpoint` formats `{epoch}` 0-based**; the fit used `initial_epoch=1, nb_epoch=11` so the ten
  trained epochs are named 1..10 like the other generations (see `report.json` `checkpoints.note`).
- `seed_autoencoder_small` keeps epochs 1, 2, 3, 10 (ModelCheckpoint wrote all ten; 4-9 were deleted) so natural
  sort (2 before 10) is testable.
- **String encodings**: with h5py 3 every scalar attribute (`model_config`, `keras_version`, ...) is variable-length,
  in all four generations (Keras 1.2.2/2.2.4 write `bytes`, which h5py 3 stores as vlen ASCII). Fixed-length
  (`kind 'S'`) strings appear where Keras hands h5py a numpy `S` array: the chunked `layer_names0/1` of
  `chunked_attrs` (keras3, tf-keras AND keras2.2.4). Keras 1.2.2 has no chunking and with h5py 3.8 writes only
  vlen strings; there is no Keras-1 file with fixed-length strings here (that needs h5py 2, which does not build
  for Python 3.11).
- **Layers without weights** store `weight_names` as an empty float64 array in every generation.
- **Weight names**: Keras 1 `lstm_1_W_i` ... (12 arrays per LSTM, order i, c, f, o); Keras 2.2.4 `lstm_1/kernel`;
  tf-keras `lstm/lstm_cell/kernel:0`; Keras 3 `sequential/lstm/lstm_cell/kernel` inside Sequential models but
  `encoder_lstm/forward_lstm/lstm_cell/kernel` inside Functional ones (no `:0`). Counters such as `forward_lstm_5`
  depend on how many layers the process had built before; do not guess, read `weight_names`.
- **`top_level_model_weights`**: tf-keras and Keras 3 files have an extra group `model_weights/top_level_model_weights`
  (and at the root of tf-keras `weights_only/weights.h5`) with an empty float64 `weight_names`; it is NOT in
  `layer_names`. Iterate `layer_names`, not the group's children.
- **Sequential files of Keras 1.2.2, 2.2.4 and 3 omit the InputLayer** from `layer_names` from `layer_names`; Functional files list it (with no weights).
- **Keras 3 masking configs**: `keras3/embedding_mask_zero` and `keras3/masked_bidirectional` have `NotEqual`
  / `Any` operation nodes in `model_config` that are not in `layer_names`.
- `hard_sigmoid`: keras1.2.2, keras2.2.4, tf-keras: `clip(0.2x+0.5)`; keras3: `clip(x/6+0.5)` (see each
  `report.json`). Keras 1 and 2.2.4 LSTMs default to `hard_sigmoid` as recurrent activation.
- `seed_autoencoder` (keras3 only, full seed size 45x100, latent 20): `model.h5` plus ModelCheckpoint files for
  epochs 1-3 (optimizer SGD, no slot variables; optimizer weights kept as Keras writes them). It is the biggest
  sample (~2.3 MB).
- Skipped: Keras 3 `dense_activations` cannot use `glu` (halves the last axis) or `threshold` (needs arguments);
  tf-keras lacks most Keras-3-only activations; the full list of used/skipped names is in each `report.json`.
  Keras 2.2.4 `chunked_attrs` uses only `linear` activations (Theano's pure-Python mode cannot run the fused
  gradient of 72 chained tanh/sigmoid layers: numpy ufuncs take at most 32 operands). Coverage models exist only
  for keras3 and tf-keras (by design); `weights_only` is tf-keras only.
- Reload check (`Scripts/verify_samples.py --reload`): every keras3 and tf-keras `model.h5`, reloaded by the Keras
  that wrote it, predicts `expected*.npy` exactly (max diff 0), except keras3 `embedding_mask_zero` and
  `masked_bidirectional`, which Keras 3.15 cannot load back (`Unknown layer: 'NotEqual'`). With `--cross`, Keras 3
  refuses most tf-keras RNN files (`time_major`), and loads tf-keras `dense_activations` but predicts differently
  (max diff 0.043: the hard_sigmoid trap); tf-keras cannot load any Keras 3 file (InputLayer `batch_shape`).
- Determinism: seeds are fixed per model: 1234 + the index of the name in the frozen list
  `sample_kit.LEGACY_SEED_ORDER` for the first samples, 1234 + 1000 + crc32(name) % 1000003 for later ones, so
  adding models never moves an old seed; rerunning gives identical files on this machine (checked for keras3,
  tf-keras and keras2.2.4 after the catalogue split: byte-identical).
- `SampleCheckpoints/bad/` is not made by these scripts.

"""

# Written by hand with Scripts/make_native_samples.py and Scripts/gates_reference.py; kept here so a rerun keeps it.
NATIVE_AND_GATES = """## Keras 3 native files (`.keras`, `.weights.h5`) and `native.json`

Written by `Scripts/make_native_samples.py` (modern venv, Keras 3.15.1) for ten keras3 samples: `seed_stateful`,
`seed_lstm8_tanh_sigmoid`, `seed_lstm8_relu_sigmoid`, `seed_lstm8_tanh_relu`, `seed_autoencoder_small`,
`seed_hard_sigmoid`, `bidirectional_none`, `gru_reset_after`, `masking_lstm`, `time_distributed`. The existing
`model.h5` is loaded with `keras.models.load_model(..., compile=False)` and saved again; nothing else changes.

- `model.keras` = `model.save("model.keras")`: a zip of `metadata.json`, `config.json`, `model.weights.h5` (no optimizer).
- `model.weights.h5` = `model.save_weights(...)`; `model.json` = `model.to_json()`.
- `native.json`: `files`; `max_abs_diff_reload` (predict of the reloaded `.keras` vs the sample's `expected*.npy`;
  0 for all ten, and also 0 for `model.h5` architecture + `load_weights("model.weights.h5")` and for
  `model_from_json(model.json)` + `load_weights`, see `max_abs_diff_reload_detail`); `layer_paths`
  (group path under `layers/` -> the `name` attribute of its `vars` group); `weights_h5_datasets` (every dataset
  path/shape); `weights_h5_order`; `keras_zip_members`.
- Layout facts: group names under `layers/` are **snake_case class names with counters, not layer names**
  (`bidirectional`, `bidirectional_1`, `repeat_vector`, `input_layer`, `time_distributed/layer`); the Keras layer
  name is only in `layers/<path>/vars` attribute `name` (`bidirectional` -> `encoder_lstm`, `bidirectional_1` ->
  `decoder_lstm`, `repeat_vector` -> `repeater`, `input_layer` -> `input`). Recurrent weights sit in
  `layers/<rnn>/cell/vars/0,1,2` (kernel, recurrent_kernel, bias), Bidirectional in
  `layers/<bidi>/forward_layer/cell/vars/*` and `.../backward_layer/cell/vars/*`; TimeDistributed in
  `layers/time_distributed/layer/vars/*`. Link creation order is NOT tracked, so h5py lists groups
  alphabetically (`dense` before `lstm`, `backward_layer` before `forward_layer`): do not take file order as model
  order; map paths to layers by the `config.json` / `model.json` layer order and the `vars` `name` attribute.
  Layers without weights still have an (empty) `vars` group; the root has `vars` with `name` = the model name
  (`sequential` / `functional`). Stateful LSTM state is not saved.
- `keras3/seed_autoencoder_small/checkpoints_keras/`: a fresh copy of the autoencoder trained 3 epochs (SGD, mse,
  seeded; see `native.json` `checkpoints_keras.how`) with `ModelCheckpoint(filepath=".../{epoch}.keras")`, then a
  second identically seeded run with `ModelCheckpoint(filepath=".../{epoch}.weights.h5", save_weights_only=True)`.
  `expected_<epoch>.npy` = `predict(../input.npy, batch_size=4)` at that epoch's end; both runs gave identical
  predictions (diff 0), so one `expected_<epoch>.npy` serves `<epoch>.keras` and `<epoch>.weights.h5`. These
  checkpoint files DO hold an `optimizer/vars` group (0, 1: SGD iteration count and learning rate), even the
  weights-only ones.

## Gate references (`gates_<layer>.npz`, `gates.json`)

Written by `Scripts/gates_reference.py`: every gate at every timestep of the recurrent layers, computed in float64
NumPy straight from `model.h5` (h5py, bound by `weight_names` ORDER), stored as float32. Samples: `seed_stateful`,
`seed_lstm8_tanh_sigmoid`, `seed_lstm8_tanh_relu`, `seed_hard_sigmoid`, `seed_autoencoder_small` (both
`encoder_lstm` and `decoder_lstm`) in all four generations; plus `gru_reset_after`, `gru_reset_before`,
`simple_rnn`, `bidirectional_gru`, `lstm_go_backwards` (both LSTMs), `masking_lstm`, `masked_bidirectional` in
keras3 and tf-keras. Only the layer's INPUT comes from Keras (`Model(model.inputs, layer.input)` predict in the
Keras that wrote the file; the model input itself for a first layer; for keras3 `masked_bidirectional`, which
Keras 3 cannot load, the Masking output `x * any(x != 0, -1)` computed in NumPy, which equals the input).

- Arrays, shape (batch, timesteps, units): LSTM `input_gate, forget_gate, candidate, output_gate, cell, hidden`;
  GRU `update_gate, reset_gate, candidate, hidden`; SimpleRNN `hidden`; Bidirectional: the same names with
  `forward_` / `backward_` prefixes.
- Time axis is INPUT time order (index t = the step that read input t), also for the backward half of a
  Bidirectional and for `go_backwards` layers; those also get `read_order` / `backward_read_order` (int32,
  (timesteps,)): `read_order[k]` = input index read at processing step k (so Keras' own `go_backwards` output
  sequence is `hidden[:, read_order]`).
- `mask` (uint8 (batch, timesteps), 1 = kept) when the model masks. At a masked step `cell`/`hidden` hold the
  carried state; the gate arrays hold what the cell computes at that step from its input and the carried state
  (Keras computes and discards it).
- `seed_stateful`: rows processed in order with the predict batch size (1), h/c carried from row to row starting
  from zeros (without the carry the hidden states differ from Keras by 0.11).
- hard_sigmoid: `clip(0.2x+0.5)` for keras1.2.2/keras2.2.4/tf-keras, `clip(x/6+0.5)` for keras3.
- `gates.json` (one per sample dir): per layer the measured max |diff| between the reference hidden (arranged as
  the layer outputs it: last step or sequence, Bidirectional merged, masked steps zeroed inside Bidirectional with
  return_sequences) and Keras' `Model(model.inputs, layer.output)` predict (keras3 `masked_bidirectional`: vs
  `expected.npy`), the arrays and notes. All 40 files are within 1.3e-6 (largest: `seed_lstm8_tanh_relu`, whose
  relu activations reach ~8; all others <= 4.1e-7). Keras 1.2.2/2.2.4 `load_model` fails under h5py 3 (`'str' object has
  no attribute 'decode'`), so for those the script rebuilds the model with `model_from_json(model_config)` +
  `set_weights` in `weight_names` order (whole-model predict equals `expected.npy` exactly, diff 0; recorded in
  `gates.json`).

Regenerate (adds/overwrites only these files; `model.h5`, inputs and expected outputs are untouched):

```sh
~/.cache/keras-replay/venvs/modern/bin/python Scripts/make_native_samples.py   # .keras, .weights.h5, model.json, native.json, checkpoints_keras/
Scripts/make-gates.sh                      # gates_*.npz + gates.json, all four generations, each in its own venv
Scripts/make-gates.sh keras1.2.2           # one generation
```

## Samples
"""


def human(n):
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return ("%d %s" % (n, unit)) if unit == "B" else ("%.1f %s" % (n, unit))
        n /= 1024.0


def dir_size(d):
    t = 0
    for dp, _, fns in os.walk(d):
        for fn in fns:
            t += os.path.getsize(os.path.join(dp, fn))
    return t


def main():
    lines = [HEADER.rstrip("\n") + "\n\n" + NATIVE_AND_GATES]
    grand = 0
    for gen in GENS:
        gdir = os.path.join(ROOT, gen)
        if not os.path.isdir(gdir):
            continue
        gsize = dir_size(gdir)
        grand += gsize
        lines.append("\n### %s (%s total)\n" % (gen, human(gsize)))
        lines.append("| model | covers | class | main file | dir size | string enc (config / layer_names) | chunked |")
        lines.append("|---|---|---|---|---|---|---|")
        for model in sorted(os.listdir(gdir)):
            rp = os.path.join(gdir, model, "report.json")
            if not os.path.isfile(rp):
                continue
            r = json.load(open(rp))
            main = "weights.h5" if os.path.exists(os.path.join(gdir, model, "weights.h5")) else "model.h5"
            msize = os.path.getsize(os.path.join(gdir, model, main))
            enc = r["string_encoding"]
            lines.append("| `%s` | %s | %s | %s %s | %s | %s / %s | %s |" % (
                model, r["covers"].replace("|", "/"), r["model_class"], main, human(msize),
                human(dir_size(os.path.join(gdir, model))), enc.get("model_config"), enc.get("layer_names"),
                ", ".join(r["chunked_attributes"]) or "-"))
        fp = os.path.join(gdir, "FAILURES.json")
        if os.path.exists(fp):
            lines.append("\n**Failures in this generation:** `%s`\n" % open(fp).read().strip())
    lines.append("\nTotal of the four generation dirs: %s.\n" % human(grand))
    with open(os.path.join(ROOT, "README.md"), "w") as f:
        f.write("\n".join(lines))
    print("wrote", os.path.join(ROOT, "README.md"), human(grand))


if __name__ == "__main__":
    main()
