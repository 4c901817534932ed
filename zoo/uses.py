"""What the `zoo` command does, as library functions: one per command, just below the command line.

Each function takes names and paths (a preset name or folder, a built-in data
set or a folder of images), loads what it needs, checks that the model has
the capability the use needs, does the work, writes its files atomically and
returns what it found, for the caller to print. A use the model cannot serve
raises `NotApplicable` (a `ValueError`), naming the capability it lacks.

    >>> from zoo import uses
    >>> uses.sample_grid("vae_mnist", "grid.png", n=64, seed=0)
    {'n': 64, 'labels': None, 'per_label': None}
    >>> uses.traverse_grid("vae_mnist", "t.png")["why"]
    'the most used by mean KL: z3 4.21 nats, ...'

Only the standard library is imported here at module level: `describe`
(`zoo info`) answers without TensorFlow, and the rest import what they need
when called.
"""

import ast
import importlib.util
import json
import math
import os
import shutil
import sys
from pathlib import Path


class NotApplicable(ValueError):
    """The model lacks the capability a use needs; the message names the capability."""


def require(model, capability, name, hint=""):
    """Raises `NotApplicable` unless `model` is an instance of `capability` (a class, or a tuple of them)."""
    if isinstance(model, capability):
        return model
    wanted = capability if isinstance(capability, tuple) else (capability,)
    names = " or ".join(c.__name__ for c in wanted)
    methods = sorted({m for c in wanted for m in public_methods(c)})
    what = f" ({', '.join(m + '()' for m in methods)})" if methods else ""
    raise NotApplicable(f"{name} is a {getattr(model, 'arch', type(model).__name__)}, which has no "
                        f"{names} capability{what}" + (f"; {hint}" if hint else ""))


def public_methods(capability):
    """The numpy API a capability class itself defines (its `*_tensor` functions are the model's to give)."""
    return [m for m, v in vars(capability).items()
            if callable(v) and not m.startswith("_") and not m.endswith("_tensor")]


