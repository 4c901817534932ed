"""What is special about the translation family: U-Net skips, PatchGAN grids, the losses, the pool, the schedule,
each direction on its own, and the tasks that make paired data."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo.models.translation import networks, tasks
from zoo.models.translation.base import HoldThenLinearDecay
from zoo.models.translation.cycle_gan import ImagePool

PIX2PIX = {"image_shape": (8, 8, 3), "filters": [4, 8, 8], "d_filters": [4, 8]}
CYCLE = {"image_shape": (8, 8, 3), "filters": 4, "res_blocks": 1, "d_filters": [4, 8], "pool_size": 3}


def images(n=4, shape=(8, 8, 3), seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n, *shape)).astype(np.float32)


def pairs(n=8, batch=4, seed=0):
    return tf.data.Dataset.from_tensor_slices((images(n, seed=seed), images(n, seed=seed + 1))).batch(batch)


def softplus(x):
    return np.logaddexp(0.0, x)


# ---- networks ----------------------------------------------------------------

def test_unet_skips_join_encoder_and_decoder_levels_of_one_size():
    net = networks.unet_generator((16, 16, 3), filters=(4, 8, 8, 8), dropout=0.5)
    joins = [layer for layer in net.layers if isinstance(layer, keras.layers.Concatenate)]
    assert len(joins) == 3  # one skip per level but the innermost
    for layer in joins:
        decoder, encoder = (tuple(t.shape[1:3]) for t in layer.input)
        assert decoder == encoder
    assert {tuple(layer.input[1].shape[1:3]) for layer in joins} == {(8, 8), (4, 4), (2, 2)}
    assert net.output.shape[1:] == (16, 16, 3)


def test_unet_output_depends_on_the_input_around_the_bottleneck():
    keras.utils.set_random_seed(0)
    net = networks.unet_generator((16, 16, 3), filters=(4, 8, 8, 8))
    # Cut the bottleneck: the innermost level then outputs zeros whatever the input.
    inner = net.get_layer("down3")
    inner.set_weights([np.zeros_like(w) for w in inner.get_weights()])
    x = images(2, (16, 16, 3)) * 2 - 1
    y = x.copy()
    y[:, 0, 0, :] = -y[:, 0, 0, :]  # one full-resolution pixel
    a, b = np.asarray(net(x)), np.asarray(net(y))
    assert a.shape == x.shape
    changed = np.abs(a - b).max(axis=(0, 3))
    assert changed[:2, :2].max() > 1e-4, "a pixel's change reaches its output only through the skips"
    # The outermost skip is the shortest path: the change is largest near the pixel.
    assert changed[:2, :2].max() > 10 * changed[-2:, -2:].max()


def test_patchgan_outputs_its_patch_grid():
    assert networks.receptive_field(4) == 70 and networks.patch_grid(256, 4) == 30  # the paper's 70x70 PatchGAN
    assert networks.receptive_field(3) == 34 and networks.receptive_field(2) == 16
    for filters, grid in (((4, 8), 6), ((4, 8, 8), 2)):
        d = networks.patch_discriminator((16, 16, 3), filters)
        assert networks.patch_grid(16, len(filters)) == grid
        assert np.asarray(d(images(2, (16, 16, 3)))).shape == (2, grid, grid, 1)
    pair = networks.patch_discriminator((16, 16, 3), (4, 8), conditional=True)
    assert np.asarray(pair([images(2, (16, 16, 3)), images(2, (16, 16, 3))])).shape == (2, 6, 6, 1)
    with pytest.raises(ValueError, match="no patch"):
        networks.patch_discriminator((8, 8, 3), (4, 8, 8, 8))


# ---- pix2pix -----------------------------------------------------------------

def test_pix2pix_loss_is_adversarial_plus_100_l1():
    model = zoo.create("pix2pix", **PIX2PIX)
    assert model.l1_weight == 100.0
    source, target = images(4, seed=1), images(4, seed=2)
    losses = {k: float(v) for k, v in model.generator_losses(source, target, training=False).items()}
    s, t = source * 2 - 1, target * 2 - 1
    fake = np.asarray(model.generator(s, training=False))
    l1 = np.mean(np.abs(t - fake))
    adversarial = np.mean(softplus(-np.asarray(model.discriminator([s, fake], training=False))))  # -log D(x, G(x))
    np.testing.assert_allclose(losses["l1_loss"], l1, rtol=1e-5)
    np.testing.assert_allclose(losses["adv_loss"], adversarial, rtol=1e-5)
    np.testing.assert_allclose(losses["g_loss"], adversarial + 100 * l1, rtol=1e-5)
    d = model.discriminator_loss(tf.constant(s), tf.constant(t), tf.constant(fake), training=False)
    real_logits = np.asarray(model.discriminator([s, t], training=False))
    fake_logits = np.asarray(model.discriminator([s, fake], training=False))
    np.testing.assert_allclose(float(d["d_loss"]),
                               0.5 * (softplus(-real_logits).mean() + softplus(fake_logits).mean()), rtol=1e-5)


def test_l1_only_has_no_discriminator_and_no_discriminator_step():
    model = zoo.create("pix2pix", **PIX2PIX, l1_only=True)
    assert model.discriminator is None and [p.name for p in model.players()] == ["g"]
    assert model.optimizer_names == ("g_optimizer",) and model.shipped_optimizers == ()
    losses = model.generator_losses(images(4, seed=1), images(4, seed=2), training=False)
    assert "adv_loss" not in losses
    np.testing.assert_allclose(float(losses["loss"]), 100 * float(losses["l1_loss"]), rtol=1e-6)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = model.fit(pairs(), epochs=1, verbose=0)
    assert set(history.history) == {"g_loss", "l1_loss"}
    assert int(model.g_optimizer.iterations) == 2
    full = zoo.create("pix2pix", **PIX2PIX)
    assert [p.name for p in full.players()] == ["d", "g"] and full.shipped_optimizers == ("d_optimizer",)
    # Under one seed the baseline starts from the full model's generator weights (the recipe relies on it).
    keras.utils.set_random_seed(7)
    full = zoo.create("pix2pix", **PIX2PIX)
    keras.utils.set_random_seed(7)
    alone = zoo.create("pix2pix", **PIX2PIX, l1_only=True)
    for a, b in zip(full.generator.get_weights(), alone.generator.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_pix2pix_batches_are_pairs_or_images_with_a_task():
    model = zoo.create("pix2pix", **PIX2PIX)
    x = images(4)
    with pytest.raises(ValueError, match="task"):
        model.unpack(tf.constant(x))
    with pytest.raises(ValueError, match="two image batches"):
        model.unpack((tf.constant(x), tf.constant([0, 1, 2, 3])))
    grey = zoo.create("pix2pix", **PIX2PIX, task="grey")
    source, target = grey.unpack(tf.constant(x))
    np.testing.assert_allclose(source, tasks.apply("grey", x), atol=1e-6)
    np.testing.assert_array_equal(target, x)
    np.testing.assert_allclose(grey.task_source(x), tasks.apply("grey", x), atol=1e-6)


def test_pix2pix_translates_in_inference_mode_and_its_exports_agree(tmp_path):
    import onnxruntime as ort

    model = zoo.create("pix2pix", **PIX2PIX)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(pairs(), epochs=1, verbose=0)  # moving statistics away from their initial values
    x = images(6, seed=5)
    out = model.translate(x)
    # Inference mode: no dropout, moving statistics: the same image alone or in any batch, every time.
    np.testing.assert_array_equal(out, model.translate(x))
    np.testing.assert_allclose(model.translate(x[2:3]), out[2:3], atol=1e-6)
    assert out.min() >= 0 and out.max() <= 1
    zoo.export(model, tmp_path, verbose=False)
    loaded = tf.saved_model.load(str(tmp_path / "saved_model"))
    saved = loaded.signatures["translate_a2b"](images=tf.constant(x))["output_0"].numpy()
    np.testing.assert_allclose(saved, out, atol=1e-5)
    session = ort.InferenceSession(str(tmp_path / "translate_a2b.onnx"), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {session.get_inputs()[0].name: x})[0], out, atol=1e-4)


# ---- CycleGAN ----------------------------------------------------------------

def test_one_cycle_gan_step_updates_every_player():
    model = zoo.create("cycle_gan", **CYCLE)
    assert [p.name for p in model.players()] == ["g", "d_a", "d_b"]
    assert model.optimizer_names == ("g_optimizer", "d_a_optimizer", "d_b_optimizer")
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    nets = {name: getattr(model, name) for name in ("g_ab", "g_ba", "d_a", "d_b")}
    before = {name: [w.copy() for w in net.get_weights()] for name, net in nets.items()}
    model.fit(pairs(4, 4), epochs=1, verbose=0)
    for name, net in nets.items():
        assert any(not np.array_equal(a, b) for a, b in zip(before[name], net.get_weights())), name
    assert [int(o.iterations) for o in model.optimizers()] == [1, 1, 1]
    assert int(model.pool_a.count) == int(model.pool_b.count) == 3  # each pool took the step's fakes


def test_cycle_gan_losses_weigh_cycle_10_and_identity_5():
    model = zoo.create("cycle_gan", **CYCLE)
    assert (model.cycle_weight, model.identity_weight) == (10.0, 0.5)
    a, b = images(2, seed=1), images(2, seed=2)
    losses = {k: float(v) for k, v in model.generator_losses(a, b, training=False).items()}
    ra, rb = a * 2 - 1, b * 2 - 1

    def g(net, x):
        return np.asarray(net(x, training=False))

    fake_b, fake_a = g(model.g_ab, ra), g(model.g_ba, rb)
    adversarial = (np.mean((g(model.d_b, fake_b) - 1) ** 2) + np.mean((g(model.d_a, fake_a) - 1) ** 2))
    cycle = np.mean(np.abs(g(model.g_ba, fake_b) - ra)) + np.mean(np.abs(g(model.g_ab, fake_a) - rb))
    identity = np.mean(np.abs(g(model.g_ab, rb) - rb)) + np.mean(np.abs(g(model.g_ba, ra) - ra))
    np.testing.assert_allclose([losses["adv_loss"], losses["cycle_loss"], losses["identity_loss"]],
                               [adversarial, cycle, identity], rtol=1e-5)
    np.testing.assert_allclose(losses["g_loss"], adversarial + 10 * cycle + 5 * identity, rtol=1e-5)
    plain = zoo.create("cycle_gan", **CYCLE, identity_weight=0.0)
    plain.set_weights(model.get_weights())
    losses = {k: float(v) for k, v in plain.generator_losses(a, b, training=False).items()}
    assert losses["identity_loss"] == 0.0
    np.testing.assert_allclose(losses["g_loss"], adversarial + 10 * cycle, rtol=1e-5)


def stamped(ids, shape=(2, 2, 1)):
    """Images whose every pixel is their id, so a returned image names itself."""
    return np.stack([np.full(shape, i, np.float32) for i in ids])


def run_pool(seed, batches=50, batch=8, size=4):
    pool = ImagePool(size, (2, 2, 1), seed=seed)
    returned, ids = [], 0
    for _ in range(batches):
        new = list(range(ids, ids + batch))
        ids += batch
        returned.append(np.asarray(pool.query(tf.constant(stamped(new))))[:, 0, 0, 0])
    return pool, np.concatenate(returned)


def test_the_pool_returns_past_images_half_the_time_once_full_and_is_seeded():
    pool, out = run_pool(seed=3)
    new = np.arange(len(out), dtype=np.float32)
    np.testing.assert_array_equal(out[:4], new[:4])  # filling: the new images themselves
    past = out[4:] != new[4:]
    assert 0.4 < past.mean() < 0.6, past.mean()
    assert np.all(out[4:][past] < new[4:][past])  # an image from the history, never a future one
    assert int(pool.count) == 4 and sorted(np.asarray(pool.images)[:, 0, 0, 0]) != [0, 1, 2, 3]
    np.testing.assert_array_equal(out, run_pool(seed=3)[1])
    assert not np.array_equal(out, run_pool(seed=4)[1])
    # No pool: the images pass through.
    x = tf.constant(stamped([7, 8]))
    np.testing.assert_array_equal(ImagePool(0, (2, 2, 1)).query(x), x)


def test_the_pool_is_saved_with_the_model_so_a_resumed_run_continues_it(tmp_path):
    model = zoo.create("cycle_gan", **CYCLE)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(pairs(8, 4), epochs=1, verbose=0)
    assert int(model.pool_a.count) == 3
    model.save_weights(tmp_path / "state.weights.h5")
    again = zoo.create("cycle_gan", **CYCLE)
    again.compile(optimizer=keras.optimizers.Adam(1e-3))
    again.build_all()
    again.load_weights(tmp_path / "state.weights.h5")
    for pool in ("pool_a", "pool_b"):
        mine, theirs = getattr(model, pool), getattr(again, pool)
        np.testing.assert_array_equal(np.asarray(mine.images), np.asarray(theirs.images))
        np.testing.assert_array_equal(np.asarray(mine.seed_generator.state), np.asarray(theirs.seed_generator.state))
        x = tf.constant(images(4, seed=9) * 2 - 1)
        np.testing.assert_array_equal(mine.query(x), theirs.query(x))


def test_hold_then_linear_decay_to_zero_serialises():
    schedule = HoldThenLinearDecay(1.0, hold_epochs=2, decay_epochs=4, steps_per_epoch=10)
    got = [float(schedule(step)) for step in (0, 19, 20, 30, 40, 59, 60, 100)]
    np.testing.assert_allclose(got, [1, 1, 1, 0.75, 0.5, 0.025, 0, 0], atol=1e-6)
    adam = keras.optimizers.Adam(schedule, beta_1=0.5)
    again = keras.optimizers.deserialize(keras.optimizers.serialize(adam))
    restored = keras.optimizers.schedules.deserialize(again.get_config()["learning_rate"])
    assert isinstance(restored, HoldThenLinearDecay) and restored.get_config() == schedule.get_config()
    np.testing.assert_allclose(float(restored(30)), 0.75)
    with pytest.raises(ValueError, match="decay_epochs"):
        HoldThenLinearDecay(1.0, hold_epochs=1, decay_epochs=0, steps_per_epoch=10)


def test_each_direction_translates_saves_loads_and_exports_alone(tmp_path):
    import onnxruntime as ort

    model = zoo.create("cycle_gan", **CYCLE)
    x = images(5, seed=3)
    outs = {d: model.translate(x, direction=d) for d in model.directions}
    assert not np.allclose(outs["a2b"], outs["b2a"])
    with pytest.raises(ValueError, match="direction"):
        model.translate(x, direction="a2c")
    for direction in model.directions:
        path = tmp_path / f"{direction}.keras"
        model.direction_model(direction).save(path)
        alone = keras.saving.load_model(path, safe_mode=True)
        np.testing.assert_allclose(np.asarray(alone(x)), outs[direction], atol=1e-6)
    report = zoo.export(model, tmp_path / "b2a", functions=["translate_b2a"], verbose=False)
    assert set(report["onnx"]) == {"translate_b2a"} and report["onnx"]["translate_b2a"] <= 1e-4
    session = ort.InferenceSession(str(tmp_path / "b2a" / "translate_b2a.onnx"),
                                   providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {session.get_inputs()[0].name: x})[0], outs["b2a"], atol=1e-4)
    np.testing.assert_allclose(model.cycle(x), model.translate(outs["a2b"], "b2a"), atol=1e-6)


def test_cycle_gan_makes_domain_b_from_images_alone_by_its_task():
    model = zoo.create("cycle_gan", **CYCLE, task="grey")
    x = images(4)
    a, b = model.unpack(tf.constant(x))
    np.testing.assert_array_equal(a, x)
    np.testing.assert_allclose(b, tasks.apply("grey", np.roll(x, 2, axis=0)), atol=1e-6)


@pytest.mark.parametrize("arch, config", [("pix2pix", PIX2PIX), ("cycle_gan", CYCLE)])
def test_translate_names_what_it_expected(arch, config):
    model = zoo.create(arch, **config)
    for bad, match in ((np.zeros((2, 8, 8, 1), np.float32), "shape"), (np.full((2, 8, 8, 3), 2.0, np.float32),
                                                                      r"\[0, 1\]")):
        for direction in model.directions:
            with pytest.raises(ValueError, match=match):
                model.translate(bad, direction)


# ---- tasks ---------------------------------------------------------------------

def test_grey_is_bt601_luma_on_every_channel():
    assert tasks.BT601 == (0.299, 0.587, 0.114)
    x = images(3)
    y = tasks.apply("grey", x)
    expected = 0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2]
    for c in range(3):
        np.testing.assert_allclose(y[..., c], expected, atol=1e-6)
    red = np.zeros((1, 4, 4, 3), np.float32)
    red[..., 0] = 1.0
    np.testing.assert_allclose(tasks.apply("grey", red), 0.299, atol=1e-7)
    single = images(2, (8, 8, 1))
    np.testing.assert_array_equal(tasks.apply("grey", single), single)


def test_edges_are_a_deterministic_binary_map_of_the_stated_detector():
    step = np.zeros((1, 16, 16, 3), np.float32)
    step[:, :, 8:, :] = 1.0  # a vertical step between columns 7 and 8
    edges = tasks.apply("edges", step)
    assert edges.shape == step.shape and set(np.unique(edges)) <= {0.0, 1.0}
    lines = np.flatnonzero((edges[0, :, :, 0] == 0).any(axis=0))
    assert len(lines) and lines.min() >= 5 and lines.max() <= 10  # black lines at the step, white elsewhere
    np.testing.assert_array_equal(tasks.apply("edges", np.full((1, 16, 16, 3), 0.4, np.float32)), 1.0)
    x = images(4, (16, 16, 3))
    np.testing.assert_array_equal(tasks.apply("edges", x), tasks.apply("edges", x))
    # The stated detector, written again with SciPy: the luma, a 5x5 Gaussian of sigma 1, the Sobel
    # magnitude (borders mirrored, as tf.pad's REFLECT), the fixed threshold.
    from scipy import ndimage

    assert tasks.EDGE_THRESHOLD == 0.5 and tasks.EDGE_SIGMA == 1.0 and tasks.EDGE_KERNEL == 5
    t = np.arange(5) - 2.0
    gauss = np.exp(-0.5 * t**2) / np.exp(-0.5 * t**2).sum()
    y = (x @ np.array([0.299, 0.587, 0.114]))[0]
    y = ndimage.correlate1d(ndimage.correlate1d(y, gauss, axis=0, mode="mirror"), gauss, axis=1, mode="mirror")
    strength = np.hypot(ndimage.sobel(y, axis=0, mode="mirror"), ndimage.sobel(y, axis=1, mode="mirror"))
    np.testing.assert_allclose(np.asarray(tasks.edge_strength(tf.constant(x[:1])))[0, ..., 0], strength, atol=1e-5)
    agree = tasks.apply("edges", x[:1])[0, ..., 0] == (strength <= tasks.EDGE_THRESHOLD)
    assert agree.mean() > 0.99  # all but pixels within rounding of the threshold


def test_an_unknown_task_names_the_known_ones():
    with pytest.raises(ValueError, match="edges"):
        tasks.apply("sketch", images(1))
    with pytest.raises(ValueError, match="grey"):
        zoo.create("pix2pix", **PIX2PIX, task="sketch")


# ---- direction names -------------------------------------------------------------

def test_directions_are_named_a2b_and_b2a_and_export_one_onnx_file_each(tmp_path):
    pix2pix, cycle = zoo.create("pix2pix", **PIX2PIX), zoo.create("cycle_gan", **CYCLE)
    assert pix2pix.directions == ("a2b",) and pix2pix.main_function == "translate_a2b"
    assert cycle.directions == ("a2b", "b2a") and cycle.main_function == "translate_a2b"
    assert (pix2pix.paired, cycle.paired) == (True, False)
    assert set(cycle.inference_functions()) == {"translate_a2b", "translate_b2a"}
    assert cycle.direction_model("b2a").name == "translate_b2a"
    for model in (pix2pix, cycle):
        with pytest.raises(ValueError, match=r"\['a2b'"):
            model.translate(images(1), "a_to_b")
    report = zoo.export(cycle, tmp_path, formats=("onnx",), verbose=False)
    assert set(report["onnx"]) == {"translate_a2b", "translate_b2a"}
    assert {p.name for p in tmp_path.glob("*.onnx")} == {"translate_a2b.onnx", "translate_b2a.onnx"}


# ---- zoo.data: paired and unpaired folders ---------------------------------------

def write_images(folder, names, arrays):
    """Writes each float image (H, W, C) in [0, 1] under `folder/name` in the format its ending names."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for name, x in zip(names, arrays):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.round(x * 255).astype(np.uint8)).save(path)
    return folder


