"""Side-by-side speed: keras-replay bench vs Keras 3 model.predict, a compiled tf.function, onnxruntime.

Run by Scripts/bench.sh in the modern venv (with `Scripts/make-venvs.sh onnx`). Prints a markdown
table of seconds per call and ratios. Benchmarks, not timed tests.

Fairness: every measurement runs in a fresh child process of its own, one at a time, so no peer's
thread pool (TensorFlow's, onnxruntime's, ours) is alive while another is timed; onnxruntime's child
imports only onnxruntime and NumPy, as a deployment would. Rounds repeat the whole grid with the
peers in a rotated order, and each figure is the best of the rounds' medians (the quietest round:
on a shared 2-core machine, noise only ever adds time).
"""
import argparse, json, os, subprocess, sys, time, warnings

PEERS = ["keras-replay", "onnxruntime", "tf.function", "model.predict"]


def median_time(call, iterations, warmup=3):
    import numpy as np
    for _ in range(warmup):
        call()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def quiet_tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.filterwarnings("ignore")


def make_large(path):
    """Two stacked LSTM(256), sequence 100, 64 features, Dense head (not committed: big)."""
    import keras
    if os.path.exists(path):
        return path
    keras.utils.set_random_seed(7)
    model = keras.Sequential([keras.Input((100, 64)), keras.layers.LSTM(256, return_sequences=True),
                              keras.layers.LSTM(256), keras.layers.Dense(10)], name="large_lstm")
    model.save(path)
    return path


def prepare(args):
    """Child: the large model, ONNX conversions and input files; prints the plan as JSON."""
    quiet_tensorflow()
    import numpy as np
    import tensorflow as tf
    import keras
    import tf2onnx
    models = [("seed_autoencoder", os.path.join(args.repo, "SampleCheckpoints/keras3/seed_autoencoder/model.h5")),
              ("seed_stateful", os.path.join(args.repo, "SampleCheckpoints/keras3/seed_stateful/model.h5")),
              ("2×LSTM(256), T=100, 64 features", make_large(os.path.join(args.cache, "large_lstm.h5")))]
    plan = []
    for index, (label, path) in enumerate(models):
        model = keras.models.load_model(path, compile=False)
        shape = tuple(model.inputs[0].shape)
        fixed = shape[0]  # a stateful model's batch size
        entry = {"label": label, "path": path, "stateful": bool(fixed), "onnx": None, "onnx_note": "", "inputs": {}}
        try:
            spec = (tf.TensorSpec((None,) + tuple(shape[1:]), tf.float32, name="x"),)
            function = tf.function(lambda x: model(x, training=False))
            onnx_path = os.path.join(args.cache, f"model{index}.onnx")
            tf2onnx.convert.from_function(function, input_signature=spec, opset=17, output_path=onnx_path)
            entry["onnx"] = onnx_path
        except Exception as error:  # tf2onnx does not take every model (e.g. stateful)
            entry["onnx_note"] = f"n/a ({type(error).__name__})"
        for batch in ([fixed] if fixed else [int(b) for b in args.batches.split(",")]):
            x = np.random.default_rng(0).uniform(-1, 1, (batch,) + tuple(shape[1:])).astype(np.float32)
            input_path = os.path.join(args.cache, f"input{index}_b{batch}.npy")
            np.save(input_path, x)
            entry["inputs"][str(batch)] = input_path
        plan.append(entry)
    print(json.dumps(plan))


def measure(args):
    """Child: times one peer on one model and input; prints median seconds per call."""
    import numpy as np
    x = np.load(args.input)
    if args.measure == "onnxruntime":
        import onnxruntime as ort
        session = ort.InferenceSession(args.onnx, providers=["CPUExecutionProvider"])
        feed = {session.get_inputs()[0].name: x}
        print(median_time(lambda: session.run(None, feed), args.iterations))
        return
    quiet_tensorflow()
    import tensorflow as tf
    import keras
    model = keras.models.load_model(args.model, compile=False)
    if args.measure == "tf.function":
        function = tf.function(lambda t: model(t, training=False))
        tensor = tf.constant(x)
        print(median_time(lambda: tf.nest.map_structure(lambda t: t.numpy(), function(tensor)), args.iterations))
        return
    stateful = any(getattr(layer, "stateful", False) for layer in model.layers)
    def call():
        model.predict(x, batch_size=len(x), verbose=0)
        if stateful:
            for layer in model.layers:
                if getattr(layer, "stateful", False) and hasattr(layer, "reset_state"):
                    layer.reset_state()
    print(median_time(call, max(5, args.iterations // 4)))


def run_peer(args, peer, entry, batch):
    if peer == "onnxruntime" and not entry["onnx"]:
        return None
    if peer == "keras-replay":
        out = subprocess.run([args.keras_replay, "bench", entry["path"], "--batch-size", str(batch), "--iterations", str(args.iterations)],
                             check=True, capture_output=True, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])["seconds_per_batch_median"]
    command = [sys.executable, os.path.abspath(__file__), "--measure", peer, "--model", entry["path"],
               "--input", entry["inputs"][str(batch)], "--iterations", str(args.iterations)]
    if entry["onnx"]:
        command += ["--onnx", entry["onnx"]]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keras-replay")
    parser.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--cache", default=os.path.expanduser("~/.cache/keras-replay/bench"))
    parser.add_argument("--batches", default="1,32,256")
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--measure", choices=PEERS[1:])
    parser.add_argument("--model")
    parser.add_argument("--onnx")
    parser.add_argument("--input")
    args = parser.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    if args.prepare:
        return prepare(args)
    if args.measure:
        return measure(args)
    if not args.keras_replay:
        parser.error("--keras-replay is required")

    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--prepare", "--cache", args.cache, "--repo", args.repo,
                          "--batches", args.batches], check=True, capture_output=True, text=True).stdout
    plan = json.loads(out.strip().splitlines()[-1])
    cells = [(entry, int(batch)) for entry in plan for batch in entry["inputs"]]
    best = {}
    for round_index in range(args.rounds):
        order = PEERS[round_index % len(PEERS):] + PEERS[:round_index % len(PEERS)]
        for entry, batch in cells:
            for peer in order:
                seconds = run_peer(args, peer, entry, batch)
                key = (entry["label"], batch, peer)
                if seconds is not None:
                    best[key] = min(seconds, best.get(key, float("inf")))
            line = ", ".join(f"{peer} {best[(entry['label'], batch, peer)] * 1e3:.3f} ms" for peer in PEERS if (entry["label"], batch, peer) in best)
            print(f"round {round_index + 1}/{args.rounds} {entry['label']} batch {batch}: {line}", file=sys.stderr)

    ms = lambda s: f"{s*1e3:.3f}"
    print("| model | batch | keras-replay ms | model.predict ms | tf.function ms | onnxruntime ms | predict / replay | tf.function / replay | onnxruntime / replay |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for entry, batch in cells:
        get = lambda peer: best.get((entry["label"], batch, peer))
        replay, predict, compiled, onnx = get("keras-replay"), get("model.predict"), get("tf.function"), get("onnxruntime")
        onnx_text = ms(onnx) if onnx is not None else entry["onnx_note"]
        onnx_ratio = f"{onnx/replay:.2f}×" if onnx is not None else "–"
        print(f"| {entry['label']} | {batch} | {ms(replay)} | {ms(predict)} | {ms(compiled)} | {onnx_text} | {predict/replay:.0f}× | {compiled/replay:.2f}× | {onnx_ratio} |")


if __name__ == "__main__":
    main()
