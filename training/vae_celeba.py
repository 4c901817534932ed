"""Recipes of `beta_vae_celeba_64` and `wae_celeba_64`: VAE-family models on 64x64 CelebA faces.

The faces are the 64x64 crops of the CelebA subset (`celeba_64`: 9,000 train,
1,000 test). CelebA has no labelled evaluator here, so sample quality is
measured with Inception features (the `[fid]` extra): Inception FID, KID and
precision/recall of 1,000 samples against the 1,000 test faces, beside a
Gaussian mixture and a kernel density estimate measured the same way, and the
floor two sets of real faces give at that sample count. Reconstruction error is
beside PCA with as many components as the code has entries.
"""

import numpy as np

from zoo.capabilities import LikelihoodBound

DATASET = "celeba_64"
PUBLISHED = {
    "wae_celeba_64": (
        "Tolstikhin et al. (2018) report an Inception FID of 55 for WAE-MMD on CelebA at 64x64. Their "
        "run differs from this one in data (about 160,000 training faces, against 9,000 here), network "
        "(DCGAN-sized, 4 conv layers of 128 to 1,024 channels, against 32 to 128 here), training (many "
        "more steps on a GPU, against {epochs} epochs of 141 steps here on 2 CPU cores) and measurement (10,000 samples "
        "against 1,000 here, which biases FID upwards: two sets of 1,000 real faces are {floor:.1f} apart)."
    ),
    "beta_vae_celeba_64": (
        "Burgess et al. (2018) train this objective on CelebA with a capacity that rises to 50 nats, as "
        "here; they report traversals, not FID. Read the traversal grid: each row sets one code entry "
        "(the 8 with the largest KL, largest first) to 9 values from -3 to 3 with the others fixed at a "
        "test face's code."
    ),
}


def pictures(model, test_x):
    from training.common import interleave

    shown = test_x[:16]
    # Each row walks from one test face's code to another's.
    rows = [model.interpolate(test_x[2 * r], test_x[2 * r + 1], steps=10) for r in range(6)]
    images = {
        "samples.png": (model.sample(64, seed=0), 8),
        # Rows alternate: eight test faces, then their reconstructions.
        "reconstructions.png": (interleave(shown, model.reconstruct(shown), 8), 8),
        "interpolations.png": (np.concatenate(rows), 10),
    }
    if isinstance(model, LikelihoodBound):  # a VAE: its code coordinates ranked by KL
        dims = model.active_dims(test_x)[0][:8]
        images["traversal.png"] = (model.traverse(test_x[0], dims=dims, values=np.linspace(-3, 3, 9)), 9)
    return images


def train(preset, dataset, epochs=None, data_dir=None, resume=False, test_batch=250):
    """Fits a preset of the VAE family with Adam at its recipe's rate; returns (entry, recipe, model, wall, steps)."""
    import keras

    import zoo
    from training.common import checkpoint_dir, start
    from zoo.trainer import fit

    entry, recipe = start(preset, epochs)
    model = zoo.create(entry["arch"], **entry["config"])
    train_set = zoo.data.load(dataset, split="train", batch_size=recipe["batch_size"], seed=recipe["seed"],
                              data_dir=data_dir)
    test = zoo.data.load(dataset, split="test", batch_size=test_batch, data_dir=data_dir)
    model.compile(optimizer=keras.optimizers.Adam(recipe["learning_rate"]))
    _, wall, steps = fit(model, train_set, recipe, validation=test, checkpoint_dir=checkpoint_dir(preset),
                         resume=resume)
    return entry, recipe, model, wall, steps


def run(out=None, epochs=None, data_dir=None, resume=False, preset="beta_vae_celeba_64"):
    import zoo
    from training.common import print_metrics
    from zoo.exporters.preset import package
    from zoo.metrics.evaluate import INCEPTION_METRICS, card_figures

    entry, recipe, model, wall, steps = train(preset, DATASET, epochs, data_dir, resume, test_batch=250)

    # The IWAE bound is left out: under a fixed-variance Gaussian on continuous
    # pixels it has nothing here to be compared with.
    metrics = card_figures(model, DATASET, data_dir=data_dir,
                           metrics=["elbo", "recon_mse", *INCEPTION_METRICS])
    print_metrics(metrics)
    test_x = zoo.data.as_numpy(DATASET, "test", data_dir=data_dir)
    floor = metrics.get("baseline_real_fid_inception", {}).get("value", float("nan"))
    notes = {
        "Published figures": PUBLISHED[preset].format(epochs=recipe["epochs"], floor=floor),
        "Limits": (
            "Samples and reconstructions are blurry, as a Gaussian decoder's mean images are; faces are "
            "64x64 crops of the first 10,000 CelebA images only. The Inception figures use 1,000 images a "
            "side (Inception features cost about 0.1 s an image on 2 CPU cores): compare them with the "
            "baselines and the real-vs-real floor on this card, not with published 10k-50k figures."
        ),
        "More compute": (
            "The whole of CelebA (200,000 faces), a DCGAN-sized network and about 100 epochs on a GPU; "
            "this preset is sized to train in well under an hour on 2 CPU cores."
        ),
        "Licence": "CelebA: non-commercial research purposes only (the CelebA licence); the weights inherit it.",
    }
    return package(model, out, entry, recipe, metrics, wall, steps, zoo.data.raw_files(DATASET, data_dir),
                   pictures(model, test_x), notes)
