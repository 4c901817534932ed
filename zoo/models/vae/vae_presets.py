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
    "vae_cifar10": {
        "arch": "vae",
        "dataset": "cifar10",
        "description": "Convolutional VAE, 64-d code, Gaussian likelihood (sigma 0.1), on CIFAR-10 photos "
                       "(the JPEG copy)",
        "config": {
            "image_shape": [32, 32, 3],
            "latent_dim": 64,
            "filters": [32, 64, 128],
            "hidden": 256,
            "likelihood": "gaussian",
            "sigma": 0.1,
        },
        "recipe": {"epochs": 8, "batch_size": 64, "learning_rate": 1e-3, "precision": "float32", "seed": 0},
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
    "beta_vae_celeba_64": {
        "arch": "beta_vae",
        "dataset": "celeba_64",
        "description": "beta-VAE with a capacity schedule (KL held near C rising to 50 nats), 32-d code, "
                       "Gaussian likelihood, on 64x64 CelebA faces",
        "config": {
            "image_shape": [64, 64, 3],
            "latent_dim": 32,
            "filters": [32, 64, 64, 128],
            "hidden": 128,
            "likelihood": "gaussian",
            "sigma": 0.1,
            # Burgess et al. (2018): loss = recon + beta * |KL - C|; beta is large
            # enough that the code's KL tracks C.
            "beta": 100.0,
            "capacity": 50.0,
            "capacity_steps": 2800,
        },
        "recipe": {"epochs": 25, "batch_size": 64, "learning_rate": 1e-3, "precision": "float32", "seed": 0},
    },
    "wae_celeba_64": {
        "arch": "wae",
        "dataset": "celeba_64",
        "description": "Wasserstein autoencoder (WAE-MMD, inverse multiquadratic kernel), 64-d code, on 64x64 "
                       "CelebA faces",
        "config": {
            "image_shape": [64, 64, 3],
            "latent_dim": 64,
            "filters": [32, 64, 64, 128],
            "hidden": 0,
            "likelihood": "gaussian",
            "sigma": 0.1,
            # Tolstikhin et al. (2018) on CelebA: cost 0.05 * |x - y|^2, lambda 100. With
            # sigma 0.1 the reconstruction term is 50 * |x - y|^2, so lambda scales to 1e5.
            "mmd_weight": 1e5,
        },
        "recipe": {"epochs": 15, "batch_size": 64, "learning_rate": 1e-3, "precision": "float32", "seed": 0},
    },
}
