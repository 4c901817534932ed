"""Samplers: how to walk from noise to an image with a denoiser's estimates at (x_t, t).

A sampler is an object chosen at call time, apart from the model (as in
diffusers' schedulers), so one trained denoiser serves both:

- `DDPMSampler()`: ancestral sampling over all T steps (Ho et al., 2020,
  Algorithm 2), each step drawing x_{t-1} from the Gaussian posterior
  q(x_{t-1} | x_t, x_0) at the predicted x_0.
- `DDIMSampler(steps, eta)`: Song et al. (2021), on a subsequence of `steps`
  timesteps; `eta = 0` is deterministic given the starting noise, `eta = 1`
  with every step is the ancestral sampler again.

DDIM's timesteps use **trailing** spacing (diffusers' `timestep_spacing="trailing"`,
Lin et al., 2024): t_i = round(T - i T / S) - 1 for i = 0 .. S-1, so that
the first step is always t = T-1, the noise level training ended at (the
"leading" spacing of the DDIM paper's code starts at T - T/S instead, which
with the cosine schedule is a level far less noisy than the noise it is given).
The last step goes from t_{S-1} to "t = -1", alpha-bar 1: the predicted image.

Samplers walk with a predictor `predict(x_t, t) -> (x_0, eps)`, both
estimates, as the model's parameterisation gives them best: an eps-predicting
network's x_0 = (x_t - sqrt(1 - a_t) eps) / sqrt(a_t) (`from_eps`) divides by
sqrt(a_t), about 5e-5 at the cosine schedule's last step, while a
v-predicting network gives x_0 = sqrt(a_t) x_t - sqrt(1 - a_t) v directly.
Both samplers clip x_0 to [-1, 1] (`clip=True`: images live there) and take
eps again from the clipped x_0 and x_t, so that they stay one family under
clipping (DDIM with eta = 1 over all steps is then exactly the ancestral
sampler, noise for noise). The coefficients are Python floats from the
float64 schedule.
"""

import math

import numpy as np
import tensorflow as tf

from zoo.checks import check_count

VARIANCES = ("small", "large")


def step_seed(seed, index):
    """The stateless seed of step `index`'s noise: `[seed, index + 1]` (`[seed, 0]` draws the starting noise)."""
    if seed is None:
        raise ValueError("a stochastic sampler needs a seed")
    return tf.stack([tf.cast(seed, tf.int32), tf.constant(index + 1, tf.int32)])


def from_eps(eps_fn, schedule):
    """A sampler's predictor `(x, t) -> (x_0, eps)` from a noise predictor `eps_fn(x, t)`."""

    def predict(x, t):
        eps = tf.cast(eps_fn(x, t), tf.float32)
        a = schedule.alpha_bar_at(t)
        return (x - math.sqrt(1.0 - a) * eps) / math.sqrt(a), eps

    return predict


def clipped(x, x0, eps, alpha_bar, clip):
    """(x_0, eps) with x_0 clipped to [-1, 1] and eps re-derived from it and x_t (as given without `clip`)."""
    if not clip:
        return x0, eps
    x0 = tf.clip_by_value(x0, -1.0, 1.0)
    return x0, (x - math.sqrt(alpha_bar) * x0) / math.sqrt(1.0 - alpha_bar)


class DiffusionSampler:
    """Base of the samplers: the timesteps to visit and one step from t to t_prev."""

    name = None

    @property
    def stochastic(self):
        """Whether a step draws noise (then sampling needs a seed)."""
        return True

    def timesteps(self, num_timesteps):
        """The timesteps visited, from noisiest to cleanest (ints)."""
        raise NotImplementedError

    def step(self, x, x0, eps, t, t_prev, schedule, noise=None):
        """x_{t_prev} from x_t and the predicted x_0 and noise (`noise`: N(0, I) of x's shape, if stochastic)."""
        raise NotImplementedError

    def key(self):
        """What identifies this sampler's draws (its settings)."""
        return (type(self).__name__, *sorted(vars(self).items()))

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


