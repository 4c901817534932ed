"""Recipes of the translation presets: `python -m training pix2pix_celeba_edges_64` (and
`pix2pix_celeba_colorize_64`, `cycle_gan_cifar10_horse_deer`).

The figures are measured by the library (`zoo.metrics.translation`, which
`zoo eval` measures with too); the pix2pix recipe adds its L1-only
baseline's, which only the recipe can train.

pix2pix: trains the preset on the train split, its sources made by the
preset's task (`zoo.models.translation.tasks`), then the L1-only baseline
beside it (the same U-Net from the same initial weights, on the same batches
in the same order, for the same steps, with the L1 term alone), and measures
both on the 1,000 held-out test pairs: L1, PSNR and SSIM against the target,
the sharpness of the outputs (their mean Sobel magnitude over the targets'),
and, with the `[fid]` extra, Inception FID/KID of the translations against
the real test faces, beside two sets of real faces at that n (the floor).
For colourisation, the grey input itself is a baseline too.

CycleGAN: trains on unpaired batches of two CIFAR-10 classes (the preset's
`domain_a`, `domain_b`), with the learning rate held then decayed linearly
to zero, and measures on each class's 1,000 test images: the cycle error
both ways, and per translated domain the FID (domain) with the CIFAR-10
evaluator's features, how often that evaluator calls a translated image the
target class, and (with the extra) Inception FID/KID, each beside doing
nothing (the untranslated images) and two sets of real images of the target
class (the floor). The preset ships `translate_b2a.onnx` beside
`model.onnx` (A -> B).

Both write a grid of the same test images per epoch into `runs/<preset>.samples/`.
"""

import tempfile
from pathlib import Path

import keras
import numpy as np

LICENCES = {
    "celeba_64": "CelebA: non-commercial research purposes only (the CelebA licence); the weights inherit it.",
    "cifar10": ("CIFAR-10: Alex Krizhevsky, Vinod Nair and Geoffrey Hinton (cite the 2009 tech report); trained "
                "and measured on a lossy JPEG copy, so figures are not exactly comparable with figures on the "
                "original batches."),
}
TASK_NOTES = {
    "edges": ("Sources are edge maps made from each face by `zoo.models.translation.tasks.edges`: the BT.601 luma, "
              "a 5x5 Gaussian blur of sigma 1, the Sobel gradient magnitude, and a fixed threshold of 0.5 (black "
              "lines on white, on all three channels). `model.task_source(faces)` makes them; any other edge "
              "detector's maps are out of distribution."),
    "grey": ("Sources are the BT.601 luma of each face (Y = 0.299 R + 0.587 G + 0.114 B) on all three channels "
             "(`zoo.models.translation.tasks.grey`; `model.task_source(faces)` makes them)."),
}
INFERENCE_NOTE = (
    "Translation runs the generator in inference mode: no dropout and batch norm's moving statistics, so "
    "`translate`, `model.onnx` and the SavedModel give the same output for an image alone or in any batch. "
    "The paper keeps dropout and batch norm in training mode at test time (its only noise; with batch 1 batch "
    "norm is instance norm); that mode is not what this preset exports or measures."
)


def adam(recipe, learning_rate=None):
    return keras.optimizers.Adam(learning_rate or recipe["learning_rate"], beta_1=recipe["beta_1"],
                                 beta_2=recipe["beta_2"])


class TranslationGrid(keras.callbacks.Callback):
    """Writes the translations of the same test images after every epoch (`<folder>/epoch_NNN.png`)."""

    def __init__(self, folder, sources, direction=None):
        super().__init__()
        self.folder, self.sources, self.direction = folder, sources, direction

    def on_epoch_end(self, epoch, logs=None):
        from training.common import interleave
        from zoo.io import save_grid

        out = self.model.translate(self.sources, self.direction)
        save_grid(interleave(self.sources, out, 8), f"{self.folder}/epoch_{epoch + 1:03d}.png", 8)


def extra_onnx(model, function):
    """(bytes, parity error) of one more translate function's ONNX file, parity-checked against Keras."""
    from zoo.exporters import export

    with tempfile.TemporaryDirectory() as scratch:
        report = export(model, scratch, formats=("onnx",), functions=[function], verbose=False)
        return (Path(scratch) / f"{function}.onnx").read_bytes(), report["onnx"][function]


