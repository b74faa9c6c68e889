"""Extra files the driver writes for every sample made after the first catalogue (not for the legacy ones).

  layer_outputs.npz  every layer's (and, in Keras 3, every operation node's) output, computed by Keras itself
                     for the sample's predict input: one array per output tensor, keys `name`, `name:1`, ...
  model.keras, model.weights.h5, model.json, native.json   (Keras 3 only) the native-format twins, in the
                     layout Scripts/make_native_samples.py writes for the older keras3 samples.

Why layer outputs: a replay that disagrees with expected.npy can then be bisected layer by layer against
numbers Keras computed, not against a second implementation of ours.
"""
import json
import os
import zipfile

import numpy as np

from sample_kit import K3, TFK, K1, keras, to_list

LAYER_OUTPUTS = "layer_outputs.npz"


# ---------------------------------------------------------------- which graph node is "the" call of a layer
def _graph(model):
    """The functional graph that holds `model`'s nodes (Keras 1 Sequential keeps it in model.model)."""
    if K1 and not hasattr(model, "container_nodes") and hasattr(model, "model"):
        return model.model
    return model


def _node_list(layer):
    if hasattr(layer, "_inbound_nodes"):
        return layer._inbound_nodes
    return layer.inbound_nodes  # Keras 1


def _in_model(model, layer):
    """Indexes (into layer's inbound nodes) of the calls that belong to `model`'s own graph, in call order.

    A layer can have nodes outside this graph: a nested model's own construction node (Keras 2.2.4), or calls
    in another model. Keras 3 / tf-keras list the graph's Node objects in _nodes_by_depth; Keras 1/2 keep
    keys '<layer>_ib-<node index>' (container_nodes in Keras 1, _network_nodes in Keras 2)."""
    g = _graph(model)
    nodes = _node_list(layer)
    if hasattr(g, "_nodes_by_depth") and (K3 or TFK):
        own = {id(n) for dep in g._nodes_by_depth.values() for n in dep}
        return [i for i, n in enumerate(nodes) if id(n) in own]
    keys = getattr(g, "_network_nodes", None)
    if keys is None:
        keys = getattr(g, "container_nodes")
    return [i for i in range(len(nodes)) if "%s_ib-%d" % (layer.name, i) in keys]


def _layers_of(model):
    """Layers (Keras 3: every operation, so ops nodes such as Add / GetItem / NotEqual too), without inputs."""
    if K3:
        ops = model.operations if hasattr(model, "operations") else model.layers
        if not ops and hasattr(model, "_functional"):
            ops = model._functional.operations
    else:
        ops = _graph(model).layers
    return [op for op in ops if type(op).__name__ != "InputLayer"]


def _node_outputs(node):
    """The node's output tensors, flattened: tf-keras nests a stacked LSTM cell's [h, c] inside the list (Keras 3
    flattens it itself), and an array of the nested pair would stack two outputs into one."""
    outs = node.output_tensors
    flat = []

    def walk(o):
        if isinstance(o, (list, tuple)):
            for item in o:
                walk(item)
        else:
            flat.append(o)
    walk(outs)
    return flat


def _k12_function(model, tensors):
    """Keras 1/2 (Theano): a backend function from the model inputs (+ learning phase 0) to `tensors`."""
    K = keras.backend
    ins = list(to_list(model.inputs))
    lp = K.learning_phase()
    if not isinstance(lp, int):
        ins.append(lp)
    f = K.function(ins, list(tensors))

    def run(xs):
        return f(list(xs) + ([0] if not isinstance(lp, int) else []))
    return run


def compute_layer_outputs(model, x_pred, batch):
    """Returns (arrays: {key: float32 array}, info dict for report.json)."""
    wanted, skipped, shared, dtypes = [], {}, {}, {}
    graph_model = _graph(model)
    if K3 and hasattr(model, "_functional") and not hasattr(model, "_nodes_by_depth"):
        graph_model = model._functional
    for layer in _layers_of(model):
        try:
            idx = _in_model(graph_model, layer)
        except Exception as e:
            skipped[layer.name] = "could not locate its node: %r" % (e,)
            continue
        if not idx:
            skipped[layer.name] = "no call of this layer in the model graph"
            continue
        if len(idx) > 1:
            shared[layer.name] = ("called %d times in this model (node indexes %s); layer_outputs holds the first call "
                                  "(node %d)" % (len(idx), idx, idx[0]))
        outs = _node_outputs(_node_list(layer)[idx[0]])
        for j, t in enumerate(outs):
            wanted.append(((layer.name if j == 0 else "%s:%d" % (layer.name, j)), t))

    arrays = {}

    def fetch(pairs):
        tensors = [t for _, t in pairs]
        if K3 or TFK:
            sub = keras.Model(inputs=model.inputs, outputs=tensors)
            xs = x_pred[0] if len(x_pred) == 1 else list(x_pred)
            res = sub.predict(xs, batch_size=batch, verbose=0)
        else:
            res = _k12_function(model, tensors)(x_pred)
        res = res if isinstance(res, (list, tuple)) else [res]
        return [np.asarray(r) for r in res]

    try:  # one sub-model for everything; per-tensor only if that fails
        got = fetch(wanted)
        pairs = list(zip([k for k, _ in wanted], got))
    except Exception:
        pairs = []
        for k, t in wanted:
            try:
                pairs.append((k, fetch([(k, t)])[0]))
            except Exception as e:
                skipped[k] = "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:200] if str(e) else "")
    for k, a in pairs:
        dtypes[k] = str(a.dtype)
        arrays[k] = np.ascontiguousarray(a.astype("float32"))
    info = {"layer_outputs": LAYER_OUTPUTS,
            "layer_outputs_how": ("keras.Model(model.inputs, [every layer's output tensors]).predict(input, batch_size="
                                  "predict_batch_size)" if (K3 or TFK) else
                                  "keras.backend.function(model.inputs + [learning_phase], [...])(input + [0])") +
                                 "; keys '<layer>' for a layer's first output, '<layer>:1', '<layer>:2', ... for more; "
                                 "float32 (original dtypes in layer_outputs_dtypes)" +
                                 ("; Keras 3 operation nodes (ops.*, masks' NotEqual/Any, slicing GetItem) are included "
                                  "under their operation name" if K3 else ""),
            "layer_outputs_keys": list(arrays),
            "layer_outputs_dtypes": dtypes,
            "layer_outputs_skipped": skipped}
    if shared:
        info["layer_outputs_shared"] = shared
    return arrays, info


