"""Both sides of an image-to-image task as a `tf.data.Dataset`: paired folders, a folder and a transform, or
two unpaired folders.

Every dataset here yields `(a, b)` tuples of float32 NHWC batches in
[0, 1], both of `image_shape`: the batches a translation model's `fit`
takes (pix2pix: `(source, target)`; CycleGAN: `(images of A, images of B)`).
Images are read as `image_folder` reads them (decoded by content, converted
to the channels asked for, resized to cover the shape and centre-cropped,
kept in memory at 8 or 16 bits), and a file that cannot be read is reported
by name.

    >>> import zoo.data
    >>> pairs = zoo.data.paired_folders("sketches/", "photos/", (64, 64, 3))   # cat.png <-> cat.jpg
    >>> horses_zebras = zoo.data.unpaired_folders("horses/", "zebras/", (64, 64, 3))
    >>> from zoo.models.translation import tasks
    >>> edges_faces = zoo.data.folder_with_transform("faces/", tasks.edges, (64, 64, 3))

Nothing in the folders is ever written, moved or deleted.
"""

import warnings

from zoo.checks import check_bool, check_count, check_image_shape, check_optional_seed
from zoo.data.common import convert_batch
from zoo.data.folder import ImageSkippedWarning, image_files, image_folder, read_images, stack_images

__all__ = ["folder_with_transform", "paired_folders", "unpaired_folders"]

# How many names an error lists before it says "and N more".
LISTED = 10


def listing(names, most=LISTED):
    """Names joined by commas, the first `most` of them and a count of the rest."""
    names = [str(n) for n in names]
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def check_options(image_shape, batch_size, shuffle, seed, on_error, drop_remainder):
    """The common arguments, checked before any folder is read."""
    image_shape = check_image_shape(image_shape)
    batch_size = check_count(batch_size, "batch_size")
    shuffle = check_bool(shuffle, "shuffle")
    seed = check_optional_seed(seed)
    drop_remainder = check_bool(drop_remainder, "drop_remainder")
    if on_error not in ("skip", "raise"):
        raise ValueError(f"on_error must be 'skip' or 'raise', got {on_error!r}")
    return image_shape, batch_size, shuffle, seed, drop_remainder


def report(on_error, where, reason, what):
    if on_error == "raise":
        raise ValueError(f"cannot read image {where}: {reason}")
    warnings.warn(f"zoo.data.{what}: skipping {where}: {reason}", ImageSkippedWarning, stacklevel=3)


def listed(folder, on_error, what):
    """The image files of `folder` (reporting the entries it could not list) and its resolved root."""
    import pathlib

    files, problems = image_files(folder)
    for where, reason in problems:
        report(on_error, where, reason, what)
    return files, pathlib.Path(folder).expanduser()


def keyed(folder, on_error, what):
    """`{relative path without extension: file}` of a folder's images; two files of one key are an error."""
    files, root = listed(folder, on_error, what)
    found, clashes = {}, []
    for path in files:
        key = path.relative_to(root).with_suffix("").as_posix()
        if key in found:
            clashes.append(f"{found[key].name} and {path.name}")
        found[key] = path
    if clashes:
        raise ValueError(f"{root} holds two images of one name (pairs are matched by name without its extension, so "
                         f"each name must be unique): {listing(clashes)}")
    return found, root


def read_side(files, image_shape, on_error, what):
    """(quantized images, kept positions) of files; the unreadable ones reported by name."""
    images, kept, first = [], [], None
    for i, (path, (image, reason)) in enumerate(zip(files, read_images(files, image_shape))):
        if image is None:
            first = first or f"{path}: {reason}"
            report(on_error, path, reason, what)
            continue
        images.append(image)
        kept.append(i)
    return images, kept, first


def batches(ds, scales, image_shape, batch_size, drop_remainder):
    """Batches of tuples of quantized images, cast and scaled to float32 [0, 1]."""
    import tensorflow as tf

    ds = ds.batch(batch_size, drop_remainder=drop_remainder)

    def convert(a, b):
        return convert_batch(a, image_shape, None, scales[0]), convert_batch(b, image_shape, None, scales[1])

    return ds.map(convert, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).prefetch(tf.data.AUTOTUNE)


