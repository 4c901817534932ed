"""What every recipe does: seed, pick the precision, fit, package the preset folder."""

import tempfile
import time
from pathlib import Path

import numpy as np


def checkpoint_dir(preset):
    """Where a recipe's per-epoch checkpoints go: `runs/<preset>.checkpoints` of the checkout."""
    return Path(__file__).resolve().parent.parent / "runs" / f"{preset}.checkpoints"


def start(preset, epochs=None):
    """Returns (entry, recipe) for a preset with the seed and precision applied."""
    import keras

    from zoo.precision import set_policy
    from zoo.registry import get_preset

    entry = get_preset(preset)
    recipe = dict(entry["recipe"])
    if epochs is not None:
        recipe["epochs"] = int(epochs)
    keras.utils.set_random_seed(recipe["seed"])
    recipe["precision"] = set_policy(recipe.get("precision", "auto"))
    return entry, recipe


def fit(model, train, recipe, validation=None, callbacks=(), checkpoint_dir=None, resume=False, verbose=2):
    """Fits with a NaN guard and optional per-epoch checkpoints; returns (history, wall seconds, steps).

    With `resume`, training continues from the last checkpoint in
    `checkpoint_dir`: the weights, optimizer and seed states are restored,
    and the data stream skips the epochs already done, so that the run ends
    where an uninterrupted one would.
    """
    from zoo.callbacks import Checkpoint, NaNGuard, progress, restore

    guard = NaNGuard()
    extra = [guard, *callbacks]
    done, wall_before = 0, 0.0
    if checkpoint_dir is not None:
        if resume:
            done = restore(model, checkpoint_dir)
            if done:
                print(f"resuming after epoch {done} from {checkpoint_dir}")
                recipe["resumed_after_epoch"] = done
                # None from a checkpoint older than the recorded wall time: then the
                # wall time covers only this process's part (`resumed_after_epoch` says so).
                wall_before = progress(checkpoint_dir)["wall_time_s"] or 0.0
        extra.append(Checkpoint(checkpoint_dir, wall_before=wall_before))
    steps_per_epoch = None
    if checkpoint_dir is not None:
        # One repeated stream, skipping the epochs done: a resumed run then sees
        # the batches an uninterrupted one would (a fresh finite dataset would
        # replay epoch 1's shuffle).
        steps_per_epoch = int(train.cardinality())
        if steps_per_epoch < 0:
            steps_per_epoch = sum(1 for _ in train)
        train = train.repeat().skip(done * steps_per_epoch)
    began = time.time()
    history = model.fit(
        train, epochs=recipe["epochs"], initial_epoch=done, steps_per_epoch=steps_per_epoch,
        validation_data=validation, callbacks=extra, verbose=verbose,
    )
    # A resumed run reports the whole run's time, its earlier parts read from the checkpoint.
    wall = wall_before + time.time() - began
    if guard.failure:
        raise RuntimeError(guard.failure + (f"; the last good checkpoint is in {checkpoint_dir}"
                                            if checkpoint_dir else ""))
    # Counted by the optimizer, so a resumed run reports the whole run's steps.
    return history, wall, int(model.optimizers()[0].iterations)


def print_metrics(metrics):
    """Prints each measured figure on a line, with what it was measured by and on."""
    for name, m in metrics.items():
        print(f"{name:32s} {m['value']:.6g} {m['unit']}  ({m['evaluator']}, {m['split']})")


def package(model, out_dir, entry, recipe, metrics, wall, steps, data_files, images, notes=None, plots=None):
    """Writes the preset folder: weights, config, model.onnx, images, card, metadata.

    Args:
        images: `{filename: (batch in [0, 1], nrow)}` grids to write.
        notes: extra card sections `{heading: markdown}`.
        plots: `{filename: writer(path)}` for other figures (maps, curves).
    """
    from zoo import pretrained
    from zoo.cards import model_card
    from zoo.exporters import export
    from zoo.io import save_grid

    out_dir = Path(out_dir or pretrained.exports_dir() / entry["name"])
    with tempfile.TemporaryDirectory() as scratch:
        main = model.main_function
        parity = export(model, scratch, formats=("onnx",), functions=[main], onnx_names={main: "model.onnx"})
        onnx_bytes = (Path(scratch) / "model.onnx").read_bytes()

    meta = {
        "preset": entry["name"],
        "architecture": entry["arch"],
        "description": entry["description"],
        "dataset": {"name": entry["dataset"], "files_sha256": data_files},
        "recipe": recipe,
        "training": {"steps": int(steps), "wall_time_s": round(wall, 1), "precision": recipe["precision"]},
        "seed": recipe["seed"],
        "metrics": metrics,
        "onnx": {"function": main, "opset": 17, "max_abs_error_vs_keras": parity["onnx"][main]},
        "notes": notes or {},
    }
    extra = {
        "model.onnx": lambda p: p.write_bytes(onnx_bytes),
        **{name: (lambda p, imgs=imgs, nrow=nrow: save_grid(imgs, p, nrow)) for name, (imgs, nrow) in images.items()},
        **(plots or {}),
    }
    # The card is written from the same metadata, checksummed like every other file.
    from zoo.pretrained import hardware, library_versions

    meta["hardware"] = hardware()
    meta["library_versions"] = library_versions()
    extra["MODEL_CARD.md"] = lambda p: p.write_text(model_card(meta, images=[*images, *(plots or {})]))
    written = pretrained.save(model, out_dir, meta, extra=extra)
    print(f"wrote {out_dir}")
    return written


def interleave(a, b, per_row):
    """Rows of `per_row` images of `a`, each followed by the same row of `b`."""
    rows = []
    for i in range(0, len(a), per_row):
        rows += [a[i : i + per_row], b[i : i + per_row]]
    return np.concatenate(rows)


def first_per_class(labels, per_class=1):
    """Indices of the first `per_class` examples of each class, class by class."""
    labels = np.asarray(labels)
    return np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in np.unique(labels)])
