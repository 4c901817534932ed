"""The commands for what autoencoders are for, run on tiny saved models."""

import numpy as np
import pytest
import tensorflow as tf

import zoo
from tests.conftest import data_dir_or_skip, write_pngs
from zoo import pretrained
from zoo.cli import main


def saved(tmp_path_factory, arch, **config):
    model = zoo.create(arch, **config)
    folder = tmp_path_factory.mktemp(arch) / f"tiny_{arch}"
    pretrained.save(model, folder, {"preset": f"tiny_{arch}", "dataset": {"name": "mnist"}})
    return folder


@pytest.fixture(scope="module")
def tiny_ae(tmp_path_factory):
    return saved(tmp_path_factory, "ae", image_shape=(28, 28, 1), latent_dim=2, hidden=[8])


def png_shape(path):
    return tuple(tf.io.decode_png(path.read_bytes()).shape)


def test_plot_latent_draws_the_test_set(tiny_ae, tmp_path, capsys):
    data_dir_or_skip()
    out = tmp_path / "map.png"
    assert main(["plot-latent", str(tiny_ae), "--data", "mnist", "-n", "500", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png_shape(out)[0] > 100
    assert "500 mnist test images" in capsys.readouterr().out


def test_plot_latent_projects_a_wider_code(tmp_path_factory, tmp_path, capsys):
    data_dir_or_skip()
    wide = saved(tmp_path_factory, "ae", image_shape=(28, 28, 1), latent_dim=5, hidden=[8])
    assert main(["plot-latent", str(wide), "--data", "mnist", "-n", "200", "--out", str(tmp_path / "m.png")]) == 0
    assert (tmp_path / "m.png").is_file()


def test_outliers_prints_an_auroc(tiny_ae, capsys):
    data_dir_or_skip()
    data_dir_or_skip("fashion_mnist")
    assert main(["outliers", str(tiny_ae), "--outliers", "fashion_mnist"]) == 0
    out = capsys.readouterr().out
    value = float(out.split("AUROC ")[1].split(":")[0])
    assert 0.0 <= value <= 1.0


def test_outliers_of_a_folder(tiny_ae, tmp_path, capsys):
    data_dir_or_skip()
    write_pngs(tmp_path, 6, (28, 28, 1))
    assert main(["outliers", str(tiny_ae), "--outliers", str(tmp_path), "--inliers", "mnist"]) == 0
    assert "against 6 images" in capsys.readouterr().out


def test_probe_prints_the_four_figures(tiny_ae, capsys):
    data_dir_or_skip()
    assert main(["probe", str(tiny_ae), "--data", "mnist", "--per-class", "5"]) == 0
    out = capsys.readouterr().out
    for name in ("probe_accuracy", "finetune_accuracy", "baseline_scratch_accuracy",
                 "baseline_pixels_logreg_accuracy"):
        assert name in out


def test_denoise_prints_psnr_and_writes_rows(tmp_path_factory, tmp_path, capsys):
    data_dir_or_skip()
    model = saved(tmp_path_factory, "denoising_ae", image_shape=(28, 28, 1), latent_dim=2, filters=[4])
    out = tmp_path / "d.png"
    assert main(["denoise", str(model), "--data", "mnist", "-n", "20", "--noise", "0.3", "--out", str(out)]) == 0
    assert "median" in capsys.readouterr().out
    assert png_shape(out)[0] == 4 * 30 + 2  # clean, noisy, median, denoised


def test_swap_redraws_a_folder(tmp_path_factory, tmp_path, capsys):
    model = saved(tmp_path_factory, "swap_ae", image_shape=(8, 8, 1), latent_dim=2, filters=[4])
    write_pngs(tmp_path, 4, (8, 8, 1))
    out = tmp_path / "s.png"
    assert main(["swap", str(model), "--data", str(tmp_path), "--to", "1", "-n", "4", "--out", str(out)]) == 0
    assert "identity 1" in capsys.readouterr().out


@pytest.mark.parametrize("command", [["denoise"], ["swap", "--data", "x"]])
def test_a_command_the_model_cannot_do_is_refused(tiny_ae, command):
    with pytest.raises(SystemExit, match="has no"):
        main([command[0], str(tiny_ae), *command[1:]])


def test_scores_order_outliers_above_inliers_for_a_trained_model():
    """The outlier score is high for what the model was not trained on."""
    import keras

    keras.utils.set_random_seed(0)
    model = zoo.create("ae", image_shape=(8, 8, 1), latent_dim=2, hidden=[16])
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    inliers = np.zeros((64, 8, 8, 1), np.float32)
    inliers[:, 2:6, 2:6] = 1.0
    model.fit(inliers, epochs=30, batch_size=16, verbose=0)
    outliers = np.random.default_rng(0).uniform(0, 1, (64, 8, 8, 1)).astype(np.float32)
    from zoo.metrics.outliers import auroc

    assert auroc(model.score(inliers), model.score(outliers)) > 0.95


def test_sample_draws_a_row_per_label(tmp_path_factory, tmp_path, capsys):
    model = saved(tmp_path_factory, "cvae", image_shape=(8, 8, 1), latent_dim=2, filters=[4], hidden=8, num_classes=3)
    out = tmp_path / "c.png"
    assert main(["sample", str(model), "--labels", "0,1,2", "--per-label", "4", "--out", str(out)]) == 0
    assert png_shape(out)[:2] == (3 * 10 + 2, 4 * 10 + 2)
    assert "rows are labels 0,1,2" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="comma-separated integers"):
        main(["sample", str(model), "--labels", "0,x", "--out", str(out)])


def test_traverse_writes_a_row_per_coordinate(tmp_path_factory, tmp_path, capsys):
    data_dir_or_skip()
    model = saved(tmp_path_factory, "vae", image_shape=(28, 28, 1), latent_dim=3, filters=[4], hidden=8)
    out = tmp_path / "t.png"
    assert main(["traverse", str(model), "--data", "mnist", "--steps", "5", "--out", str(out)]) == 0
    assert png_shape(out)[:2] == (3 * 30 + 2, 5 * 30 + 2)
    assert "most used by mean KL" in capsys.readouterr().out
