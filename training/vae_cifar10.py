"""Recipe of `vae_cifar10`: a convolutional VAE on CIFAR-10 (the JPEG copy).

It is the VAE that a CIFAR-10 GAN's card is set beside. Measured on the test
split as every sampler of CIFAR-10 is: FID (domain), KID and precision/recall
of 10,000 samples in `evaluator_cifar10`'s features and, with the `[fid]`
extra, the Inception figures at 1,000 images a side; the ELBO and the
reconstruction error; beside a Gaussian mixture, a kernel density estimate and
PCA with as many components as the code has entries.
"""

from training.vae_celeba import pictures

PRESET = "vae_cifar10"
DATASET = "cifar10"


def run(out=None, epochs=None, data_dir=None, resume=False):
    import keras

    import zoo
    from training.common import checkpoint_dir, fit, package, start
    from training.gan import LICENCES
    from zoo.metrics.evaluate import INCEPTION_METRICS, SAMPLE_METRICS, card_figures

    entry, recipe = start(PRESET, epochs)
    model = zoo.create(entry["arch"], **entry["config"])
    train = zoo.data.load(DATASET, split="train", batch_size=recipe["batch_size"], seed=recipe["seed"],
                          data_dir=data_dir)
    test = zoo.data.load(DATASET, split="test", batch_size=500, data_dir=data_dir)
    model.compile(optimizer=keras.optimizers.Adam(recipe["learning_rate"]))
    _, wall, steps = fit(model, train, recipe, validation=test, checkpoint_dir=checkpoint_dir(PRESET),
                         resume=resume)

    # No IWAE bound: a fixed-variance Gaussian on continuous pixels has nothing here to be compared with.
    metrics = card_figures(model, DATASET, data_dir=data_dir,
                           metrics=["elbo", "recon_mse", *SAMPLE_METRICS, *INCEPTION_METRICS])
    for name, m in metrics.items():
        print(f"{name:32s} {m['value']:.6g} {m['unit']}  ({m['evaluator']}, {m['split']})")
    notes = {
        "Limits": (
            "Samples and reconstructions are blurry, as a Gaussian decoder's mean images are (sigma 0.1 "
            "weighs the pixels' squared error 50 to 1 against the code's KL). FID (domain) uses "
            "evaluator_cifar10's features and is not comparable with Inception FID; the Inception figures "
            "use 1,000 images a side, so read them against the real-vs-real floor on this card."
        ),
        "More compute": (
            "A wider network, a larger code and many more epochs, or a hierarchical VAE (NVAE-style) for "
            "sharp samples; this preset is sized to train in well under an hour on 2 CPU cores."
        ),
        "Licence": LICENCES[DATASET],
    }
    test_x = zoo.data.as_numpy(DATASET, "test", data_dir=data_dir)
    return package(model, out, entry, recipe, metrics, wall, steps, zoo.data.raw_files(DATASET, data_dir),
                   pictures(model, test_x), notes)
