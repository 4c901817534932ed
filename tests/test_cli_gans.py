"""The `zoo` command on a tiny GAN: training, fine-tuning that continues the game, the real-or-fake quiz."""

import numpy as np
import pytest
import tensorflow as tf

import zoo
from tests.conftest import write_pngs
from zoo.cli import main
from zoo.io import image_grid

TINY_DCGAN = ["--set", "image_shape=[8,8,1]", "--set", "latent_dim=3", "--set", "g_filters=[6,4]",
              "--set", "d_filters=[4,6]"]


@pytest.fixture(scope="module")
def pngs(tmp_path_factory):
    return write_pngs(tmp_path_factory.mktemp("pngs"), 12, (8, 8, 1), seed=0)


@pytest.fixture(scope="module")
def gan(pngs, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "tiny_dcgan"
    assert main(["train", "dcgan", "--data", str(pngs), "--epochs", "1", "--batch-size", "4",
                 "--out", str(out), *TINY_DCGAN]) == 0
    return out


def test_finetune_continues_the_discriminators_optimizer(gan, pngs, tmp_path):
    before = zoo.load(gan, compile=True)
    assert int(before.d_optimizer.iterations) == 3  # 12 images, batches of 4
    out = tmp_path / "ft"
    assert main(["finetune", str(gan), "--data", str(pngs), "--epochs", "1", "--batch-size", "4",
                 "--out", str(out)]) == 0
    after = zoo.load(out, compile=True)
    assert int(after.d_optimizer.iterations) == 6
    assert after.preset_metadata["training"]["steps"] == 3  # this run's, not the base's 3 as well
    assert after.sample(2, seed=0).shape == (2, 8, 8, 1)


def test_finetune_can_augment_the_discriminators_inputs_and_records_it(gan, pngs, tmp_path):
    out = tmp_path / "ft"
    assert main(["finetune", str(gan), "--data", str(pngs), "--epochs", "1", "--batch-size", "4",
                 "--augment", "translation,cutout", "--out", str(out)]) == 0
    assert zoo.load(out).augment == "translation,cutout"


def test_finetune_refuses_an_unknown_augmentation_naming_the_known_ones(gan, pngs, tmp_path, capsys):
    with pytest.raises(SystemExit, match="translation"):
        main(["finetune", str(gan), "--data", str(pngs), "--augment", "flip", "--out", str(tmp_path / "ft")])
    assert not (tmp_path / "ft").exists()


def test_real_or_fake_quiz_and_its_answer_key(gan, pngs, tmp_path):
    out = tmp_path / "quiz.png"
    assert main(["real-or-fake", str(gan), "--data", str(pngs), "-n", "8", "--per-row", "4", "--seed", "3",
                 "--out", str(out)]) == 0
    key = (tmp_path / "quiz_answers.txt").read_text().splitlines()
    marks = " ".join(key[1:]).split()
    assert len(marks) == 8 and marks.count("R") == 4 and marks.count("F") == 4
    grid = tf.io.decode_png(out.read_bytes()).numpy()
    # The F tiles are the model's samples for the seed, in order; the R tiles are not.
    fakes = zoo.load(gan).sample(4, seed=3)
    expected = image_grid(fakes, 4)

    def tile(img, i):  # image_grid's layout: 2-pixel gaps, 8x8 images
        r, k = divmod(i, 4)
        return img[2 + r * 10: 10 + r * 10, 2 + k * 10: 10 + k * 10]

    for j, i in enumerate(i for i, m in enumerate(marks) if m == "F"):
        np.testing.assert_array_equal(tile(grid, i), tile(expected, j))
    assert not any(np.array_equal(tile(grid, i), tile(expected, j))
                   for i, m in enumerate(marks) if m == "R" for j in range(4))


def test_real_or_fake_refuses_a_model_that_cannot_sample(tmp_path, capsys):
    with pytest.raises(SystemExit, match="sample"):
        main(["real-or-fake", "ae_mnist", "--out", str(tmp_path / "q.png")])


def test_finetune_augment_is_refused_for_a_model_without_a_discriminator(pngs, tmp_path):
    with pytest.raises(SystemExit, match="GAN's discriminator; vae_mnist is a vae"):
        main(["finetune", "vae_mnist", "--data", str(pngs), "--augment", "cutout", "--out", str(tmp_path / "ft")])


@pytest.mark.parametrize("lr", [None, 1e-3])
def test_finetune_lr_replaces_a_rate_schedule_and_without_it_the_schedule_goes_on(pngs, tmp_path, lr):
    import keras

    from zoo import pretrained

    model = zoo.create("dcgan", image_shape=(8, 8, 1), latent_dim=3, g_filters=[6, 4], d_filters=[4, 6])
    # A schedule that has run its course: the rate is 0 from the first step on, as CycleGAN's is at its end.
    schedule = {"class_name": "PolynomialDecay", "config": {"initial_learning_rate": 2e-4, "decay_steps": 1,
                                                             "end_learning_rate": 0.0}}
    model.compile(g_optimizer=keras.optimizers.Adam(keras.optimizers.schedules.deserialize(schedule)),
                  d_optimizer=keras.optimizers.Adam(keras.optimizers.schedules.deserialize(schedule)))
    model.fit(zoo.data.image_folder(str(pngs), (8, 8, 1), batch_size=4), epochs=1, verbose=0)
    pretrained.save(model, tmp_path / "base", {"preset": "base", "recipe": {"learning_rate": 5e-4}})
    out = tmp_path / "ft"
    assert main(["finetune", str(tmp_path / "base"), "--data", str(pngs), "--epochs", "1", "--batch-size", "4",
                 "--out", str(out), *(["--lr", str(lr)] if lr else [])]) == 0
    after = zoo.load(out, compile=True)
    for name in ("g_optimizer", "d_optimizer"):
        rate = after.get_compile_config()[name]["config"]["learning_rate"]
        if lr:  # setting the rate of a schedule crashed; now it is a constant
            assert rate == pytest.approx(lr)
        else:  # the shipped schedule, going on from its step count (the shipped discriminator's: at 0 by now)
            assert rate["class_name"] == "PolynomialDecay"
    assert float(after.d_optimizer.learning_rate) == pytest.approx(lr or 0.0)
    assert int(after.d_optimizer.iterations) == 6  # the base's 3 steps go on


@pytest.fixture(scope="module")
def stylegan(tmp_path_factory):
    from zoo import pretrained

    folder = tmp_path_factory.mktemp("presets") / "tiny_stylegan"
    model = zoo.create("stylegan", image_shape=(8, 8, 1), latent_dim=3, w_dim=4, mapping_layers=2,
                       g_filters=[6, 4], d_filters=[6, 4], group_size=2)
    model.generator.w_avg.assign([0.5, -0.5, 0.2, 0.1])
    model.ema_generator.w_avg.assign(model.generator.w_avg)
    pretrained.save(model, folder, {"preset": "tiny_stylegan"})
    return folder


def read_png(path):
    return tf.io.decode_png(tf.io.read_file(str(path))).numpy()


def test_sample_with_truncation_and_noise_seed(stylegan, tmp_path):
    model = zoo.load(stylegan)
    out = tmp_path / "t.png"
    assert main(["sample", str(stylegan), "-n", "4", "--truncation", "0", "--out", str(out)]) == 0
    expected = image_grid(model.sample(4, seed=0, truncation=0.0))
    np.testing.assert_allclose(read_png(out), expected, atol=1)
    assert main(["sample", str(stylegan), "-n", "4", "--noise-seed", "3", "--out", str(out)]) == 0
    np.testing.assert_allclose(read_png(out), image_grid(model.sample(4, seed=0, noise_seed=3)), atol=1)


def test_style_mix_grid_has_sources_on_the_edges_and_mixes_inside(stylegan, tmp_path, capsys):
    from zoo.uses import NotApplicable

    model = zoo.load(stylegan)
    out = tmp_path / "mix.png"
    assert main(["style-mix", str(stylegan), "--rows", "2", "--cols", "3", "--crossover", "2",
                 "--out", str(out)]) == 0
    assert "layers before 2 of 4 take A's code" in capsys.readouterr().out
    z_a, z_b = model.latent_codes(2, seed=0), model.latent_codes(3, seed=1)
    cells = [np.zeros((1, 8, 8, 1), np.float32), model.generate(z_b)]
    for r in range(2):
        cells += [model.generate(z_a[r : r + 1]), model.mix(np.repeat(z_a[r : r + 1], 3, axis=0), z_b, 2)]
    np.testing.assert_allclose(read_png(out), image_grid(np.concatenate(cells), 4), atol=1)
    with pytest.raises(NotApplicable, match="style-based generator"):
        zoo.uses.style_mix_grid("vae_mnist", tmp_path / "no.png")
