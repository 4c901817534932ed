"""zoo: generative models for Keras 3 / TensorFlow, pretrained and ready to use.

    >>> import zoo
    >>> zoo.list_models("vae*", pretrained=True)
    ['vae_mnist']
    >>> vae = zoo.load("vae_mnist")
    >>> images = vae.sample(16, seed=0)          # float32 NHWC in [0, 1]
    >>> zoo.export(vae, "out/", formats=("saved_model", "onnx"))

TensorFlow is imported on first use of a function that needs it, so that
`import zoo` and the `zoo` command stay quick.
"""

__version__ = "0.1.0"

from zoo.registry import list_models


def create(arch, **config):
    """Creates an untrained model; see `zoo.registry.create`."""
    from zoo.registry import create as _create

    return _create(arch, **config)


def load(name_or_path, **kwargs):
    """Loads a pretrained preset by name, or a preset folder by path; see `zoo.pretrained.load`."""
    from zoo.pretrained import load as _load

    return _load(name_or_path, **kwargs)


def export(model, out_dir, formats=("saved_model", "onnx"), **kwargs):
    """Exports a model and checks each export against it; see `zoo.export.export`."""
    from zoo.exporters import export as _export

    return _export(model, out_dir, formats=formats, **kwargs)


def __getattr__(name):
    # `zoo.data` and `zoo.metrics` on first use, without an eager TF import.
    if name in ("data", "metrics", "base", "precision", "distribute", "pretrained", "callbacks"):
        import importlib

        return importlib.import_module(f"zoo.{name}")
    raise AttributeError(f"module 'zoo' has no attribute {name!r}")


__all__ = ["create", "load", "export", "list_models", "__version__"]
