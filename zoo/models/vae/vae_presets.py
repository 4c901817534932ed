"""Presets of the `vae` architecture: plain data, read by `zoo.load` and `training/`."""

PRESETS = {
    "vae_mnist": {
        "arch": "vae",
        "dataset": "mnist",
        "description": "Convolutional VAE, 16-d code, Bernoulli likelihood, on MNIST digits",
        "config": {
            "image_shape": [28, 28, 1],
            "latent_dim": 16,
            "filters": [32, 64],
            "hidden": 128,
            "likelihood": "bernoulli",
        },
        "recipe": {
            "epochs": 20,
            "batch_size": 128,
            "learning_rate": 1e-3,
            "precision": "float32",
            "seed": 0,
        },
    },
    "vae_fashion_mnist": {
        "arch": "vae",
        "dataset": "fashion_mnist",
        "description": "Convolutional VAE, 16-d code, Bernoulli likelihood, on Fashion-MNIST clothes",
        "config": {
            "image_shape": [28, 28, 1],
            "latent_dim": 16,
            "filters": [32, 64],
            "hidden": 128,
            "likelihood": "bernoulli",
        },
        "recipe": {
            "epochs": 12,
            "batch_size": 128,
            "learning_rate": 1e-3,
            "precision": "float32",
            "seed": 0,
        },
    },
    "cvae_mnist": {
        "arch": "cvae",
        "dataset": "mnist",
        "description": "Conditional convolutional VAE, 16-d code, Bernoulli likelihood, on MNIST digits and their labels",
        "config": {
            "image_shape": [28, 28, 1],
            "num_classes": 10,
            "latent_dim": 16,
            "filters": [32, 64],
            "hidden": 128,
            "likelihood": "bernoulli",
        },
        "recipe": {
            "epochs": 15,
            "batch_size": 128,
            "learning_rate": 1e-3,
            "precision": "float32",
            "seed": 0,
        },
    },
}
