"""The VAE family."""

from zoo.models.vae.vae import VAE
