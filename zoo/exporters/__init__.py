"""Exports for deployment: a TensorFlow SavedModel and ONNX files, each parity-checked.

Every export comes from a float32 rebuild of the model (`float32_clone`):
ONNX Runtime refuses bfloat16 graphs, and a deployed model should not depend
on the policy it was trained under. Each exported function is then loaded back
(`tf.saved_model.load`, `onnxruntime`) and run on fixed inputs beside the Keras
function; the largest absolute difference is printed, recorded in
`parity.json`, and above `atol` is an error.
"""

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from zoo.io import atomic_dir, write_json

FORMATS = ("saved_model", "onnx")
ONNX_OPSET = 17


class ExportParityError(RuntimeError):
    """An export's outputs differ from the Keras model's by more than the tolerance."""


def example_inputs(specs, batch=4, seed=1234, classes=10):
    """Fixed inputs for a function's input signature, by the names of its specs.

    Integer batches (labels, identities) are drawn from [0, classes): an
    out-of-range label one-hot encodes to zeros and would test nothing.
    """
    rng = np.random.default_rng(seed)
    values = []
    for spec in specs:
        shape = [batch if d is None else d for d in spec.shape]
        name = spec.name or ""
        if spec.dtype.is_integer:
            if not shape:
                values.append(np.array(batch if name == "n" else 7, spec.dtype.as_numpy_dtype))
            else:
                values.append(rng.integers(0, classes, size=shape).astype(spec.dtype.as_numpy_dtype))
        elif name == "images":
            values.append(rng.uniform(0, 1, size=shape).astype(np.float32))
        else:
            values.append(rng.standard_normal(size=shape).astype(np.float32))
    return values


def exportable_module(model, functions):
    """A tf.Module that tracks the model's variables and holds one tf.function per inference function.

    The module tracks variables, not the Keras model: saving a Keras model also
    traces its `call` for a default signature, which some models cannot do from
    images alone.
    """
    import tensorflow as tf

    module = tf.Module()
    module.model_variables = list(model.variables)
    for name, (fn, specs) in functions.items():
        setattr(module, name, tf.function(fn, input_signature=specs, autograph=False))
    return module


def _signatures(module, functions):
    return {name: getattr(module, name).get_concrete_function() for name in functions}


def _as_dict(outputs):
    import tensorflow as tf

    if isinstance(outputs, dict):
        return {k: np.asarray(v) for k, v in outputs.items()}
    if isinstance(outputs, (list, tuple)):
        return {f"output_{i}": np.asarray(v) for i, v in enumerate(outputs)}
    return {"output_0": np.asarray(outputs if not isinstance(outputs, tf.Tensor) else outputs.numpy())}


def _max_error(reference, got):
    ref = list(_as_dict(reference).values())
    out = list(got.values()) if isinstance(got, dict) else list(_as_dict(got).values())
    if len(ref) != len(out):
        raise ExportParityError(f"export returned {len(out)} outputs, Keras {len(ref)}")
    return max(float(np.max(np.abs(np.asarray(r, np.float64) - np.asarray(o, np.float64)))) for r, o in zip(ref, out))


def tf_saved_model_save(module, functions, path):
    import tensorflow as tf

    tf.saved_model.save(module, str(path), signatures=_signatures(module, functions))
    return Path(path)


def export_onnx(fn, specs, path):
    import tensorflow as tf
    import tf2onnx

    tf2onnx.convert.from_function(
        tf.function(fn, input_signature=specs, autograph=False),
        input_signature=specs,
        opset=ONNX_OPSET,
        output_path=str(path),
    )
    return Path(path)


def check_saved_model(path, functions, reference, classes=10):
    import tensorflow as tf

    loaded = tf.saved_model.load(str(path))  # keep a reference while its functions run
    errors = {}
    for name, (_, specs) in functions.items():
        inputs = example_inputs(specs, classes=classes)
        fn = loaded.signatures[name]
        got = fn(**{spec.name: tf.constant(v) for spec, v in zip(specs, inputs)})
        # Signatures return a dict keyed output_0, output_1, ... in order.
        got = {k: got[k].numpy() for k in sorted(got, key=lambda s: int(s.rsplit("_", 1)[-1]))}
        errors[name] = _max_error(reference[name], got)
    return errors