def discriminator_verdict(metrics):
    """What the figures say about the course's claim: sharper outputs, and more realistic ones?"""
    ours, theirs = metrics["sharpness"]["value"], metrics["baseline_l1_only_sharpness"]["value"]
    # Differences within 5 % are read as none, for sharpness as for FID.
    sharper = "sharper" if ours > 1.05 * theirs else "no sharper"
    text = (f"Here the discriminator made the outputs {sharper}: their edges are {ours:.2f} as strong as the real "
            f"faces', the L1-only outputs' {theirs:.2f}")
    if "fid_inception" not in metrics:
        return text + "."
    fid, base = metrics["fid_inception"]["value"], metrics["baseline_l1_only_fid_inception"]["value"]
    floor = metrics.get("baseline_real_fid_inception", {}).get("value")
    floor_text = f"; two sets of real faces: {floor:.1f}" if floor is not None else ""
    if abs(fid - base) < 0.05 * base:
        verdict = "not measurably more realistic"
    else:
        verdict = "more realistic" if fid < base else "less realistic"
    verdict = ("but " if sharper == "sharper" and verdict != "more realistic" else "and ") + verdict
    return (f"{text}, {verdict} by Inception FID ({fid:.1f} against {base:.1f}{floor_text}; differences within 5 % "
            "are read as none at 1,000 images a side).")


def run(out=None, epochs=None, data_dir=None, resume=False, preset="pix2pix_celeba_edges_64"):
    from zoo.registry import get_preset

    arch = get_preset(preset)["arch"]
    recipe = {"pix2pix": run_pix2pix, "cycle_gan": run_cycle_gan}[arch]
    return recipe(out=out, epochs=epochs, data_dir=data_dir, resume=resume, preset=preset)


# ---- pix2pix -----------------------------------------------------------------


def run_pix2pix(out=None, epochs=None, data_dir=None, resume=False, preset="pix2pix_celeba_edges_64"):
    import zoo
    from training.common import checkpoint_dir, print_metrics, start
    from zoo.exporters.preset import package
    from zoo.metrics.evaluate import INCEPTION_N, inception_applies, measuring_inputs, real_inception_features
    from zoo.metrics.translation import inception_of, paired_figures, real_floor
    from zoo.models.translation import tasks
    from zoo.trainer import fit

    entry, recipe = start(preset, epochs)
    dataset, config = entry["dataset"], entry["config"]
    task = config["task"]
    model = zoo.create(entry["arch"], **config)
    # Images alone: the model's task makes each face's source inside the training step.
    train = zoo.data.load(dataset, split="train", batch_size=recipe["batch_size"], seed=recipe["seed"],
                          data_dir=data_dir, drop_remainder=True)
    test = zoo.data.as_numpy(dataset, "test", data_dir=data_dir)
    sources = tasks.apply(task, test)
    model.compile(g_optimizer=adam(recipe), d_optimizer=adam(recipe))
    grid = TranslationGrid(checkpoint_dir(preset).with_suffix(".samples"), sources[:32])
    _, wall, steps = fit(model, train, recipe, callbacks=[grid], checkpoint_dir=checkpoint_dir(preset),
                         resume=resume)

    # The baseline: the same U-Net from the same initial weights (the generator is built first, under the
    # same seed), on the same batches, for the same steps, with the L1 term alone.
    keras.utils.set_random_seed(recipe["seed"])
    baseline = zoo.create(entry["arch"], **{**config, "l1_only": True})
    baseline.compile(g_optimizer=adam(recipe))
    _, baseline_wall, _ = fit(baseline, train, dict(recipe), checkpoint_dir=checkpoint_dir(f"{preset}_l1_only"),
                              resume=resume)

    translated, blurred = model.translate(sources), baseline.translate(sources)
    # Colourisation has a baseline of its own: the grey input, returned as it is.
    others = ["baseline_l1_only_"] + (["baseline_grey_input_"] if task == "grey" else [])
    metrics = paired_figures(translated, test, "pix2pix", versus=others)
    metrics.update(paired_figures(blurred, test, "the same U-Net trained with L1 alone", baseline=True,
                                  prefix="baseline_l1_only_"))
    if task == "grey":
        metrics.update(paired_figures(sources, test, "the grey input itself", baseline=True,
                                      prefix="baseline_grey_input_"))
        # The grey input has the target's luma, so its sharpness is 1 by construction: no comparison.
        metrics["sharpness"]["versus"] = ["baseline_l1_only_sharpness"]
    if inception_applies(dataset):
        real = real_inception_features(dataset, data_dir=data_dir)
        n = len(real)
        metrics.update(inception_of(translated[:n], real, f"translations of the {n} test sources",
                                    versus=lambda name: f"baseline_l1_only_{name}"))
        metrics.update(inception_of(blurred[:n], real, f"L1-only translations of the {n} test sources",
                                    baseline=True, prefix="baseline_l1_only_"))
        floor = real_floor(zoo.data.as_numpy(dataset, "train", data_dir=data_dir, take=INCEPTION_N), real,
                           {"dataset": dataset, "n": INCEPTION_N, **measuring_inputs(dataset, data_dir)},
                           f"real train[:{INCEPTION_N}] images")
        metrics.update({f"baseline_{k}": v for k, v in floor.items()})
    print_metrics(metrics)

    rows = []
    for i in range(0, 16, 8):
        rows += [sources[i : i + 8], blurred[i : i + 8], translated[i : i + 8], test[i : i + 8]]
    notes = {
        "Task": TASK_NOTES[task] + " Test pairs are the 1,000 held-out faces (CelebA 9,001-10,000), never seen "
                "in training.",
        "Figure": ("`translations.png`: rows of four, repeated: the source, the L1-only baseline's output, this "
                   "model's, and the real face, for the first 16 test faces."),
        "The discriminator against a pixel loss": (
            f"The baseline is the same U-Net from the same initial weights, trained on the same batches for the "
            f"same {steps:,} steps with the L1 term alone (`l1_only=True`, {baseline_wall:.0f} s; not shipped). "
            "L1, PSNR and SSIM reward the average of the plausible answers, which is what an L1 loss learns, "
            "so the baseline is expected to win them; the sharpness ratio and the Inception figures say whether "
            "the discriminator bought outputs that look more like real faces. " + discriminator_verdict(metrics)),
        "Inference mode": INFERENCE_NOTE,
        "Fine-tuning": ("The discriminator and its Adam state ship in the preset (`optimizers.h5`), so "
                        f"`zoo finetune {preset} --data FOLDER` continues the game on your images (their sources "
                        f"made by the `{task}` task), and `--data-a SOURCES/ --data-b TARGETS/ --paired` on pairs of "
                        "your own, matched by file name. `zoo translate` translates your sources as they are; with "
                        "`--make-sources` it makes them from real images by the task."),
        "Limits": ("Inception figures use 1,000 images a side, so read them against the real-vs-real floor on this "
                   "card, not against published 10k-50k figures; the translations are of the same 1,000 test faces "
                   "they are compared with. 64x64 faces from the first 10,000 CelebA images only."),
        "More compute": (
            f"The U-Net has 6 levels of 32 to 256 channels ({model.generator.count_params() / 1e6:.2f} M "
            "parameters; the paper's U-Net-256 has 8 levels of 64 to 512, 54 M) and saw "
            f"{recipe['epochs']} passes over 9,000 faces in batches of {recipe['batch_size']}. Wider networks, "
            "more passes and more faces (CelebA has 200,000) would sharpen hair and eyes; the preset is sized "
            "to train, with its baseline, in about an hour on 2 CPU cores."),
        "Licence": LICENCES[dataset],
    }
    return package(model, out, entry, recipe, metrics, wall, steps, zoo.data.raw_files(dataset, data_dir),
                   {"translations.png": (np.concatenate(rows), 8)}, notes)


