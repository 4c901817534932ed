"""Recipes: one per preset. `python -m training <preset>` reproduces `exports/<preset>/`."""

RECIPES = {
    "vae_mnist": "training.vae_mnist",
    "vae_fashion_mnist": "training.vae_fashion_mnist",
    "vae_cifar10": "training.vae_cifar10",
    "cvae_mnist": "training.cvae_mnist",
    "beta_vae_celeba_64": "training.vae_celeba",
    "wae_celeba_64": "training.vae_celeba",
    "evaluator_mnist": "training.evaluator_mnist",
    **{name: "training.autoencoder" for name in (
        "ae_mnist", "stacked_ae_mnist", "ae2d_mnist", "sparse_ae_mnist", "conv_ae_fashion_mnist",
        "denoising_ae_mnist")},
    "evaluator_fashion_mnist": "training.evaluator_fashion_mnist",
    "evaluator_cifar10": "training.evaluator_cifar10",
    "swap_ae_att_faces": "training.swap_ae",
    **{f"{arch}_{data}": "training.classical" for arch in ("pca", "gmm", "kde") for data in ("mnist", "fashion_mnist")},
    **{name: "training.gan" for name in (
        "gan_mnist", "dcgan_mnist", "dcgan_fashion_mnist", "cgan_mnist", "wgan_gp_fashion_mnist",
        "dcgan_celeba_64", "dcgan_cifar10_32", "dcgan_celeba_32", "progan_celeba_32")},
    **{name: "training.translation" for name in (
        "pix2pix_celeba_edges_64", "pix2pix_celeba_colorize_64", "cycle_gan_cifar10_horse_deer")},
    **{name: "training.flow" for name in ("glow_mnist", "glow_fashion_mnist", "real_nvp_mnist")},
    **{name: "training.diffusion" for name in ("ddpm_mnist", "ddpm_fashion_mnist")},
}
