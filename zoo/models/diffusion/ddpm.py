"""Denoising diffusion (Ho et al., 2020), sampled by DDPM or DDIM, with classifier-free guidance.

Training (`compute_losses`), as the paper's Algorithm 1: scale the images to
[-1, 1], draw t uniformly from {0, ..., T-1} and eps ~ N(0, I), form
x_t = sqrt(a_t) x_0 + sqrt(1 - a_t) eps (a_t: the schedule's alpha-bar, in
float32 whatever the precision policy), and regress the U-Net's output on eps
(`prediction="epsilon"`) or on v = sqrt(a_t) eps - sqrt(1 - a_t) x_0
(`"v"`, Salimans and Ho, 2022) by mean squared error.

A class-conditional model (`num_classes`) replaces each training label by the
null class `num_classes` with probability `label_dropout`, so that one network
is both the conditional and the unconditional model, and samples with
classifier-free guidance (Ho and Salimans, 2021):

    eps = eps_uncond + w (eps_cond - eps_uncond)

With this convention w = 1 is the plain conditional model, w = 0 the
unconditional one, and w > 1 pushes towards the class (Ho and Salimans' own
w is this w minus 1; diffusers' `guidance_scale` is this w).

An exponential moving average of the weights (`ema`) is kept in a second copy
of the network (non-trainable, saved with the model) and is what sampling,
`eps` and `score` use. Samplers are objects chosen at call time
(`zoo.models.diffusion.samplers`); the model's config names its defaults.

`DDPM(num_classes=10)` is a `ConditionalDDPM` (the `Conditional` capability
is declared by class, not switched on); both are the architecture `ddpm`.
"""

import hashlib
import inspect
import math

import keras
import numpy as np
import tensorflow as tf

from zoo.base import GenerativeModel
from zoo.capabilities import Conditional, Sampler, Scorer, check_sample_count
from zoo.checks import check_count, check_seed, is_int
from zoo.models.diffusion.samplers import DDIMSampler, DDPMSampler, DiffusionSampler, run
from zoo.models.diffusion.schedules import NoiseSchedule
from zoo.models.diffusion.unet import build_unet
from zoo.registry import register

PREDICTIONS = ("epsilon", "v")
SAMPLERS = {"ddpm": DDPMSampler, "ddim": DDIMSampler}
# Images per denoiser call when sampling through the numpy API (a guided step
# evaluates half as many images twice).
SAMPLE_BATCH = 256
# `verbose=None` shows a progress bar from this many image evaluations of the
# denoiser on (about a minute for the presets' networks on 2 CPU cores).
AUTO_PROGRESS = 20_000
# `score` averages the denoising error over this many noise levels, with fixed noise.
SCORE_LEVELS = 8
SCORE_SEED = 0
# `sample` keeps its last draw up to this size: `card_figures` asks for the same
# 10,000 images twice (its FID's, then its class accuracy's, classes in turn).
MEMO_BYTES = 2**28


