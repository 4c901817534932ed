"""Evaluator presets: one classifier per labelled built-in data set."""

PRESETS = {
    "evaluator_mnist": {
        "arch": "evaluator",
        "dataset": "mnist",
        "description": "CNN classifier of MNIST digits; its features give FID (domain), KID and precision/recall",
        "config": {"image_shape": [28, 28, 1], "num_classes": 10, "filters": [32, 64, 128], "features": 128,
                   "dropout": 0.3, "augment_shift": 2},
        "recipe": {"epochs": 6, "batch_size": 128, "learning_rate": 2e-3, "precision": "float32", "seed": 0},
    },
    "evaluator_fashion_mnist": {
        "arch": "evaluator",
        "dataset": "fashion_mnist",
        "description": "CNN classifier of Fashion-MNIST clothes; its features give FID (domain), KID and precision/recall",
        "config": {"image_shape": [28, 28, 1], "num_classes": 10, "filters": [32, 64, 128], "features": 128,
                   "dropout": 0.3, "augment_shift": 2},
        "recipe": {"epochs": 6, "batch_size": 128, "learning_rate": 2e-3, "precision": "float32", "seed": 0},
    },
    "evaluator_cifar10": {
        "arch": "evaluator",
        "dataset": "cifar10",
        "description": "CNN classifier of CIFAR-10 photos (the JPEG copy); its features give FID (domain), KID and precision/recall",
        "config": {"image_shape": [32, 32, 3], "num_classes": 10, "filters": [32, 64, 128], "features": 128,
                   "dropout": 0.3, "augment_shift": 3, "augment_flip": True},
        "recipe": {"epochs": 12, "batch_size": 128, "learning_rate": 2e-3, "precision": "float32", "seed": 0},
    },
}
