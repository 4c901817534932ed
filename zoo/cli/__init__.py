"""The `zoo` command: list, inspect, sample, reconstruct, train, fine-tune, export and measure models,
and the uses of autoencoders (latent maps, few-label probes, outliers, denoising, face swap) and of GANs
(a real-or-fake quiz).

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
    "plot-latent": "zoo plot-latent ae2d_mnist --out map.png",
    "probe": "zoo probe ae_mnist --per-class 100",
    "outliers": "zoo outliers ae_mnist --outliers fashion_mnist",
    "denoise": "zoo denoise denoising_ae_mnist --noise 0.5 --out denoised.png",
    "traverse": "zoo traverse vae_mnist --out t.png",
    "swap": "zoo swap swap_ae_att_faces --data att_faces --to 1 --out swaps.png",
    "real-or-fake": "zoo real-or-fake dcgan_mnist --out quiz.png",
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
    if not args.labels:
        images = model.sample(args.n, seed=args.seed)
        save_grid(images, args.out)
        print(f"wrote {args.out}: {len(images)} samples of {args.name} (seed {args.seed})")
        return
    import numpy as np

    labels = _int_list(args.labels, "--labels")
    # One row per label, `--per-label` samples each.
    images = model.sample(len(labels) * args.per_label, seed=args.seed, labels=np.repeat(labels, args.per_label))
    save_grid(images, args.out, nrow=args.per_label)
    print(f"wrote {args.out}: rows are labels {','.join(map(str, labels))}, {args.per_label} samples each "
          f"(seed {args.seed})")


def _int_list(text, what):
    try:
        return [int(v) for v in text.split(",")]
    except ValueError:
        raise SystemExit(f"zoo: {what} takes comma-separated integers, e.g. 0,1,2; got {text!r}") from None


def cmd_traverse(args):
    import numpy as np

    import zoo.data
    from zoo.io import save_grid

    model = _load(args.name)
    _needs(model, args.name, "traverse", "use a VAE-family preset")
    dataset = _builtin_or_exit(args.data or model.preset_metadata["dataset"]["name"])
    x = zoo.data.as_numpy(dataset, "test", take=args.index + 1, image_shape=model.image_shape)[args.index:]
    labels = None if args.label is None else [args.label]
    if args.dims:
        dims = _int_list(args.dims, "--dims")
        why = "as asked"
    elif hasattr(model, "active_dims"):
        order, kl = model.active_dims(zoo.data.as_numpy(dataset, "test", take=1000, image_shape=model.image_shape),
                                      labels=None if labels is None else np.full(1000, args.label))
        dims = [int(d) for d in order[: args.rows]]
        why = "the most used by mean KL: " + ", ".join(f"z{d} {k:.2f} nats" for d, k in zip(dims, kl))
    else:
        dims, why = list(range(min(args.rows, model.latent_dim))), "the first ones"
    values = np.linspace(-args.range, args.range, args.steps)
    grid = model.traverse(x, dims=dims, values=values, labels=labels)
    save_grid(grid, args.out, nrow=args.steps)
    print(f"wrote {args.out}: row r sets code coordinate dims[r] to {args.steps} values in "
          f"[-{args.range}, {args.range}], the others fixed at test image {args.index}'s code; dims {dims} ({why})")


def _dataset(data, image_shape, batch_size, split="train", take=None, seed=0, data_dir=None, with_labels=False):
    """A built-in set or an image folder; `with_labels` (a conditional model) reads a folder's class sub-folders."""
    import zoo

    if data in zoo.data.BUILTIN:
        return zoo.data.load(data, split=split, batch_size=batch_size, image_shape=image_shape,
                             take=take, seed=seed, data_dir=data_dir, with_labels=with_labels)
    if not os.path.exists(data):
        raise SystemExit(f"zoo: --data must be one of {sorted(zoo.data.BUILTIN)} or a folder of images; "
                         f"{data!r} is neither")
    return zoo.data.image_folder(data, image_shape=image_shape, batch_size=batch_size, seed=seed,
                                 with_labels=with_labels, shuffle=split == "train")


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

    ds = _dataset(args.data, model.image_shape, args.batch_size, seed=args.seed, with_labels=model.needs_labels)
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
        optimizer = model.default_optimizer(args.lr) if args.lr else model.default_optimizer()
        model.compile(optimizer=optimizer)
        model.build_all()
    recipe = {"epochs": args.epochs, "batch_size": args.batch_size,
              "learning_rate": float(optimizer.learning_rate),
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
    if args.augment:
        if not hasattr(model, "augment"):
            raise SystemExit(f"zoo: --augment applies to a GAN's discriminator; {args.preset} is a "
                             f"{base['architecture']}, which has none")
        from zoo.layers.augment import check_policy

        try:
            model.augment = ",".join(check_policy(args.augment))
        except ValueError as e:
            raise SystemExit(f"zoo: --augment: {e}") from None
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


def _builtin_or_exit(name, what="--data"):
    import zoo.data

    if name not in zoo.data.BUILTIN:
        raise SystemExit(f"zoo: {what} must be a built-in data set (one of {sorted(zoo.data.BUILTIN)}), "
                         f"got {name!r}")
    return name


def _needs(model, name, method, what):
    if not hasattr(model, method):
        raise SystemExit(f"zoo: {name} is a {model.arch}, which has no {method}(); {what}")


def cmd_plot_latent(args):
    import numpy as np

    import zoo.data
    from zoo.plots import latent_map

    model = _load(args.name)
    _needs(model, args.name, "encode", "plot-latent needs a model with a code (an autoencoder or a VAE)")
    dataset = _builtin_or_exit(args.data or model.preset_metadata["dataset"]["name"])
    x, y = zoo.data.as_numpy(dataset, args.split, with_labels=True, take=args.n, image_shape=model.image_shape)
    codes = model.encode(x)
    title = f"{args.name}: {dataset} {args.split} in the code plane"
    if codes.shape[1] != 2:
        # A wider code is shown through its two principal directions, and the title says so.
        from zoo.metrics.classical import PCA

        codes = PCA(2).fit(codes).transform(codes).astype(np.float32)
        title = f"{args.name}: {dataset} {args.split}, first 2 principal directions of the {model.latent_dim}-d code"
    latent_map(codes, y, zoo.data.info(dataset)["class_names"], args.out, title=title)
    print(f"wrote {args.out}: {len(x)} {dataset} {args.split} images in the code plane, coloured by label")


def cmd_probe(args):
    from zoo.metrics.evaluate import few_label_figures

    model = _load(args.name)
    _needs(model, args.name, "encoder", "the few-label study needs an encoder")
    dataset = _builtin_or_exit(args.data or model.preset_metadata["dataset"]["name"])
    figures = few_label_figures(model, dataset, per_class=args.per_class, seed=args.seed)
    for name, m in figures.items():
        print(f"{name:34s} {m['value']:.4f}  [{m['evaluator']}; {m['split']}, n={m['n']}]")


def cmd_outliers(args):
    import zoo.data
    from zoo.metrics.outliers import auroc

    model = _load(args.name)
    _needs(model, args.name, "score", "outlier detection needs a score()")
    inliers = _builtin_or_exit(args.inliers or model.preset_metadata["dataset"]["name"], "--inliers")
    x_in = zoo.data.as_numpy(inliers, "test", image_shape=model.image_shape)
    if os.path.isdir(args.outliers):
        import numpy as np

        ds = zoo.data.image_folder(args.outliers, image_shape=model.image_shape, batch_size=512, shuffle=False)
        x_out = np.concatenate([np.asarray(b) for b in ds])
    else:
        x_out = zoo.data.as_numpy(_builtin_or_exit(args.outliers, "--outliers"), "test",
                                  image_shape=model.image_shape)
    s_in, s_out = model.score(x_in), model.score(x_out)
    print(f"AUROC {auroc(s_in, s_out):.4f}: score() of {len(x_in)} {inliers} test images (inliers) against "
          f"{len(x_out)} images of {args.outliers} (outliers)")
    print(f"median score: inliers {float(sorted(s_in)[len(s_in) // 2]):.5g}, "
          f"outliers {float(sorted(s_out)[len(s_out) // 2]):.5g}")


def cmd_denoise(args):
    import numpy as np

    import zoo.data
    from zoo.io import save_grid
    from zoo.metrics.core import psnr
    from zoo.metrics.filters import add_noise, median_filter

    model = _load(args.name)
    _needs(model, args.name, "denoise", "use a denoising_ae preset, e.g. denoising_ae_mnist")
    dataset = _builtin_or_exit(args.data or model.preset_metadata["dataset"]["name"])
    clean = zoo.data.as_numpy(dataset, "test", take=args.n, image_shape=model.image_shape)
    noisy = add_noise(clean, args.kind, args.noise, seed=args.seed)
    median, denoised = median_filter(noisy, 3), model.denoise(noisy)
    print(f"PSNR on {len(clean)} {dataset} test images, {args.kind} noise {args.noise}: noisy {psnr(noisy, clean):.2f} dB, "
          f"3x3 median {psnr(median, clean):.2f} dB, {args.name} {psnr(denoised, clean):.2f} dB")
    k = min(len(clean), 10)
    save_grid(np.concatenate([clean[:k], noisy[:k], median[:k], denoised[:k]]), args.out, nrow=k)
    print(f"wrote {args.out}: rows are clean, noisy, median filter, {args.name}")


def cmd_swap(args):
    import numpy as np

    from zoo.io import save_grid

    model = _load(args.name)
    _needs(model, args.name, "swap", "use a swap_ae preset, e.g. swap_ae_att_faces")
    ds = _dataset(args.data, model.image_shape, args.n, split="test", take=args.n)
    batch = next(iter(ds))
    x = np.asarray(batch[0] if isinstance(batch, tuple) else batch)[: args.n]
    swapped = model.swap(x, to=args.to)
    per_row = min(len(x), 8)
    rows = []
    for i in range(0, len(x), per_row):
        rows += [x[i:i + per_row], swapped[i:i + per_row]]
    save_grid(np.concatenate(rows), args.out, nrow=per_row)
    print(f"wrote {args.out}: rows alternate input / redrawn by identity {args.to}'s decoder")


def cmd_real_or_fake(args):
    import numpy as np

    from zoo.io import save_grid, write_bytes

    model = _load(args.name)
    _needs(model, args.name, "sample", "the quiz needs a model that samples")
    if args.n < 2:
        raise SystemExit(f"zoo: -n must be at least 2 (some real, some generated), got {args.n}")
    data = args.data or model.preset_metadata["dataset"]["name"]
    pool = _dataset(data, model.image_shape, 512, split="test", take=512)
    real = np.concatenate([np.asarray(b[0] if isinstance(b, tuple) else b) for b in pool])
    rng = np.random.default_rng(args.seed)
    # Half real, half generated, in an order only the key knows.
    is_real = rng.permutation(np.arange(args.n) < args.n // 2)
    if is_real.sum() > len(real):
        raise SystemExit(f"zoo: {data} holds {len(real)} test images, fewer than the {is_real.sum()} asked for")
    grid = np.empty((args.n, *model.image_shape), np.float32)
    grid[is_real] = real[rng.choice(len(real), int(is_real.sum()), replace=False)]
    grid[~is_real] = model.sample(int((~is_real).sum()), seed=args.seed)
    nrow = args.per_row or int(np.ceil(np.sqrt(args.n)))
    save_grid(grid, args.out, nrow=nrow)
    key = os.path.splitext(args.out)[0] + "_answers.txt"
    rows = [" ".join("R" if r else "F" for r in is_real[i:i + nrow]) for i in range(0, args.n, nrow)]
    text = (f"Which image is real? {args.out}: {args.n} images, row by row; R = a real {data} test image, "
            f"F = generated by {args.name} (seed {args.seed}).\n" + "\n".join(rows) + "\n")
    write_bytes(key, text.encode())
    print(f"wrote {args.out} and its answer key {key}")


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
    p.add_argument("--labels", help="comma-separated class labels, for conditional models: a row each")
    p.add_argument("--per-label", type=int, default=10, help="samples per label row (default 10)")
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
    p.add_argument("--lr", type=float, default=None,
                   help="learning rate (default: the architecture's: 1e-3, GANs 2e-4, WGAN-GP 1e-4)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="architecture argument (JSON value)")
    p.add_argument("--strategy", default=None, choices=[None, "mirrored", "multi_worker"])

    p = add("finetune", cmd_finetune, "Continue training a preset on new data and write a preset folder")
    p.add_argument("preset")
    training_args(p)
    p.add_argument("--lr", type=float, default=None, help="default: the preset's recipe learning rate")
    p.add_argument("--augment", metavar="POLICY",
                   help="GANs: DiffAugment of the discriminator's inputs, e.g. translation,cutout (for a "
                        "few hundred images)")

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

    p = add("plot-latent", cmd_plot_latent, "Draw a data set in a model's code plane, coloured by label")
    p.add_argument("name")
    p.add_argument("--data", help="built-in data set (default: the preset's own)")
    p.add_argument("--split", default="test")
    p.add_argument("-n", type=int, default=None, help="number of images (default: the whole split)")
    p.add_argument("--out", default="map.png")

    p = add("probe", cmd_probe, "Few-label classification with a pretrained encoder against from-scratch baselines")
    p.add_argument("name")
    p.add_argument("--data", help="built-in labelled data set (default: the preset's own)")
    p.add_argument("--per-class", type=int, default=100, help="labels per class (default 100)")
    p.add_argument("--seed", type=int, default=0)

    p = add("outliers", cmd_outliers, "AUROC of a model's score() for telling outliers from its own test set")
    p.add_argument("name")
    p.add_argument("--outliers", required=True, help="built-in data set or image folder of outliers")
    p.add_argument("--inliers", help="built-in data set of inliers (default: the preset's own)")

    p = add("denoise", cmd_denoise, "Denoise noisy test images; PSNR beside the noisy input and a median filter")
    p.add_argument("name")
    p.add_argument("--data", help="built-in data set (default: the preset's own)")
    p.add_argument("--noise", type=float, default=0.5, help="noise level (default 0.5)")
    p.add_argument("--kind", default="gaussian", choices=["gaussian", "masking", "salt_pepper"])
    p.add_argument("-n", type=int, default=1000, help="test images to measure on (default 1000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="denoised.png")

    p = add("traverse", cmd_traverse, "Vary one code coordinate at a time from a test image's code")
    p.add_argument("name")
    p.add_argument("--data", help="built-in data set (default: the preset's own)")
    p.add_argument("--index", type=int, default=0, help="which test image (default 0)")
    p.add_argument("--dims", help="comma-separated coordinates, a row each (default: the most used)")
    p.add_argument("--rows", type=int, default=8, help="how many coordinates by default (8)")
    p.add_argument("--range", type=float, default=3.0, help="values from -RANGE to RANGE (default 3)")
    p.add_argument("--steps", type=int, default=9, help="values per row (default 9)")
    p.add_argument("--label", type=int, help="class label, for conditional models")
    p.add_argument("--out", default="traversal.png")

    p = add("swap", cmd_swap, "Redraw faces with another identity's decoder (face swap)")
    p.add_argument("name")
    p.add_argument("--data", required=True, help="built-in data set or image folder of faces")
    p.add_argument("--to", type=int, default=1, help="the identity whose decoder draws them")
    p.add_argument("-n", type=int, default=16)
    p.add_argument("--out", default="swaps.png")

    p = add("real-or-fake", cmd_real_or_fake,
            "Write a quiz grid mixing real test images and samples, with the answer key beside it")
    p.add_argument("name")
    p.add_argument("--data", help="built-in data set or image folder of real images (default: the preset's own)")
    p.add_argument("-n", type=int, default=16, help="images in the grid, half of them real (default 16)")
    p.add_argument("--per-row", type=int, help="images per row (default: a square grid)")
    p.add_argument("--seed", type=int, default=0, help="fixes the order, the real images and the samples")
    p.add_argument("--out", default="quiz.png", help="PNG to write; the key goes to <name>_answers.txt")
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
