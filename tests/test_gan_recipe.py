"""The GAN recipes' card text that depends on measured figures."""

import zoo
from training.gan import PUBLISHED, published_note

CIFAR = {"image_shape": (32, 32, 3), "latent_dim": 4, "g_filters": [8, 4, 4], "d_filters": [4, 4, 8]}


def test_the_published_figure_is_set_beside_the_measured_one_with_the_budget_ratio():
    model = zoo.create("dcgan", **CIFAR)
    metrics = {"fid_inception": {"value": 80.25, "n": 1000}, "baseline_real_fid_inception": {"value": 12.3}}
    note = published_note("dcgan_cifar10_32", metrics, 20_000, model)
    assert str(PUBLISHED["dcgan_cifar10_32"]["fid"]) in note
    assert "Inception FID 80.2 from 1,000 samples" in note and "12.3" in note
    assert "10x fewer generator steps and 20x fewer discriminator updates" in note


def test_without_inception_figures_the_note_says_how_to_measure_them():
    note = published_note("dcgan_cifar10_32", {}, 20_000, zoo.create("dcgan", **CIFAR))
    assert "zoo eval dcgan_cifar10_32 --baselines --record" in note and "[fid]" in note


def test_a_growing_gans_phase_rows_show_each_phase_upsampled_then_the_final_model(tmp_path):
    import numpy as np
    import pytest

    from training.gan import PHASE_SAMPLES, phase_rows, save_phase

    model = zoo.create("progan", image_shape=(16, 16, 1), latent_dim=3, g_filters=[4, 4, 4], d_filters=[4, 4, 4],
                       fade_steps=1, stable_steps=1)
    save_phase(model, 0, tmp_path)
    assert (tmp_path / "level0_4px.png").exists()
    rows, missing = phase_rows(model, tmp_path)
    assert missing == [1] and rows.shape == (2 * PHASE_SAMPLES, 16, 16, 1)
    level0 = model.sample_at_level(PHASE_SAMPLES, 0, seed=0)
    np.testing.assert_array_equal(rows[:PHASE_SAMPLES], level0.repeat(4, axis=1).repeat(4, axis=2))
    np.testing.assert_array_equal(rows[PHASE_SAMPLES:], model.sample(PHASE_SAMPLES, seed=0))
    save_phase(model, 1, tmp_path)
    assert phase_rows(model, tmp_path)[0].shape[0] == 3 * PHASE_SAMPLES

    from training.gan import growth

    with pytest.raises(ValueError, match="do not reach the last level's stable phase"):
        growth(model, "progan_celeba_32", steps_per_epoch=2, epochs=2)