def check_onnx(path, specs, reference, classes=10):
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    inputs = example_inputs(specs, classes=classes)
    feeds = {inp.name: v for inp, v in zip(session.get_inputs(), inputs)}
    return _max_error(reference, session.run(None, feeds))


def export(model, out_dir, formats=FORMATS, functions=None, onnx_names=None, atol=1e-4, verbose=True):
    """Exports `model` and checks each export against the Keras model.

    Args:
        model: a built zoo model.
        out_dir: folder to write: `saved_model/` (signatures named after the
            model's inference functions, e.g. `sample`, `encode`, `decode`) and
            one `<function>.onnx` per function ONNX can express (random
            sampling is left to the SavedModel), plus `parity.json`.
        formats: any of `("saved_model", "onnx")`.
        functions: optional subset of the model's inference function names.
        onnx_names: optional `{function: filename}` for the ONNX files.
        atol: largest allowed absolute difference from Keras.
        verbose: print each parity error.

    Returns:
        `{"saved_model": {fn: err}, "onnx": {fn: err}}`, also in `parity.json`.

    Raises:
        ExportParityError: an export differs from Keras by more than `atol`.

    Example:
        >>> zoo.export(zoo.load("vae_mnist"), "exported/")
        {'saved_model': {'encode': 0.0, ...}, 'onnx': {'decode': 2.4e-07, ...}}
    """
    from zoo.precision import float32_clone

    formats = tuple(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ValueError(f"formats must be a non-empty subset of {FORMATS}, got {formats}")
    clone = float32_clone(model)
    available = clone.inference_functions()
    if not available:
        raise ValueError(f"{type(model).__name__} has no inference functions to export")
    names = list(functions or available)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ValueError(f"unknown functions {unknown}; {type(model).__name__} has {sorted(available)}")
    chosen = {n: available[n] for n in names}
    classes = getattr(clone, "identities", None) or getattr(clone, "num_classes", None) or 10
    reference = {n: fn(*[_constant(v) for v in example_inputs(specs, classes=classes)])
                 for n, (fn, specs) in chosen.items()}

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Everything is written and checked in a scratch folder first, then moved
    # into place: a failed check or a kill leaves the previous export as it was.
    with tempfile.TemporaryDirectory(prefix=".export.", dir=out_dir) as scratch:
        scratch = Path(scratch)
        report, written = {}, []
        if "saved_model" in formats:
            module = exportable_module(clone, chosen)
            tf_saved_model_save(module, chosen, scratch / "saved_model")
            report["saved_model"] = check_saved_model(scratch / "saved_model", chosen, reference, classes)
            written.append("saved_model")
        if "onnx" in formats:
            report["onnx"] = {}
            for name, (fn, specs) in chosen.items():
                if name in getattr(clone, "onnx_excluded", ("sample",)):
                    continue
                filename = (onnx_names or {}).get(name, f"{name}.onnx")
                export_onnx(fn, specs, scratch / filename)
                report["onnx"][name] = check_onnx(scratch / filename, specs, reference[name], classes)
                written.append(filename)
        for fmt, errors in report.items():
            for name, err in errors.items():
                if verbose:
                    print(f"{fmt:12s} {name:12s} max abs error vs Keras: {err:.3g}")
        worst = [(fmt, n, e) for fmt, errs in report.items() for n, e in errs.items() if not e <= atol]
        if worst:
            raise ExportParityError(f"exports differ from Keras by more than {atol}: {worst}")
        write_json(scratch / "parity.json", {"atol": atol, "max_abs_error": report})
        for name in [*written, "parity.json"]:
            _move_into_place(scratch / name, out_dir / name)
    return report


def _move_into_place(src, dst):
    if src.is_dir():
        with atomic_dir(dst) as tmp:
            os.rmdir(tmp)
            os.replace(src, tmp)
    else:
        os.replace(src, dst)


def _constant(v):
    import tensorflow as tf

    return tf.constant(v)
