"""Presets of the diffusion family: plain data, read by `zoo.load` and `training/diffusion.py`.

Both are sized for 2 CPU cores: a U-Net of widths 16/32/64 (28 -> 14 -> 7),
one residual block per resolution (two on the way up) and self-attention at
7x7, about 0.7 M parameters, which trains at roughly 100 images a second in
float32; 12 epochs of the 60,000 training images take about two hours,
resumable from the per-epoch checkpoints (`python -m training PRESET --resume`).

Training predicts v (Salimans and Ho, 2022) under the cosine schedule: at the
schedule's noisiest steps (alpha-bar about 2e-9 at t = 999) an eps-predicting
network's x_0 estimate divides by sqrt(alpha-bar), which spoils the first DDIM
steps and amplifies float32 round-off far beyond the exports' 1e-3 parity;
from v, x_0 = sqrt(a) x_t - sqrt(1 - a) v is well conditioned at every step.

`measure` lists what the recipe measures beyond the card's shared figures:
FID (domain), KID and class accuracy against the guidance scale, and the
sampling table (DDIM at several step counts, and ancestral DDPM over all 1,000
steps on fewer samples), with the sample count of each.
"""

UNET_28 = {"image_shape": [28, 28, 1], "widths": [16, 32, 64], "blocks": 1, "attention": True, "groups": 8,
           "heads": 1, "dropout": 0.0}
DIFFUSION = {"timesteps": 1000, "schedule": "cosine", "prediction": "v", "ema": 0.999, "sampler": "ddim",
             "sample_steps": 25, "eta": 0.0}
RECIPE = {"epochs": 12, "batch_size": 64, "learning_rate": 1e-3, "warmup_steps": 500, "final_lr_fraction": 0.1,
          "clipnorm": 1.0, "precision": "float32", "seed": 0}
MEASURE = {"n": 10000, "guidance": [0.0, 1.0, 3.0, 5.0], "guidance_n": 2000, "ddim_steps": [10, 25, 50, 100],
           "steps_n": 1000, "ddpm_n": 200}

PRESETS = {
    "ddpm_mnist": {
        "arch": "ddpm",
        "dataset": "mnist",
        "description": "Class-conditional DDPM (U-Net 16/32/64 with attention at 7x7, cosine schedule, v-prediction, "
                       "10 % label dropout), sampled by DDIM with classifier-free guidance, on MNIST digits",
        "config": {**UNET_28, "num_classes": 10, "label_dropout": 0.1, **DIFFUSION, "guidance": 2.0},
        "recipe": dict(RECIPE),
        "measure": dict(MEASURE),
    },
    "ddpm_fashion_mnist": {
        "arch": "ddpm",
        "dataset": "fashion_mnist",
        "description": "Unconditional DDPM (U-Net 16/32/64 with attention at 7x7, cosine schedule, v-prediction), "
                       "sampled by DDIM, on Fashion-MNIST clothes",
        "config": {**UNET_28, "num_classes": None, **DIFFUSION},
        "recipe": dict(RECIPE),
        "measure": {**MEASURE, "guidance": []},
    },
}