def drain(ds):
    """Every (a, b) batch of a dataset, concatenated: two numpy arrays."""
    a, b = zip(*[(np.asarray(x), np.asarray(y)) for x, y in ds])
    return np.concatenate(a), np.concatenate(b)


def test_paired_folders_match_files_by_name_and_keep_each_pair_together(tmp_path):
    x = images(6, seed=4)
    names = ["p0.png", "p1.png", "p2.bmp", "sub/p3.png", "p4.png", "p5.bmp"]
    a = write_images(tmp_path / "a", names, x)
    # Side B holds each image's negative, under the same name with another ending for some (lossless formats).
    b = write_images(tmp_path / "b", ["p0.png", "p1.bmp", "p2.png", "sub/p3.png", "p4.png", "p5.png"], 1 - x)
    ds = zoo.data.paired_folders(a, b, (8, 8, 3), batch_size=4, seed=1)
    first = next(iter(ds))
    assert isinstance(first, tuple) and len(first) == 2
    assert [tuple(t.shape) for t in first] == [(4, 8, 8, 3), (4, 8, 8, 3)] and first[0].dtype == tf.float32
    sa, sb = drain(ds)
    assert len(sa) == 6
    # Shuffled, but pair by pair: B is still A's negative.
    np.testing.assert_allclose(sb, 1 - sa, atol=1.5 / 255)
    assert not np.allclose(sa, x, atol=1 / 255)
    # Unshuffled, the pairs come in name order (sub/p3 after the folder's own files).
    sa, sb = drain(zoo.data.paired_folders(a, b, (8, 8, 3), batch_size=4, shuffle=False))
    np.testing.assert_allclose(sa, x[[0, 1, 2, 4, 5, 3]], atol=1 / 255)
    np.testing.assert_allclose(sb, 1 - x[[0, 1, 2, 4, 5, 3]], atol=1.5 / 255)


