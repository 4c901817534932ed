"""The VAE family: `vae`, `beta_vae`, `cvae` and `wae` (declared here; imported when first used)."""

ARCHITECTURES = {
    "vae": "zoo.models.vae.vae:VAE",
    "beta_vae": "zoo.models.vae.family:BetaVAE",
    "cvae": "zoo.models.vae.family:CVAE",
    "wae": "zoo.models.vae.family:WAE",
}
