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
