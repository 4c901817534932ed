"""Noise schedules: how much noise each of the T forward steps adds.

A schedule is its betas (beta_t, t = 0 .. T-1, the variance each step adds)
and their running product alpha-bar_t = prod_{s <= t} (1 - beta_s), the
signal's share of x_t = sqrt(alpha-bar_t) x_0 + sqrt(1 - alpha-bar_t) eps.
Index t = 0 is the first noising step (the papers' t = 1).

- `"linear"` (Ho et al., 2020): betas evenly spaced from 1e-4 to 0.02 at
  T = 1000. For another T both ends are scaled by 1000 / T (as in Nichol and
  Dhariwal's code), so that x_{T-1} is close to pure noise at any T.
- `"cosine"` (Nichol and Dhariwal, 2021): alpha-bar_t = f(t + 1) / f(0),
  f(u) = cos(((u / T + s) / (1 + s)) pi / 2)^2, s = 0.008; betas
  1 - alpha-bar_t / alpha-bar_{t-1}, clipped at 0.999, so alpha-bar is the
  formula's at every step but where that clip bites (the last one or two).

Schedules are float64 numpy arrays, computed once; the model and samplers cast
what they need to float32 (never to a mixed-precision compute dtype).
"""

import math

import numpy as np

SCHEDULES = ("linear", "cosine")
COSINE_OFFSET = 0.008
MAX_BETA = 0.999


def linear_betas(timesteps, start=1e-4, end=0.02):
    """Ho et al.'s betas, `start` to `end` at T = 1000, both scaled by 1000 / T for another T."""
    scale = 1000.0 / timesteps
    return np.linspace(start * scale, end * scale, timesteps, dtype=np.float64)


def cosine_alpha_bar(u, timesteps, s=COSINE_OFFSET):
    """Nichol and Dhariwal's alpha-bar at continuous time u in [0, T]: f(u) / f(0)."""

    def f(v):
        return np.cos((np.asarray(v, np.float64) / timesteps + s) / (1 + s) * math.pi / 2) ** 2

    return f(u) / f(0)


def cosine_betas(timesteps, s=COSINE_OFFSET, max_beta=MAX_BETA):
    """Betas whose product follows `cosine_alpha_bar`, clipped at `max_beta`."""
    steps = np.arange(timesteps + 1, dtype=np.float64)
    bar = cosine_alpha_bar(steps, timesteps, s)
    return np.minimum(1.0 - bar[1:] / bar[:-1], max_beta)


class NoiseSchedule:
    """The betas and alpha-bars of a named schedule over `timesteps` steps.

    Args:
        name: `"linear"` or `"cosine"`.
        timesteps: T, the number of noising steps.

    Example:
        >>> s = NoiseSchedule("cosine", 1000)
        >>> s.alpha_bar[-1] < 1e-4
        True
    """

    def __init__(self, name="cosine", timesteps=1000):
        if name not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {name!r}")
        if isinstance(timesteps, bool) or not isinstance(timesteps, (int, np.integer)) or timesteps < 2:
            raise ValueError(f"timesteps must be an integer of at least 2, got {timesteps!r}")
        self.name, self.timesteps = name, int(timesteps)
        self.betas = linear_betas(self.timesteps) if name == "linear" else cosine_betas(self.timesteps)
        if self.betas.max() >= 1.0:
            raise ValueError(f"the {name} schedule over {timesteps} steps has a beta >= 1: use more timesteps")
        self.alpha_bar = np.cumprod(1.0 - self.betas)

    def alpha_bar_at(self, t):
        """alpha-bar of step t (an int; t = -1, before the first step, is 1: the clean image)."""
        return 1.0 if t < 0 else float(self.alpha_bar[t])

    def __repr__(self):
        return f"NoiseSchedule({self.name!r}, {self.timesteps})"
