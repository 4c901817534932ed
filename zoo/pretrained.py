"""Finding, verifying, loading and writing preset folders.

A preset folder (`exports/<preset>/`, or any folder `zoo finetune` wrote) holds
`config.json`, `model.weights.h5`, `metadata.json`, `model.onnx`,
`samples.png` and `MODEL_CARD.md`. `metadata.json` lists the sha256 of every
other file; loading checks them all before anything is deserialized, then
deserializes the config in Keras' safe mode (no `Lambda`, no unknown classes).
"""

import contextlib
import copy
import json
import os
import platform
import re
from pathlib import Path

from zoo.cards import model_card
from zoo.io import atomic_dir, save_grid, sha256, write_json
from zoo.registry import PresetError, exported_presets, exports_dir, get_architecture, resolve  # noqa: F401

REQUIRED = ("config.json", "model.weights.h5")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def read_metadata(folder):
    path = Path(folder) / "metadata.json"
    try:
        meta = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise PresetError(f"{path} is unreadable or not JSON: {err}") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("files"), dict):
        raise PresetError(f"{path} has no 'files' table of sha256 checksums")
    return meta


def verify(folder):
    """Checks every file listed in a preset's metadata against its sha256.

    Raises:
        PresetError: a listed file is missing, changed or named outside the
            folder, or a required file is not listed.
    """
    folder = Path(folder)
    meta = read_metadata(folder)
    files = meta["files"]
    for required in REQUIRED:
        if required not in files:
            raise PresetError(f"{folder}/metadata.json lists no checksum for {required}")
    for name, digest in files.items():
        # Only plain names: a path could point outside the preset folder.
        if not _SAFE_NAME.match(name) or name in (".", ".."):
            raise PresetError(f"{folder}/metadata.json names {name!r}, which is not a file inside the folder")
        path = folder / name
        if not path.is_file():
            raise PresetError(f"{path} is missing (listed in metadata.json)")
        actual = sha256(path)
        if actual != digest:
            raise PresetError(
                f"{path} does not match its checksum in metadata.json "
                f"(expected {digest[:12]}..., got {actual[:12]}...): the file was changed or truncated"
            )
    return meta


def load(name_or_path, precision=None, compile=False, overrides=None):
    """Loads a trained model from a preset name or folder, verified and in safe mode.

    Args:
        name_or_path: a preset name (`zoo.list_models(pretrained=True)`) or a
            folder written by `zoo finetune` / `zoo train`.
        precision: optional dtype policy to build the model under (default:
            the current global policy).
        compile: also compile with the preset's recipe optimizer, for fine-tuning.
        overrides: optional architecture arguments that replace the preset's own
            (arguments that add no weights, such as a GAN's `augment` policy
            for fine-tuning on few images); the model's config records them.

    Returns:
        The built model with its trained weights; `model.preset_metadata` holds
        the metadata.

    Example:
        >>> vae = zoo.load("vae_mnist")
        >>> vae.sample(4, seed=0).shape
        (4, 28, 28, 1)
    """
    import keras

    from zoo.precision import policy_scope

    folder = resolve(name_or_path)
    meta = verify(folder)
    # Imports the architecture's module, which registers its class with Keras.
    cls = get_architecture(meta.get("architecture"))
    try:
        config = json.loads((folder / "config.json").read_text())
    except json.JSONDecodeError as err:
        raise PresetError(f"{folder / 'config.json'} is not JSON: {err}") from None
    if not isinstance(config, dict) or config.get("module") != "zoo" and not str(
        config.get("registered_name", "")
    ).startswith("zoo>"):
        raise PresetError(f"{folder / 'config.json'} does not describe a zoo model")
    if overrides:
        recorded = config.get("config") if isinstance(config.get("config"), dict) else {}
        unknown = sorted(set(overrides) - constructor_arguments(cls))
        if unknown:
            raise ValueError(f"overrides {unknown} are not arguments of {meta.get('architecture')}; "
                             f"its preset sets {sorted(recorded)}")
        config = {**config, "config": {**recorded, **overrides}}
    scope = policy_scope(precision) if precision else contextlib.nullcontext()
    with scope:
        try:
            model = keras.saving.deserialize_keras_object(config, safe_mode=True)
        except Exception as err:  # unknown classes, Lambda layers, bad arguments
            raise PresetError(f"{folder / 'config.json'} was refused in safe mode: {err}") from None
        model.build_all()
        model.load_weights(folder / "model.weights.h5")
    model.preset_metadata = meta
    model.preset_folder = folder
    if compile:
        compile_for_finetuning(model, meta)
    return model