def test_paired_folders_name_the_files_without_a_partner(tmp_path):
    x = images(4)
    a = write_images(tmp_path / "a", ["1.png", "2.png", "3.png"], x)
    b = write_images(tmp_path / "b", ["1.png", "2.jpg", "4.png"], x)
    with pytest.raises(ValueError, match=r"without a partner") as err:
        zoo.data.paired_folders(a, b, (8, 8, 3))
    message = str(err.value)
    assert "3.png" in message and "4.png" in message and "1.png" not in message
    assert f"1 in {a} have none in {b}" in message and f"1 in {b} have none in {a}" in message
    write_images(tmp_path / "a", ["2.jpg"], x)
    with pytest.raises(ValueError, match=r"two images of one name.*2.jpg and 2.png|2.jpg.*2.png"):
        zoo.data.paired_folders(a, b, (8, 8, 3))
    with pytest.raises(ValueError, match="image_shape"):
        zoo.data.paired_folders(a, b, (8, 8, 2))
    (a / "2.jpg").unlink()
    with pytest.raises(ValueError, match="does not exist"):
        zoo.data.paired_folders(a, tmp_path / "nowhere", (8, 8, 3))


def test_paired_folders_leave_out_a_pair_with_an_unreadable_file_and_name_it(tmp_path):
    x = images(3)
    a = write_images(tmp_path / "a", ["1.png", "2.png", "3.png"], x)
    b = write_images(tmp_path / "b", ["1.png", "2.png", "3.png"], 1 - x)
    (b / "2.png").write_bytes(b"not an image")
    with pytest.warns(zoo.data.ImageSkippedWarning, match=r"2\.png"):
        sa, sb = drain(zoo.data.paired_folders(a, b, (8, 8, 3), shuffle=False))
    np.testing.assert_allclose(sa, x[[0, 2]], atol=1 / 255)
    np.testing.assert_allclose(sb, 1 - x[[0, 2]], atol=1 / 255)
    with pytest.raises(ValueError, match=r"2\.png"):
        zoo.data.paired_folders(a, b, (8, 8, 3), on_error="raise")


