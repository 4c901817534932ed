"""GANs: the original GAN, DCGAN, the conditional GAN and WGAN-GP (declared here; imported when first used)."""

ARCHITECTURES = {
    "gan": "zoo.models.gan.gan:GAN",
    "dcgan": "zoo.models.gan.dcgan:DCGAN",
    "cgan": "zoo.models.gan.cgan:CGAN",
    "wgan_gp": "zoo.models.gan.wgan_gp:WGANGP",
}