def load(name, overrides=None):
    """A verified preset (name or folder); see `zoo.pretrained.load`."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from zoo.pretrained import load as load_preset

    return load_preset(name, overrides=overrides)


def own_dataset(model, data=None):
    """`data`, else the data set the preset `model` was trained on."""
    return data or model.preset_metadata["dataset"]["name"]


# ---- catalogue (no TensorFlow) ------------------------------------------------------------


def class_doc(where):
    """The docstring of the class at `"module:Class"`, read from its source without importing it."""
    module, _, name = where.partition(":")
    try:
        spec = importlib.util.find_spec(module)
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    except (ImportError, AttributeError, TypeError, OSError, SyntaxError):
        return ""
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return ast.get_docstring(node) or ""
    return ""


def describe(name):
    """What `zoo info` shows, read without importing TensorFlow.

    Returns:
        For an architecture: `{"kind": "architecture", "name", "class"
        ("module:Class"), "doc", "presets"}`. For a preset: `{"kind":
        "preset", "name", "trained", "folder", "metadata" (None when not
        trained), "entry" (its catalogue entry, {} for a folder of one's own)}`.

    Raises:
        ValueError: an unknown name (with the closest known ones), or a folder
            that is not a preset.
    """
    from zoo.registry import catalogue, exports_dir, resolve

    archs, table = catalogue()
    if name in archs:
        return {"kind": "architecture", "name": name, "class": archs[name], "doc": class_doc(archs[name]),
                "presets": sorted(p for p, e in table.items() if e.get("arch") == name)}
    if name in table and not (exports_dir() / name / "metadata.json").is_file():
        return {"kind": "preset", "name": name, "trained": False, "folder": None, "metadata": None,
                "entry": table[name]}
    from zoo.pretrained import read_metadata

    folder = resolve(name)
    meta = read_metadata(folder)
    return {"kind": "preset", "name": meta.get("preset", name), "trained": True, "folder": str(folder),
            "metadata": meta, "entry": table.get(meta.get("preset"), {})}


# ---- data ------------------------------------------------------------------------------


def builtin_dataset(name, what="data"):
    """`name` if it is a built-in data set, else a ValueError listing them."""
    import zoo.data

    if name not in zoo.data.BUILTIN:
        raise ValueError(f"{what} must be a built-in data set (one of {sorted(zoo.data.BUILTIN)}), got {name!r}")
    return name


def check_data(data):
    """`data` if it is a built-in set or an existing folder, else a ValueError naming both kinds."""
    import zoo.data

    if data not in zoo.data.BUILTIN and not os.path.isdir(data):
        raise ValueError(f"data must be one of {sorted(zoo.data.BUILTIN)} or a folder of images; "
                         f"{data!r} is neither")
    return data


def dataset(data, image_shape, batch_size, split="train", take=None, seed=0, data_dir=None, with_labels=False):
    """A built-in set by name, or a folder of images: a batched `tf.data.Dataset` of `image_shape` images.

    `with_labels` (a conditional model's training) reads a folder's class
    sub-folders as labels. A folder is shuffled only for the train split.
    """
    import zoo.data

    if check_data(data) in zoo.data.BUILTIN:
        return zoo.data.load(data, split=split, batch_size=batch_size, image_shape=image_shape,
                             take=take, seed=seed, data_dir=data_dir, with_labels=with_labels)
    return zoo.data.image_folder(data, image_shape=image_shape, batch_size=batch_size, seed=seed,
                                 with_labels=with_labels, shuffle=split == "train")


def images_of(data, image_shape, n=None, split="test", batch_size=512):
    """Up to `n` images (all with `n=None`) of a built-in set's split or of a folder, float32 NHWC."""
    import numpy as np

    ds = dataset(data, image_shape, batch_size if n is None else n, split=split, take=n)
    out, have = [], 0
    for batch in ds:
        out.append(np.asarray(batch[0] if isinstance(batch, tuple) else batch))
        have += len(out[-1])
        if n is not None and have >= n:
            break
    if not out:
        return np.zeros((0, *image_shape), np.float32)
    return np.concatenate(out)[:n]


def interleaved_rows(top, bottom, per_row=8):
    """Rows alternating `top[i:i+k]` and `bottom[i:i+k]` (inputs over outputs), and the row length k."""
    import numpy as np

    per_row = min(len(top), per_row)
    rows = []
    for i in range(0, len(top), per_row):
        rows += [top[i:i + per_row], bottom[i:i + per_row]]
    return np.concatenate(rows), per_row


# ---- images ----------------------------------------------------------------------------


def preset_image_shape(name):
    """The image shape in a preset folder's config.json, read without loading the model (None if unreadable)."""
    from zoo.registry import resolve

    try:
        config = json.loads((resolve(name) / "config.json").read_text())
        shape = config.get("config", {}).get("image_shape") or config.get("build_config", {}).get("image_shape")
        return tuple(int(d) for d in shape) if shape else None
    except (OSError, ValueError, TypeError, AttributeError):
        return None  # loading then says what is wrong with the folder


def sample_grid(name, out, n=64, seed=0, labels=None, per_label=10, **options):
    """Writes a PNG grid of a model's samples; with `labels`, one row of `per_label` samples per label.

    The count is checked against the preset's image shape before the model is
    loaded: a grid too large to hold is refused at once, and no file is written.
    `options` (a flow's `temperature`, a diffusion model's `guidance`, `steps`,
    `eta`, `sampler`) go to the model's `sample`; one it does not take is
    refused with the list of those it does.

    Returns:
        `{"n": images drawn, "labels": labels or None, "per_label": ...}`.
    """
    import numpy as np

    from zoo.capabilities import Sampler, check_sample_count
    from zoo.checks import check_count
    from zoo.io import save_grid

    if labels is not None:
        labels = [int(v) for v in labels]
        per_label = check_count(per_label, "per_label")
        if not labels:
            raise ValueError("labels must name at least one class")
    total = check_count(n) if labels is None else len(labels) * per_label
    shape = preset_image_shape(name)
    if shape is not None:
        check_sample_count(total, shape)
    model = require(load(name), Sampler, name, "sampling needs a model that draws images (a VAE, a GAN, a mixture)")
    options = {key: value for key, value in options.items() if value is not None}
    check_sample_options(model, name, options)
    if labels is None:
        images = model.sample(total, seed=seed, **options)
        save_grid(images, out)
    else:
        images = model.sample(total, seed=seed, labels=np.repeat(np.asarray(labels, np.int32), per_label), **options)
        save_grid(images, out, nrow=per_label)
    return {"n": len(images), "labels": labels, "per_label": per_label if labels is not None else None}


def style_mix_grid(name, out, rows=4, cols=4, crossover=None, seed=0):
    """Writes a style-mixing grid: row r takes the coarse layers' codes (before `crossover`) from source A_r,
    column c the fine layers' from source B_c.

    The top row shows the B sources, the left column the A sources, and the
    corner is blank. `crossover` defaults to half the per-layer codes (the
    4x4 and 8x8 layers at 32x32). Returns `{"crossover", "num_ws", "rows", "cols"}`.
    """
    import numpy as np

    from zoo.checks import check_count
    from zoo.io import save_grid
    from zoo.models.gan.stylegan import StyleGAN

    rows, cols = check_count(rows, "rows"), check_count(cols, "cols")
    model = require(load(name), StyleGAN, name, "style mixing needs a style-based generator (stylegan)")
    crossover = model.num_ws // 2 if crossover is None else int(crossover)
    z_a, z_b = model.latent_codes(rows, seed=seed), model.latent_codes(cols, seed=seed + 1)
    a, b = model.generate(z_a), model.generate(z_b)
    grid = [np.zeros_like(b[:1]), b]
    for r in range(rows):
        mixed = model.mix(np.repeat(z_a[r : r + 1], cols, axis=0), z_b, crossover)
        grid += [a[r : r + 1], mixed]
    save_grid(np.concatenate(grid), out, nrow=cols + 1)
    return {"crossover": crossover, "num_ws": model.num_ws, "rows": rows, "cols": cols}


def check_sample_options(model, name, options):
    """Refuses sampling options that `model.sample` does not take, naming those it does."""
    import inspect

    taken = [p for p in inspect.signature(model.sample).parameters if p not in ("n", "seed", "labels")]
    unknown = sorted(set(options) - set(taken))
    if unknown:
        raise ValueError(f"{name} ({type(model).__name__}) samples without {', '.join(unknown)}; "
                         + (f"its sampling options are: {', '.join(taken)}" if taken else "it takes no sampling options"))


def reconstruct_grid(name, data, out, n=32):
    """Writes test images over their reconstructions; returns `{"n", "mse"}` (mean over these images)."""
    import numpy as np

    from zoo.capabilities import Autoencoder
    from zoo.io import save_grid

    model = require(load(name), Autoencoder, name, "reconstruction needs an encoder and a decoder")
    x = images_of(data, model.image_shape, n)
    rec = model.reconstruct(x)
    grid, per_row = interleaved_rows(x, rec)
    save_grid(grid, out, nrow=per_row)
    return {"n": len(x), "mse": float(np.mean((rec - x) ** 2))}


def traversable(model, name):
    """Raises `NotApplicable` unless the model has a code with a N(0, I) prior and an encoder (the VAE family)."""
    from zoo.capabilities import Autoencoder, Generator

    for capability in (Autoencoder, Generator):
        require(model, capability, name, "traverse varies a code with a N(0, I) prior: use a VAE-family preset")
    return model


def traverse_dims(model, images, rows=8, label=None):
    """The code coordinates a traversal shows, and why: for a VAE, the `rows` most used by mean KL on `images`;
    for another model, the first `rows`.

    Returns:
        `(dims, why)`: a list of ints and a sentence for the user.
    """
    import numpy as np

    from zoo.checks import check_count
    from zoo.models.vae.vae import VAE

    rows = check_count(rows, "rows")
    if isinstance(model, VAE):
        labels = None if label is None else np.full(len(images), label)
        order, kl = model.active_dims(images, labels=labels)
        dims = [int(d) for d in order[:rows]]
        return dims, "the most used by mean KL: " + ", ".join(f"z{d} {k:.2f} nats" for d, k in zip(dims, kl))
    return list(range(min(rows, model.latent_dim))), "the first ones"


def traverse_grid(name, out, data=None, index=0, dims=None, rows=8, value_range=3.0, steps=9, label=None):
    """Writes a traversal: row r sets code coordinate dims[r] to `steps` values in [-range, range], the others
    fixed at the code of test image `index`.

    Returns:
        `{"dims", "why", "index", "steps", "range"}`.
    """
    import numpy as np

    import zoo.data
    from zoo.checks import check_count
    from zoo.io import save_grid

    model = traversable(load(name), name)
    data = builtin_dataset(own_dataset(model, data))
    index = int(index)
    if index < 0:
        raise ValueError(f"index must be a test image's position (>= 0), got {index}")
    steps = check_count(steps, "steps")
    x = zoo.data.as_numpy(data, "test", take=index + 1, image_shape=model.image_shape)[index:]
    if not len(x):
        raise ValueError(f"{data}'s test split has no image {index}")
    if dims is not None:
        dims, why = [int(d) for d in dims], "as asked"
    else:
        pool = zoo.data.as_numpy(data, "test", take=1000, image_shape=model.image_shape)
        dims, why = traverse_dims(model, pool, rows, label)
    values = np.linspace(-value_range, value_range, steps)
    grid = model.traverse(x, dims=dims, values=values, labels=None if label is None else [label])
    save_grid(grid, out, nrow=steps)
    return {"dims": dims, "why": why, "index": index, "steps": steps, "range": value_range}


def latent_map(name, out, data=None, split="test", n=None):
    """Draws a data set's images in a model's code plane, coloured by label (a wider code: its 2 principal
    directions). Returns `{"n", "dataset", "split", "projected"}`."""
    import numpy as np

    import zoo.data
    from zoo.capabilities import Autoencoder
    from zoo.plots import latent_map as draw

    model = require(load(name), Autoencoder, name, "plot-latent needs a model with a code (an autoencoder or a VAE)")
    data = builtin_dataset(own_dataset(model, data))
    x, y = zoo.data.as_numpy(data, split, with_labels=True, take=n, image_shape=model.image_shape)
    codes = model.encode(x)
    title = f"{name}: {data} {split} in the code plane"
    width = codes.shape[1]
    projected = width != 2
    if projected:
        # A wider code is shown through its two principal directions, and the title says so.
        from zoo.metrics.classical import PCA

        codes = PCA(2).fit(codes).transform(codes).astype(np.float32)
        title = f"{name}: {data} {split}, first 2 principal directions of the {width}-d code"
    draw(codes, y, zoo.data.info(data)["class_names"], out, title=title)
    return {"n": len(x), "dataset": data, "split": split, "projected": projected}


def denoise_grid(name, out, data=None, noise=0.5, kind="gaussian", n=1000, seed=0):
    """Denoises noisy test images; writes rows clean / noisy / 3x3 median / the model's.

    Returns:
        `{"n", "dataset", "psnr": {"noisy", "median", "model"}}` in dB.
    """
    import numpy as np

    import zoo.data
    from zoo.capabilities import Denoiser
    from zoo.io import save_grid
    from zoo.metrics.core import psnr
    from zoo.metrics.filters import add_noise, median_filter

    model = require(load(name), Denoiser, name, "use a denoising_ae preset, e.g. denoising_ae_mnist")
    data = builtin_dataset(own_dataset(model, data))
    clean = zoo.data.as_numpy(data, "test", take=n, image_shape=model.image_shape)
    noisy = add_noise(clean, kind, noise, seed=seed)
    median, denoised = median_filter(noisy, 3), model.denoise(noisy)
    k = min(len(clean), 10)
    save_grid(np.concatenate([clean[:k], noisy[:k], median[:k], denoised[:k]]), out, nrow=k)
    return {"n": len(clean), "dataset": data,
            "psnr": {"noisy": psnr(noisy, clean), "median": psnr(median, clean), "model": psnr(denoised, clean)}}


def translator(name, direction=None, make_sources=False):
    """A preset that translates, its direction (default: its first) and whether its task makes the sources.

    `make_sources` needs a one-direction model with a task (a pix2pix preset
    such as `pix2pix_celeba_edges_64`): the inputs are then real images of
    its target domain, and the task makes their sources.
    """
    from zoo.capabilities import Translator

    model = require(load(name), Translator, name, "use a pix2pix or cycle_gan preset")
    direction = direction or model.directions[0]
    if direction not in model.directions:
        raise ValueError(f"--direction must be one of {list(model.directions)} for {name}, got {direction!r}")
    if make_sources and (getattr(model, "task", None) is None or len(model.directions) != 1):
        task = getattr(model, "task", None)
        why = "it has no task" if task is None else f"it translates both ways ({', '.join(model.directions)})"
        raise NotApplicable(f"--make-sources applies to a pix2pix preset with a task (edges, grey), which makes "
                            f"sources from real images; {name} cannot: {why}. Give it its sources as they are")
    return model, direction


def translate_grid(name, data, out, direction=None, n=16, make_sources=False):
    """Translates images; writes rows of inputs over their translations (and, with `make_sources`, the originals).

    The images are the model's sources, translated as they are, unless
    `make_sources`: they are then real images of a pix2pix preset's target
    domain, and its task (`edges`, `grey`) makes their sources.

    Args:
        data: a built-in set (its test split), a folder of images; None: the preset's own data set.

    Returns:
        `{"n", "direction", "made_sources"}`.
    """
    import numpy as np

    from zoo.io import save_grid

    import zoo.data

    model, direction = translator(name, direction, make_sources)
    if data is None:
        data = own_dataset(model)
        if data not in zoo.data.BUILTIN and not os.path.isdir(data):
            raise ValueError(f"--input is needed: {name} was trained on {data}, which is not a built-in data set "
                             "or a folder")
    x = images_of(data, model.image_shape, n)
    sources = model.task_source(x) if make_sources else x
    out_images = model.translate(sources, direction)
    k = min(len(x), 8)
    rows = []
    for i in range(0, len(x), k):
        rows += [sources[i : i + k], out_images[i : i + k]] + ([x[i : i + k]] if make_sources else [])
    save_grid(np.concatenate(rows), out, nrow=k)
    return {"n": len(x), "direction": direction, "made_sources": bool(make_sources)}


# Pillow's names of the formats a translation is written in, by file name ending. Netpbm: .pgm holds
# grey images only, so a colour translation of a .pgm file is written as PNG instead.
WRITE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP", ".ppm": "PPM", ".pgm": "PPM",
                 ".pnm": "PPM", ".tif": "TIFF", ".tiff": "TIFF", ".webp": "WEBP"}


