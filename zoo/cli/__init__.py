"""The `zoo` command: list, inspect, sample, reconstruct, train, fine-tune, export and measure models,
and the uses of autoencoders (latent maps, few-label probes, outliers, denoising, face swap), of GANs
(a real-or-fake quiz) and of translation models (translate an image or a folder).

Each command parses its arguments, calls one function of `zoo.uses` (or of
the registry), and prints what it returns. The commands live by group:

- `catalogue`: list, info (answered without TensorFlow);
- `images`: sample, reconstruct, traverse, plot-latent, translate, swap, denoise, real-or-fake;
- `train`: train, finetune;
- `measure`: eval, probe, outliers;
- `export`: export.

A command the model cannot serve (`zoo.uses.NotApplicable`) exits naming the
capability the model lacks; any other `ValueError` is printed as an error
and `main` returns 2.
"""

import argparse
import os
import sys

from zoo.cli import catalogue, export, images, measure, train
from zoo.uses import NotApplicable

GROUPS = (catalogue, images, train, measure, export)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="zoo", description="Generative models for Keras 3 / TensorFlow, pretrained and ready to use.",
        epilog="example: zoo sample vae_mnist -n 64 --seed 0 --out grid.png",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name, func, help_text, example):
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=f"example: {example}")
        p.set_defaults(func=func)
        return p

    for group in GROUPS:
        group.register(add)
    return parser


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except NotApplicable as err:
        raise SystemExit(f"zoo: {err}") from None
    except ValueError as err:
        # Bad names, shapes, folders and counts carry messages meant for the user.
        print(f"zoo: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `zoo list | head`: the reader has gone; say nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
