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


# A file each built-in set's raw folder holds.
RAW_FILE = {
    "mnist": "mnist/t10k-images-idx3-ubyte.gz",
    "fashion_mnist": "fashion-mnist/t10k-images-idx3-ubyte.gz",
    "att_faces": "att_faces/att_faces-orl-pgm-00.zip",
    "cifar10": "cifar10/cifar10-jpg-test-00.zip",
    "celeba": "celeba/celebA-first10k-89x109-jpg-00.zip",
    "celeba_64": "celeba/celebA-first10k-89x109-jpg-00.zip",
    "celeba_32": "celeba/celebA-first10k-89x109-jpg-00.zip",
}


def data_dir_or_skip(name="mnist"):
    root = os.environ.get("ZOO_DATA_DIR")
    if not root or not os.path.isfile(os.path.join(root, RAW_FILE[name])):
        pytest.skip(f"ZOO_DATA_DIR does not hold {RAW_FILE[name]} (set it to ../shared/data)")
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
