"""Presets of the translation family: plain data, read by `zoo.load` and `training/translation.py`.

Sized for 2 CPU cores, each recipe about an hour: pix2pix at 64x64 with a
6-level U-Net of 32 to 256 channels (the paper's U-Net-256 has 8 levels of 64
to 512) trains at about 50 pairs/s, so 8 passes over 9,000 faces take 25 min,
and the recipe trains the L1-only baseline (the same U-Net, initialisation and
data order) beside it; CycleGAN at 32x32 with 32-channel generators of 6
residual blocks (the paper's: 64 channels, 9 blocks at 256x256) trains at
about 15 pairs/s, so 7 passes over 5,000 horses and 5,000 deer take 40 min.
Every optimizer is Adam(2e-4, beta_1=0.5), as both papers; CycleGAN's rate is
held for `hold_epochs`, then decayed linearly to zero (`HoldThenLinearDecay`).
The test split is never seen in training: the CelebA faces 9,001-10,000 and
CIFAR-10's test batch.
"""

ADAM = {"learning_rate": 2e-4, "beta_1": 0.5, "beta_2": 0.999}
# 64 -> 1 in 6 levels; a 34x34 PatchGAN (3 levels), 14x14 patches a face.
UNET_64 = {"image_shape": [64, 64, 3], "filters": [32, 64, 128, 256, 256, 256], "d_filters": [32, 64, 128],
           "dropout": 0.5, "dropout_layers": 3, "norm": "batch", "l1_weight": 100.0}
PIX2PIX_RECIPE = {"epochs": 8, "batch_size": 16, **ADAM, "precision": "float32", "seed": 0, "baseline": "l1_only"}

PRESETS = {
    "pix2pix_celeba_edges_64": {
        "arch": "pix2pix",
        "dataset": "celeba_64",
        "description": "pix2pix (6-level U-Net, 34x34 PatchGAN, L1 weight 100): edge maps (smoothed Sobel, fixed "
                       "threshold) -> 64x64 CelebA faces",
        "config": {**UNET_64, "task": "edges"},
        "recipe": dict(PIX2PIX_RECIPE),
    },
    "pix2pix_celeba_colorize_64": {
        "arch": "pix2pix",
        "dataset": "celeba_64",
        "description": "pix2pix (6-level U-Net, 34x34 PatchGAN, L1 weight 100): grey (BT.601 luma) -> colour "
                       "64x64 CelebA faces",
        "config": {**UNET_64, "task": "grey"},
        "recipe": dict(PIX2PIX_RECIPE),
    },
    "cycle_gan_cifar10_horse_deer": {
        "arch": "cycle_gan",
        "dataset": "cifar10",
        "description": "CycleGAN (ResNet generators, 6 blocks; 16x16 PatchGANs; LSGAN, cycle weight 10, identity "
                       "5, pools of 50): CIFAR-10 horses <-> deer, unpaired, 32x32",
        "config": {"image_shape": [32, 32, 3], "filters": 32, "downsamples": 2, "res_blocks": 6,
                   "d_filters": [32, 64], "norm": "instance", "cycle_weight": 10.0, "identity_weight": 0.5,
                   "pool_size": 50, "seed": 0},
        # Domain A and domain B: CIFAR-10 class names.
        "recipe": {"epochs": 7, "hold_epochs": 3, "decay_epochs": 4, "batch_size": 4, "domain_a": "horse",
                   "domain_b": "deer", **ADAM, "precision": "float32", "seed": 0},
    },
}
