"""GANs: the original GAN, DCGAN, the conditional GAN and WGAN-GP."""
