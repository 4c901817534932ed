"""`python -m training <preset> [--epochs N] [--out DIR]`: run a preset's recipe."""

import argparse
import importlib
import sys

from training import RECIPES


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m training",
        description="Train a preset with its recipe and write its folder (default exports/<preset>/).",
        epilog="example: ZOO_DATA_DIR=../shared/data python -m training vae_mnist",
    )
    parser.add_argument("preset", choices=sorted(RECIPES))
    parser.add_argument("--out", help="folder to write (default: exports/<preset>)")
    parser.add_argument("--epochs", type=int, help="override the recipe's epochs (a quick check, not the preset)")
    parser.add_argument("--data-dir", help="folder of the raw data sets (default: $ZOO_DATA_DIR)")
    parser.add_argument("--resume", action="store_true",
                        help="continue from the last checkpoint in runs/<preset>.checkpoints (a finished "
                             "run goes straight to measuring and packaging)")
    args = parser.parse_args(argv)
    recipe = importlib.import_module(RECIPES[args.preset])
    # A module may hold the recipes of several presets; it is told which one.
    shared = {"preset": args.preset} if getattr(recipe, "PRESET", None) is None else {}
    recipe.run(out=args.out, epochs=args.epochs, data_dir=args.data_dir, resume=args.resume, **shared)


if __name__ == "__main__":
    sys.exit(main())
