"""Recipes of the GAN presets: `python -m training gan_mnist` (and dcgan_*, cgan_mnist, wgan_gp_*).

Each trains both players with Adam at the preset's rates, keeps a moving
average of the generator, writes a fixed-seed sample grid per epoch into
`runs/<preset>.samples/`, and measures on the test split with the data set's
evaluator: FID (domain), KID, precision/recall of 10,000 samples (and, for a
conditional model, the class accuracy of its samples), beside the classical
baselines and the VAE of the same data, measured with the same instruments.
"""

import numpy as np

from zoo.capabilities import Conditional

LICENCES = {
    "mnist": "MNIST: Yann LeCun and Corinna Cortes, redistributed for research. The weights: as the project.",
    "fashion_mnist": "Fashion-MNIST: MIT licence, Zalando Research. The weights: as the project.",
    "celeba_64": "CelebA: non-commercial research purposes only (the CelebA licence); the weights inherit it.",
    "celeba_32": "CelebA: non-commercial research purposes only (the CelebA licence); the weights inherit it.",
    "cifar10": ("CIFAR-10: Alex Krizhevsky, Vinod Nair and Geoffrey Hinton (cite the 2009 tech report); trained "
                "and measured on a lossy JPEG copy, so figures are not exactly comparable with figures on the "
                "original batches."),
}


# Published figures a card sets its own beside, with the budget they came from.
PUBLISHED = {
    "dcgan_cifar10_32": {
        "fid": 48.3,
        "g_steps": 200_000,
        "d_updates": 400_000,
        "source": "PyTorch-StudioGAN (Kang et al.), DCGAN on CIFAR-10",
        "budget": ("200,000 generator steps of batch 64 with 2 discriminator updates each (its DCGAN.yaml: "
                   "`total_steps: 200000`, `d_updates_per_step: 2`), on its `deep_conv` backbone, a GPU run; "
                   "FID of 50,000 samples against the original (lossless) CIFAR-10 images"),
    },
}


# What a larger budget would buy, where a preset's own budget says more than the default.
# Formatted with the run's `epochs` and its generator's parameters `g_params` (millions).
MORE_COMPUTE = {
    "default": ("Wider networks, more epochs and a larger batch sharpen the samples and raise recall; the "
                "preset is sized to train in well under an hour on 2 CPU cores."),
    "dcgan_celeba_64": (
        "The generator is half the paper's width (256 channels down to 32, {g_params:.2f} M parameters, "
        "against 512 down to 64, 3.3 M), which on these 2 cores costs about 5x less a step (0.19 s against "
        "1.0 s a step of batch 64, timed with `fit` on random batches), and it saw {epochs} passes over "
        "9,000 faces. The paper's width, the whole CelebA set (200,000 faces) and tens of thousands of "
        "steps, a GPU run, are what would sharpen eyes and mouths and raise recall; on this 9,000-face "
        "subset, many more passes would also want augmentation (`--augment`) to keep the discriminator "
        "from memorising it. The preset is sized to train in under an hour on 2 CPU cores."
    ),
    "progan_celeba_32": (
        "The paper shows each phase 800,000 images (fading in, then stable) with 512 channels at the low "
        "levels and minibatches of 16 to 64 on GPUs; this preset shows each phase 48,000 (1,500 steps of 32), "
        "about 6 % of that, with 128 channels down to 32 ({g_params:.2f} M generator parameters) over "
        "{epochs} passes of 9,000 faces. The WGAN-GP step costs the penalty's second backward pass, and "
        "3x3 convolutions at every level cost far more a step than DCGAN's strided 4x4 ones, so on 2 CPU "
        "cores progressive growing gets fewer images than the DCGAN beside it. Longer phases are the "
        "first thing more compute buys, then wider levels and the 64x64 level."
    ),
    "wgan_gp_fashion_mnist": (
        "A generator step costs five critic steps, each with the penalty's second backward pass: the "
        "speed table (`benchmarks/speed.md`) trains wgan_gp at 152 images/s against cgan's 764 on the "
        "same 28x28 images. More epochs than this recipe's {epochs} are the first thing more compute buys; "
        "the critic's estimate of the Wasserstein distance (`w_distance`, printed each epoch) says "
        "whether it is still falling. The preset is sized to train in under an hour on 2 CPU cores."
    ),
}


