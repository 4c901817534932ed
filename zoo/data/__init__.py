"""Image data for the zoo: built-in sets and the user's own folders.

Whatever the source, images leave `zoo.data` as float32 NHWC in [0, 1].

    >>> import zoo.data
    >>> train = zoo.data.load("mnist", batch_size=128, seed=0)
    >>> test_images = zoo.data.as_numpy("mnist", "test")      # (10000, 28, 28, 1)
    >>> mine = zoo.data.image_folder("photos/", image_shape=(64, 64, 3))

Built-in sets (`sorted(zoo.data.BUILTIN)`): `mnist` and `fashion_mnist` are
prepared by TFDS from the original files under `$ZOO_DATA_DIR` (or
`data_dir=`) with no network, into `$ZOO_CACHE_DIR/tfds` (default
`~/.cache/zoo/tfds`). `att_faces` (AT&T/ORL, 40 people, 112x92 grey),
`cifar10` (a lossy JPEG copy of CIFAR-10), `celeba` (the first 10,000
aligned CelebA faces, 109x89, unlabelled) and `celeba_64` (the same faces
as 64x64 crops) are read from their zips under `$ZOO_DATA_DIR`, never
downloaded, and cached decoded under `$ZOO_CACHE_DIR/arrays`. The splits of
`att_faces` and the CelebA sets are the project's own: `info(name)["notes"]`
defines them. Importing this package does not import TensorFlow; the
functions do, on first call.
"""

from zoo.data.builtin import BUILTIN, BuiltinSet, as_numpy, cache_dir, info, load, raw_files
from zoo.data.folder import IMAGE_EXTENSIONS, ImageSkippedWarning, folder_classes, image_folder
from zoo.data.netpbm import NetpbmError, decode_netpbm, encode_netpbm

__all__ = [
    "BUILTIN",
    "BuiltinSet",
    "IMAGE_EXTENSIONS",
    "ImageSkippedWarning",
    "NetpbmError",
    "as_numpy",
    "cache_dir",
    "decode_netpbm",
    "encode_netpbm",
    "folder_classes",
    "image_folder",
    "info",
    "load",
    "raw_files",
]
