"""Diffusion models: DDPM training with DDPM and DDIM samplers and classifier-free guidance (declared here; imported when first used)."""

ARCHITECTURES = {
    "ddpm": "zoo.models.diffusion.ddpm:DDPM",
}