def more_compute(preset, recipe, model):
    """The card's "More compute" section for a preset."""
    return MORE_COMPUTE.get(preset, MORE_COMPUTE["default"]).format(
        epochs=recipe["epochs"], g_params=model.generator.count_params() / 1e6)


def published_note(preset, metrics, steps, model, batch_size=64):
    """A card section setting the preset's Inception FID beside the published one, budgets stated."""
    pub = PUBLISHED[preset]
    ours = metrics.get("fid_inception")
    if ours is None:
        return ('The published FID is an Inception FID; install the `[fid]` extra and run `zoo eval '
                f'{preset} --baselines --record` to measure this preset on that scale (published: {pub["fid"]}).')
    real = metrics.get("baseline_real_fid_inception")
    floor = f" (two real sets of that size: {real['value']:.1f})" if real else ""
    g_params = model.generator.count_params()
    return (
        f"{pub['source']} reports FID {pub['fid']}: {pub['budget']}. This preset: Inception FID "
        f"{ours['value']:.1f} from {ours['n']:,} samples against {ours['n']:,} test images{floor}, after "
        f"{steps:,} generator steps of batch {batch_size} with one discriminator update each, about "
        f"{pub['g_steps'] / steps:.0f}x fewer generator steps and {pub['d_updates'] / steps:.0f}x fewer discriminator "
        f"updates, with a generator of {g_params / 1e6:.2f} M parameters, on 2 CPU cores. FID at 1,000 "
        "images is biased upwards (the real-vs-real figure shows by how much), and the images here are a "
        "JPEG copy, so the two figures are not on one scale: read the gap as budget and sample size as "
        "well as model."
    )


def optimizers(recipe):
    import keras

    def adam(lr):
        return keras.optimizers.Adam(lr, beta_1=recipe["beta_1"], beta_2=recipe["beta_2"])

    return {"g_optimizer": adam(recipe["g_lr"]), "d_optimizer": adam(recipe["d_lr"])}


PHASE_SAMPLES = 8


def save_phase(model, level, folder):
    """A growing GAN's samples at the end of a phase: a grid, and the first row kept for the card."""
    from zoo.io import atomic_path, save_grid

    images = model.sample_at_level(64, level, seed=0)
    res = model.resolution_at(level)
    save_grid(images, f"{folder}/level{level}_{res}px.png")
    with atomic_path(f"{folder}/level{level}.npy") as path:
        np.save(path, images[:PHASE_SAMPLES])


def phase_rows(model, folder):
    """One row per phase of the same seeds, each upsampled to the final resolution; the final model last.

    The rows of earlier phases were saved when each phase ended (a resumed run
    finds them in `folder`); a missing one is left out and said so.
    """
    size = model.image_shape[0]
    rows, missing = [], []
    for level in range(model.levels - 1):
        path = folder / f"level{level}.npy"
        if not path.exists():
            missing.append(level)
            continue
        images = np.load(path)
        scale = size // images.shape[1]
        rows.append(images.repeat(scale, axis=1).repeat(scale, axis=2))
    rows.append(model.sample(PHASE_SAMPLES, seed=0))
    if missing:
        print(f"phase samples of levels {missing} are missing from {folder}: left out of phases.png")
    return np.concatenate(rows), missing


def pictures(model, phases=None):
    """The card's images: samples (a row per class for a conditional model) and latent interpolations.

    A growing GAN's card also shows each phase's samples (`phases`: the run's folder of them).
    """
    if isinstance(model, Conditional):
        samples = (model.sample(100, seed=0, labels=np.repeat(np.arange(model.num_classes), 10)), 10)
    else:
        samples = (model.sample(64, seed=0), 8)
    # Each row walks the great circle between the codes of two seeds.
    codes = model.latent_codes(16, seed=1)
    rows = [model.interpolate(codes[2 * r], codes[2 * r + 1], steps=10,
                              labels=(r if isinstance(model, Conditional) else None)) for r in range(8)]
    out = {"samples.png": samples, "interpolations.png": (np.concatenate(rows), 10)}
    if phases is not None:
        out["phases.png"] = (phase_rows(model, phases)[0], PHASE_SAMPLES)
    return out


