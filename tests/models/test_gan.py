"""What is special about the GAN family: the losses, the gradient penalty, DiffAugment, EMA, labels, shipping D."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo import pretrained
from zoo.layers.augment import check_policy, diff_augment
from zoo.models.gan.wgan_gp import penalty

CONV = {"image_shape": (8, 8, 1), "latent_dim": 3, "g_filters": [6, 4], "d_filters": [4, 6]}


def batches(n=8, batch=4, labels=False, seed=0):
    x = np.random.default_rng(seed).uniform(0, 1, (n, 8, 8, 1)).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices((x, np.arange(n) % 3) if labels else x).batch(batch)


# ---- DiffAugment ---------------------------------------------------------

def test_diff_augment_is_seeded_shape_keeping_and_differentiable():
    x = tf.random.stateless_uniform((4, 8, 8, 3), seed=[0, 0], minval=-1, maxval=1)
    policy = check_policy("color,translation,cutout")
    a = diff_augment(x, policy, tf.constant([1, 2]))
    np.testing.assert_array_equal(a, diff_augment(x, policy, tf.constant([1, 2])))
    assert not np.array_equal(a, diff_augment(x, policy, tf.constant([3, 4])))
    assert a.shape == x.shape
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(diff_augment(x, policy, tf.constant([1, 2])))
    grad = tape.gradient(total, x)
    assert grad is not None and np.all(np.isfinite(grad)) and np.any(grad != 0)


def test_translation_moves_a_pixel_and_fills_with_zeros():
    x = np.zeros((64, 8, 8, 1), np.float32)
    x[:, 4, 4, 0] = 1.0
    out = diff_augment(tf.constant(x), ("translation",), tf.constant([0, 1])).numpy()
    where = [np.argwhere(img[..., 0] == 1.0) for img in out]
    # Shifts of at most 1/8 of 8 pixels keep the pixel inside: it moves, never doubles or vanishes.
    assert all(len(w) == 1 for w in where)
    moves = np.array([w[0] - [4, 4] for w in where])
    assert np.abs(moves).max() <= 1 and np.any(moves != 0)
    assert out.sum() == 64


def test_cutout_zeroes_one_square_of_half_the_side():
    x = np.ones((16, 8, 8, 1), np.float32)
    out = diff_augment(tf.constant(x), ("cutout",), tf.constant([5, 6])).numpy()
    for img in out:
        holes = np.argwhere(img[..., 0] == 0)
        assert len(holes)  # a hole at least partly inside the image
        rows, cols = np.ptp(holes[:, 0]) + 1, np.ptp(holes[:, 1]) + 1
        assert rows <= 5 and cols <= 5 and len(holes) == rows * cols


def test_an_unknown_policy_names_the_known_ones():
    with pytest.raises(ValueError, match="translation"):
        zoo.create("dcgan", **CONV, augment="flip")


# ---- losses -----------------------------------------------------------------

@pytest.mark.parametrize("g_loss, expected", [
    # minimax: E[log(1 - D(G(z)))]; non-saturating: -E[log D(G(z))]
    ("minimax", lambda l: np.mean(np.log(1 - 1 / (1 + np.exp(-l))))),
    ("non_saturating", lambda l: -np.mean(np.log(1 / (1 + np.exp(-l))))),
])
def test_generator_losses_are_the_papers(g_loss, expected, monkeypatch):
    model = zoo.create("gan", image_shape=(8, 8, 1), latent_dim=3, g_hidden=[4], d_hidden=[4], g_loss=g_loss)
    logits = np.array([[-2.0], [0.0], [3.0]], np.float32)
    monkeypatch.setattr(model, "discriminate", lambda images, y=None, training=True: tf.constant(logits))
    got = float(model.generator_loss(tf.zeros((3, 8, 8, 1)), None)["g_loss"])
    assert got == pytest.approx(expected(logits), rel=1e-5)


def test_discriminator_loss_is_the_cross_entropy(monkeypatch):
    model = zoo.create("gan", image_shape=(8, 8, 1), latent_dim=3, g_hidden=[4], d_hidden=[4])
    real, fake = tf.ones((2, 8, 8, 1)), -tf.ones((2, 8, 8, 1))
    monkeypatch.setattr(model, "discriminate", lambda images, y=None, training=True: tf.reduce_mean(
        images, axis=[1, 2, 3])[:, None] * 2.0)  # logit 2 for real, -2 for fake
    losses = model.discriminator_loss(real, fake, None)
    p = 1 / (1 + np.exp(-2.0))
    assert float(losses["d_loss"]) == pytest.approx(-2 * np.log(p), rel=1e-5)
    assert float(losses["d_real"]) == pytest.approx(p) and float(losses["d_fake"]) == pytest.approx(1 - p)


def test_gradient_penalty_of_a_linear_critic():
    w = tf.constant(np.random.default_rng(0).normal(0, 0.1, (1, 8, 8, 1)), tf.float32)
    real = tf.random.stateless_uniform((5, 8, 8, 1), seed=[1, 1])
    fake = tf.random.stateless_uniform((5, 8, 8, 1), seed=[2, 2])
    eps = tf.random.stateless_uniform((5, 1, 1, 1), seed=[3, 3])
    gp, norms = penalty(lambda x: tf.reduce_sum(w * x, axis=[1, 2, 3])[:, None], real, fake, eps)
    # The gradient of sum(w * x) is w wherever x_hat lies.
    np.testing.assert_allclose(norms, np.full(5, np.linalg.norm(w)), rtol=1e-5)
    assert float(gp) == pytest.approx((np.linalg.norm(w) - 1) ** 2, rel=1e-5)


def test_gradient_penalty_stays_finite_where_the_critic_is_flat():
    # A critic a * sum(x) at a = 0 has a zero input gradient: d||g||/da there is
    # NaN for tf.norm, finite for sqrt(sum g^2 + 1e-12).
    a = tf.Variable(0.0)
    x = tf.random.stateless_uniform((3, 8, 8, 1), seed=[4, 4])
    with tf.GradientTape() as tape:
        gp, _ = penalty(lambda v: a * tf.reduce_sum(v, axis=[1, 2, 3])[:, None], x, x, tf.ones((3, 1, 1, 1)) / 2)
    grad = tape.gradient(gp, a)
    assert np.isfinite(float(gp)) and np.isfinite(float(grad))


def test_wgan_gp_refuses_batch_norm_in_its_critic():
    with pytest.raises(ValueError, match="per image"):
        zoo.create("wgan_gp", **CONV, d_norm="batch")


# ---- training mechanics ------------------------------------------------------

def test_critic_takes_d_steps_per_generator_step():
    model = zoo.create("wgan_gp", **CONV, d_steps=3)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(batches(), epochs=1, verbose=0)
    assert int(model.g_optimizer.iterations) == 2 and int(model.d_optimizer.iterations) == 6


def test_each_player_updates_only_its_own_weights():
    model = zoo.create("dcgan", **CONV, ema=0.0)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.build_all()
    assert {id(v) for v in model.d_optimizer._trainable_variables} == {
        id(v) for v in model.discriminator.trainable_variables}
    assert {id(v) for v in model.g_optimizer._trainable_variables} == {
        id(v) for v in model.generator.trainable_variables}


def test_moving_average_of_the_generator():
    model = zoo.create("dcgan", **CONV, ema=0.5)
    start = [w.numpy().copy() for w in model.generator.weights]
    np.testing.assert_array_equal(model.ema_generator.get_weights()[0], start[0])
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(batches(n=4), epochs=1, verbose=0)  # one step
    decay = min(0.5, 2 / 11)  # (1 + t) / (10 + t) after the first step
    for avg, w, w0 in zip(model.ema_generator.weights, model.generator.weights, start):
        expected = decay * w0 + (1 - decay) * w.numpy() if w.trainable else w.numpy()
        np.testing.assert_allclose(avg.numpy(), expected, rtol=1e-5, atol=1e-6)
    # Sampling uses the average, not the last iterate.
    z = model.latent_codes(2, seed=0)
    last = (model.generator(z).numpy() + 1) / 2
    assert not np.allclose(model.generate(z), np.clip(last, 0, 1))


def test_a_gan_learns_a_toy_distribution():
    keras.utils.set_random_seed(1)
    target = np.array([0.2, 0.8, 0.7, 0.3], np.float32).reshape(1, 2, 2, 1)
    x = np.clip(target + np.random.default_rng(1).normal(0, 0.05, (512, 2, 2, 1)), 0, 1).astype(np.float32)
    model = zoo.create("gan", image_shape=(2, 2, 1), latent_dim=2, g_hidden=[16], d_hidden=[16], d_dropout=0.0,
                       g_loss="non_saturating", ema=0.9)
    model.compile(g_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
                  d_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5))
    before = np.abs(model.sample(256, seed=0).mean(0) - target[0]).max()
    model.fit(tf.data.Dataset.from_tensor_slices(x).shuffle(512, seed=1).batch(64), epochs=60, verbose=0)
    after = np.abs(model.sample(256, seed=0).mean(0) - target[0]).max()
    assert before > 0.3 and after < 0.1, (before, after)


# ---- the conditional GAN -----------------------------------------------------

def test_cgan_draws_the_labels_it_is_given():
    model = zoo.create("cgan", **CONV, num_classes=3)
    z = model.latent_codes(3, seed=0)
    same = model.generate(np.repeat(z[:1], 3, axis=0), labels=[0, 1, 2])
    assert not np.allclose(same[0], same[1])  # the label changes the image
    np.testing.assert_array_equal(model.sample(3, seed=0, labels=2), model.generate(z, labels=[2, 2, 2]))
    np.testing.assert_array_equal(model.sample(3, seed=0), model.generate(z, labels=[0, 1, 2]))
    for bad in (3, [-1, 0, 1], [0.5] * 3, [0, 1]):
        with pytest.raises(ValueError, match=r"labels"):
            model.sample(3, seed=0, labels=bad)
    with pytest.raises(ValueError, match="conditional"):
        model.generate(z)


def test_unconditional_gan_refuses_labels():
    model = zoo.create("dcgan", **CONV)
    with pytest.raises(ValueError, match="unconditional"):
        model.generate(model.latent_codes(2, seed=0), labels=[0, 1])


def test_interpolation_ends_at_the_two_codes():
    model = zoo.create("dcgan", **CONV)
    z = model.latent_codes(2, seed=3)
    row = model.interpolate(z[0], z[1], steps=5)
    assert row.shape == (5, 8, 8, 1)
    np.testing.assert_allclose(row[[0, -1]], model.generate(z), atol=1e-5)
    with pytest.raises(ValueError, match="steps"):
        model.interpolate(z[0], z[1], steps=1)


# ---- presets ship the discriminator and its optimizer --------------------------

def test_preset_ships_the_discriminator_and_its_optimizer(tmp_path):
    model = zoo.create("dcgan", **CONV)
    model.compile(g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                  d_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5))
    model.fit(batches(), epochs=2, verbose=0)
    pretrained.save(model, tmp_path / "p", {"preset": "p", "recipe": {}})
    loaded = zoo.load(tmp_path / "p", compile=True)
    for a, b in zip(loaded.discriminator.get_weights(), model.discriminator.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(loaded.d_optimizer.iterations) == int(model.d_optimizer.iterations) == 4
    for a, b in zip(loaded.d_optimizer.variables, model.d_optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert float(loaded.d_optimizer.learning_rate) == pytest.approx(3e-3)
    # The generator's Adam starts afresh; fine-tuning continues from there.
    assert int(loaded.g_optimizer.iterations) == 0
    history = loaded.fit(batches(seed=1), epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][-1]) and int(loaded.d_optimizer.iterations) == 6


def test_a_changed_optimizer_file_is_refused(tmp_path):
    model = zoo.create("dcgan", **CONV)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(batches(), epochs=1, verbose=0)
    pretrained.save(model, tmp_path / "p", {"preset": "p"})
    with open(tmp_path / "p" / pretrained.OPTIMIZER_FILE, "ab") as f:
        f.write(b"\0")
    with pytest.raises(pretrained.PresetError, match="checksum"):
        zoo.load(tmp_path / "p", compile=True)
