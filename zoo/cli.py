"""The `zoo` command: list, inspect, sample, reconstruct, train, fine-tune and export models.

TensorFlow is imported only by the commands that need it, so `zoo list` and
`zoo --help` answer at once.
"""

import argparse
import json
import os
import sys

EXAMPLES = {
    "list": "zoo list '*mnist*' --pretrained",
    "info": "zoo info vae_mnist",
    "sample": "zoo sample vae_mnist -n 64 --seed 0 --out grid.png",
    "reconstruct": "zoo reconstruct vae_mnist --data mnist --out rec.png",
    "train": "zoo train vae --data mnist --epochs 5 --out runs/my_vae --set latent_dim=8",
    "finetune": "zoo finetune vae_mnist --data my_pngs/ --epochs 3 --out ft/",
    "export": "zoo export vae_mnist --out exported/",
    "eval": "zoo eval vae_mnist --n 10000",
}


def _quiet_tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def cmd_list(args):
    from zoo.registry import list_models

    for name in list_models(args.pattern, pretrained=args.pretrained):
        print(name)


def cmd_info(args):
    from zoo.pretrained import read_metadata, resolve
    from zoo.registry import architectures, presets

    if args.name in architectures():
        cls = architectures()[args.name]
        print(f"architecture {args.name}: {cls.__module__}.{cls.__name__}")
        print((cls.__doc__ or "").strip())
        return
    folder = resolve(args.name)
    meta = read_metadata(folder)
    entry = presets().get(meta.get("preset"), {})
    print(f"{meta['preset']}  ({folder})")
    print(f"  {meta.get('description') or entry.get('description', '')}")
    print(f"  architecture {meta['architecture']}, data {meta['dataset']['name']}")
    training = meta.get("training", {})
    print(f"  trained {training.get('steps')} steps in {training.get('wall_time_s')} s ({training.get('precision')})")
    for name, m in meta.get("metrics", {}).items():
        tag = " (baseline)" if m.get("baseline") else ""
        print(f"  {name}{tag}: {m['value']:.6g} {m['unit']}  [{m['evaluator']}; {m['split']}, n={m['n']}]")


def _load(name):
    _quiet_tf()
    import zoo

    return zoo.load(name)


def cmd_sample(args):
    from zoo.io import save_grid

    model = _load(args.name)
    labels = None
    if args.labels:
        labels = [int(v) for v in args.labels.split(",")]
    images = model.sample(args.n, seed=args.seed, labels=labels)
    save_grid(images, args.out)
    print(f"wrote {args.out}: {len(images)} samples of {args.name} (seed {args.seed})")


def _dataset(data, image_shape, batch_size, split="train", take=None, seed=0, data_dir=None):
    import zoo

    if data in zoo.data.BUILTIN:
        return zoo.data.load(data, split=split, batch_size=batch_size, image_shape=image_shape,
                             take=take, seed=seed, data_dir=data_dir)
    if not os.path.exists(data):
        raise SystemExit(f"zoo: --data must be one of {sorted(zoo.data.BUILTIN)} or a folder of images; "
                         f"{data!r} is neither")
    return zoo.data.image_folder(data, image_shape=image_shape, batch_size=batch_size, seed=seed,
                                 with_labels=False, shuffle=split == "train")


def cmd_reconstruct(args):
    import numpy as np

    from zoo.io import save_grid

    model = _load(args.name)
    if not hasattr(model, "reconstruct"):
        raise SystemExit(f"zoo: {args.name} cannot reconstruct images")
    ds = _dataset(args.data, model.image_shape, args.n, split="test", take=args.n)
    batch = next(iter(ds))
    x = np.asarray(batch[0] if isinstance(batch, tuple) else batch)[: args.n]
    rec = model.reconstruct(x)
    per_row = min(len(x), 8)
    rows = []
    for i in range(0, len(x), per_row):
        rows += [x[i:i + per_row], rec[i:i + per_row]]
    save_grid(np.concatenate(rows), args.out, nrow=per_row)
    err = float(np.mean((rec - x) ** 2))
    print(f"wrote {args.out}: rows alternate input / reconstruction; MSE {err:.5f} on these {len(x)} images")


