"""Presets of the GAN family: plain data, read by `zoo.load` and `training/gan.py`.

Every recipe uses Adam with the paper's betas for both players; `g_lr` and
`d_lr` are the generator's and the discriminator's learning rates.
"""

ADAM_DCGAN = {"g_lr": 2e-4, "d_lr": 2e-4, "beta_1": 0.5, "beta_2": 0.999}
GREY_28 = {"image_shape": [28, 28, 1], "latent_dim": 32}
CONV_28 = {**GREY_28, "g_filters": [128, 64], "d_filters": [64, 128]}

PRESETS = {
    "gan_mnist": {
        "arch": "gan",
        "dataset": "mnist",
        "description": "The original GAN: MLP generator (32-256-512-784) and discriminator (784-512-256-1), "
                       "non-saturating generator loss, on MNIST digits",
        "config": {**GREY_28, "g_hidden": [256, 512], "d_hidden": [512, 256], "d_dropout": 0.3,
                   "g_loss": "non_saturating", "ema": 0.999},
        "recipe": {"epochs": 100, "batch_size": 64, **ADAM_DCGAN, "precision": "float32", "seed": 0},
    },
    "dcgan_mnist": {
        "arch": "dcgan",
        "dataset": "mnist",
        "description": "DCGAN (7x7 -> 28x28 transposed convolutions, batch norm), on MNIST digits",
        "config": {**CONV_28, "ema": 0.999},
        "recipe": {"epochs": 16, "batch_size": 64, **ADAM_DCGAN, "precision": "float32", "seed": 0},
    },
    "dcgan_fashion_mnist": {
        "arch": "dcgan",
        "dataset": "fashion_mnist",
        "description": "DCGAN (7x7 -> 28x28 transposed convolutions, batch norm), on Fashion-MNIST clothes",
        "config": {**CONV_28, "ema": 0.999},
        "recipe": {"epochs": 8, "batch_size": 64, **ADAM_DCGAN, "precision": "float32", "seed": 0},
    },
    "cgan_mnist": {
        "arch": "cgan",
        "dataset": "mnist",
        "description": "Class-conditional DCGAN (one-hot label beside z; projection discriminator), on MNIST "
                       "digits and their labels",
        "config": {**CONV_28, "num_classes": 10, "ema": 0.999},
        "recipe": {"epochs": 8, "batch_size": 64, **ADAM_DCGAN, "precision": "float32", "seed": 0},
    },
    "wgan_gp_fashion_mnist": {
        "arch": "wgan_gp",
        "dataset": "fashion_mnist",
        "description": "WGAN-GP (layer-norm critic, 5 critic steps per generator step, lambda 10), on "
                       "Fashion-MNIST clothes",
        "config": {**CONV_28, "d_steps": 5, "gp_weight": 10.0, "ema": 0.999},
        "recipe": {"epochs": 6, "batch_size": 64, "g_lr": 2e-4, "d_lr": 2e-4, "beta_1": 0.0, "beta_2": 0.9,
                   "precision": "float32", "seed": 0},
    },
    "dcgan_celeba_64": {
        "arch": "dcgan",
        "dataset": "celeba_64",
        "description": "DCGAN (4x4 -> 64x64 transposed convolutions, batch norm), on 64x64 CelebA faces",
        "config": {"image_shape": [64, 64, 3], "latent_dim": 64, "g_filters": [256, 128, 64, 32],
                   "d_filters": [32, 64, 128, 256], "ema": 0.999},
        "recipe": {"epochs": 60, "batch_size": 64, **ADAM_DCGAN, "precision": "float32", "seed": 0},
        # Run by the recipe after packaging: fine-tuned on 400 AT&T faces against the same network from scratch.
        "follow_up": ["training.finetune_study"],
    },
    "dcgan_cifar10_32": {
        "arch": "dcgan",
        "dataset": "cifar10",
        "description": "DCGAN (4x4 -> 32x32 transposed convolutions, batch norm), on CIFAR-10 photos (the JPEG copy)",
        "config": {"image_shape": [32, 32, 3], "latent_dim": 64, "g_filters": [128, 64, 32],
                   "d_filters": [32, 64, 128], "ema": 0.999},
        "recipe": {"epochs": 12, "batch_size": 64, **ADAM_DCGAN, "precision": "float32", "seed": 0},
    },
    "dcgan_celeba_32": {
        "arch": "dcgan",
        "dataset": "celeba_32",
        "description": "DCGAN (4x4 -> 32x32 transposed convolutions, batch norm), on 32x32 CelebA faces: "
                       "the yardstick of progan_celeba_32",
        "config": {"image_shape": [32, 32, 3], "latent_dim": 64, "g_filters": [256, 128, 64],
                   "d_filters": [64, 128, 256], "ema": 0.999},
        "recipe": {"epochs": 60, "batch_size": 64, **ADAM_DCGAN, "precision": "float32", "seed": 0},
    },
    "progan_celeba_32": {
        "arch": "progan",
        "dataset": "celeba_32",
        "description": "Progressive GAN (4x4 -> 8 -> 16 -> 32, each level faded in over 1,500 steps and "
                       "trained stable for 1,500; equalised learning rate, pixel norm, minibatch stddev, "
                       "WGAN-GP with drift), on 32x32 CelebA faces",
        "config": {"image_shape": [32, 32, 3], "latent_dim": 128, "g_filters": [128, 128, 64, 32],
                   "d_filters": [128, 128, 64, 32], "fade_steps": 1500, "stable_steps": 1500, "gp_weight": 10.0,
                   "drift": 0.001, "group_size": 4, "ema": 0.999},
        # Adam(1e-3, beta_1 0, beta_2 0.99), as the paper. 9,000 faces make 281 steps of 32 an epoch: 48
        # epochs (13,488 steps) cover the schedule's 10,500 and give the last level about 3,000 more.
        "recipe": {"epochs": 48, "batch_size": 32, "g_lr": 1e-3, "d_lr": 1e-3, "beta_1": 0.0, "beta_2": 0.99,
                   "precision": "float32", "seed": 0},
    },
}