def write_layer_outputs(out_dir, model, x_pred, batch):
    arrays, info = compute_layer_outputs(model, x_pred, batch)
    np.savez(os.path.join(out_dir, LAYER_OUTPUTS), **arrays)
    return info


# ---------------------------------------------------------------- Keras 3 native twins
def _max_diff(preds, exps):
    preds = to_list(preds)
    assert len(preds) == len(exps), (len(preds), len(exps))
    return float(max(np.max(np.abs(np.asarray(p, np.float64) - np.asarray(e, np.float64))) for p, e in zip(preds, exps)))


def _err(e):
    return "%s: %s" % (type(e).__name__, (str(e).splitlines() or [""])[0][:300])


def write_native_twins(out_dir, model, x_pred, expected, batch, notes=None):
    """model.keras / model.weights.h5 / model.json next to model.h5, and native.json (make_native_samples layout).

    Every reload is tried and compared with expected*.npy; a reload Keras cannot do is recorded as an error,
    the files are kept."""
    from make_native_samples import h5_layout  # Keras 3 only (that module asserts it)
    kpath, wpath, jpath = (os.path.join(out_dir, f) for f in ("model.keras", "model.weights.h5", "model.json"))
    model.save(kpath)
    model.save_weights(wpath)
    with open(jpath, "w") as f:
        f.write(model.to_json())
    xs = x_pred[0] if len(x_pred) == 1 else list(x_pred)

    def attempt(label, load):
        keras.backend.clear_session()
        try:
            m = load()
            detail[label] = _max_diff(m.predict(xs, batch_size=batch, verbose=0), expected)
        except Exception as e:
            detail[label] = None
            errors[label] = _err(e)

    def h5_then_weights():
        m = keras.models.load_model(os.path.join(out_dir, "model.h5"), compile=False)
        for v in m.weights:  # make sure load_weights really overwrote something
            v.assign(np.zeros(v.shape, v.dtype))
        m.load_weights(wpath)
        return m

    def json_then_weights():
        m = keras.models.model_from_json(open(jpath).read())
        m.load_weights(wpath)
        return m

    detail, errors = {}, {}
    attempt("model.h5 load_model (baseline)", lambda: keras.models.load_model(os.path.join(out_dir, "model.h5"), compile=False))
    attempt("model.keras load_model", lambda: keras.models.load_model(kpath, compile=False))
    attempt("model.h5 architecture + load_weights(model.weights.h5)", h5_then_weights)
    attempt("model_from_json(model.json) + load_weights(model.weights.h5)", json_then_weights)
    layer_paths, datasets, order = h5_layout(wpath)
    with zipfile.ZipFile(kpath) as z:
        members = z.namelist()
    info = {
        "files": ["model.keras", "model.weights.h5", "model.json"],
        "max_abs_diff_reload": detail["model.keras load_model"],
        "max_abs_diff_reload_detail": detail,
        "compared_with": "expected*.npy of this sample",
        "predict_batch_size": batch,
        "stateful": False,
        "layer_paths": layer_paths,
        "weights_h5_datasets": datasets,
        "weights_h5_order": order,
        "keras_zip_members": members,
        "keras_version": keras.__version__,
        "written_by": "Scripts/make_samples.py (sample_outputs.write_native_twins): the freshly trained model, right "
                      "after model.save('model.h5'): model.save('model.keras'), model.save_weights('model.weights.h5'), "
                      "model.to_json(); each reload in a cleared session",
    }
    if errors:
        info["reload_errors"] = errors
    if notes:
        info["notes"] = notes
    with open(os.path.join(out_dir, "native.json"), "w") as f:
        json.dump(info, f, indent=1)
    return info
