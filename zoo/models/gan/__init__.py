"""GANs: the original GAN, DCGAN, the conditional GAN, WGAN-GP, progressive growing and the style-based generator (declared here; imported when first used)."""

ARCHITECTURES = {
    "gan": "zoo.models.gan.gan:GAN",
    "dcgan": "zoo.models.gan.dcgan:DCGAN",
    "cgan": "zoo.models.gan.cgan:CGAN",
    "wgan_gp": "zoo.models.gan.wgan_gp:WGANGP",
    "progan": "zoo.models.gan.progan:ProGAN",
    "stylegan": "zoo.models.gan.stylegan:StyleGAN",
}