def write_format(path, channels):
    """Pillow's format name for writing an image of `channels` to `path`, or None if its ending cannot hold it."""
    ending = Path(path).suffix.lower()
    if ending == ".pgm" and channels != 1:
        return None
    return WRITE_FORMATS.get(ending)


def write_image(path, image, fmt):
    """Writes one float image (H, W, C) in [0, 1] as 8 bits in Pillow's format `fmt`, atomically."""
    import io

    import numpy as np
    from PIL import Image

    from zoo.io import write_bytes

    pixels = (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    picture = Image.fromarray(pixels[..., 0], "L") if pixels.shape[-1] == 1 else Image.fromarray(pixels, "RGB")
    if Path(path).suffix.lower() == ".ppm" and picture.mode == "L":
        picture = picture.convert("RGB")  # a .ppm is a colour pixmap
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt, **({"quality": 95} if fmt in ("JPEG", "WEBP") else {}))
    write_bytes(path, buffer.getvalue())


def translation_plan(source, out):
    """Checks where `zoo translate` reads and writes before anything is loaded; returns "file" or "folder"."""
    if source is None:
        raise ValueError("--input is needed: an image file, or a folder of images")
    source, out = Path(source).expanduser(), Path(out).expanduser()
    if not source.exists():
        raise ValueError(f"--input {source} does not exist")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise ValueError(f"--out {out}: its folder {out.parent} does not exist")
    if source.is_dir():
        if out.exists() and not out.is_dir():
            raise ValueError(f"--out {out} is a file; a folder of images is translated into a folder")
        if out.resolve() == source.resolve():
            raise ValueError(f"--out {out} is the input folder: the translations would replace the images; "
                             "name another folder")
        if source.resolve() in out.resolve().parents:
            raise ValueError(f"--out {out} is inside the input folder {source}, which is read with its sub-folders: "
                             "name a folder outside it")
        return "folder"
    if not source.is_file():
        raise ValueError(f"--input {source} is neither a file nor a folder")
    if out.is_dir():
        raise ValueError(f"--out {out} is a folder; for one input image --out names the file to write, "
                         f"e.g. {out / ('translated' + (source.suffix or '.png'))}")
    if out.exists() and out.resolve() == source.resolve():
        raise ValueError(f"--out {out} is the input image: name another file")
    if out.suffix.lower() not in WRITE_FORMATS:
        raise ValueError(f"--out {out}: cannot tell the image format from its name; end it in one of "
                         f"{', '.join(sorted(WRITE_FORMATS))}")
    return "file"


