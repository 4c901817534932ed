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
