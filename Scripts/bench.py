"""Side-by-side speed: keras-replay bench vs Keras 3 model.predict, a compiled tf.function, onnxruntime.

Run by Scripts/bench.sh in the modern venv (with `Scripts/make-venvs.sh onnx`). Prints a markdown
table of median seconds per call and ratios. Benchmarks, not timed tests.
"""
import argparse, json, os, subprocess, sys, tempfile, time, warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")
import numpy as np
import tensorflow as tf
import keras


def median_time(call, iterations, warmup=3):
    for _ in range(warmup):
        call()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def make_large(path):
    """Two stacked LSTM(256), sequence 100, 64 features, Dense head (not committed: big)."""
    if os.path.exists(path):
        return path
    keras.utils.set_random_seed(7)
    model = keras.Sequential([keras.Input((100, 64)), keras.layers.LSTM(256, return_sequences=True),
                              keras.layers.LSTM(256), keras.layers.Dense(10)], name="large_lstm")
    model.save(path)
    return path


def to_onnx(model, shape, path):
    import tf2onnx
    spec = (tf.TensorSpec((None,) + tuple(shape[1:]), tf.float32, name="x"),)
    function = tf.function(lambda x: model(x, training=False))
    tf2onnx.convert.from_function(function, input_signature=spec, opset=17, output_path=path)
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keras-replay", required=True)
    parser.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--cache", default=os.path.expanduser("~/.cache/keras-replay/bench"))
    parser.add_argument("--batches", default="1,32,256")
    parser.add_argument("--iterations", type=int, default=20)
    args = parser.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    import onnxruntime as ort

    models = [("seed_autoencoder", os.path.join(args.repo, "SampleCheckpoints/keras3/seed_autoencoder/model.h5")),
              ("seed_stateful", os.path.join(args.repo, "SampleCheckpoints/keras3/seed_stateful/model.h5")),
              ("2×LSTM(256), T=100, 64 features", make_large(os.path.join(args.cache, "large_lstm.h5")))]
    rows = []
    for label, path in models:
        model = keras.models.load_model(path, compile=False)
        shape = tuple(model.inputs[0].shape)
        fixed = shape[0]  # a stateful model's batch size
        batches = [fixed] if fixed else [int(b) for b in args.batches.split(",")]
        onnx_session, onnx_note = None, ""
        try:
            onnx_path = to_onnx(model, (1,) + shape[1:], os.path.join(args.cache, label.split(",")[0].replace("×", "x").replace(" ", "_") + ".onnx"))
            onnx_session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
        except Exception as error:  # tf2onnx does not take every model (e.g. stateful)
            onnx_note = f"n/a ({type(error).__name__})"
        for batch in batches:
            x = np.random.default_rng(0).uniform(-1, 1, (batch,) + tuple(shape[1:])).astype(np.float32)
            out = subprocess.run([args.keras_replay, "bench", path, "--batch-size", str(batch), "--iterations", str(args.iterations)],
                                 check=True, capture_output=True, text=True).stdout
            replay = json.loads(out.strip().splitlines()[-1])["seconds_per_batch_median"]
            def reset():
                for layer in model.layers:
                    if getattr(layer, "stateful", False) and hasattr(layer, "reset_state"):
                        layer.reset_state()
            predict = median_time(lambda: (model.predict(x, batch_size=batch, verbose=0), reset() if fixed else None), max(5, args.iterations // 4))
            function = tf.function(lambda t: model(t, training=False))
            tensor = tf.constant(x)
            compiled = median_time(lambda: tf.nest.map_structure(lambda t: t.numpy(), function(tensor)), args.iterations)
            onnx = median_time(lambda: onnx_session.run(None, {onnx_session.get_inputs()[0].name: x}), args.iterations) if onnx_session else None
            rows.append((label, batch, replay, predict, compiled, onnx, onnx_note))
            print(f"{label} batch {batch}: replay {replay*1e3:.3f} ms", file=sys.stderr)

    ms = lambda s: f"{s*1e3:.3f}"
    print("| model | batch | keras-replay ms | model.predict ms | tf.function ms | onnxruntime ms | predict / replay | tf.function / replay | onnxruntime / replay |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, batch, replay, predict, compiled, onnx, note in rows:
        onnx_text = ms(onnx) if onnx is not None else note
        onnx_ratio = f"{onnx/replay:.2f}×" if onnx is not None else "–"
        print(f"| {label} | {batch} | {ms(replay)} | {ms(predict)} | {ms(compiled)} | {onnx_text} | {predict/replay:.0f}× | {compiled/replay:.2f}× | {onnx_ratio} |")


if __name__ == "__main__":
    main()
