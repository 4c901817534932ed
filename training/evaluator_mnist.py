"""Recipe of `evaluator_mnist`: the CNN classifier whose features measure MNIST samples.

Measured on the test split: accuracy (the bar is 99.3 %), and, as the floor
any generator's FID (domain) should be read against, the FID (domain) and KID
between 10,000 real train images and the 10,000 test images.
"""

PRESET = "evaluator_mnist"
DATASET = "mnist"
ACCURACY_BAR = 0.993
LICENCES = {
    "mnist": "MNIST: Yann LeCun and Corinna Cortes, redistributed for research.",
    "fashion_mnist": "Fashion-MNIST: MIT licence, Zalando Research.",
    "cifar10": ("CIFAR-10: Alex Krizhevsky, Vinod Nair and Geoffrey Hinton (cite the 2009 tech report). "
                "Trained and measured on a lossy JPEG copy: figures are not exactly comparable with "
                "figures on the original lossless batches."),
}


def evaluate(model, train_x, test_x, test_y, preset=PRESET):
    from zoo.metrics.evaluate import metric
    from zoo.metrics.distances import frechet_distance, kernel_inception_distance

    accuracy = float((model.classify(test_x) == test_y).mean())
    real = model.features(train_x[:10000])
    test = model.features(test_x)
    kid, kid_std = kernel_inception_distance(real, test)
    return {
        "accuracy": metric(accuracy, "ratio", "test", len(test_x), "argmax of the logits", True),
        "fid_domain_train_vs_test": metric(
            frechet_distance(real, test), "", "train[:10000] vs test", len(test_x),
            f"FID (domain) of real images, {preset} features: the floor for samples", False),
        "kid_domain_train_vs_test": metric(
            kid, "", "train[:10000] vs test", len(test_x),
            f"KID (domain) of real images (std {kid_std:.2g} over 50 subsets of 1000)", False),
    }


def run(out=None, epochs=None, data_dir=None, resume=False, preset=PRESET, dataset=DATASET, bar=ACCURACY_BAR):
    import keras

    import zoo
    from training.common import checkpoint_dir, start
    from zoo.exporters.preset import package
    from zoo.trainer import fit

    entry, recipe = start(preset, epochs)
    train = zoo.data.load(dataset, split="train", batch_size=recipe["batch_size"], seed=recipe["seed"],
                          with_labels=True, data_dir=data_dir)
    test = zoo.data.load(dataset, split="test", batch_size=1000, with_labels=True, data_dir=data_dir)
    model = zoo.create(entry["arch"], **entry["config"])
    steps_per_epoch = -(-zoo.data.info(dataset)["splits"]["train"] // recipe["batch_size"])
    schedule = keras.optimizers.schedules.CosineDecay(recipe["learning_rate"], recipe["epochs"] * steps_per_epoch)
    model.compile(optimizer=keras.optimizers.Adam(schedule))
    _, wall, steps = fit(model, train, recipe, validation=test, checkpoint_dir=checkpoint_dir(preset), resume=resume)

    train_x = zoo.data.as_numpy(dataset, "train", data_dir=data_dir)
    test_x, test_y = zoo.data.as_numpy(dataset, "test", data_dir=data_dir, with_labels=True)
    metrics = evaluate(model, train_x, test_x, test_y, preset)
    for name, m in metrics.items():
        print(f"{name:28s} {m['value']:.6g}  ({m['evaluator']}, {m['split']})")
    verdict = "meets" if metrics["accuracy"]["value"] >= bar else "DOES NOT meet"
    notes = {
        "Use as an evaluator": (
            f"Its 128 penultimate features give FID (domain), KID and precision/recall of {dataset} "
            f"samples; its logits the class accuracy of conditional samples. Test accuracy {verdict} "
            f"the bar of {bar:.1%}. FID (domain) is not Inception FID: never compare the two."
        ),
        "Limits": f"Trained on {dataset} only; it is a measuring instrument, not a robust classifier.",
        "Licence": LICENCES[dataset],
    }
    return package(model, out, entry, recipe, metrics, wall, steps, zoo.data.raw_files(dataset, data_dir),
                   {}, notes)