def _parse_settings(pairs):
    config = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise SystemExit(f"zoo: --set takes key=value (a JSON value), got {pair!r}")
        key, value = pair.split("=", 1)
        try:
            config[key] = json.loads(value)
        except json.JSONDecodeError:
            config[key] = value
    return config


def _train_and_package(model, args, entry, recipe):
    import zoo
    from training.common import fit, package
    from zoo.metrics.evaluate import metric

    ds = _dataset(args.data, model.image_shape, args.batch_size, seed=args.seed)
    callbacks = []
    checkpoint_dir = args.checkpoint_dir or f"{os.path.normpath(args.out)}.checkpoints"
    history, wall, steps = fit(model, ds, recipe, callbacks=callbacks, checkpoint_dir=checkpoint_dir,
                               resume=args.resume, verbose=1 if sys.stdout.isatty() else 2)
    final = {k: v[-1] for k, v in history.history.items()}
    seen = steps // max(recipe["epochs"], 1) * args.batch_size
    metrics = {
        f"train_{k}": metric(v, "nats", "train (mean over the final epoch)", seen, "training loss tracker", False)
        for k, v in final.items()
    }
    images = {}
    if hasattr(model, "sample"):
        images["samples.png"] = (model.sample(64, seed=0), 8)
    data_files = {}
    if args.data in zoo.data.BUILTIN:
        data_files = zoo.data.raw_files(args.data)
    written = package(model, args.out, entry, recipe, metrics, wall, steps, data_files, images)
    # The run is complete and packaged: its checkpoints are no longer needed.
    import shutil

    shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return written


def cmd_train(args):
    _quiet_tf()
    import keras

    import zoo
    from zoo.precision import set_policy

    keras.utils.set_random_seed(args.seed)
    precision = set_policy(args.precision)
    config = _parse_settings(args.set)
    if args.data in ("mnist", "fashion_mnist") and "image_shape" not in config:
        config["image_shape"] = [28, 28, 1]
    from zoo.distribute import get_strategy

    with get_strategy(args.strategy).scope():
        model = zoo.create(args.arch, **config)
        model.compile(optimizer=keras.optimizers.Adam(args.lr))
        model.build_all()
    recipe = {"epochs": args.epochs, "batch_size": args.batch_size, "learning_rate": args.lr,
              "precision": precision, "seed": args.seed, "strategy": args.strategy, "config": config}
    entry = {"name": os.path.basename(os.path.normpath(args.out)), "arch": args.arch, "dataset": args.data,
             "description": f"`{args.arch}` trained by `zoo train` on {args.data}"}
    _train_and_package(model, args, entry, recipe)


def cmd_finetune(args):
    _quiet_tf()
    import keras

    import zoo
    from zoo.precision import set_policy
    from zoo.pretrained import compile_for_finetuning

    keras.utils.set_random_seed(args.seed)
    precision = set_policy(args.precision)
    model = zoo.load(args.preset)
    base = model.preset_metadata
    lr = compile_for_finetuning(model, base, args.lr)
    recipe = {"epochs": args.epochs, "batch_size": args.batch_size, "learning_rate": lr,
              "precision": precision, "seed": args.seed, "base_preset": base["preset"]}
    entry = {"name": os.path.basename(os.path.normpath(args.out)), "arch": base["architecture"],
             "dataset": args.data,
             "description": f"`{base['preset']}` fine-tuned by `zoo finetune` on {args.data}"}
    _train_and_package(model, args, entry, recipe)


def cmd_export(args):
    import zoo

    model = _load(args.name)
    formats = tuple(args.formats.split(","))
    report = zoo.export(model, args.out, formats=formats, atol=args.atol)
    worst = max(e for errs in report.values() for e in errs.values())
    print(f"wrote {args.out}; largest difference from Keras {worst:.3g} (limit {args.atol})")


