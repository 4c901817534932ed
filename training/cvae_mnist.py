"""Recipe of `cvae_mnist`: the `vae_mnist` recipe and measures for the conditional VAE, given the labels.

Beside the VAE's figures, the class accuracy of its conditional samples: how
often `evaluator_mnist` calls a sample drawn for class c a c (the bar is 95 %).
"""

from training import vae_mnist

PRESET = "cvae_mnist"


def run(out=None, epochs=None, data_dir=None, resume=False):
    return vae_mnist.run(out=out, epochs=epochs, data_dir=data_dir, resume=resume, preset=PRESET, dataset="mnist")
