import keras
import pytest

from zoo.precision import POLICIES, float32_clone, policy_scope, resolve


def test_auto_is_float32_on_a_cpu():
    import tensorflow as tf

    expected = "mixed_float16" if tf.config.list_physical_devices("GPU") else "float32"
    assert resolve("auto") == expected


def test_unknown_precision_names_the_choices():
    with pytest.raises(ValueError, match="mixed_bfloat16"):
        resolve("fp8")


def test_policy_scope_restores_the_old_policy():
    with policy_scope("mixed_bfloat16"):
        assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
    assert keras.mixed_precision.global_policy().name == "float32"


def test_float32_clone_of_a_bfloat16_model():
    import numpy as np

    import zoo

    with policy_scope("mixed_bfloat16"):
        model = zoo.create("vae", image_shape=(8, 8, 1), latent_dim=2, filters=[4], hidden=8)
    clone = float32_clone(model)
    assert clone.dtype_policy.name == "float32"
    for a, b in zip(model.get_weights(), clone.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert len(POLICIES) == 4
