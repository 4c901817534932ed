"""The VAE family."""

from zoo.models.vae.family import CVAE, WAE, BetaVAE
from zoo.models.vae.vae import VAE

__all__ = ["VAE", "BetaVAE", "CVAE", "WAE"]
