"""What is special about diffusion: the schedules, the residual blocks, the samplers, guidance and the EMA."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo import pretrained
from zoo.models.diffusion.samplers import DDIMSampler, DDPMSampler, from_eps, run
from zoo.models.diffusion.schedules import NoiseSchedule, cosine_alpha_bar
from zoo.models.diffusion.unet import TimestepEmbedding, residual_block

TINY = {"image_shape": (8, 8, 1), "widths": [4, 8], "blocks": 1, "timesteps": 20, "sample_steps": 3}


def images(n=4, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n, 8, 8, 1)).astype("float32")


@pytest.fixture(scope="module")
def conditional():
    model = zoo.create("ddpm", num_classes=3, guidance=2.0, **TINY)
    # A class embedding as large as a trained one's, so that the classes differ visibly.
    embedding = model.ema_denoiser.get_layer("class_embedding")
    embedding.set_weights([np.random.default_rng(0).normal(size=embedding.get_weights()[0].shape)])
    return model


# ---- schedules -----------------------------------------------------------

def test_linear_schedule_is_ho_et_al_and_alpha_bar_is_the_product():
    s = NoiseSchedule("linear", 1000)
    np.testing.assert_allclose(s.betas, np.linspace(1e-4, 0.02, 1000), rtol=0, atol=1e-15)
    np.testing.assert_allclose(s.alpha_bar, np.cumprod(1 - np.linspace(1e-4, 0.02, 1000)), rtol=1e-12)
    # Another T scales both ends by 1000 / T.
    np.testing.assert_allclose(NoiseSchedule("linear", 500).betas[[0, -1]], [2e-4, 0.04], rtol=1e-12)


def test_cosine_alpha_bar_is_the_formula_until_the_clip():
    T, s_ = 1000, 0.008
    s = NoiseSchedule("cosine", T)
    f = [math.cos(((u / T) + s_) / (1 + s_) * math.pi / 2) ** 2 for u in range(T + 1)]
    formula = np.array(f[1:]) / f[0]
    unclipped = s.betas < 0.999
    assert unclipped[:-1].all() and not unclipped[-1]  # only the last beta is clipped at T = 1000
    np.testing.assert_allclose(s.alpha_bar[unclipped], formula[unclipped], rtol=1e-9)
    np.testing.assert_allclose(cosine_alpha_bar(np.arange(T + 1), T)[1:], formula, rtol=1e-12)
    assert s.betas.max() == 0.999 and s.alpha_bar_at(-1) == 1.0


@pytest.mark.parametrize("name, T, match", [("quadratic", 10, "one of"), ("cosine", 1, "at least 2"),
                                            ("linear", 20, "beta >= 1")])
def test_bad_schedules_are_refused(name, T, match):
    with pytest.raises(ValueError, match=match):
        NoiseSchedule(name, T)


# ---- the U-Net -------------------------------------------------------------

@pytest.mark.parametrize("width", [8, 6])
def test_residual_block_adds_to_its_input_not_to_its_normalised_input(width):
    x_in, t_in = keras.Input((4, 4, 8)), keras.Input((16,))
    block = keras.Model([x_in, t_in], residual_block(x_in, t_in, width, groups=4, name="r"))
    # Silence the residual branch: what is left is the block's skip path.
    conv2 = block.get_layer("r_conv2")
    conv2.set_weights([np.zeros_like(w) for w in conv2.get_weights()])
    x = np.random.default_rng(0).normal(3.0, 5.0, (2, 4, 4, 8)).astype("float32")  # far from normalised
    out = np.asarray(block([x, np.ones((2, 16), "float32")]))
    expected = x if width == 8 else np.asarray(block.get_layer("r_skip")(x))
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-5)


def test_timestep_embedding_is_sines_then_cosines():
    emb = np.asarray(TimestepEmbedding(8)(tf.constant([0, 5])))
    np.testing.assert_allclose(emb[0], [0, 0, 0, 0, 1, 1, 1, 1], atol=1e-7)
    freqs = 10000.0 ** (-np.arange(4) / 4)
    np.testing.assert_allclose(emb[1], np.concatenate([np.sin(5 * freqs), np.cos(5 * freqs)]), rtol=1e-5)


def test_image_sizes_must_halve_as_the_widths_say():
    with pytest.raises(ValueError, match="multiples of 8"):
        zoo.create("ddpm", image_shape=(28, 28, 1), widths=[4, 8, 8, 8], timesteps=20, sample_steps=5)
    assert zoo.create("ddpm", image_shape=(28, 28, 1), widths=[4, 8, 8], timesteps=20, sample_steps=5,
                      attention=False).built


# ---- samplers on a toy problem with a closed-form denoiser -----------------

MU, STD = 0.3, 0.5


def gaussian_eps(schedule):
    """The optimal noise predictor for data N(MU, STD^2): E[eps | x_t]."""

    def eps(x, t):
        a = schedule.alpha_bar_at(t)
        return math.sqrt(1 - a) / (a * STD**2 + 1 - a) * (x - math.sqrt(a) * MU)

    return eps


def toy_run(sampler, seed, n=20000, schedule=None):
    schedule = schedule or NoiseSchedule("cosine", 1000)
    noise = tf.random.stateless_normal((n, 1, 1, 1), seed=[seed, 0])
    return np.asarray(run(sampler, from_eps(gaussian_eps(schedule), schedule), noise, schedule, seed=seed)).ravel()


def test_ddim_with_eta_0_is_deterministic_given_the_noise():
    sampler = DDIMSampler(steps=50, eta=0.0, clip=False)
    assert not sampler.stochastic
    schedule = NoiseSchedule("cosine", 200)
    noise = tf.random.stateless_normal((500, 1, 1, 1), seed=[7, 0])
    predict = from_eps(gaussian_eps(schedule), schedule)
    a = run(sampler, predict, noise, schedule, seed=1)
    np.testing.assert_array_equal(a, run(sampler, predict, noise, schedule, seed=2))
    # A stochastic DDIM differs by seed.
    noisy = DDIMSampler(steps=10, eta=1.0, clip=False)
    assert not np.allclose(run(noisy, predict, noise, schedule, seed=1), run(noisy, predict, noise, schedule, seed=2))
    # The deterministic walk nears the data distribution too (50 steps under-disperse a little).
    x = np.asarray(a).ravel()
    assert abs(x.mean() - MU) < 0.05 and abs(x.var() / STD**2 - 1) < 0.1


def test_ddim_with_every_step_and_eta_1_is_the_ancestral_sampler():
    T = 1000
    ddpm = DDPMSampler(clip=False)
    ddim = DDIMSampler(steps=T, eta=1.0, clip=False)
    assert ddim.timesteps(T) == ddpm.timesteps(T) == list(range(T - 1, -1, -1))
    a, b = toy_run(ddpm, seed=1), toy_run(ddim, seed=2)
    # Two independent runs: the same distribution, near the data's (T Gaussian steps with the
    # posterior's variance under-disperse by about 3 % here).
    n = len(a)
    for x in (a, b):
        assert abs(x.mean() - MU) < 4 * STD / math.sqrt(n)
        assert abs(x.var() / STD**2 - 1) < 0.06
    assert abs(a.mean() - b.mean()) < 4 * STD * math.sqrt(2 / n)
    assert abs(a.var() / b.var() - 1) < 0.06
    # Noise for noise, the very same walk.
    np.testing.assert_allclose(toy_run(ddim, seed=1, n=1000), toy_run(ddpm, seed=1, n=1000), atol=2e-4)


def test_trailing_spacing_starts_at_the_noisiest_step():
    assert DDIMSampler(steps=4).timesteps(1000) == [999, 749, 499, 249]
    assert DDIMSampler(steps=3).timesteps(10) == [9, 6, 2]
    with pytest.raises(ValueError, match="at most"):
        DDIMSampler(steps=30).timesteps(20)


# ---- the model: sampling, guidance, parameterisations -----------------------

def test_sample_matches_the_exported_sample_function(conditional):
    labels = np.array([0, 1, 2, 1], np.int32)
    got = conditional.sample(4, seed=3, labels=labels)
    graph = conditional.sample_tensor(tf.constant(labels), tf.constant(3)).numpy()
    np.testing.assert_allclose(got, graph, atol=1e-5)
    # The exported DDIM function from the same noise is the same sampling.
    noise = conditional.noise_tensor(4, 3)
    ddim = conditional.ddim_tensor(noise, tf.constant(labels), tf.constant(2.0)).numpy()
    np.testing.assert_allclose(got, ddim, atol=1e-5)
    # Ancestral sampling is seeded too.
    a = conditional.sample(2, seed=5, labels=1, sampler="ddpm")
    np.testing.assert_array_equal(a, conditional.sample(2, seed=5, labels=1, sampler=DDPMSampler()))
    assert not np.array_equal(a, conditional.sample(2, seed=6, labels=1, sampler="ddpm"))


def test_guidance_0_is_the_unconditional_model_and_1_the_conditional(conditional):
    x = tf.constant(np.random.default_rng(1).normal(size=(4, 8, 8, 1)).astype("float32"))
    labels = tf.constant([0, 1, 2, 0])
    null = tf.fill([4], 3)
    t = tf.fill([4], 7)
    uncond = conditional.output_tensor(x, t, null)
    cond = conditional.output_tensor(x, t, labels)
    assert not np.allclose(uncond, cond, atol=1e-4)
    # A tensor scale takes the two-pass path of the exported graphs.
    for w, expected in ((0.0, uncond), (1.0, cond)):
        for scale in (w, tf.constant(w)):
            np.testing.assert_allclose(conditional.guided_output(x, 7, labels, scale), expected, atol=1e-5)
    three = conditional.guided_output(x, 7, labels, 3.0)
    np.testing.assert_allclose(three, uncond + 3.0 * (cond - uncond), atol=1e-5)
    # Whole samples: at scale 0 the labels do not matter.
    np.testing.assert_allclose(conditional.sample(3, seed=0, labels=0, guidance=0.0),
                               conditional.sample(3, seed=0, labels=2, guidance=0.0), atol=1e-5)
    assert not np.allclose(conditional.sample(3, seed=0, labels=0, guidance=1.0),
                           conditional.sample(3, seed=0, labels=2, guidance=1.0), atol=1e-4)
    one = conditional.draw_tensor(conditional.noise_tensor(3, 0), tf.constant([1, 1, 1]), 0, guidance=tf.constant(1.0))
    # The float scale batches both passes together, the tensor one runs them apart: float32 round-off.
    np.testing.assert_allclose(conditional.sample(3, seed=0, labels=1, guidance=1.0), one, atol=5e-4)


@pytest.mark.parametrize("prediction", ["epsilon", "v"])
def test_both_parameterisations_give_consistent_estimates(prediction):
    model = zoo.create("ddpm", prediction=prediction, **TINY)
    x = tf.constant(np.random.default_rng(2).normal(size=(3, 8, 8, 1)).astype("float32"))
    t = 12
    out = model.output_tensor(x, tf.fill([3], t))
    x0, eps = model.estimates(x, out, t)
    a = model.schedule.alpha_bar_at(t)
    np.testing.assert_allclose(math.sqrt(a) * x0 + math.sqrt(1 - a) * eps, x, atol=1e-5)
    np.testing.assert_allclose(model.eps_tensor(x, tf.fill([3], t)), eps, atol=1e-5)
    assert np.isfinite(float(model.compute_losses(tf.constant(images()))["loss"]))


def test_unconditional_model_samples_and_refuses_labels_and_guidance():
    model = zoo.create("ddpm", num_classes=0, **TINY)
    assert type(model).__name__ == "DDPM" and not model.needs_labels
    assert model.sample(2, seed=0).shape == (2, 8, 8, 1)
    with pytest.raises(ValueError, match="unconditional"):
        model.sample(2, seed=0, labels=[0, 1])
    with pytest.raises(ValueError, match="unconditional"):
        model.sample(2, seed=0, guidance=2.0)
    assert type(zoo.create("ddpm", num_classes=2, **TINY)).__name__ == "ConditionalDDPM"


@pytest.mark.parametrize("options, match", [
    ({"sampler": "ddpm", "steps": 5}, "all 20 steps"),
    ({"steps": 50}, "at most"),
    ({"eta": 1.5}, r"\[0, 1\]"),
    ({"sampler": "euler"}, "one of"),
    ({"sampler": DDIMSampler(steps=2), "eta": 0.5}, "sampler's own"),
    ({"guidance": float("nan")}, "finite"),
])
def test_bad_sampling_options_say_what_is_expected(conditional, options, match):
    with pytest.raises(ValueError, match=match):
        conditional.sample(2, seed=0, **options)


def test_progress_is_shown_when_asked(conditional, capsys):
    conditional.sample(2, seed=0, labels=1, steps=2, verbose=True)
    assert "2/2" in capsys.readouterr().out
    conditional.sample(2, seed=0, labels=1, steps=2)
    assert capsys.readouterr().out == ""


def test_a_repeated_draw_is_remembered_for_the_same_weights_only():
    model = zoo.create("ddpm", num_classes=3, ema=0.0, **TINY)
    a = model.sample(3, seed=0)
    b = model.sample(3, seed=0)
    np.testing.assert_array_equal(a, b)
    b[:] = 0  # the caller's copy
    np.testing.assert_array_equal(model.sample(3, seed=0), a)
    kernel = model.denoiser.get_layer("eps").kernel
    kernel.assign(kernel * 2.0)
    assert not np.allclose(model.sample(3, seed=0), a)


# ---- the moving average ------------------------------------------------------

def test_ema_update_rule_sampling_and_save_load(tmp_path):
    model = zoo.create("ddpm", num_classes=3, ema=0.9, **TINY)
    start = [w.copy() for w in model.denoiser.get_weights()]
    np.testing.assert_array_equal(model.ema_denoiser.get_weights()[0], start[0])
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    data = tf.data.Dataset.from_tensor_slices((images(4), np.arange(4) % 3)).batch(4)
    model.fit(data, epochs=1, verbose=0)
    # One step: decay min(0.9, (1 + 1) / (10 + 1)).
    decay = 2.0 / 11.0
    for avg, w0, w1 in zip(model.ema_denoiser.get_weights(), start, model.denoiser.get_weights()):
        np.testing.assert_allclose(avg, decay * w0 + (1 - decay) * w1, rtol=1e-5, atol=1e-7)
    assert any(not np.allclose(a, b) for a, b in zip(model.ema_denoiser.get_weights(), model.denoiser.get_weights()))

    # Sampling reads the average: changing the live weights changes nothing.
    drawn = model.sample_tensor(tf.constant([1, 1]), tf.constant(0)).numpy()
    live = model.denoiser.get_layer("eps").kernel
    live.assign(live * 0.0)
    np.testing.assert_array_equal(model.sample_tensor(tf.constant([1, 1]), tf.constant(0)), drawn)

    pretrained.save(model, tmp_path / "p", {"preset": "p"})
    loaded = zoo.load(tmp_path / "p")
    for a, b in zip(loaded.ema_denoiser.get_weights(), model.ema_denoiser.get_weights()):
        np.testing.assert_array_equal(a, b)
    # The weights are equal bit for bit (above); the numpy API's compiled denoiser rounds apart from eager.
    np.testing.assert_allclose(loaded.sample(2, seed=0, labels=1), drawn, atol=1e-5)


# ---- export --------------------------------------------------------------------

def test_the_whole_ddim_sampler_exports_to_onnx_and_matches_keras_sampling(tmp_path):
    import onnxruntime as ort

    model = zoo.create("ddpm", prediction="v", **{**TINY, "sample_steps": 2})
    report = zoo.export(model, tmp_path, formats=("onnx",), functions=["ddim_2"], verbose=False)
    assert report["onnx"]["ddim_2"] <= 1e-4
    session = ort.InferenceSession(str(tmp_path / "ddim_2.onnx"), providers=["CPUExecutionProvider"])
    noise = model.noise_tensor(3, 11).numpy()
    got = session.run(None, {session.get_inputs()[0].name: noise})[0]
    np.testing.assert_allclose(got, model.sample(3, seed=11, sampler="ddim", steps=2, eta=0.0), atol=1e-4)