def constructor_arguments(cls):
    """Names of the arguments `cls(...)` takes, its parents' included where a constructor passes `**kwargs` on."""
    import inspect

    names = set()
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        parameters = inspect.signature(klass.__init__).parameters
        names |= {n for n, p in list(parameters.items())[1:]
                  if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)}
        if not any(p.kind == inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
            break
    return names


def compile_for_finetuning(model, meta, learning_rate=None):
    """Compiles a loaded preset for further training; returns the learning rate.

    A preset that ships optimizer state (`OPTIMIZER_FILE`: a GAN's
    discriminator's) is compiled with its recipe's optimizers and gets that
    state back, so training continues the game where it stopped;
    `learning_rate` then replaces every player's rate, a rate schedule's too
    (without it, a schedule goes on from the shipped step count: CycleGAN's
    recipe ships its count at 0, so fine-tuning replays hold-then-decay).
    Any other preset gets Adam at `learning_rate`, else its recipe's.
    """
    folder = getattr(model, "preset_folder", None)
    if OPTIMIZER_FILE in meta.get("files", {}) and folder is not None:
        # From the file: deserialising an optimizer turns its config's schedule into an object in place, so
        # the metadata held in memory may no longer be plain data, and each compile gets a fresh copy.
        shipped = read_metadata(folder)["compile_config"]
        model.compile_from_config(copy.deepcopy(shipped))
        model.build_all()
        load_optimizer_state(model, Path(folder) / OPTIMIZER_FILE)
        if learning_rate:
            # The state as shipped, moved into optimizers at the new rate. A constant rate is itself a
            # variable of the optimizer and a schedule is not, so the state is everything else.
            states = [[v.numpy() for v in state_variables(o)] for o in model.optimizers()]
            model.compile_from_config(constant_rates(shipped, learning_rate))
            model.build_all()
            for optimizer, state in zip(model.optimizers(), states):
                for variable, value in zip(state_variables(optimizer), state, strict=True):
                    variable.assign(value)
        return float(model.optimizers()[0].learning_rate)
    lr = learning_rate or meta.get("recipe", {}).get("learning_rate", 1e-3)
    model.compile(optimizer=model.default_optimizer(lr))
    model.build_all()
    return lr


def constant_rates(config, learning_rate):
    """Serialised optimizers (a copy) with each learning rate, a schedule (stored as a dict) or a
    constant, set to the constant `learning_rate`."""
    out = {}
    for key, value in config.items():
        if key == "learning_rate":
            value = float(learning_rate)
        elif isinstance(value, dict):
            value = constant_rates(value, learning_rate)
        out[key] = value
    return out


# The optimizers a model names in `shipped_optimizers` (a GAN's discriminator's)
# ship with its preset, so that fine-tuning resumes the game instead of
# restarting it against a discriminator whose Adam moments start from zero.
OPTIMIZER_FILE = "optimizers.h5"


def _inner(optimizer):
    # Under mixed_float16 an optimizer is wrapped for loss scaling; the state
    # that matters (iterations, moments) is the wrapped one's, whatever the
    # policy it is loaded under.
    import keras

    return optimizer.inner_optimizer if isinstance(optimizer, keras.optimizers.LossScaleOptimizer) else optimizer


def state_variables(optimizer):
    """An optimizer's variables but its learning rate: the step count and the slots, in order."""
    return [v for v in _inner(optimizer).variables if not v.path.endswith("/learning_rate")]


def save_optimizer_state(model, path):
    """Writes the shipped optimizers' variables, in order, to an HDF5 file (one group each)."""
    import h5py

    with h5py.File(path, "w") as f:
        for name in model.shipped_optimizers:
            group = f.create_group(name)
            for i, variable in enumerate(_inner(getattr(model, name)).variables):
                group.create_dataset(f"{i:05d}", data=variable.numpy())


def load_optimizer_state(model, path):
    """Assigns the optimizers' variables from `save_optimizer_state`'s file, or raises PresetError."""
    import h5py

    with h5py.File(path, "r") as f:
        for name in model.shipped_optimizers:
            variables = _inner(getattr(model, name)).variables
            stored = f.get(name)
            if stored is None or len(stored) != len(variables):
                raise PresetError(f"{path} holds no state for {name} with {len(variables)} variables")
            for i, variable in enumerate(variables):
                value = stored[f"{i:05d}"][()]
                if tuple(value.shape) != tuple(variable.shape):
                    raise PresetError(f"{path}: {name} variable {i} has shape {value.shape}, "
                                      f"the model's {tuple(variable.shape)}")
                variable.assign(value)


def library_versions():
    import keras
    import numpy
    import tensorflow as tf

    versions = {"python": platform.python_version(), "tensorflow": tf.__version__,
                "keras": keras.__version__, "numpy": numpy.__version__}
    for name in ("tensorflow_datasets", "onnx", "tf2onnx", "onnxruntime"):
        try:
            versions[name] = __import__(name).__version__
        except Exception:  # optional at load time
            pass
    return versions


def hardware():
    return {"machine": platform.machine(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "system": platform.system()}


def save(model, out_dir, metadata, extra=None):
    """Writes a preset folder atomically: config, weights, extra files, then metadata with checksums.

    Args:
        model: a built zoo model.
        out_dir: the folder to (re)write; its previous version stays intact
            until the new one is complete.
        metadata: a dict merged into metadata.json.
        extra: optional `{filename: writer}` where `writer(path)` writes the file.

    Returns:
        The metadata written.
    """
    import keras

    from zoo.capabilities import capabilities as capabilities_of
    from zoo.precision import float32_clone

    # An uncompiled float32 rebuild: the config carries no optimizer, and the
    # weights file no optimizer slots (Adam's two moments would triple it).
    clone = float32_clone(model)
    with atomic_dir(out_dir) as tmp:
        (tmp / "config.json").write_text(
            json.dumps(keras.saving.serialize_keras_object(clone), indent=2, sort_keys=True) + "\n"
        )
        clone.save_weights(tmp / "model.weights.h5")
        meta = dict(metadata)
        if model.shipped_optimizers and model.optimizers():
            save_optimizer_state(model, tmp / OPTIMIZER_FILE)
            meta["compile_config"] = model.get_compile_config()
        for name, writer in (extra or {}).items():
            writer(tmp / name)
        files = {p.name: sha256(p) for p in sorted(tmp.iterdir()) if p.name != "metadata.json"}
        meta["files"] = files
        meta.setdefault("architecture", model.arch)
        # What the model can do, for readers without TensorFlow (the card's usage lines).
        meta["capabilities"] = capabilities_of(model)
        meta.setdefault("library_versions", library_versions())
        meta.setdefault("hardware", hardware())
        write_json(tmp / "metadata.json", meta)
    return meta


class FewerSamplesError(ValueError):
    """A recorded figure would be replaced by one measured on fewer samples."""


def check_not_fewer(recorded, metrics):
    """Raises FewerSamplesError if a figure of `metrics` was measured on fewer samples than its recorded one."""
    fewer = []
    for name, new in metrics.items():
        old = recorded.get(name)
        if not isinstance(old, dict) or not isinstance(new, dict):
            continue
        n_old, n_new = old.get("n"), new.get("n")
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (n_old, n_new))
        if numbers and n_new < n_old:
            fewer.append(f"{name} (recorded n={n_old:,}, new n={n_new:,})")
    if fewer:
        raise FewerSamplesError(
            f"refusing to replace recorded figures with ones measured on fewer samples: {'; '.join(fewer)}. "
            "Measure with at least the recorded n, or pass allow_fewer=True (`zoo eval --allow-fewer`) "
            "to replace them anyway")


def update_metrics(name_or_path, metrics, replace=False, notes=None, images=None, allow_fewer=False):
    """Merges measured figures into a preset's metadata and rewrites its card, atomically.

    The folder is verified first, rebuilt beside itself with the new
    `metadata.json` and `MODEL_CARD.md`, and swapped in whole, so its files and
    checksums always agree. A recorded figure is never quietly downgraded: one
    measured on fewer samples (a smaller `n`) than the figure it would
    replace is refused, unless `allow_fewer`.

    Args:
        replace: drop the figures not in `metrics` (a full re-measure).
        allow_fewer: replace figures with ones measured on fewer samples.
        notes: card sections `{heading: markdown}` to add or replace (the
            recipe's own, when it learns to say more about its figures).
        images: grids `{filename.png: (batch in [0, 1], nrow)}` to add or
            replace; the card shows them with the others.

    Returns:
        The new metadata.

    Raises:
        FewerSamplesError: (a ValueError) a figure of `metrics` was measured on
            fewer samples than the recorded one, and not `allow_fewer`; the
            message names each figure and both n's.
    """
    import shutil

    folder = resolve(name_or_path)
    meta = verify(folder)
    if not allow_fewer:
        check_not_fewer(meta.get("metrics", {}), metrics)
    meta["metrics"] = dict(metrics) if replace else {**meta.get("metrics", {}), **metrics}
    meta["notes"] = {**meta.get("notes", {}), **(notes or {})}
    if "note_order" in meta:
        meta["note_order"] += [h for h in notes or {} if h not in meta["note_order"]]
    new_images = dict(images or {})
    for name in new_images:
        if not name.endswith(".png") or "/" in name or name.startswith("."):
            raise ValueError(f"images are named like 'figure.png' (a file of the preset folder), got {name!r}")
    shown = sorted({*(n for n in meta["files"] if n.endswith(".png")), *new_images})
    with atomic_dir(folder) as tmp:
        for name in meta["files"]:
            if name != "MODEL_CARD.md" and name not in new_images:
                shutil.copy2(folder / name, tmp / name)
        for name, (batch, nrow) in new_images.items():
            save_grid(batch, tmp / name, nrow)
        (tmp / "MODEL_CARD.md").write_text(model_card(meta, images=shown))
        meta["files"] = {p.name: sha256(p) for p in sorted(tmp.iterdir()) if p.name != "metadata.json"}
        write_json(tmp / "metadata.json", meta)
    return meta
