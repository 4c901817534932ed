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
    onnx_names = [inp.name for inp in session.get_inputs()]
    names = [spec.name for spec in specs]
    # By name where the function names its inputs (tf2onnx keeps the specs' names), so a graph whose
    # inputs come in another order is fed what each input means; by position otherwise.
    if all(names) and sorted(names) == sorted(onnx_names):
        feeds = dict(zip(names, inputs))
    elif len(onnx_names) == len(inputs) and not all(names):
        feeds = dict(zip(onnx_names, inputs))
    else:
        raise ExportParityError(f"{path} takes inputs {onnx_names}; the function's are {names}")
    return _max_error(reference, session.run(None, feeds))


PARITY_FILE = "parity.json"


def check_out_dir(out_dir):
    """Refuses an output folder the export would spoil: a preset folder, or a non-empty folder it did not write.

    An earlier export's folder (its `parity.json` and the files that lists, or
    for an older export its `saved_model/` and `*.onnx`) may be written over;
    a folder that does not exist yet, or is empty, is fine.

    Raises:
        ValueError: naming the folder and what it found there.
    """
    out_dir = Path(out_dir)
    if not out_dir.exists():
        return out_dir
    if not out_dir.is_dir():
        raise ValueError(f"export folder {out_dir} is a file, not a folder")
    # Hidden names are the export's own scratch and staging folders (`.export.*`, atomic renames).
    found = sorted(p.name for p in out_dir.iterdir() if not p.name.startswith("."))
    if not found:
        return out_dir
    if "metadata.json" in found:
        suggestion = out_dir.parent / f"{out_dir.name}_export"
        raise ValueError(f"{out_dir} is a preset folder (it has metadata.json): an export would write its files "
                         f"among the preset's; export to a new folder, e.g. {suggestion}")
    if PARITY_FILE not in found:
        raise ValueError(f"{out_dir} is not empty and holds no earlier export (no {PARITY_FILE}); it has "
                         f"{_listing(found)}: export to a new or empty folder")
    ours = set(earlier_export_files(out_dir))
    others = [name for name in found if name != PARITY_FILE and name not in ours]
    if others:
        raise ValueError(f"{out_dir} holds an earlier export and files it did not write: {_listing(others)}; "
                         "export to a new or empty folder")
    return out_dir


def earlier_export_files(out_dir):
    """The files of an earlier export in `out_dir` that are still there: those its parity.json lists
    (an export from before it listed them: `saved_model` and `*.onnx`)."""
    out_dir = Path(out_dir)
    try:
        listed = json.loads((out_dir / PARITY_FILE).read_text()).get("files")
    except (OSError, ValueError, AttributeError):
        listed = None
    if isinstance(listed, list):
        return sorted(str(name) for name in listed if (out_dir / str(name)).exists())
    if not (out_dir / PARITY_FILE).is_file():
        return []
    return sorted(p.name for p in out_dir.iterdir() if p.name == "saved_model" or p.name.endswith(".onnx"))


def _listing(names, most=5):
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def label_range(model):
    """How many values the integer batch inputs of a model's functions take: its classes or identities.

    Example inputs draw labels from [0, label_range): an out-of-range label
    one-hot encodes to zeros and would test nothing. None for a model without labels.
    """
    from zoo.capabilities import Conditional, Swapper

    if isinstance(model, Conditional):
        return model.num_classes
    if isinstance(model, Swapper):
        return model.identities
    return None


def export(model, out_dir, formats=FORMATS, functions=None, onnx_names=None, atol=None, verbose=True):
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
        atol: largest allowed absolute difference from Keras (default: the model's `export_atol`).
        verbose: print each parity error.

    Returns:
        `{"saved_model": {fn: err}, "onnx": {fn: err}}`, also in `parity.json`
        (which lists the files the export wrote).

    Raises:
        ExportParityError: an export differs from Keras by more than `atol`.
        ValueError: bad formats or functions, or `out_dir` is a preset folder
            or a non-empty folder this export did not write (`check_out_dir`).

    Example:
        >>> zoo.export(zoo.load("vae_mnist"), "exported/")
        {'saved_model': {'encode': 0.0, ...}, 'onnx': {'decode': 2.4e-07, ...}}
    """
    from zoo.precision import float32_clone

    atol = model.export_atol if atol is None else atol
    formats = tuple(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ValueError(f"formats must be a non-empty subset of {FORMATS}, got {formats}")
    out_dir = check_out_dir(out_dir)
    clone = float32_clone(model)
    available = clone.inference_functions()
    if not available:
        raise ValueError(f"{type(model).__name__} has no inference functions to export")
    names = list(functions or available)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ValueError(f"unknown functions {unknown}; {type(model).__name__} has {sorted(available)}")
    chosen = {n: available[n] for n in names}
    classes = label_range(clone) or 10
    reference = {n: fn(*[_constant(v) for v in example_inputs(specs, classes=classes)])
                 for n, (fn, specs) in chosen.items()}

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
                if name in clone.onnx_excluded:
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
        # The files of the folder's export: this one's, and an earlier one's it leaves in place.
        files = sorted({*written, *earlier_export_files(out_dir)})
        write_json(scratch / PARITY_FILE, {"atol": atol, "max_abs_error": report, "files": files})
        for name in [*written, PARITY_FILE]:
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
