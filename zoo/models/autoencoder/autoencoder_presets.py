"""Presets of the autoencoder family: plain data, read by `zoo.load` and `training/`."""

_RECIPE = {"epochs": 20, "batch_size": 128, "learning_rate": 1e-3, "precision": "float32", "seed": 0}

PRESETS = {
    "ae_mnist": {
        "arch": "ae",
        "dataset": "mnist",
        "description": "Dense autoencoder 784-512-256-32-256-512-784 on MNIST digits",
        "config": {"image_shape": [28, 28, 1], "latent_dim": 32, "hidden": [512, 256], "loss": "bce"},
        # The compression study trains the same network at each code size.
        "recipe": {**_RECIPE, "code_sizes": [2, 4, 8, 16, 32, 64], "sweep_epochs": 10},
    },
    "stacked_ae_mnist": {
        "arch": "stacked_ae",
        "dataset": "mnist",
        "description": "The stacked autoencoder 784-300-150-300-784 (SELU), pre-trained layer by layer, on MNIST",
        "config": {"image_shape": [28, 28, 1], "latent_dim": 150, "hidden": [300], "activation": "selu",
                   "loss": "bce"},
        "recipe": {**_RECIPE, "pretrain_epochs": 3},
    },
    "ae2d_mnist": {
        "arch": "ae",
        "dataset": "mnist",
        "description": "Dense autoencoder 784-128-64-10-2 with a 2-D code: a map of MNIST",
        "config": {"image_shape": [28, 28, 1], "latent_dim": 2, "hidden": [128, 64, 10], "loss": "bce"},
        "recipe": {**_RECIPE, "epochs": 30},
    },
    "sparse_ae_mnist": {
        "arch": "sparse_ae",
        "dataset": "mnist",
        "description": "Overcomplete sparse autoencoder 784-1024-784, L1 on the ReLU code, on MNIST",
        "config": {"image_shape": [28, 28, 1], "latent_dim": 1024, "l1": 0.3, "loss": "bce"},
        "recipe": {**_RECIPE, "epochs": 12},
    },
    "conv_ae_fashion_mnist": {
        "arch": "conv_ae",
        "dataset": "fashion_mnist",
        "description": "Convolutional autoencoder, 32-d code, on Fashion-MNIST clothes",
        "config": {"image_shape": [28, 28, 1], "latent_dim": 32, "filters": [32, 64], "upsampling": "transpose",
                   "loss": "bce"},
        "recipe": {**_RECIPE, "epochs": 15},
    },
    "denoising_ae_mnist": {
        "arch": "denoising_ae",
        "dataset": "mnist",
        "description": "Convolutional denoising autoencoder (Gaussian noise, std 0.5) on MNIST digits",
        "config": {"image_shape": [28, 28, 1], "latent_dim": 64, "filters": [32, 64], "upsampling": "transpose",
                   "corruption": "gaussian", "noise": 0.5, "loss": "bce"},
        "recipe": {**_RECIPE, "epochs": 10},
    },
    "swap_ae_att_faces": {
        "arch": "swap_ae",
        "dataset": "att_faces",
        "description": "Face-swap autoencoder (shared encoder, a decoder per person) on two people of the AT&T faces",
        "config": {"image_shape": [64, 64, 1], "latent_dim": 64, "filters": [16, 32, 64],
                   "upsampling": "nearest", "identities": 2, "augment": True, "loss": "bce"},
        # 16 training photos: an epoch is the set seen `repeats_per_epoch` times.
        "recipe": {"epochs": 40, "batch_size": 16, "learning_rate": 1e-3, "repeats_per_epoch": 50,
                   "people": [0, 1], "precision": "float32", "seed": 0},
    },
}