def test_unpaired_folders_cover_the_larger_side_with_equal_batches(tmp_path):
    a = write_images(tmp_path / "a", [f"{i}.png" for i in range(3)],
                     np.stack([np.full((8, 8, 3), i / 10) for i in range(3)]))
    b = write_images(tmp_path / "b", [f"{i}.png" for i in range(5)],
                     np.stack([np.full((8, 8, 3), 0.5 + i / 10) for i in range(5)]))
    ds = zoo.data.unpaired_folders(a, b, (8, 8, 3), batch_size=2, seed=0)
    sizes = [(int(x.shape[0]), int(y.shape[0])) for x, y in ds]
    assert sizes == [(2, 2), (2, 2), (1, 1)]
    sa, sb = drain(ds)
    values_a, values_b = np.round(sa[:, 0, 0, 0] * 10), np.round((sb[:, 0, 0, 0] - 0.5) * 10)
    assert sorted(values_b) == [0, 1, 2, 3, 4]  # every image of the larger side once an epoch
    assert set(values_a) == {0, 1, 2}  # the smaller side cycled to keep up
    with pytest.raises(ValueError, match="batch_size"):
        zoo.data.unpaired_folders(a, b, (8, 8, 3), batch_size=0)


def test_folder_with_transform_pairs_each_image_with_its_source(tmp_path):
    x = images(5)
    folder = write_images(tmp_path / "faces", [f"{i}.png" for i in range(5)], x)
    sources, targets = drain(zoo.data.folder_with_transform(folder, tasks.grey, (8, 8, 3), batch_size=2))
    assert len(targets) == 5
    np.testing.assert_allclose(sources, tasks.apply("grey", targets), atol=1e-6)
    with pytest.raises(ValueError, match="task='edges'"):
        zoo.data.folder_with_transform(folder, "edges", (8, 8, 3))
    with pytest.raises(ValueError, match="keep the images' shape"):
        zoo.data.folder_with_transform(folder, lambda t: t[:, :4], (8, 8, 3))
