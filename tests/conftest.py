import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _float32_policy():
    """Every test starts and ends under the float32 policy."""
    import keras

    keras.mixed_precision.set_global_policy("float32")
    yield
    keras.mixed_precision.set_global_policy("float32")


def data_dir_or_skip(name="mnist"):
    root = os.environ.get("ZOO_DATA_DIR")
    folder = {"mnist": "mnist", "fashion_mnist": "fashion-mnist"}[name]
    if not root or not os.path.isfile(os.path.join(root, folder, "t10k-images-idx3-ubyte.gz")):
        pytest.skip(f"ZOO_DATA_DIR does not hold {folder}/ (set it to ../shared/data)")
    return root


# The tiny VAE the CLI tests train, as `zoo train --set` arguments.
TINY_VAE_ARGS = ["--set", "image_shape=[8,8,1]", "--set", "latent_dim=2", "--set", "filters=[4]", "--set", "hidden=8"]


def write_pngs(folder, n, shape, seed=0):
    """Writes `n` random grey PNGs of `shape` (h, w, 1) into `folder`; returns it."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    for i in range(n):
        img = (rng.uniform(0, 1, shape) * 255).astype(np.uint8)
        (folder / f"{i:03d}.png").write_bytes(tf.io.encode_png(img).numpy())
    return folder