# ---- CycleGAN ----------------------------------------------------------------


def unpaired(a, b, batch_size, seed):
    """Batches of (images of A, images of B), each side shuffled on its own, reshuffled every epoch."""
    import tensorflow as tf

    def side(x, s):
        return (tf.data.Dataset.from_tensor_slices(x).shuffle(len(x), seed=s, reshuffle_each_iteration=True)
                .batch(batch_size, drop_remainder=True))

    return tf.data.Dataset.zip((side(a, seed), side(b, seed + 1))).prefetch(tf.data.AUTOTUNE)


def schedule_epochs(recipe):
    """(hold, decay) epochs; a run with other `epochs` than the preset's keeps their proportion."""
    hold, decay = recipe["hold_epochs"], recipe["decay_epochs"]
    if hold + decay != recipe["epochs"]:
        hold = int(round(recipe["epochs"] * hold / (hold + decay)))
        decay = max(1, recipe["epochs"] - hold)
    return hold, decay


def run_cycle_gan(out=None, epochs=None, data_dir=None, resume=False, preset="cycle_gan_cifar10_horse_deer"):
    import zoo
    from training.common import checkpoint_dir, print_metrics, start
    from zoo.exporters.preset import package
    from zoo.metrics.evaluate import inception_applies, load_evaluator
    from zoo.metrics.translation import class_images, direction_figures
    from zoo.models.translation.base import HoldThenLinearDecay
    from zoo.trainer import fit

    entry, recipe = start(preset, epochs)
    dataset, config = entry["dataset"], entry["config"]
    names = {"a": recipe["domain_a"], "b": recipe["domain_b"]}
    train = {k: class_images(dataset, "train", v, data_dir) for k, v in names.items()}
    test = {k: class_images(dataset, "test", v, data_dir) for k, v in names.items()}
    steps_per_epoch = min(len(x) for x in train.values()) // recipe["batch_size"]
    recipe["hold_epochs"], recipe["decay_epochs"] = schedule_epochs(recipe)
    model = zoo.create(entry["arch"], **config)

    def optimizer():
        return adam(recipe, HoldThenLinearDecay(recipe["learning_rate"], recipe["hold_epochs"],
                                                recipe["decay_epochs"], steps_per_epoch))

    model.compile(g_optimizer=optimizer(), d_a_optimizer=optimizer(), d_b_optimizer=optimizer())
    grid = TranslationGrid(checkpoint_dir(preset).with_suffix(".samples"), test["a"][:32], "a2b")
    _, wall, steps = fit(model, unpaired(train["a"], train["b"], recipe["batch_size"], recipe["seed"]), recipe,
                         callbacks=[grid], checkpoint_dir=checkpoint_dir(preset), resume=resume)

    evaluator = load_evaluator(dataset)
    inception = inception_applies(dataset)
    metrics, pictures = {}, {}
    for direction, (src, dst) in {"a2b": ("a", "b"), "b2a": ("b", "a")}.items():
        translated = model.translate(test[src], direction)
        cycled = model.translate(translated, "b2a" if direction == "a2b" else "a2b")
        metrics.update(direction_figures(direction, test[src], translated, cycled, test[dst], train[dst],
                                         (names[src], names[dst]), evaluator, inception, dataset, data_dir))
        # Rows of eight, in threes: test images, their translations, and back round the cycle.
        pictures[f"{names[src]}_to_{names[dst]}.png"] = (np.concatenate(
            [part[i : i + 8] for i in range(0, 24, 8) for part in (test[src], translated, cycled)]), 8)
    print_metrics(metrics)

    onnx_bytes, onnx_error = extra_onnx(model, "translate_b2a")
    # Fine-tuning replays the schedule: both discriminators' shipped Adam states restart its step count (the
    # generators' optimizer ships no state), so a fine-tuned run holds the rate, then decays it, rather than
    # starting at its end, at zero.
    for name in model.shipped_optimizers:
        getattr(model, name).iterations.assign(0)
    a, b = names["a"], names["b"]
    notes = {
        "Domains": (f"Domain A is CIFAR-10's {a} class, domain B its {b} class: {len(train['a']):,} and "
                    f"{len(train['b']):,} training images, unpaired (each side shuffled on its own), and 1,000 "
                    "test images each, never seen in training. `model.translate(x, direction='a2b')` makes "
                    f"{a}s into {b}s, `direction='b2a'` the reverse."),
        "Figures": (f"`{a}_to_{b}.png` and `{b}_to_{a}.png`: rows of eight, in threes: test images, their "
                    "translations, and the translations translated back (the cycle)."),
        "Each direction alone": (
            f"`model.onnx` is `translate_a2b` ({a} -> {b}); `translate_b2a.onnx` is the reverse (largest "
            f"difference from Keras on fixed inputs {onnx_error:.3g}). In Python, `model.direction_model('b2a')` "
            "is one direction as a plain Keras model, to save and load (safe mode) on its own; `zoo.export(model, "
            "DIR, functions=['translate_b2a'])` (`zoo export PRESET --functions translate_b2a`) exports one "
            "direction; `zoo translate PRESET --direction b2a --input FOLDER/ --out OUT/` translates a folder."),
        "The game": (
            f"Adam(2e-4, beta_1=0.5) for each of three players: both generators (one optimizer, as the paper's "
            f"code), D_A and D_B; the rate held for {recipe['hold_epochs']} epochs, then decayed linearly to zero "
            f"over {recipe['decay_epochs']} (`HoldThenLinearDecay`), batches of {recipe['batch_size']} pairs. "
            "Each discriminator learns from a history of 50 generated images (the paper's image pool), "
            "which is saved with the weights. Both discriminators and their Adam states ship in the preset; "
            "fine-tuning restarts the schedule."),
        "Limits": (
            "FID (domain) uses evaluator_cifar10's features and is not comparable with Inception FID or published "
            "figures; Inception figures use 1,000 images a side, so read them against the real-vs-real floor of "
            "the target class on this card. Doing nothing (the untranslated images) is the baseline each "
            "direction must beat. CycleGAN changes colour and texture far more easily than shape: a horse's "
            "outline stays a horse's."),
        "More compute": (
            f"The generators have 32 channels and 6 residual blocks ({model.g_ab.count_params() / 1e6:.2f} M "
            "parameters each; the paper's 256x256 ones 64 channels and 9 blocks, 11 M) and saw "
            f"{recipe['epochs']} passes over 5,000 images a side (the paper: 200 epochs over about 1,000). "
            "More epochs are the first thing more compute buys; the preset is sized to train in about an hour "
            "on 2 CPU cores."),
        "Licence": LICENCES[dataset],
    }
    return package(model, out, entry, recipe, metrics, wall, steps, zoo.data.raw_files(dataset, data_dir), pictures,
                   notes, plots={"translate_b2a.onnx": lambda p: p.write_bytes(onnx_bytes)})
