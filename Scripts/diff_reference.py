#!/usr/bin/env python3
"""NumPy (float64) reference figures for `keras-replay diff`, read straight from the .h5 files.

For every generation in SampleCheckpoints/ that has seed_autoencoder_small/checkpoints/, writes
SampleCheckpoints/<generation>/seed_autoencoder_small/diff_reference.json with
  * pairs: epoch 1 vs epoch 2 with the default tolerance (0, 0) and with abs 1e-5, rel 1e-2:
    one record per tensor and per gate block;
  * series: all checkpoints in natural (epoch) order and the relative change from each to the next,
    for every layer, tensor, gate block and gate (per direction) column.

Definitions (the same as the Swift code, independent implementation):
  A = earlier file, B = later; delta = B - A over pairs where both are finite;
  max/mean |delta|, l2 = ||delta||, rel = ||delta|| / ||A|| (0 if delta = 0, null if ||A|| = 0),
  cosine = A.B / (||A|| ||B||) (null if either is 0),
  beyond = count(|delta| > abs + rel*|A|) + non-finite pairs that are not identical.
Binding: weights in weight_names order; role = last name component without ':0'
(Keras 1: W -> kernel, U -> recurrent_kernel, b -> bias, per-gate arrays i,c,f,o joined as i,f,c,o);
Bidirectional: first half of weight_names forward, second half backward; gate blocks = column
blocks of the last axis of size last/4 (LSTM i,f,c,o) or last/3 (GRU z,r,h).

Run: $HOME/.cache/keras-replay/venvs/modern/bin/python Scripts/diff_reference.py
"""
import json
import os
import re
import sys

import h5py
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "SampleCheckpoints")
MODEL = "seed_autoencoder_small"
LSTM_GATES = ["input_gate", "forget_gate", "cell_candidate", "output_gate"]
GRU_GATES = ["update_gate", "reset_gate", "candidate"]
KERAS1_ROLES = {"W": "kernel", "U": "recurrent_kernel", "b": "bias"}
KERAS1_GATE_ORDER = ["i", "f", "c", "o"]


def text(value):
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def strings(attrs, name):
    if name in attrs:
        values = attrs[name]
    else:
        values, index = [], 0
        while f"{name}{index}" in attrs:
            values += list(attrs[f"{name}{index}"])
            index += 1
    if getattr(values, "dtype", None) is not None and values.dtype.kind == "f":
        return []
    return [text(v) for v in values]


def layer_classes(h5):
    """Layer name -> (class, inner class for wrappers)."""
    config = json.loads(text(h5.attrs["model_config"]))
    layers = config["config"] if isinstance(config["config"], list) else config["config"]["layers"]
    classes = {}
    for layer in layers:
        name = layer.get("name") or layer["config"]["name"]
        inner = layer["config"].get("layer", {}).get("class_name")
        classes[name] = (layer["class_name"], inner)
    return classes