def paired_folders(a, b, image_shape, batch_size=32, shuffle=True, seed=0, on_error="skip", drop_remainder=False):
    """Pairs of images from two folders, matched by file name: `(a, b)` batches, pair i of one batch together.

    A file of `a` is paired with the file of `b` at the same path relative to
    its folder, extensions aside (`sketches/cat.png` with `photos/cat.jpg`,
    `sketches/x/1.png` with `photos/x/1.png`). Every file must have its
    partner: a file without one is an error that names it. A pair whose
    file cannot be read is left out, with an `ImageSkippedWarning` naming
    the file (or a `ValueError`, with `on_error="raise"`).

    Args:
        a: The folder of side A (pix2pix: the sources, e.g. sketches).
        b: The folder of side B (pix2pix: the targets, e.g. photos).
        image_shape: `(height, width, channels)` of both sides, channels 1 or 3.
        batch_size: Pairs per batch.
        shuffle: Shuffle the pairs (together), reshuffled each epoch.
        seed: Seed of the shuffle (an integer, or None for a random order).
        on_error: `"skip"` an unreadable file's pair with a warning, or `"raise"`.
        drop_remainder: Drop a last, smaller batch.

    Returns:
        A `tf.data.Dataset` of `(a_images, b_images)`, each float32
        `(B, height, width, channels)` in [0, 1].

    Raises:
        FileNotFoundError: (also a `ValueError`) if a folder does not exist.
        ValueError: A bad argument, a folder without images, a file without a
            partner or two files of one name (named), or no readable pair.

    Example:
        >>> ds = paired_folders("sketches/", "photos/", (64, 64, 3), batch_size=16)
        >>> model = zoo.create("pix2pix", image_shape=(64, 64, 3))
        >>> model.compile(optimizer=model.default_optimizer()); model.fit(ds, epochs=50)
    """
    import tensorflow as tf

    image_shape, batch_size, shuffle, seed, drop_remainder = check_options(
        image_shape, batch_size, shuffle, seed, on_error, drop_remainder)
    side_a, root_a = keyed(a, on_error, "paired_folders")
    side_b, root_b = keyed(b, on_error, "paired_folders")
    only_a = sorted(side_a.keys() - side_b.keys())
    only_b = sorted(side_b.keys() - side_a.keys())
    if only_a or only_b:
        lonely = []
        if only_a:
            lonely.append(f"{len(only_a)} in {root_a} have none in {root_b}: "
                          f"{listing(side_a[k].relative_to(root_a).as_posix() for k in only_a)}")
        if only_b:
            lonely.append(f"{len(only_b)} in {root_b} have none in {root_a}: "
                          f"{listing(side_b[k].relative_to(root_b).as_posix() for k in only_b)}")
        raise ValueError("paired folders must hold the same file names (matched without their extensions); "
                         "files without a partner: " + "; ".join(lonely))
    keys = sorted(side_a)
    images_a, kept_a, first_a = read_side([side_a[k] for k in keys], image_shape, on_error, "paired_folders")
    images_b, kept_b, first_b = read_side([side_b[k] for k in keys], image_shape, on_error, "paired_folders")
    # A pair is kept when both of its files could be read.
    both = sorted(set(kept_a) & set(kept_b))
    if not both:
        raise ValueError(f"none of the {len(keys)} pairs of {root_a} and {root_b} could be read; first: "
                         f"{first_a or first_b}")
    where_a = {k: i for i, k in enumerate(kept_a)}
    where_b = {k: i for i, k in enumerate(kept_b)}
    array_a, scale_a = stack_images([images_a[where_a[k]] for k in both])
    del images_a
    array_b, scale_b = stack_images([images_b[where_b[k]] for k in both])
    del images_b
    ds = tf.data.Dataset.from_tensor_slices((array_a, array_b))
    if shuffle and len(both) > 1:
        ds = ds.shuffle(len(both), seed=seed, reshuffle_each_iteration=True)
    return batches(ds, (scale_a, scale_b), image_shape, batch_size, drop_remainder)


