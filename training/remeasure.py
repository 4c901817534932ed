"""Measure committed presets again with today's instruments: `python -m training.remeasure [PRESET ...]`.

When the instruments or the baselines change (the baselines chosen by held-out
likelihood, scikit-learn's estimators), every card must be measured again
without retraining its model. For each preset this loads it, measures what its
capabilities call for (`zoo.metrics.evaluate.card_figures`, with the same
sample counts and seeds as its recipe), and merges the figures into its
metadata: a figure measured again replaces the old one (never with fewer
samples), a figure no longer measured by the shared instruments (a recipe's own,
such as a compression curve) is kept. The card is rewritten from the metadata,
with a note saying when and how it was re-measured. The classical baselines'
own presets (`pca_*`, `gmm_*`, `kde_*`) are refitted by their recipes instead,
and the evaluators have no baselines to re-measure.

Then `python -m zoo.cards` regenerates the README's table.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

REFITTED = ("pca_", "gmm_", "kde_")
SKIPPED = ("evaluator_", "swap_ae_")
HEADING = "Re-measured"


def commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parent).stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def remeasure(preset, data_dir=None):
    """Re-measures one preset's card figures; returns `(changed, kept)`: the figures whose value changed, and
    the recipe's own figures kept as they were."""
    import zoo
    from zoo.capabilities import Sampler
    from zoo.metrics.evaluate import card_figures
    from zoo.pretrained import update_metrics

    model = zoo.load(preset)
    meta = model.preset_metadata
    old = meta.get("metrics", {})
    dataset = meta["dataset"]["name"]
    own = [name for name, m in old.items() if not m.get("baseline")]
    n = next((m["n"] for name, m in old.items() if name == "fid_domain"), 10000)
    began = time.time()
    # A sampler's own figures are those its card has (a recipe may have measured a subset); an
    # autoencoder's card is its whole set of figures, baselines included.
    fresh = card_figures(model, dataset, n=n, metrics=own if isinstance(model, Sampler) else None,
                         data_dir=data_dir)
    merged = {**old, **fresh}
    changed = sorted(name for name in fresh if name in old and fresh[name]["value"] != old[name]["value"])
    kept = sorted(set(old) - set(fresh))
    note = (f"Figures measured again at commit {commit()} with the zoo's shared instruments "
            f"(`python -m training.remeasure {preset}`, {time.time() - began:.0f} s), without retraining: "
            "the classical baselines are now scikit-learn's estimators with their sizes chosen by held-out "
            "likelihood (see each baseline figure's description). "
            + (f"Changed: {', '.join(f'`{c}`' for c in changed)}. " if changed else "No figure changed. ")
            + (f"Kept from the recipe's own measurements: {', '.join(f'`{k}`' for k in kept)}." if kept else ""))
    update_metrics(preset, merged, replace=True, notes={HEADING: note})
    return changed, kept


def main(argv=None):
    from zoo.registry import exported_presets

    parser = argparse.ArgumentParser(prog="python -m training.remeasure", description=__doc__.split("\n")[0])
    parser.add_argument("presets", nargs="*", help="presets to re-measure (default: every committed one that "
                                                   "has baselines and is not itself a baseline)")
    parser.add_argument("--data-dir", help="folder of the raw data sets (default: $ZOO_DATA_DIR)")
    args = parser.parse_args(argv)
    names = args.presets or [p for p in exported_presets() if not p.startswith(REFITTED + SKIPPED)]
    for name in names:
        if name.startswith(REFITTED):
            raise SystemExit(f"{name} is a classical baseline: refit it with `python -m training {name}`")
        changed, kept = remeasure(name, data_dir=args.data_dir)
        print(f"{name}: changed {changed or 'nothing'}; kept {kept or 'nothing'}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
