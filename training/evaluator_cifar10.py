"""Recipe of `evaluator_cifar10`: the evaluator classifier on CIFAR-10 (the JPEG copy), bar 80 %."""

from training import evaluator_mnist

PRESET = "evaluator_cifar10"


def run(out=None, epochs=None, data_dir=None, resume=False):
    return evaluator_mnist.run(out=out, epochs=epochs, data_dir=data_dir, resume=resume,
                               preset=PRESET, dataset="cifar10", bar=0.80)
