"""Recipe of `evaluator_fashion_mnist`: the same classifier and measures as `evaluator_mnist`, bar 92 %."""

from training import evaluator_mnist

PRESET = "evaluator_fashion_mnist"


def run(out=None, epochs=None, data_dir=None, resume=False):
    return evaluator_mnist.run(out=out, epochs=epochs, data_dir=data_dir, resume=resume,
                               preset=PRESET, dataset="fashion_mnist", bar=0.92)