def cmd_eval(args):
    _quiet_tf()
    from zoo.metrics.evaluate import card_figures, evaluate
    from zoo.pretrained import update_metrics

    model = _load(args.name)
    meta = model.preset_metadata
    dataset = args.data or meta["dataset"]["name"]
    import zoo.data

    if dataset not in zoo.data.BUILTIN:
        raise SystemExit(f"zoo: eval needs a built-in data set (one of {sorted(zoo.data.BUILTIN)}), got {dataset!r}")
    subset = args.metrics.split(",") if args.metrics else None
    measure = card_figures if args.baselines else evaluate
    metrics = measure(model, dataset, n=args.n, metrics=subset)
    for name, m in metrics.items():
        print(f"{name:34s} {m['value']:<10.6g} [{m['evaluator']}; {m['split']}, n={m['n']}]")
    if args.no_write:
        return
    # Every figure measured afresh replaces the old set; a subset is merged in.
    update_metrics(args.name, metrics, replace=args.baselines and not args.metrics)
    print(f"recorded in {meta['preset']}'s metadata.json and card; run `python -m zoo.cards` for the README")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="zoo", description="Generative models for Keras 3 / TensorFlow, pretrained and ready to use.",
        epilog="example: zoo sample vae_mnist -n 64 --seed 0 --out grid.png",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name, func, help_text):
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=f"example: {EXAMPLES[name]}")
        p.set_defaults(func=func)
        return p

    p = add("list", cmd_list, "List architectures and presets")
    p.add_argument("pattern", nargs="?", default="*", help="fnmatch pattern (default '*')")
    p.add_argument("--pretrained", action="store_true", help="only presets with trained artifacts")

    p = add("info", cmd_info, "Describe an architecture or a preset and its measured figures")
    p.add_argument("name")

    p = add("sample", cmd_sample, "Write a grid of samples from a pretrained model")
    p.add_argument("name", help="preset name or preset folder")
    p.add_argument("-n", type=int, default=64, help="number of samples (default 64)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--labels", help="comma-separated class labels, for conditional models")
    p.add_argument("--out", default="samples.png", help="PNG file to write")

    p = add("reconstruct", cmd_reconstruct, "Write test images beside their reconstructions")
    p.add_argument("name")
    p.add_argument("--data", required=True, help="built-in data set name or image folder")
    p.add_argument("-n", type=int, default=32)
    p.add_argument("--out", default="reconstructions.png")

    def training_args(p):
        p.add_argument("--data", required=True, help="built-in data set (mnist, fashion_mnist) or image folder")
        p.add_argument("--epochs", type=int, default=5)
        p.add_argument("--batch-size", type=int, default=64)
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--precision", default="auto",
                       choices=["auto", "float32", "mixed_float16", "mixed_bfloat16"])
        p.add_argument("--out", required=True, help="preset folder to write")
        p.add_argument("--checkpoint-dir", help="per-epoch checkpoints (default: OUT.checkpoints)")
        p.add_argument("--resume", action="store_true", help="continue from the last checkpoint")

    p = add("train", cmd_train, "Train an architecture from scratch and write a preset folder")
    p.add_argument("arch")
    training_args(p)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="architecture argument (JSON value)")
    p.add_argument("--strategy", default=None, choices=[None, "mirrored", "multi_worker"])

    p = add("finetune", cmd_finetune, "Continue training a preset on new data and write a preset folder")
    p.add_argument("preset")
    training_args(p)
    p.add_argument("--lr", type=float, default=None, help="default: the preset's recipe learning rate")

    p = add("export", cmd_export, "Export a model to a SavedModel and ONNX, checking parity with Keras")
    p.add_argument("name")
    p.add_argument("--out", required=True)
    p.add_argument("--formats", default="saved_model,onnx")
    p.add_argument("--atol", type=float, default=1e-4)

    p = add("eval", cmd_eval, "Measure a preset on its data set's test split and record the figures")
    p.add_argument("name")
    p.add_argument("--n", type=int, default=10000, help="samples for FID (domain), KID, precision/recall")
    p.add_argument("--metrics", help="comma-separated subset, e.g. fid_domain,recon_mse")
    p.add_argument("--data", help="built-in data set (default: the preset's own)")
    p.add_argument("--baselines", action="store_true", help="also measure the classical baselines")
    p.add_argument("--no-write", action="store_true", help="print only; leave metadata.json as it is")
    return parser


def main(argv=None):
    _quiet_tf()
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except ValueError as err:
        # Bad names, shapes and files carry messages meant for the user.
        print(f"zoo: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
