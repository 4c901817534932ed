"""Recipe of `vae_cifar10`: a convolutional VAE on CIFAR-10 (the JPEG copy).

It is the VAE that a CIFAR-10 GAN's card is set beside. Measured on the test
split as every sampler of CIFAR-10 is: FID (domain), KID and precision/recall
of 10,000 samples in `evaluator_cifar10`'s features and, with the `[fid]`
extra, the Inception figures at 1,000 images a side; the ELBO and the
reconstruction error; beside a Gaussian mixture, a kernel density estimate and
PCA with as many components as the code has entries.
"""

from training.vae_celeba import pictures, train

PRESET = "vae_cifar10"
DATASET = "cifar10"


def run(out=None, epochs=None, data_dir=None, resume=False):
    import zoo
    from training.common import print_metrics
    from zoo.exporters.preset import package
    from training.gan import LICENCES
    from zoo.metrics.evaluate import INCEPTION_METRICS, SAMPLE_METRICS, card_figures

    entry, recipe, model, wall, steps = train(PRESET, DATASET, epochs, data_dir, resume, test_batch=500)

    # No IWAE bound: a fixed-variance Gaussian on continuous pixels has nothing here to be compared with.
    metrics = card_figures(model, DATASET, data_dir=data_dir,
                           metrics=["elbo", "recon_mse", *SAMPLE_METRICS, *INCEPTION_METRICS])
    print_metrics(metrics)
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
