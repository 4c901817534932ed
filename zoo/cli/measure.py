"""Commands that measure: eval (a preset's card figures), probe (few labels), outliers (AUROC)."""

import argparse
import sys

from zoo import uses
from zoo.cli.parsing import comma_list


def print_figures(figures, width=34, fmt="<10.6g"):
    for name, m in figures.items():
        print(f"{name:{width}s} {m['value']:{fmt}} [{m['evaluator']}; {m['split']}, n={m['n']}]")


def cmd_eval(args):
    done = uses.measure(args.name, n=args.n, metrics=comma_list(args.metrics), data=args.data,
                        baselines=args.baselines, record=args.record, allow_fewer=args.allow_fewer)
    print_figures(done["figures"])
    if done["recorded"]:
        print(f"recorded in {done['preset']}'s metadata.json and card; run `python -m zoo.cards` for the README")
    elif done["not_recorded"]:
        print(f"zoo: error: not recorded: {done['not_recorded']}", file=sys.stderr)
        return 2
    else:
        print(f"printed only; --record writes them into {done['preset']}'s metadata.json and card")
    return 0


def cmd_probe(args):
    figures = uses.few_label_study(args.name, data=args.data, per_class=args.per_class, seed=args.seed)
    print_figures(figures, fmt=".4f")


def cmd_outliers(args):
    done = uses.outlier_auroc(args.name, args.outliers, inliers=args.inliers)
    print(f"AUROC {done['auroc']:.4f}: score() of {done['n_in']} {done['inliers']} test images (inliers) against "
          f"{done['n_out']} images of {done['outliers']} (outliers)")
    print(f"median score: inliers {done['median_in']:.5g}, outliers {done['median_out']:.5g}")


def register(add):
    p = add("eval", cmd_eval, "Measure a preset on its data set's test split; --record writes the figures",
            "zoo eval vae_mnist --n 10000 --record")
    p.add_argument("name")
    p.add_argument("--n", type=int, default=10000,
                   help="samples for FID (domain), KID, precision/recall; for a translator, at most this many "
                        "test images (a class's, for two domains)")
    p.add_argument("--metrics", help="comma-separated subset, e.g. fid_domain,recon_mse")
    p.add_argument("--data", help="built-in data set (default: the preset's own)")
    p.add_argument("--baselines", action="store_true", help="also measure the classical baselines")
    record = p.add_mutually_exclusive_group()
    record.add_argument("--record", action="store_true",
                        help="write the figures into the preset's metadata.json and card (default: print only); "
                             "with --baselines and no --metrics, they replace the recorded set (a translator's "
                             "are merged)")
    # The old spelling of the default, kept so that scripts using it still run.
    record.add_argument("--no-write", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--allow-fewer", action="store_true",
                   help="with --record: replace recorded figures even with ones measured on fewer samples")

    p = add("probe", cmd_probe, "Few-label classification with a pretrained encoder against from-scratch baselines",
            "zoo probe ae_mnist --per-class 100")
    p.add_argument("name")
    p.add_argument("--data", help="built-in labelled data set (default: the preset's own)")
    p.add_argument("--per-class", type=int, default=100, help="labels per class (default 100)")
    p.add_argument("--seed", type=int, default=0)

    p = add("outliers", cmd_outliers, "AUROC of a model's score() for telling outliers from its own test set",
            "zoo outliers ae_mnist --outliers fashion_mnist")
    p.add_argument("name")
    p.add_argument("--outliers", required=True, help="built-in data set or image folder of outliers")
    p.add_argument("--inliers", help="built-in data set of inliers (default: the preset's own)")