def check_guidance_scale(value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not math.isfinite(value):
        raise ValueError(f"guidance must be a finite number (0: unconditional, 1: conditional), got {value!r}")
    return float(value)


@register("ddpm")
class DDPM(Sampler, Scorer, GenerativeModel):
    """Denoising diffusion probabilistic model with a U-Net noise predictor.

    Args:
        image_shape: (height, width, channels); height and width must halve
            `len(widths) - 1` times (28x28 with 3 widths: 28 -> 14 -> 7).
        num_classes: None or 0 for an unconditional model; else the number
            of classes (the model is then a `ConditionalDDPM`).
        widths: U-Net channels per resolution, full size first.
        blocks: residual blocks per resolution (one more on the way up).
        attention: self-attention at the lowest resolution.
        groups: GroupNorm groups.
        heads: attention heads.
        dropout: dropout in the residual blocks.
        timesteps: T, the number of noising steps.
        schedule: `"linear"` (Ho et al.) or `"cosine"` (Nichol and Dhariwal).
        prediction: the network's target, `"epsilon"` or `"v"`.
        label_dropout: probability of training a label as the null class.
        ema: decay of the weights' moving average (0: sample with the raw weights).
        sampler: the default sampler, `"ddim"` or `"ddpm"`.
        sample_steps: the default DDIM steps (and the step count of the
            exported `ddim_<steps>` function).
        eta: the default DDIM noise (0: deterministic).
        guidance: the default classifier-free guidance scale (conditional models).

    Example:
        >>> model = zoo.create("ddpm", image_shape=(28, 28, 1), num_classes=10, widths=(16, 32, 64))
        >>> model.compile(optimizer=keras.optimizers.Adam(1e-3))
        >>> model.fit(zoo.data.load("mnist", with_labels=True, batch_size=64), epochs=10)
        >>> sevens = model.sample(8, seed=0, labels=7, guidance=3.0, steps=50)
        >>> ancestral = model.sample(8, seed=0, sampler="ddpm")
    """

    loss_names = ("loss",)
    # A sampler's walk compounds each denoiser call's float32 round-off (the runtimes' kernels differ) over
    # its steps: a tenth of an 8-bit level at most, where one call alone stays within 1e-4.
    export_atol = 1e-3

    def __new__(cls, *args, **kwargs):
        if cls is DDPM:
            given = inspect.signature(DDPM.__init__).bind_partial(None, *args, **kwargs).arguments
            if given.get("num_classes"):
                cls = ConditionalDDPM
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, image_shape=(28, 28, 1), num_classes=None, widths=(16, 32, 64), blocks=2, attention=True,
                 groups=8, heads=1, dropout=0.0, timesteps=1000, schedule="cosine", prediction="epsilon",
                 label_dropout=0.1, ema=0.999, sampler="ddim", sample_steps=25, eta=0.0, guidance=1.0, **kwargs):
        super().__init__(image_shape=image_shape, **kwargs)
        if num_classes is not None and (not is_int(num_classes) or num_classes < 0):
            raise ValueError(f"num_classes must be None, 0 (unconditional) or a positive integer, got {num_classes!r}")
        self.num_classes = int(num_classes) if num_classes else None
        if isinstance(self, Conditional) and not self.num_classes:
            raise ValueError("ConditionalDDPM needs num_classes; DDPM(num_classes=None) is the unconditional model")
        self.schedule = NoiseSchedule(schedule, timesteps)
        self.timesteps = self.schedule.timesteps
        if prediction not in PREDICTIONS:
            raise ValueError(f"prediction must be one of {PREDICTIONS}, got {prediction!r}")
        self.prediction = prediction
        self.label_dropout = float(label_dropout)
        if not 0.0 <= self.label_dropout < 1.0:
            raise ValueError(f"label_dropout must be a probability in [0, 1), got {label_dropout}")
        self.ema = float(ema)
        if not 0.0 <= self.ema < 1.0:
            raise ValueError(f"ema must be a decay in [0, 1), got {ema}")
        if sampler not in SAMPLERS:
            raise ValueError(f"sampler must be one of {sorted(SAMPLERS)}, got {sampler!r}")
        self.sampler = sampler
        self.sample_steps = check_count(sample_steps, "sample_steps")
        self.eta = float(eta)
        self.guidance = check_guidance_scale(guidance)
        self.default_sampler()  # refuses bad steps or eta now, not at the first sample
        self.noise = keras.random.SeedGenerator(0, name="noise")
        unet = dict(widths=tuple(widths), blocks=blocks, attention=bool(attention), num_classes=self.num_classes,
                    groups=check_count(groups, "groups"), heads=check_count(heads, "heads"), dropout=float(dropout))
        self.denoiser = build_unet(self.image_shape, name="denoiser", **unet)
        if self.ema:
            self.ema_denoiser = build_unet(self.image_shape, name="ema_denoiser", **unet)
            self.ema_denoiser.trainable = False
            self.ema_denoiser.set_weights(self.denoiser.get_weights())

    # ---- training -------------------------------------------------------

    def network_inputs(self, x_t, t, labels):
        """The denoiser's inputs: x_t and t, and the labels of a conditional model."""
        return [x_t, t]

    def training_labels(self, y, training=True):
        """The labels the denoiser trains on (a conditional model drops some to the null class)."""
        return None

    def compute_losses(self, x, y=None, training=True):
        x0 = tf.cast(x, "float32") * 2.0 - 1.0
        batch = tf.shape(x0)[0]
        t = keras.random.randint((batch,), 0, self.timesteps, seed=self.noise, dtype="int32")
        eps = keras.random.normal(tf.shape(x0), seed=self.noise)
        a = tf.reshape(tf.gather(tf.constant(self.schedule.alpha_bar, tf.float32), t), (-1, 1, 1, 1))
        x_t = tf.sqrt(a) * x0 + tf.sqrt(1.0 - a) * eps
        target = eps if self.prediction == "epsilon" else tf.sqrt(a) * eps - tf.sqrt(1.0 - a) * x0
        labels = self.training_labels(y, training)
        out = tf.cast(self.denoiser(self.network_inputs(x_t, t, labels), training=training), "float32")
        loss = tf.reduce_mean(tf.square(out - target))
        return {"loss": loss}

    def train_step(self, data):
        logs = super().train_step(data)
        if self.ema:
            self.update_ema()
        return logs

    def update_ema(self):
        # A shorter memory early on, so the average does not start from the
        # random initial weights: decay_t = min(ema, (1 + t) / (10 + t)), t the steps taken.
        step = tf.cast(self.optimizer.iterations, "float32")
        decay = tf.minimum(self.ema, (1.0 + step) / (10.0 + step))
        for avg, w in zip(self.ema_denoiser.weights, self.denoiser.weights):
            avg.assign(decay * avg + (1.0 - decay) * tf.cast(w, avg.dtype))

    def call(self, x, training=False):
        # Keras builds and summarises through call(images): the denoising error of each image.
        return self.score_tensor(tf.cast(x, "float32"))

    # ---- the denoiser, as samplers see it ---------------------------------

    def sampling_network(self):
        return self.ema_denoiser if self.ema else self.denoiser

    def labels_or_error(self, y):
        raise ValueError(f"{type(self).__name__} is unconditional and takes no labels")

    def output_tensor(self, x_t, t, labels=None):
        """The network's raw prediction (eps or v) for x_t at timesteps t (int32, one per image): the EMA weights'."""
        inputs = self.network_inputs(tf.cast(x_t, "float32"), tf.cast(t, "int32"), labels)
        return tf.cast(self.sampling_network()(inputs, training=False), "float32")

    def eps_tensor(self, x_t, t, labels=None):
        """The predicted noise in x_t at timesteps t (int32, one per image), float32."""
        out = self.output_tensor(x_t, t, labels)
        if self.prediction == "epsilon":
            return out
        a = tf.reshape(tf.gather(tf.constant(self.schedule.alpha_bar, tf.float32), tf.cast(t, "int32")), (-1, 1, 1, 1))
        return tf.sqrt(1.0 - a) * tf.cast(x_t, "float32") + tf.sqrt(a) * out

    def estimates(self, x, out, t):
        """(x_0, eps) at the int timestep t from the network's output: what the samplers walk with.

        From v both are well conditioned; from eps, x_0 divides by sqrt(alpha-bar_t).
        """
        a = self.schedule.alpha_bar_at(t)
        if self.prediction == "epsilon":
            return (x - math.sqrt(1.0 - a) * out) / math.sqrt(a), out
        return math.sqrt(a) * x - math.sqrt(1.0 - a) * out, math.sqrt(1.0 - a) * x + math.sqrt(a) * out

    def guided_output(self, x, t, labels, guidance, network=None):
        """The network's output at the int timestep t; for labels, out_uncond + w (out_cond - out_uncond).

        Guiding the output guides eps alike: eps is affine in it with weights
        summing to one. A Python guidance of 1 or 0 needs one pass of the
        network (the conditional or the null-class one); any other, or a
        tensor, two, in one batch.
        """
        network = network or self.output_tensor
        t = tf.fill(tf.shape(x)[:1], tf.constant(t, tf.int32))
        if labels is None:
            return network(x, t)
        labels = tf.cast(labels, tf.int32)
        null = tf.fill(tf.shape(labels), tf.constant(self.num_classes, tf.int32))
        if isinstance(guidance, (int, float)) and guidance in (0.0, 1.0):
            return network(x, t, labels if guidance == 1.0 else null)
        both = network(tf.concat([x, x], 0), tf.concat([t, t], 0), tf.concat([labels, null], 0))
        cond, uncond = tf.split(both, 2, axis=0)
        return uncond + tf.cast(guidance, tf.float32) * (cond - uncond)

    def noise_tensor(self, n, seed):
        """The starting noise of `sample(n, seed)`: N(0, I) drawn with the stateless seed [seed, 0]."""
        shape = tf.concat([tf.reshape(tf.cast(n, tf.int32), [1]), tf.constant(self.image_shape, tf.int32)], 0)
        return tf.random.stateless_normal(shape, seed=tf.stack([tf.cast(seed, tf.int32), tf.constant(0, tf.int32)]))

    def draw_tensor(self, noise, labels=None, seed=None, sampler=None, guidance=None, on_step=None, network=None,
                    batch=None):
        """Images in [0, 1] from starting noise: the sampler's walk with the (guided) denoiser.

        Args:
            noise: x_{T-1}, float32 NHWC.
            labels: int32 (n,) for a conditional model, else None.
            seed: the seed of a stochastic sampler's step noise.
            sampler: a `DiffusionSampler` (default: the model's).
            guidance: the guidance scale (default: the model's).
            on_step: `on_step(done, total)` after each step.
            network: the `output_tensor` to use (the numpy API passes a compiled one).
            batch: evaluate the denoiser on at most this many images at once
                (None: the whole batch, as in a traced graph).
        """
        sampler = sampler or self.default_sampler()
        guidance = self.guidance if guidance is None else guidance

        def predict(x, t):
            if batch is None:
                out = self.guided_output(x, t, labels, guidance, network)
            else:
                out = tf.concat([self.guided_output(x[i : i + batch], t, None if labels is None else labels[i : i + batch],
                                                    guidance, network) for i in range(0, int(x.shape[0]), batch)], 0)
            return self.estimates(x, out, t)

        x0 = run(sampler, predict, noise, self.schedule, seed=seed, on_step=on_step)
        return tf.clip_by_value((x0 + 1.0) / 2.0, 0.0, 1.0)

    # ---- samplers ----------------------------------------------------------

    def default_sampler(self):
        return self.make_sampler(None, None, None)

    def make_sampler(self, sampler=None, steps=None, eta=None):
        """A sampler object from `sample`'s arguments, the model's defaults filling the rest."""
        if isinstance(sampler, DiffusionSampler):
            if steps is not None or eta is not None:
                raise ValueError(f"steps and eta are the sampler's own: give them to {type(sampler).__name__}(...)")
            return sampler
        name = self.sampler if sampler is None else sampler
        if name not in SAMPLERS:
            raise ValueError(f"sampler must be one of {sorted(SAMPLERS)} or a sampler object "
                             f"(DDPMSampler(), DDIMSampler(steps, eta)), got {sampler!r}")
        if name == "ddpm":
            if steps is not None or eta is not None:
                raise ValueError(f"the DDPM sampler takes all {self.timesteps} steps and has no eta; "
                                 "for fewer steps use sampler='ddim'")
            return DDPMSampler()
        made = DDIMSampler(self.sample_steps if steps is None else steps, self.eta if eta is None else eta)
        made.timesteps(self.timesteps)  # refuses more steps than T
        return made

    # ---- tensor functions (exported) -------------------------------------

    def sample_tensor(self, n, seed):
        return self.draw_tensor(self.noise_tensor(n, seed), None, seed)

    def ddim_tensor(self, noise, labels=None, guidance=None):
        """Deterministic DDIM (eta 0) over the model's `sample_steps` from given noise: images in [0, 1]."""
        return self.draw_tensor(noise, labels, None, DDIMSampler(self.sample_steps, 0.0), guidance)

    def score_tensor(self, x, labels=None):
        """The mean squared error of the predicted noise, averaged over `SCORE_LEVELS` noise levels (fixed noise)."""
        x0 = tf.cast(x, "float32") * 2.0 - 1.0
        if self.num_classes and labels is None:
            labels = tf.fill(tf.shape(x0)[:1], tf.constant(self.num_classes, tf.int32))
        errors = []
        for k in range(SCORE_LEVELS):
            t = min(int((k + 0.5) * self.timesteps / SCORE_LEVELS), self.timesteps - 1)
            a = self.schedule.alpha_bar_at(t)
            eps = tf.random.stateless_normal(tf.shape(x0), seed=[SCORE_SEED, k])
            x_t = math.sqrt(a) * x0 + math.sqrt(1.0 - a) * eps
            pred = self.eps_tensor(x_t, tf.fill(tf.shape(x0)[:1], tf.constant(t, tf.int32)), labels)
            errors.append(tf.reduce_mean(tf.square(pred - eps), axis=[1, 2, 3]))
        return tf.reduce_mean(tf.stack(errors), axis=0)

    @property
    def main_function(self):
        return f"ddim_{self.sample_steps}"

    def inference_functions(self):
        """`sample` (the default sampler, seeded), `eps` (the denoiser) and `ddim_<steps>` (noise -> images)."""
        functions = super().inference_functions()
        labels = [tf.TensorSpec((None,), tf.int32, name="labels")] if self.num_classes else []
        functions["eps"] = (self.eps_tensor, [tf.TensorSpec((None, *self.image_shape), tf.float32, name="x_t"),
                                              tf.TensorSpec((None,), tf.int32, name="t"), *labels])
        guidance = [tf.TensorSpec((), tf.float32, name="guidance")] if self.num_classes else []
        functions[self.main_function] = (
            self.ddim_tensor, [tf.TensorSpec((None, *self.image_shape), tf.float32, name="noise"), *labels, *guidance])
        return functions

    # ---- public API (numpy in, numpy out) --------------------------------

    def sample_labels(self, n, labels):
        """The labels of `n` samples: None for an unconditional model (which refuses labels)."""
        return self.check_labels(labels)

    def check_sample_guidance(self, guidance):
        if guidance is not None:
            raise ValueError(f"{type(self).__name__} is unconditional: guidance needs a class-conditional "
                             "model (num_classes)")
        return None

    def sample(self, n, seed=None, labels=None, guidance=None, steps=None, eta=None, sampler=None, verbose=None):
        """Draws `n` images, float32 NHWC in [0, 1]; a seed fixes them.

        Args:
            n: how many images.
            seed: fixes the starting noise ([seed, 0]) and any step noise
                ([seed, i + 1]), as the exported `sample` does.
            labels: a conditional model's classes (one int, or one per image;
                default: the classes in turn).
            guidance: classifier-free guidance scale w (conditional models;
                default the model's): 0 the unconditional model, 1 the conditional one.
            steps: DDIM steps (default the model's `sample_steps`).
            eta: DDIM noise, 0 (deterministic) to 1 (default the model's).
            sampler: `"ddim"`, `"ddpm"` (ancestral, all T steps) or a sampler
                object (`DDIMSampler(steps=25, eta=0.0)`, `DDPMSampler()`).
            verbose: show a progress bar per step (None: only for long sampling).

        Example:
            >>> model.sample(16, seed=0, labels=3, guidance=3.0, sampler="ddim", steps=50)
        """
        n, seed = check_sample_count(n, self.image_shape), check_seed(seed)
        labels = self.sample_labels(n, labels)
        guidance = self.check_sample_guidance(guidance)
        chosen = self.make_sampler(sampler, steps, eta)
        passes = 1 if labels is None or guidance in (0.0, 1.0) else 2
        key = (n, seed, None if labels is None else labels.tobytes(), chosen.key(), guidance, self.weights_digest())
        memo = self.__dict__.get("_last_draw")
        if memo is not None and memo[0] == key:
            return memo[1].copy()
        total = len(chosen.timesteps(self.timesteps))
        show = verbose if verbose is not None else n * total * passes >= AUTO_PROGRESS
        bar = keras.utils.Progbar(total, unit_name="step") if show else None
        compiled = self.__dict__.setdefault("_compiled_functions", {})
        if "output_tensor" not in compiled:
            compiled["output_tensor"] = tf.function(self.output_tensor, reduce_retracing=True)
        images = self.draw_tensor(
            self.noise_tensor(n, seed), None if labels is None else tf.constant(labels), seed, chosen, guidance,
            on_step=(lambda done, _: bar.update(done)) if bar else None, network=compiled["output_tensor"],
            batch=SAMPLE_BATCH // passes).numpy()
        if images.nbytes <= MEMO_BYTES:
            self.__dict__["_last_draw"] = (key, images.copy())
        return images

    def weights_digest(self):
        """sha256 of the sampling network's weights: a remembered draw is reused only for the same weights."""
        digest = hashlib.sha256()
        for w in self.sampling_network().weights:
            digest.update(np.asarray(w).tobytes())
        return digest.hexdigest()

    def score(self, x, labels=None):
        """Outlier score of each image: its mean squared noise-prediction error over `SCORE_LEVELS`
        noise levels with fixed noise (higher is stranger). Not a likelihood.

        A conditional model scores with the given labels, or else as its
        unconditional (null-class) model.
        """
        x = self.check_images(x)
        if labels is None:
            return self.run_chunked(self.score_tensor, x)
        return self.run_chunked(self.score_tensor, (x, self.check_labels(labels, len(x))))


@keras.saving.register_keras_serializable(package="zoo", name="ConditionalDDPM")
class ConditionalDDPM(Conditional, DDPM):
    """A class-conditional `ddpm`: what `DDPM(num_classes=...)` makes. Samples with classifier-free guidance.

    Training batches are (images, labels); a share `label_dropout` of the
    labels is replaced by the null class `num_classes`.

    Example:
        >>> model = zoo.load("ddpm_mnist")
        >>> sevens = model.sample(8, seed=0, labels=7, guidance=3.0)
    """

    # Conditional's sampling draws codes from a prior; a diffusion model walks its sampler.
    sample = DDPM.sample

    def network_inputs(self, x_t, t, labels):
        return [x_t, t, self.labels_or_error(labels)]

    def labels_or_error(self, y):
        if y is None:
            raise ValueError("a conditional diffusion model needs the class label of each image")
        return tf.cast(y, "int32")

    def training_labels(self, y, training=True):
        y = self.labels_or_error(y)
        if not training or not self.label_dropout:
            return y
        dropped = keras.random.uniform(tf.shape(y), seed=self.noise) < self.label_dropout
        return tf.where(dropped, tf.fill(tf.shape(y), tf.constant(self.num_classes, tf.int32)), y)

    def sample_tensor(self, labels, seed):
        return self.draw_tensor(self.noise_tensor(tf.shape(labels)[0], seed), labels, seed)

    def sample_labels(self, n, labels):
        return np.arange(n, dtype=np.int32) % self.num_classes if labels is None else self.check_labels(labels, n)

    def check_sample_guidance(self, guidance):
        return self.guidance if guidance is None else check_guidance_scale(guidance)