def growth(model, preset, steps_per_epoch, epochs):
    """A growing GAN's callbacks: the epoch grid at the training level, and the phase grids."""
    from zoo.callbacks import SampleGrid
    from zoo.models.gan.progan import Growth

    from training.common import checkpoint_dir

    if steps_per_epoch * epochs < model.total_steps():
        raise ValueError(f"{preset}: {epochs} epochs of {steps_per_epoch} steps do not reach the last level's "
                         f"stable phase ({model.total_steps()} steps)")
    phases = checkpoint_dir(preset).with_suffix(".phases")

    def draw(m, n, seed):
        rounds = int(m.rounds.numpy())
        return m.sample_at_level(n, m.level_at(rounds), seed=seed, alpha=m.alpha_at(rounds))

    grid = SampleGrid(checkpoint_dir(preset).with_suffix(".samples"), n=64, seed=0, draw=draw)
    return [grid, Growth(on_phase_end=lambda m, level: save_phase(m, level, phases))], phases


def run(out=None, epochs=None, data_dir=None, resume=False, preset="dcgan_mnist"):
    import importlib

    import zoo
    from training.common import checkpoint_dir, print_metrics, start
    from zoo.exporters.preset import package
    from zoo.trainer import fit
    from zoo.callbacks import SampleGrid
    from zoo.metrics.evaluate import card_figures
    from zoo.models.gan.progan import ProGAN
    from zoo.registry import exports_dir

    entry, recipe = start(preset, epochs)
    dataset = entry["dataset"]
    model = zoo.create(entry["arch"], **entry["config"])
    # Full batches only: batch norm and the critic's statistics see a steady batch size.
    train = zoo.data.load(dataset, split="train", batch_size=recipe["batch_size"], seed=recipe["seed"],
                          data_dir=data_dir, with_labels=model.needs_labels, drop_remainder=True)
    model.compile(**optimizers(recipe))
    phases = None
    if isinstance(model, ProGAN):
        callbacks, phases = growth(model, preset, int(train.cardinality()), recipe["epochs"])
    else:
        callbacks = [SampleGrid(checkpoint_dir(preset).with_suffix(".samples"), n=64, seed=0)]
    _, wall, steps = fit(model, train, recipe, callbacks=callbacks, checkpoint_dir=checkpoint_dir(preset),
                         resume=resume)

    metrics = card_figures(model, dataset, data_dir=data_dir)
    print_metrics(metrics)
    notes = {
        "Limits": (
            "FID (domain) uses the data set's evaluator's features and is not comparable with Inception FID "
            "or with published figures; Inception figures (where shown) use 1,000 images a side, so read "
            "them against the real-vs-real floor on this card. A GAN has no encoder and no likelihood: it cannot reconstruct, "
            "and its samples can miss modes of the data (the recall figure says how much). The samples "
            "are drawn with the moving average of the generator's weights."
        ),
        "Fine-tuning": (
            "The discriminator and its Adam state ship in the preset (`optimizers.h5`), so "
            f"`zoo finetune {preset} --data FOLDER` continues the game rather than restarting it"
            + (" (FOLDER holds one sub-folder of images per class, in label order)." if isinstance(model, Conditional)
               else ".")
        ),
        "More compute": more_compute(preset, recipe, model),
        "Licence": LICENCES[dataset],
    }
    if preset in PUBLISHED:
        notes["Against the published figure"] = published_note(preset, metrics, steps, model, recipe["batch_size"])
    written = package(model, out, entry, recipe, metrics, wall, steps, zoo.data.raw_files(dataset, data_dir),
                      pictures(model, phases), notes)
    # Follow-up studies the preset declares in its data (its card's fine-tuning figures)
    # run on the preset just written.
    for study in entry.get("follow_up", ()):
        written = importlib.import_module(study).run(preset, data_dir=data_dir, folder=out or exports_dir() / preset,
                                                     required=False) or written
    return written