def output_names(files, root, channels):
    """`{file: path relative to the output folder}`: the same names, but PNG where the ending cannot hold the image.

    Returns:
        `(names, renamed)`: the mapping, and the `(input, output)` relative names that changed.
    """
    names, renamed = {}, []
    relative = {f: f.relative_to(root) for f in files}
    wanted = {f: r for f, r in relative.items() if write_format(r, channels) is not None}
    taken = {r.as_posix().lower() for r in wanted.values()}
    for f, r in relative.items():
        if f in wanted:
            names[f] = r
            continue
        # `x.pgm` of a colour model becomes `x.png`, or `x.pgm.png` when `x.png` is an input too.
        target = r.with_suffix(".png")
        if target.as_posix().lower() in taken:
            target = r.with_name(r.name + ".png")
        taken.add(target.as_posix().lower())
        names[f] = target
        renamed.append((r.as_posix(), target.as_posix()))
    return names, renamed


def translate_images(name, source, out, direction=None, make_sources=False, chunk=64):
    """Translates one image file into another, or a folder of images into a folder, keeping the file names.

    Images are read as `zoo.data.image_folder` reads them (PNG, JPEG, BMP,
    Netpbm; converted to the model's channels, resized to cover its image
    shape, centre-cropped), `chunk` at a time, and each translation is written
    at the model's image shape in the input's format (8 bits), under the
    same relative path; an image whose format cannot hold the translation (a
    colour one as `.pgm`) is written as PNG. Every file is written atomically
    (a temporary file renamed into place). Files that cannot be read are
    reported by name and the others translated.

    The inputs are the model's sources, translated as they are (pix2pix:
    a user's edge maps or grey photos), unless `make_sources`: they are then
    real images of a pix2pix preset's target domain, and its task makes their sources.

    Args:
        source: an image file (then `out` is the file to write; its folder
            must exist, and its ending names the format) or a folder (then
            `out` is a folder, made if missing in an existing folder, never the
            input folder or one inside it).
        direction: "a2b" or "b2a" (CycleGAN); default: the model's first.

    Returns:
        `{"written": [paths], "skipped": [(path, reason)], "renamed": [(input name, output name)],
        "direction", "made_sources", "kind": "file" or "folder"}`.

    Raises:
        ValueError: a bad path, direction or option, or no image could be read (named).
    """
    import numpy as np

    import zoo.data
    from zoo.checks import check_count

    chunk = check_count(chunk, "chunk")
    kind = translation_plan(source, out)
    source, out = Path(source).expanduser(), Path(out).expanduser()
    model, direction = translator(name, direction, make_sources)
    channels = model.image_shape[-1]
    if kind == "file":
        if write_format(out, channels) is None:
            raise ValueError(f"--out {out}: a .pgm file holds grey images only and {name} translates into colour; "
                             "end it in .ppm or .png")
        x = zoo.data.read_image(source, model.image_shape)[None]
        y = model.translate(model.task_source(x) if make_sources else x, direction)
        write_image(out, y[0], write_format(out, channels))
        return {"written": [str(out)], "skipped": [], "renamed": [], "direction": direction,
                "made_sources": bool(make_sources), "kind": kind}

    files, problems = zoo.data.image_files(source)
    skipped = [(str(where), reason) for where, reason in problems]
    names, renamed = output_names(files, source, channels)
    written = []
    for start in range(0, len(files), chunk):
        part = files[start : start + chunk]
        good, images = [], []
        for path, (image, reason) in zip(part, zoo.data.read_images(part, model.image_shape)):
            if image is None:
                skipped.append((str(path), reason))
                continue
            good.append(path)
            images.append(image.astype(np.float32) / (255.0 if image.dtype == np.uint8 else 65535.0))
        if not good:
            continue
        x = np.stack(images)
        y = model.translate(model.task_source(x) if make_sources else x, direction)
        for path, image in zip(good, y):
            target = out / names[path]
            write_image(target, image, write_format(target, channels))
            written.append(str(target))
    if not written:
        listed = "; ".join(f"{where}: {reason}" for where, reason in skipped[:10])
        raise ValueError(f"none of the {len(files)} image file(s) in {source} could be read; {listed}"
                         + (f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""))
    return {"written": written, "skipped": skipped, "renamed": renamed, "direction": direction,
            "made_sources": bool(make_sources), "kind": kind}


