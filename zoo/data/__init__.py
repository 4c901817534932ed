"""Image data for the zoo: built-in sets and the user's own folders.

Whatever the source, images leave `zoo.data` as float32 NHWC in [0, 1].

    >>> import zoo.data
    >>> train = zoo.data.load("mnist", batch_size=128, seed=0)
    >>> test_images = zoo.data.as_numpy("mnist", "test")      # (10000, 28, 28, 1)
    >>> mine = zoo.data.image_folder("photos/", image_shape=(64, 64, 3))
    >>> pairs = zoo.data.paired_folders("sketches/", "photos/", (64, 64, 3))   # matched by file name
    >>> unpaired = zoo.data.unpaired_folders("horses/", "zebras/", (64, 64, 3))

Built-in sets (`sorted(zoo.data.BUILTIN)`) are all prepared by TFDS builders
from their original files under `$ZOO_DATA_DIR` (or `data_dir=`), with no
network, into `$ZOO_CACHE_DIR/tfds` (default `~/.cache/zoo/tfds`): `mnist`
and `fashion_mnist` by the stock builders, `att_faces` (AT&T/ORL, 40
people, 112x92 grey), `cifar10` (a lossy JPEG copy of CIFAR-10), `celeba`
(the first 10,000 aligned CelebA faces, 109x89, unlabelled), `celeba_64` and
`celeba_32` (the same faces as 64x64 and 32x32 crops) by the zoo's own (`zoo.data.builders`),
which read the zips in place and never download. The splits of `att_faces`
and the CelebA sets are the project's own: `info(name)["notes"]` defines
them. Importing this package imports neither TensorFlow nor TensorFlow
Datasets; the functions do, on first call.

Modules: `catalog` (what each set is), `common` (paths, lock, hashing,
conversion), `builders` (the zoo's TFDS builders), `builtin` (load and
friends), `folder` (the user's own images) and `pairs` (two sides of an
image-to-image task: paired folders, a folder and a transform, unpaired folders).
"""

from zoo.data.builtin import BUILTIN, BuiltinSet, as_numpy, cache_dir, info, load, raw_files
from zoo.data.folder import (
    IMAGE_EXTENSIONS,
    ImageSkippedWarning,
    folder_classes,
    image_files,
    image_folder,
    read_image,
    read_images,
)
from zoo.data.pairs import folder_with_transform, paired_folders, unpaired_folders

__all__ = [
    "BUILTIN",
    "BuiltinSet",
    "IMAGE_EXTENSIONS",
    "ImageSkippedWarning",
    "as_numpy",
    "cache_dir",
    "folder_classes",
    "folder_with_transform",
    "image_files",
    "image_folder",
    "info",
    "load",
    "paired_folders",
    "raw_files",
    "read_image",
    "read_images",
    "unpaired_folders",
]
