"""Quality table: every preset x every figure it records, from `exports/*/metadata.json`.

    python benchmarks/quality.py > benchmarks/quality.md
    python benchmarks/quality.py --summary     # one line a preset, kept in benchmarks/README.md

The figures themselves come from `zoo eval <preset> --baselines --record` (or the
preset's recipe); this script only tabulates them, with how each was measured.
"""

import json

from zoo.cards import format_metric
from zoo.pretrained import exported_presets, exports_dir


def summary():
    """One line per preset: its own figures and how many baseline comparisons it wins (as in the README)."""
    from zoo.cards import readme_table

    # Links relative to benchmarks/, where the summary is kept.
    print(readme_table(exports_dir()).replace("](exports/", "](../exports/"))


def main():
    print("Every figure as recorded in the presets' metadata; measured by `zoo eval PRESET --baselines --record` "
          "on the test split. FID (domain) uses the data set's evaluator preset, never Inception; the "
          "`*_inception` figures use the 2015-12-05 FID Inception graph on 1,000 images a side.\n")
    for name in exported_presets():
        meta = json.loads((exports_dir() / name / "metadata.json").read_text())
        hw = meta.get("hardware", {})
        print(f"## {name}\n\nTrained {meta['training']['steps']} steps in {meta['training']['wall_time_s']} s, "
              f"{meta['training']['precision']}, {hw.get('cpu_count')} CPU cores ({hw.get('machine')}).\n")
        print("| figure | value | better | split, n | how |\n|---|---|---|---|---|")
        for key, m in meta["metrics"].items():
            better = "higher" if m["higher_is_better"] else "lower"
            print(f"| {key} | {format_metric(m)} | {better} | {m['split']}, {m['n']} | {m['evaluator']} |")
        print()


if __name__ == "__main__":
    import sys

    summary() if "--summary" in sys.argv[1:] else main()