def bound_weights(h5):
    """[(layer, role, direction, occurrence, array float64, gates)] in model order."""
    weights_root = h5["model_weights"] if "model_weights" in h5 else h5
    classes = layer_classes(h5)
    result = []
    for layer in strings(weights_root.attrs, "layer_names"):
        group = weights_root[layer]
        names = strings(group.attrs, "weight_names")
        if not names:
            continue
        class_name, inner = classes.get(layer, (None, None))
        recurrent = inner if class_name == "Bidirectional" else class_name
        halves = [("forward", names[: len(names) // 2]), ("backward", names[len(names) // 2:])] \
            if class_name == "Bidirectional" else [(None, names)]
        for direction, part in halves:
            tensors = []
            keras1 = [n for n in part if re.search(r"_[WUb]_[icfozrh]$", n)]
            if keras1:
                by_role = {}
                for n in part:
                    role_letter, gate = n.split("_")[-2:]
                    by_role.setdefault(KERAS1_ROLES[role_letter], {})[gate] = np.asarray(group[n], dtype=np.float64)
                for role in ("kernel", "recurrent_kernel", "bias"):
                    if role in by_role:
                        parts = by_role[role]
                        order = KERAS1_GATE_ORDER if recurrent == "LSTM" else ["z", "r", "h"]
                        tensors.append((role, np.concatenate([parts[g] for g in order], axis=-1)))
            else:
                for n in part:
                    role = n.split("/")[-1].split(":")[0]
                    tensors.append((role, np.asarray(group[n], dtype=np.float64)))
            seen = {}
            for role, array in tensors:
                occurrence = seen.get(role, 0)
                seen[role] = occurrence + 1
                gates = []
                if recurrent in ("LSTM", "GRU") and role in ("kernel", "recurrent_kernel", "bias"):
                    names_ = LSTM_GATES if recurrent == "LSTM" else GRU_GATES
                    width = array.shape[-1] // len(names_)
                    gates = [(g, k * width, (k + 1) * width) for k, g in enumerate(names_)]
                result.append((layer, role, direction, occurrence, array, gates))
    return result


def sums(a, b, abs_tol, rel_tol):
    a = a.ravel()
    b = b.ravel()
    finite = np.isfinite(a) & np.isfinite(b)
    fa, fb = a[finite], b[finite]
    delta = fb - fa
    same_nonfinite = (np.isnan(a) & np.isnan(b)) | (np.isinf(a) & (a == b))
    return dict(
        compared=int(finite.sum()),
        max=float(np.abs(delta).max()) if delta.size else 0.0,
        sum_abs=float(np.abs(delta).sum()),
        ssd=float(np.dot(delta, delta)), ssa=float(np.dot(fa, fa)), ssb=float(np.dot(fb, fb)), dot=float(np.dot(fa, fb)),
        beyond=int((np.abs(delta) > abs_tol + rel_tol * np.abs(fa)).sum()) + int((~finite & ~same_nonfinite).sum()),
        nan_a=int(np.isnan(a).sum()), nan_b=int(np.isnan(b).sum()), inf_a=int(np.isinf(a).sum()), inf_b=int(np.isinf(b).sum()),
    )


def merge(items):
    total = dict(compared=0, max=0.0, sum_abs=0.0, ssd=0.0, ssa=0.0, ssb=0.0, dot=0.0, beyond=0, nan_a=0, nan_b=0, inf_a=0, inf_b=0)
    for s in items:
        for key in total:
            total[key] = max(total[key], s[key]) if key == "max" else total[key] + s[key]
    return total


def rel_change(ssd, ssa):
    if ssd == 0:
        return 0.0
    return None if ssa == 0 else float(np.sqrt(ssd) / np.sqrt(ssa))


def figures(s):
    la, lb = float(np.sqrt(s["ssa"])), float(np.sqrt(s["ssb"]))
    return dict(
        compared=s["compared"], max_abs_delta=s["max"],
        mean_abs_delta=s["sum_abs"] / s["compared"] if s["compared"] else 0.0,
        l2_delta=float(np.sqrt(s["ssd"])), l2_a=la, l2_b=lb, rel_change=rel_change(s["ssd"], s["ssa"]),
        cosine=s["dot"] / (la * lb) if la > 0 and lb > 0 else None,
        beyond_tolerance=s["beyond"], nan_a=s["nan_a"], nan_b=s["nan_b"], inf_a=s["inf_a"], inf_b=s["inf_b"],
    )


def compare(path_a, path_b, abs_tol=0.0, rel_tol=0.0):
    """[(record identity, sums)] for every tensor and gate block, in model order."""
    with h5py.File(path_a, "r") as fa, h5py.File(path_b, "r") as fb:
        wa, wb = bound_weights(fa), bound_weights(fb)
    by_key_b = {(w[0], w[1], w[2], w[3]): w for w in wb}
    out = []
    for layer, role, direction, occurrence, a, gates in wa:
        other = by_key_b.get((layer, role, direction, occurrence))
        if other is None or other[4].shape != a.shape:
            continue
        b = other[4]
        ident = dict(layer=layer, weight=role, direction=direction, occurrence=occurrence)
        out.append((dict(ident, gate=None, shape=list(a.shape)), sums(a, b, abs_tol, rel_tol)))
        for gate, start, end in gates:
            shape = list(a.shape[:-1]) + [end - start]
            out.append((dict(ident, gate=gate, columns=[start, end], shape=shape),
                        sums(a[..., start:end], b[..., start:end], abs_tol, rel_tol)))
    return out


def natural_key(path):
    name = os.path.basename(path)
    return [(0, int(chunk), chunk) if chunk.isdigit() else (1, 0, chunk) for chunk in re.findall(r"\d+|\D+", name)], path


def series_columns(records):
    """Column identity -> sums, for the levels layer, tensor, gate_block and gate."""
    columns = {}
    layers = {}
    gates = {}
    for ident, s in records:
        level = "tensor" if ident["gate"] is None else "gate_block"
        columns[(level, ident["layer"], ident["weight"], ident["direction"], ident["gate"], ident["occurrence"])] = s
        if ident["gate"] is None:
            layers.setdefault(ident["layer"], []).append(s)
        else:
            gates.setdefault((ident["layer"], ident["direction"], ident["gate"]), []).append(s)
    for layer, items in layers.items():
        columns[("layer", layer, None, None, None, None)] = merge(items)
    for (layer, direction, gate), items in gates.items():
        columns[("gate", layer, None, direction, gate, None)] = merge(items)
    return columns


def reference_for(model_dir):
    folder = os.path.join(model_dir, "checkpoints")
    files = sorted((os.path.join(folder, n) for n in os.listdir(folder) if n.endswith((".h5", ".hdf5"))), key=natural_key)
    rel = lambda p: os.path.relpath(p, model_dir)
    pairs = []
    for abs_tol, rel_tol in ((0.0, 0.0), (1e-5, 1e-2)):
        records = [dict(ident, **figures(s)) for ident, s in compare(files[0], files[1], abs_tol, rel_tol)]
        pairs.append(dict(a=rel(files[0]), b=rel(files[1]), tolerance=dict(abs=abs_tol, rel=rel_tol), records=records))
    keys = ["level", "layer", "weight", "direction", "gate", "occurrence"]
    column_order, rows = [], []
    for a, b in zip(files, files[1:]):
        columns = series_columns(compare(a, b))
        for key in columns:
            if key not in column_order:
                column_order.append(key)
        rows.append({key: rel_change(s["ssd"], s["ssa"]) for key, s in columns.items()})
    series = dict(
        files=[rel(f) for f in files],
        columns=[dict(zip(keys, c)) for c in column_order],
        rel_change=[[row.get(c) for c in column_order] for row in rows],
    )
    return dict(model=MODEL, numpy=np.__version__, h5py=h5py.__version__, pairs=pairs, series=series)


def main():
    written = 0
    for generation in sorted(os.listdir(ROOT)):
        model_dir = os.path.join(ROOT, generation, MODEL)
        if not os.path.isdir(os.path.join(model_dir, "checkpoints")):
            continue
        reference = dict(generation=generation, **reference_for(model_dir))
        out = os.path.join(model_dir, "diff_reference.json")
        with open(out, "w") as handle:
            json.dump(reference, handle, indent=1, sort_keys=True)
            handle.write("\n")
        print(f"wrote {os.path.relpath(out)}: {len(reference['pairs'][0]['records'])} records, "
              f"{len(reference['series']['files'])} checkpoints, {len(reference['series']['columns'])} columns")
        written += 1
    if written == 0:
        sys.exit("no SampleCheckpoints/<generation>/seed_autoencoder_small/checkpoints found")


if __name__ == "__main__":
    main()