def swap_grid(name, data, out, to=1, n=16):
    """Redraws faces with identity `to`'s decoder; writes inputs over swaps. Returns `{"n", "to"}`."""
    from zoo.io import save_grid
    from zoo.capabilities import Swapper

    model = require(load(name), Swapper, name, "use a swap_ae preset, e.g. swap_ae_att_faces")
    x = images_of(data, model.image_shape, n)
    grid, per_row = interleaved_rows(x, model.swap(x, to=to))
    save_grid(grid, out, nrow=per_row)
    return {"n": len(x), "to": to}


def quiz(model, real, n=16, seed=0):
    """A real-or-fake quiz: `n` images, half of them drawn from `real` and half sampled, in an order a seed fixes.

    Returns:
        `(images, is_real)`: float32 `(n, H, W, C)` and a bool mask, the answer key.
        The generated images are `model.sample(count, seed=seed)`, in order.
    """
    import numpy as np

    from zoo.checks import check_count

    n = check_count(n)
    if n < 2:
        raise ValueError(f"n must be at least 2 (some real, some generated), got {n}")
    rng = np.random.default_rng(seed)
    # Half real, half generated, in an order only the key knows.
    is_real = rng.permutation(np.arange(n) < n // 2)
    if is_real.sum() > len(real):
        raise ValueError(f"there are {len(real)} real images, fewer than the {int(is_real.sum())} the quiz needs")
    images = np.empty((n, *model.image_shape), np.float32)
    images[is_real] = real[rng.choice(len(real), int(is_real.sum()), replace=False)]
    images[~is_real] = model.sample(int((~is_real).sum()), seed=seed)
    return images, is_real


def answer_key(is_real, per_row):
    """The quiz's key, a row of `R` (real) / `F` (generated) marks per grid row."""
    return [" ".join("R" if r else "F" for r in is_real[i:i + per_row]) for i in range(0, len(is_real), per_row)]


def real_or_fake(name, out, data=None, n=16, per_row=None, seed=0):
    """Writes a quiz grid mixing real test images (up to 512 drawn from) and samples, and its answer key
    beside it (`<out>_answers.txt`). Returns `{"key": path, "n", "data"}`."""
    from zoo.capabilities import Sampler
    from zoo.io import save_grid, write_bytes

    model = require(load(name), Sampler, name, "the quiz needs a model that samples")
    data = own_dataset(model, data)
    images, is_real = quiz(model, images_of(data, model.image_shape, 512), n, seed)
    per_row = per_row or math.ceil(math.sqrt(n))
    save_grid(images, out, nrow=per_row)
    key = os.path.splitext(os.fspath(out))[0] + "_answers.txt"
    text = (f"Which image is real? {out}: {n} images, row by row; R = a real {data} test image, "
            f"F = generated by {name} (seed {seed}).\n" + "\n".join(answer_key(is_real, per_row)) + "\n")
    write_bytes(key, text.encode())
    return {"key": key, "n": n, "data": data}


# ---- measuring -------------------------------------------------------------------------


def measure(name, n=10000, metrics=None, data=None, baselines=False, record=False, allow_fewer=False):
    """Measures a preset on a built-in data set's test split; records the figures only with `record`.

    Args:
        metrics: names of a subset of figures, or None for all.
        baselines: the card's figures, the classical baselines' too.
        record: merge the figures into the preset's metadata.json and card (a
            full `baselines` measure replaces the old set, but a translator's,
            which is always merged). A figure measured
            on fewer samples than the recorded one is refused unless `allow_fewer`.

    Returns:
        `{"figures": {name: metric}, "recorded": bool, "not_recorded": why or None, "preset"}`:
        the figures are returned even when recording is refused.

    Raises:
        NotApplicable: the model's figures need what its preset does not
            record (a CycleGAN's two domains, a pix2pix's task).
    """
    from zoo.capabilities import Translator
    from zoo.metrics.evaluate import card_figures, evaluate
    from zoo.metrics.figures import NotMeasurable
    from zoo.pretrained import FewerSamplesError, update_metrics

    model = load(name)
    data = builtin_dataset(own_dataset(model, data), "eval's data")
    try:
        figures = (card_figures if baselines else evaluate)(model, data, n=n, metrics=metrics)
    except NotMeasurable as err:
        raise NotApplicable(str(err)) from None
    result = {"figures": figures, "recorded": False, "not_recorded": None,
              "preset": model.preset_metadata.get("preset", name)}
    # A translator's card holds figures of a baseline its recipe trained and did not ship (pix2pix's
    # L1-only U-Net), which no re-measure can make again: its figures are merged, never a replacement set.
    replace = baselines and not metrics and not isinstance(model, Translator)
    if record:
        try:
            update_metrics(name, figures, replace=replace, allow_fewer=allow_fewer)
            result["recorded"] = True
        except FewerSamplesError as err:
            result["not_recorded"] = str(err)
    return result


def few_label_study(name, data=None, per_class=100, seed=0):
    """Few-label accuracy with the model's encoder against from-scratch baselines; returns the figures."""
    from zoo.capabilities import Autoencoder
    from zoo.metrics.evaluate import few_label_figures

    model = require(load(name), Autoencoder, name, "the few-label study needs an encoder")
    return few_label_figures(model, builtin_dataset(own_dataset(model, data)), per_class=per_class, seed=seed)


def outlier_auroc(name, outliers, inliers=None):
    """AUROC of the model's `score()` for telling `outliers` (a built-in set or a folder) from `inliers`' test split.

    Returns:
        `{"auroc", "inliers", "outliers", "n_in", "n_out", "median_in", "median_out"}`.
    """
    import numpy as np

    import zoo.data
    from zoo.capabilities import Scorer
    from zoo.metrics.outliers import auroc

    model = require(load(name), Scorer, name, "outlier detection needs a score()")
    inliers = builtin_dataset(own_dataset(model, inliers), "inliers")
    x_in = zoo.data.as_numpy(inliers, "test", image_shape=model.image_shape)
    if os.path.isdir(outliers):
        x_out = images_of(outliers, model.image_shape)
    else:
        x_out = zoo.data.as_numpy(builtin_dataset(outliers, "outliers"), "test", image_shape=model.image_shape)
    s_in, s_out = model.score(x_in), model.score(x_out)
    return {"auroc": float(auroc(s_in, s_out)), "inliers": inliers, "outliers": outliers,
            "n_in": len(x_in), "n_out": len(x_out),
            "median_in": float(np.sort(s_in)[len(s_in) // 2]), "median_out": float(np.sort(s_out)[len(s_out) // 2])}


# ---- export ----------------------------------------------------------------------------


def export_preset(name, out, formats=("saved_model", "onnx"), atol=None, functions=None):
    """Exports a preset to `out`, parity-checked; the folder is checked before the model is loaded.

    `atol`: the largest allowed difference from Keras; default the model's
    own `export_atol` (1e-4; a diffusion sampler's walk compounds round-off: 1e-3).

    `functions` (e.g. `["translate_b2a"]`, one CycleGAN direction alone) limits
    the export to those inference functions; default: all of them, one ONNX file each.

    Returns:
        `{"report": {format: {function: error}}, "worst": largest error}`.
    """
    from zoo.exporters import FORMATS, check_out_dir, export

    formats = tuple(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ValueError(f"formats must be a non-empty subset of {FORMATS}, got {formats}")
    check_out_dir(out)
    model = load(name)
    atol = model.export_atol if atol is None else atol
    report = export(model, out, formats=formats, atol=atol, functions=functions or None)
    return {"report": report, "atol": atol,
            "worst": max((e for errs in report.values() for e in errs.values()), default=0.0)}


# ---- training --------------------------------------------------------------------------


def check_training_data(data=None, data_a=None, data_b=None, paired=False):
    """Checks what to train on: `data` alone, or both folders `data_a` and `data_b` (`paired` or not).

    Returns:
        `(data, pair)`: `pair` is None, or `(data_a, data_b, paired)`.
    """
    if data is not None and (data_a is not None or data_b is not None):
        raise ValueError("give either --data (one built-in set or folder) or --data-a and --data-b (two folders), "
                         "not both")
    if data is None and data_a is None and data_b is None:
        raise ValueError("nothing to train on: give --data (a built-in set or a folder of images), or --data-a and "
                         "--data-b (two folders, for a translation model)")
    if paired and data_a is None and data_b is None:
        raise ValueError("--paired applies to two folders, --data-a and --data-b, whose files are matched by name")
    if data is not None:
        return check_data(data), None
    if data_b is None:
        raise ValueError("--data-a needs --data-b: the folder of the other domain")
    if data_a is None:
        raise ValueError("--data-b needs --data-a: the folder of the other domain")
    for flag, folder in (("--data-a", data_a), ("--data-b", data_b)):
        if not os.path.isdir(folder):
            raise ValueError(f"{flag} must be a folder of images; {folder!r} is not a folder")
    return None, (os.fspath(data_a), os.fspath(data_b), bool(paired))


def check_pair_fits(arch, cls, pair):
    """Refuses two folders for a model that does not translate, or pairing that its architecture does not learn from."""
    from zoo.capabilities import Translator

    if pair is None:
        return
    if not issubclass(cls, Translator):
        raise NotApplicable(f"{arch} has no Translator capability: --data-a and --data-b are for translation "
                            f"models (pix2pix, cycle_gan); train {arch} on --data")
    wants = getattr(cls, "paired", None)  # None: a translator that learns either way
    if wants and not pair[2]:
        raise ValueError(f"{arch} learns from pairs: add --paired (the files of --data-a and --data-b are matched by "
                         f"name, e.g. sketches/cat.png with photos/cat.jpg)")
    if wants is False and pair[2]:
        raise ValueError(f"{arch} learns from unpaired images and takes no --paired: drop it (its two folders "
                         "need not match)")


def check_images_alone(arch, cls, task, pair, how_to_add_task):
    """Refuses images alone (`--data`) for a translation model without a task: it could not make the other side."""
    from zoo.capabilities import Translator

    if pair is not None or task is not None or not issubclass(cls, Translator):
        return
    wants = getattr(cls, "paired", None)  # a translator that declares how it learns has two sides to learn from
    if wants is None:
        return
    raise ValueError(f"{arch} learns from two sides: give --data-a and --data-b (two folders"
                     f"{', with --paired' if wants else ''}), or a task that makes the other side from --data's "
                     f"images ({how_to_add_task})")


def pair_name(pair):
    """How a preset records training on two folders."""
    a, b, paired = pair
    return f"{a} -> {b} ({'paired by file name' if paired else 'unpaired'})"


def training_set(model, data, pair, recipe):
    """The training `tf.data.Dataset`: of `data` (a built-in set or a folder), or of the two folders of `pair`."""
    import zoo.data

    if pair is None:
        return dataset(data, model.image_shape, recipe["batch_size"], seed=recipe["seed"],
                       with_labels=model.needs_labels)
    a, b, paired = pair
    build = zoo.data.paired_folders if paired else zoo.data.unpaired_folders
    return build(a, b, model.image_shape, batch_size=recipe["batch_size"], seed=recipe["seed"])


def train_and_package(model, data, out, recipe, entry, checkpoint_dir=None, resume=False, verbose=None, pair=None):
    """Fits a compiled model on `data` (with per-epoch checkpoints), then writes the preset folder `out`.

    Args:
        recipe: `{"epochs", "batch_size", "seed", "precision", ...}`, recorded in the metadata.
        entry: `{"name", "arch", "dataset", "description"}` of the preset.
        checkpoint_dir: default `OUT.checkpoints`; removed once the folder is written.
        pair: None, or `(folder_a, folder_b, paired)` to train on instead of `data` (a translation model).

    Returns:
        The preset's metadata.
    """
    import zoo.data
    from zoo.capabilities import Sampler
    from zoo.exporters.preset import package
    from zoo.metrics.evaluate import metric
    from zoo.trainer import fit

    ds = training_set(model, data, pair, recipe)
    checkpoint_dir = checkpoint_dir or f"{os.path.normpath(out)}.checkpoints"
    verbose = (1 if sys.stdout.isatty() else 2) if verbose is None else verbose
    # A fine-tuned GAN's optimizers go on counting from the base preset's steps: count this run's alone.
    before = model.steps_taken()
    history, wall, total = fit(model, ds, recipe, checkpoint_dir=checkpoint_dir, resume=resume, verbose=verbose)
    steps = total - before
    seen = steps // max(recipe["epochs"], 1) * recipe["batch_size"]
    metrics = {
        f"train_{k}": metric(v[-1], "nats", "train (mean over the final epoch)", seen, "training loss tracker", False)
        for k, v in history.history.items()
    }
    images = {"samples.png": (model.sample(64, seed=0), 8)} if isinstance(model, Sampler) else {}
    data_files = zoo.data.raw_files(data) if pair is None and data in zoo.data.BUILTIN else {}
    written = package(model, out, entry, recipe, metrics, wall, steps, data_files, images)
    # The run is complete and packaged: its checkpoints are no longer needed.
    shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return written


def training_image_shape(arch, data, config):
    """The image shape to build `arch` with: `config`'s, else a built-in set's own (`zoo.data.info`), else
    (a folder) the architecture's default. Returns `(shape or None, where it came from)`."""
    import zoo.data

    if "image_shape" in config:
        return tuple(config["image_shape"]), "as asked"
    if data in zoo.data.BUILTIN:
        return tuple(zoo.data.info(data)["image_shape"]), f"{data}'s"
    return None, f"{arch}'s default (a folder's images are resized to it; --set image_shape=[h,w,c] to change)"


def train(arch, data, out, epochs=5, batch_size=64, seed=0, precision="auto", learning_rate=None, config=None,
          strategy=None, checkpoint_dir=None, resume=False, verbose=None, data_a=None, data_b=None, paired=False):
    """Trains architecture `arch` from scratch and writes a preset folder `out`.

    It trains on `data` (a built-in set or a folder of images), or, for a
    translation model, on two folders: `data_a` and `data_b`, pairs matched
    by file name with `paired` (pix2pix: `zoo.data.paired_folders`), else
    unpaired (CycleGAN: `zoo.data.unpaired_folders`). The image shape is
    `config["image_shape"]` if given, else a built-in set's own, else (folders
    of images) the architecture's default.

    Returns:
        The preset's metadata.

    Example:
        >>> train("pix2pix", None, "runs/sketch2photo", data_a="sketches/", data_b="photos/", paired=True)
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    data, pair = check_training_data(data, data_a, data_b, paired)
    import keras

    import zoo
    from zoo.distribute import get_strategy
    from zoo.precision import set_policy
    from zoo.registry import get_architecture

    config = dict(config or {})
    check_pair_fits(arch, get_architecture(arch), pair)
    check_images_alone(arch, get_architecture(arch), config.get("task"), pair, "--set task=edges or task=grey")
    shape, _ = training_image_shape(arch, data, config)
    if shape is not None:
        config["image_shape"] = list(shape)
    keras.utils.set_random_seed(seed)
    precision = set_policy(precision)
    with get_strategy(strategy).scope():
        model = zoo.create(arch, **config)
        optimizer = model.default_optimizer(learning_rate) if learning_rate else model.default_optimizer()
        model.compile(optimizer=optimizer)
        model.build_all()
    recipe = {"epochs": epochs, "batch_size": batch_size, "learning_rate": float(optimizer.learning_rate),
              "precision": precision, "seed": seed, "strategy": strategy, "config": config}
    where = data if pair is None else pair_name(pair)
    entry = {"name": os.path.basename(os.path.normpath(out)), "arch": arch, "dataset": where,
             "description": f"`{arch}` trained by `zoo train` on {where}"}
    return train_and_package(model, data, out, recipe, entry, checkpoint_dir, resume, verbose, pair)


def finetune(preset, data, out, epochs=5, batch_size=64, seed=0, precision="auto", learning_rate=None,
             augment=None, checkpoint_dir=None, resume=False, verbose=None, data_a=None, data_b=None, paired=False):
    """Continues training a preset on a built-in set or a folder and writes a preset folder `out`.

    A GAN continues the game with its discriminator's optimizer state;
    `augment` (a DiffAugment policy, GANs only) augments the discriminator's inputs.
    A translation preset also takes two folders, `data_a` and `data_b` (`paired` as in `train`).

    Returns:
        The preset's metadata.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    data, pair = check_training_data(data, data_a, data_b, paired)
    import keras

    from zoo.precision import set_policy
    from zoo.pretrained import compile_for_finetuning, read_metadata
    from zoo.registry import get_architecture, resolve

    if pair is not None:
        arch = read_metadata(resolve(preset)).get("architecture")
        check_pair_fits(arch, get_architecture(arch), pair)
    overrides = None
    if augment:
        from zoo.layers.augment import check_policy
        from zoo.models.gan.gan import AdversarialGenerator

        arch = read_metadata(resolve(preset)).get("architecture")
        if not issubclass(get_architecture(arch), AdversarialGenerator):
            raise NotApplicable(f"augment applies to a GAN's discriminator; {preset} is a {arch}, which has none "
                                f"(it is not an AdversarialGenerator)")
        # An argument of the model, so the fine-tuned preset's config records it.
        overrides = {"augment": ",".join(check_policy(augment))}
    keras.utils.set_random_seed(seed)
    precision = set_policy(precision)
    model = load(preset, overrides)
    base = model.preset_metadata
    check_images_alone(base["architecture"], type(model), getattr(model, "task", None), pair,
                       "a preset trained with --set task=edges or task=grey")
    lr = compile_for_finetuning(model, base, learning_rate)
    recipe = {"epochs": epochs, "batch_size": batch_size, "learning_rate": lr,
              "precision": precision, "seed": seed, "base_preset": base["preset"]}
    where = data if pair is None else pair_name(pair)
    entry = {"name": os.path.basename(os.path.normpath(out)), "arch": base["architecture"], "dataset": where,
             "description": f"`{base['preset']}` fine-tuned by `zoo finetune` on {where}"}
    return train_and_package(model, data, out, recipe, entry, checkpoint_dir, resume, verbose, pair)
