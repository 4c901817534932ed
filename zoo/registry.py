"""Names to things: architecture names to classes, preset names to entries.

Architectures register themselves with `@register("name")`, which also makes
the class serializable by Keras under the package `"zoo"`. Presets are plain
data beside their model (`zoo/models/<family>/<arch>_presets.py`, a dict
`PRESETS`); a preset is *pretrained* when its folder exists under `exports/`.
"""

import difflib
import fnmatch
import importlib
import pkgutil

ARCHITECTURES = {}
_PRESETS = {}
_loaded = False


def register(name):
    """Class decorator: registers a zoo architecture under `name`."""

    def wrap(cls):
        import keras

        if name in ARCHITECTURES and ARCHITECTURES[name] is not cls:
            raise ValueError(f"architecture {name!r} is registered twice")
        cls = keras.saving.register_keras_serializable(package="zoo", name=cls.__name__)(cls)
        cls.arch = name
        ARCHITECTURES[name] = cls
        return cls

    return wrap


def _load_all():
    """Imports every model module and preset table once."""
    global _loaded
    if _loaded:
        return
    import zoo.models

    for info in pkgutil.walk_packages(zoo.models.__path__, "zoo.models."):
        module = importlib.import_module(info.name)
        for preset, entry in getattr(module, "PRESETS", {}).items():
            if preset in _PRESETS:
                raise ValueError(f"preset {preset!r} is defined twice")
            _PRESETS[preset] = {"name": preset, **entry}
    _loaded = True


def presets():
    """Every preset entry by name (pretrained or not)."""
    _load_all()
    return dict(_PRESETS)


def architectures():
    _load_all()
    return dict(ARCHITECTURES)


def unknown_name_error(kind, name, known):
    close = difflib.get_close_matches(str(name), list(known), n=5, cutoff=0.4)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    listing = ", ".join(sorted(known)) or "none"
    return ValueError(f"unknown {kind} {name!r}.{hint} Known {kind}s: {listing}")


def get_architecture(name):
    """Returns the class registered as `name`, or raises ValueError listing the closest names."""
    archs = architectures()
    if name not in archs:
        raise unknown_name_error("architecture", name, archs)
    return archs[name]


def get_preset(name):
    table = presets()
    if name not in table:
        from zoo.pretrained import exported_presets

        raise unknown_name_error("preset", name, set(table) | set(exported_presets()))
    return table[name]


def list_models(pattern="*", pretrained=False):
    """Lists architectures and presets whose names match an fnmatch pattern.

    Args:
        pattern: e.g. `"*"`, `"vae*"`, `"*_mnist"`.
        pretrained: if True, only presets whose trained artifacts are present.

    Returns:
        Sorted names. With `pretrained=False`: every architecture and every preset.

    Example:
        >>> zoo.list_models("vae*", pretrained=True)
        ['vae_mnist']
    """
    from zoo.pretrained import exported_presets

    if pretrained:
        names = set(exported_presets())
    else:
        names = set(architectures()) | set(presets()) | set(exported_presets())
    return sorted(n for n in names if fnmatch.fnmatchcase(n, pattern))


def create(arch, **config):
    """Creates an untrained, built model of architecture `arch`.

    Args:
        arch: an architecture name (`zoo.list_models()` lists them).
        **config: the architecture's keyword arguments.

    Example:
        >>> vae = zoo.create("vae", image_shape=(28, 28, 1), latent_dim=8)
    """
    model = get_architecture(arch)(**config)
    model.build_all()
    return model
