"""The toy family's presets: plain data, as every family's."""

PRESETS = {
    "toy_flow_noise": {
        "arch": "toy_flow",
        "dataset": "noise",
        "description": "A diagonal affine flow on 4x4 noise (a test fixture)",
        "config": {"image_shape": [4, 4, 1]},
        "recipe": {"epochs": 1, "batch_size": 4, "seed": 0, "precision": "float32"},
    },
}