class DDPMSampler(DiffusionSampler):
    """Ancestral sampling over every one of the T steps (Ho et al., 2020).

    Each step draws x_{t-1} ~ N(mu, sigma^2 I), mu the posterior mean of
    q(x_{t-1} | x_t, x_0) at the predicted x_0. `variance="small"` is the
    posterior's own variance beta~_t = beta_t (1 - a_{t-1}) / (1 - a_t) (what
    DDIM with eta = 1 adds); `"large"` is beta_t. Ho et al. found both alike.
    No noise is added at the last step.

    Example:
        >>> images = model.sample(16, seed=0, sampler=DDPMSampler())
    """

    name = "ddpm"

    def __init__(self, variance="small", clip=True):
        if variance not in VARIANCES:
            raise ValueError(f"variance must be one of {VARIANCES}, got {variance!r}")
        self.variance, self.clip = variance, bool(clip)

    def timesteps(self, num_timesteps):
        return list(range(num_timesteps - 1, -1, -1))

    def step(self, x, x0, eps, t, t_prev, schedule, noise=None):
        a, a_prev = schedule.alpha_bar_at(t), schedule.alpha_bar_at(t_prev)
        beta = float(schedule.betas[t])
        x0, _ = clipped(x, x0, eps, a, self.clip)
        mean = (math.sqrt(a_prev) * beta / (1.0 - a)) * x0 + (math.sqrt(1.0 - beta) * (1.0 - a_prev) / (1.0 - a)) * x
        variance = beta * (1.0 - a_prev) / (1.0 - a) if self.variance == "small" or t == 0 else beta
        return mean if variance <= 0 else mean + math.sqrt(variance) * noise

    def describe(self, num_timesteps):
        return f"DDPM ancestral, all {num_timesteps} steps"


class DDIMSampler(DiffusionSampler):
    """DDIM (Song et al., 2021) over `steps` timesteps with trailing spacing.

    x_{t'} = sqrt(a_{t'}) x_0 + sqrt(1 - a_{t'} - sigma^2) eps + sigma z, with
    sigma = eta sqrt((1 - a_{t'}) / (1 - a_t)) sqrt(1 - a_t / a_{t'}).

    Args:
        steps: how many denoiser evaluations (at most the model's T).
        eta: 0 (deterministic) to 1 (ancestral-like noise).
        clip: clip the predicted x_0 to [-1, 1].

    Example:
        >>> images = model.sample(16, seed=0, sampler=DDIMSampler(steps=25, eta=0.0))
    """

    name = "ddim"

    def __init__(self, steps=50, eta=0.0, clip=True):
        self.steps = check_count(steps, "steps")
        if isinstance(eta, bool) or not isinstance(eta, (int, float, np.floating, np.integer)) or not 0.0 <= eta <= 1.0:
            raise ValueError(f"eta must be a number in [0, 1], got {eta!r}")
        self.eta, self.clip = float(eta), bool(clip)

    @property
    def stochastic(self):
        return self.eta > 0

    def timesteps(self, num_timesteps):
        if self.steps > num_timesteps:
            raise ValueError(f"DDIM steps must be at most the model's {num_timesteps} timesteps, got {self.steps}")
        # Trailing spacing: t_i = round(T - i T / S) - 1, starting at T - 1.
        spaced = np.round(num_timesteps - np.arange(self.steps) * num_timesteps / self.steps).astype(int) - 1
        return [int(t) for t in spaced]

    def step(self, x, x0, eps, t, t_prev, schedule, noise=None):
        a, a_prev = schedule.alpha_bar_at(t), schedule.alpha_bar_at(t_prev)
        x0, eps = clipped(x, x0, eps, a, self.clip)
        sigma = self.eta * math.sqrt((1.0 - a_prev) / (1.0 - a) * (1.0 - a / a_prev))
        out = math.sqrt(a_prev) * x0 + math.sqrt(max(1.0 - a_prev - sigma**2, 0.0)) * eps
        return out if sigma <= 0 else out + sigma * noise

    def describe(self, num_timesteps):
        return f"DDIM, {self.steps} of {num_timesteps} steps (trailing spacing), eta {self.eta:g}"


def run(sampler, predict, x, schedule, seed=None, on_step=None):
    """Walks `x` (noise, x_{T-1}) down the sampler's timesteps; returns the predicted x_0 (in [-1, 1] when clipping).

    Args:
        sampler: a `DiffusionSampler`.
        predict: `predict(x, t) -> (x_0, eps)`, float32 estimates for an int t
            (`from_eps(eps_fn, schedule)` makes one from a noise predictor).
        x: float32 noise, N(0, I), NHWC.
        schedule: the model's `NoiseSchedule`.
        seed: int or int32 scalar tensor; step i draws its noise with
            `step_seed(seed, i)` (needed only by a stochastic sampler).
        on_step: optional `on_step(done, total)` after each step (a progress bar).

    The loop is Python: traced into a graph, its steps are unrolled, which is
    what lets tf2onnx convert a whole sampler with a fixed step count.
    """
    steps = sampler.timesteps(schedule.timesteps)
    x = tf.cast(x, tf.float32)
    for i, t in enumerate(steps):
        t_prev = steps[i + 1] if i + 1 < len(steps) else -1
        x0, eps = predict(x, t)
        noise = tf.random.stateless_normal(tf.shape(x), seed=step_seed(seed, i)) if sampler.stochastic else None
        x = sampler.step(x, tf.cast(x0, tf.float32), tf.cast(eps, tf.float32), t, t_prev, schedule, noise)
        if on_step is not None:
            on_step(i + 1, len(steps))
    return x
