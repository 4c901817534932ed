"""What every recipe does beyond `zoo.trainer.fit` and `zoo.exporters.preset.package`: seed and precision, output helpers."""

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


def print_metrics(metrics):
    """Prints each measured figure on a line, with what it was measured by and on."""
    for name, m in metrics.items():
        print(f"{name:32s} {m['value']:.6g} {m['unit']}  ({m['evaluator']}, {m['split']})")


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