def folder_with_transform(folder, transform, image_shape, batch_size=32, shuffle=True, seed=0, on_error="skip",
                          drop_remainder=False):
    """Pairs made from one folder: `(transform(images), images)` batches, each image the target of its own source.

    The transform makes each image's source (an edge map, a grey copy), as
    a pix2pix model with a `task` does itself when fitted on images alone;
    this makes the pairs explicit, for a transform of one's own.

    Args:
        folder: The folder of images (the targets).
        transform: A function of a float32 NHWC tensor batch in [0, 1] that
            returns a batch of the same shape in [0, 1], written in TensorFlow
            (it runs inside the `tf.data` pipeline): e.g.
            `zoo.models.translation.tasks.edges` or `.grey`.
        image_shape, batch_size, shuffle, seed, on_error, drop_remainder: as `image_folder`.

    Returns:
        A `tf.data.Dataset` of `(sources, images)`, each float32
        `(B, height, width, channels)` in [0, 1].

    Example:
        >>> from zoo.models.translation import tasks
        >>> ds = folder_with_transform("faces/", tasks.edges, (64, 64, 3))
    """
    import tensorflow as tf

    if isinstance(transform, str) or not callable(transform):
        hint = (f"; a task name is a model's own: create pix2pix with task={transform!r} and fit it on "
                "zoo.data.image_folder" if isinstance(transform, str) else "")
        raise ValueError("transform must be a function of an image batch (e.g. zoo.models.translation.tasks.edges), "
                         f"got {transform!r}{hint}")
    image_shape, batch_size, shuffle, seed, drop_remainder = check_options(
        image_shape, batch_size, shuffle, seed, on_error, drop_remainder)
    ds = image_folder(folder, image_shape, batch_size=batch_size, shuffle=shuffle, seed=seed, with_labels=False,
                      on_error=on_error, drop_remainder=drop_remainder)

    def pair(images):
        sources = tf.convert_to_tensor(transform(images))
        if sources.shape[1:] != images.shape[1:]:
            raise ValueError(f"transform must keep the images' shape (batch, {', '.join(map(str, image_shape))}); "
                             f"it returned {tuple(sources.shape)}")
        return tf.cast(sources, tf.float32), images

    return ds.map(pair, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def unpaired_folders(a, b, image_shape, batch_size=32, shuffle=True, seed=0, on_error="skip", drop_remainder=False):
    """Two folders, unpaired: `(images of A, images of B)` batches, each side in its own order.

    An epoch is a pass over the larger side; the smaller side is cycled
    (reshuffled at each pass) to keep up, as CycleGAN's code does, so no
    image of either is left unused and both batches are always the same size.

    Args:
        a: The folder of domain A.
        b: The folder of domain B.
        image_shape: `(height, width, channels)` of both domains, channels 1 or 3.
        batch_size: Images of each domain per batch.
        shuffle: Shuffle each side on its own (seeds `seed` and `seed + 1`), reshuffled each epoch.
        seed: Seed of the shuffles (an integer, or None for a random order).
        on_error: `"skip"` an unreadable file with a warning naming it, or `"raise"`.
        drop_remainder: Drop a last, smaller batch.

    Returns:
        A `tf.data.Dataset` of `(a_images, b_images)`, each float32
        `(B, height, width, channels)` in [0, 1].

    Example:
        >>> ds = unpaired_folders("horses/", "zebras/", (64, 64, 3), batch_size=4)
        >>> model = zoo.create("cycle_gan", image_shape=(64, 64, 3))
        >>> model.compile(optimizer=model.default_optimizer()); model.fit(ds, epochs=10)
    """
    import tensorflow as tf

    image_shape, batch_size, shuffle, seed, drop_remainder = check_options(
        image_shape, batch_size, shuffle, seed, on_error, drop_remainder)
    files = [listed(folder, on_error, "unpaired_folders") for folder in (a, b)]
    arrays, scales = [], []
    for paths, root in files:
        images, _, first = read_side(paths, image_shape, on_error, "unpaired_folders")
        if not images:
            raise ValueError(f"none of the {len(paths)} image file(s) in {root} could be read; first: {first}")
        array, scale = stack_images(images)
        del images
        arrays.append(array)
        scales.append(scale)
    longest = max(len(x) for x in arrays)

    def side(array, side_seed):
        ds = tf.data.Dataset.from_tensor_slices(array)
        if shuffle and len(array) > 1:
            ds = ds.shuffle(len(array), seed=side_seed, reshuffle_each_iteration=True)
        # The smaller side cycles; zip stops at the end of the larger one.
        return ds.repeat() if len(array) < longest else ds

    ds = tf.data.Dataset.zip((side(arrays[0], seed), side(arrays[1], None if seed is None else seed + 1)))
    return batches(ds, scales, image_shape, batch_size, drop_remainder)
