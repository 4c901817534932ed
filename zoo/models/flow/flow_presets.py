"""Presets of the flow family (`glow`, `real_nvp`): plain data, read by `zoo.load` and `training/flow.py`.

Sized to train in under an hour on 2 CPU cores: a Glow of 0.15 M parameters
(16 M multiply-adds a 28x28 image) trains at about 400 images/s, 2.5 minutes
an epoch of MNIST; the RealNVP does about as much arithmetic (18 M
multiply-adds, 0.1 M parameters), most of it in the full-resolution
checkerboard couplings. Both work at 28x28 without padding: Glow squeezes to
14x14x4 and 7x7x8 (after factoring out half), RealNVP couples at 28x28x1, then
14x14x4 (squeezed) and 14x14x2, then 7x7x8 and 7x7x4.
"""

# Adam at `learning_rate`, warmed up linearly from 0 over `warmup_epochs` and decayed to 0 by a
# cosine over the rest (`training/flow.py`); `init_images` from the train split set Glow's actnorm.
RECIPE = {
    "batch_size": 64,
    "learning_rate": 1e-3,
    "warmup_epochs": 1,
    "global_clipnorm": 50.0,
    "init_images": 1024,
    "precision": "float32",
    "seed": 0,
}

GLOW_CONFIG = {"image_shape": [28, 28, 1], "levels": 2, "steps": 8, "hidden": 64, "blocks": 0,
               "preprocessing": "shift"}

PRESETS = {
    "glow_mnist": {
        "arch": "glow",
        "dataset": "mnist",
        "description": "Glow (2 levels of 8 steps: actnorm, LU 1x1 convolution, affine coupling), 0.15 M "
                       "parameters, exact likelihood, on MNIST digits",
        "config": dict(GLOW_CONFIG),
        "recipe": {**RECIPE, "epochs": 16},
    },
    "glow_fashion_mnist": {
        "arch": "glow",
        "dataset": "fashion_mnist",
        "description": "Glow (2 levels of 8 steps: actnorm, LU 1x1 convolution, affine coupling), 0.15 M "
                       "parameters, exact likelihood, on Fashion-MNIST clothes",
        "config": dict(GLOW_CONFIG),
        "recipe": {**RECIPE, "epochs": 16},
    },
    "real_nvp_mnist": {
        "arch": "real_nvp",
        "dataset": "mnist",
        "description": "RealNVP (3 scales of checkerboard and channel affine couplings, logit preprocessing) "
                       "with Glow's learned prior, 0.1 M parameters, exact likelihood, on MNIST digits",
        # The paper's prior is a fixed N(0, I); a fixed prior left glow_mnist's codes of data at 0.02-0.9 of
        # the prior's spread per dimension (border pixels are always background) and its samples without digits.
        "config": {"image_shape": [28, 28, 1], "levels": 3, "steps": 3, "hidden": 48, "blocks": 0,
                   "preprocessing": "logit", "alpha": 0.05, "learned_prior": True},
        "recipe": {**RECIPE, "epochs": 15},
    },
}
