"""Speed table: training throughput per architecture and precision, inference latency per runtime.

    python benchmarks/speed.py > benchmarks/speed.md

Training: images/s of `fit` at batch 128 on random images of each preset's
shape, after a warm-up, under float32 and mixed_bfloat16; the best of 3 timed
epochs, because on these machines the same epoch sometimes takes exactly twice
as long (the 2 cores are a CPU quota, and a throttled run is halved). Inference: median
latency of the model's main function at batch 1 and 64 for Keras (`predict_on_batch`
of the tf.function), the SavedModel and ONNX Runtime.
"""

import os
import platform
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import zoo  # noqa: E402
from zoo.exporters import example_inputs, export  # noqa: E402
from zoo.precision import policy_scope  # noqa: E402
from zoo.registry import presets  # noqa: E402

BATCH, STEPS, REPEATS = 128, 30, 3


def training_rate(entry, precision):
    with policy_scope(precision):
        model = zoo.create(entry["arch"], **entry["config"])
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        x = np.random.default_rng(0).uniform(0, 1, (BATCH * STEPS, *model.image_shape)).astype("float32")
        data = (x, np.arange(len(x)) % 10) if model.needs_labels else x
        ds = tf.data.Dataset.from_tensor_slices(data).batch(BATCH).cache()
        model.fit(ds.take(3), epochs=1, verbose=0)
        best = float("inf")
        for _ in range(REPEATS):
            began = time.perf_counter()
            model.fit(ds, epochs=1, verbose=0)
            best = min(best, time.perf_counter() - began)
        return len(x) / best


def median_ms(fn, repeats=20):
    fn()
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return 1000 * float(np.median(times))


def latencies(entry):
    import onnxruntime as ort

    model = zoo.create(entry["arch"], **entry["config"])
    name = model.main_function
    fn, specs = model.inference_functions()[name]
    compiled = tf.function(fn, input_signature=specs)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        export(model, tmp, functions=[name], verbose=False)
        saved = tf.saved_model.load(os.path.join(tmp, "saved_model"))
        session = ort.InferenceSession(os.path.join(tmp, f"{name}.onnx"), providers=["CPUExecutionProvider"])
        for batch in (1, 64):
            inputs = example_inputs(specs, batch=batch)
            feeds = {i.name: v for i, v in zip(session.get_inputs(), inputs)}
            tensors = [tf.constant(v) for v in inputs]
            out[batch] = {
                "keras": median_ms(lambda: compiled(*tensors)),
                "saved_model": median_ms(lambda: getattr(saved, name)(*tensors)),
                "onnxruntime": median_ms(lambda: session.run(None, feeds)),
            }
    return name, out


def main():
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, no GPU; TensorFlow {tf.__version__}, "
          f"Keras {keras.__version__}. Command: `python benchmarks/speed.py`.\n")
    print(f"## Training throughput (images/s, batch {BATCH}, best of {REPEATS} epochs of {STEPS} steps after "
          "warm-up)\n")
    print("| preset shape | float32 | mixed_bfloat16 | bf16 / f32 |\n|---|---|---|---|")
    entries = {e["arch"]: e for e in presets().values()}
    for arch, entry in sorted(entries.items()):
        if not getattr(zoo.registry.get_architecture(arch), "trains_by_gradient", True):
            continue  # fitted in closed form (pca, gmm, kde): no training steps to time
        f32 = training_rate(entry, "float32")
        bf16 = training_rate(entry, "mixed_bfloat16")
        print(f"| {arch} ({entry['name']}) | {f32:.0f} | {bf16:.0f} | {bf16 / f32:.2f} |", flush=True)
    print("\n## Inference latency (ms, median of 20)\n")
    print("| preset | function | batch | Keras (tf.function) | SavedModel | ONNX Runtime |\n|---|---|---|---|---|---|")
    for arch, entry in sorted(entries.items()):
        name, table = latencies(entry)
        for batch, row in table.items():
            print(f"| {entry['name']} | {name} | {batch} | {row['keras']:.2f} | {row['saved_model']:.2f} "
                  f"| {row['onnxruntime']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
