"""Recipe of `vae_fashion_mnist`: the `vae_mnist` recipe and measures on Fashion-MNIST."""

from training import vae_mnist

PRESET = "vae_fashion_mnist"


def run(out=None, epochs=None, data_dir=None, resume=False):
    return vae_mnist.run(out=out, epochs=epochs, data_dir=data_dir, resume=resume,
                         preset=PRESET, dataset="fashion_mnist")
