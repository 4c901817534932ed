"""Names to things: the one owner of architecture, preset and preset-folder names.

Each family's package (`zoo/models/<family>/__init__.py`) declares its
architectures as data, `ARCHITECTURES = {"vae": "zoo.models.vae.vae:VAE", ...}`,
and keeps its presets as data beside them (`<arch>_presets.py`, a dict
`PRESETS`). Reading both imports no model and no TensorFlow, so `zoo list` and
`zoo info` answer at once; a class is imported when it is first asked for.
A preset is *pretrained* when its folder exists under `exports_dir()`.

Adding a family touches its own folder (its package's `ARCHITECTURES`, its
modules, its presets) and its tiny test config; nothing here.
"""

import difflib
import fnmatch
import importlib
import os
import pkgutil
from pathlib import Path

MODELS_PACKAGE = "zoo.models"
# Classes registered so far, by architecture name (filled as their modules are imported).
REGISTERED = {}
_catalogue = None


def register(name, keras_name=None):
    """Class decorator: registers a zoo architecture under `name`, serializable by Keras in package "zoo".

    `keras_name` keeps the name a class was saved under when the class is renamed.
    """

    def wrap(cls):
        import keras

        if name in REGISTERED and REGISTERED[name] is not cls:
            raise ValueError(f"architecture {name!r} is registered twice")
        cls = keras.saving.register_keras_serializable(package="zoo", name=keras_name or cls.__name__)(cls)
        cls.arch = name
        REGISTERED[name] = cls
        return cls

    return wrap


def catalogue():
    """`(architectures, presets)`: `{arch: "module:Class"}` and `{preset: entry}`, read once, without TensorFlow."""
    global _catalogue
    if _catalogue is None:
        models = importlib.import_module(MODELS_PACKAGE)
        archs, table = {}, {}
        for family in pkgutil.iter_modules(models.__path__):
            if not family.ispkg:
                continue
            package = importlib.import_module(f"{MODELS_PACKAGE}.{family.name}")
            for arch, where in getattr(package, "ARCHITECTURES", {}).items():
                if arch in archs:
                    raise ValueError(f"architecture {arch!r} is declared twice")
                archs[arch] = where
            for module in pkgutil.iter_modules(package.__path__):
                if module.name.endswith("_presets"):
                    data = importlib.import_module(f"{package.__name__}.{module.name}")
                    for preset, entry in data.PRESETS.items():
                        if preset in table:
                            raise ValueError(f"preset {preset!r} is defined twice")
                        table[preset] = {"name": preset, **entry}
        _catalogue = (archs, table)
    return _catalogue


def forget_catalogue():
    """Reads the families again at the next call (a family added while running, as the tests do)."""
    global _catalogue
    _catalogue = None


def architecture_names():
    return sorted(catalogue()[0])


def presets():
    """Every preset entry by name (pretrained or not)."""
    return dict(catalogue()[1])


def unknown_name_error(kind, name, known):
    close = difflib.get_close_matches(str(name), list(known), n=5, cutoff=0.4)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    listing = ", ".join(sorted(known)) or "none"
    return ValueError(f"unknown {kind} {name!r}.{hint} Known {kind}s: {listing}")


def get_architecture(name):
    """Returns the class of architecture `name` (importing its module), or raises ValueError listing the closest names."""
    archs = catalogue()[0]
    if name not in archs:
        raise unknown_name_error("architecture", name, archs)
    if name not in REGISTERED:
        module, _, cls_name = archs[name].partition(":")
        importlib.import_module(module)
        if REGISTERED.get(name) is None or REGISTERED[name].__name__ != cls_name:
            raise ValueError(f"{archs[name]} does not register architecture {name!r} with @register({name!r})")
    return REGISTERED[name]


def architectures():
    """Every architecture class by name (imports every model module, and TensorFlow)."""
    return {name: get_architecture(name) for name in architecture_names()}


def get_preset(name):
    table = presets()
    if name not in table:
        raise unknown_name_error("preset", name, set(table) | set(exported_presets()))
    return table[name]


def exports_dir():
    """The folder of committed presets: `$ZOO_EXPORTS_DIR`, else `exports/` of the checkout."""
    env = os.environ.get("ZOO_EXPORTS_DIR")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "exports"


def exported_presets():
    """Names of presets whose folders exist under `exports_dir()`."""
    root = exports_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "metadata.json").is_file())


class PresetError(ValueError):
    """A preset folder is missing, incomplete, changed or unsafe."""


def resolve(name_or_path):
    """Returns the folder of a preset name or a path, or raises PresetError / ValueError."""
    text = os.fspath(name_or_path)
    as_path = Path(text).expanduser()
    if os.sep in text or text.startswith(".") or (as_path.is_dir() and not (exports_dir() / text).is_dir()):
        if not (as_path / "metadata.json").is_file():
            raise PresetError(f"{as_path} is not a preset folder: it has no metadata.json")
        return as_path
    folder = exports_dir() / text
    if not (folder / "metadata.json").is_file():
        if text in presets():
            raise PresetError(
                f"preset {text!r} is defined but has no trained artifacts in {exports_dir()}; "
                f"train it with `python -m training {text}`"
            )
        raise unknown_name_error("preset", text, set(exported_presets()) | set(presets())) from None
    return folder


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
    if pretrained:
        names = set(exported_presets())
    else:
        names = set(architecture_names()) | set(presets()) | set(exported_presets())
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
