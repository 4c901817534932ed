"""The zoo's own TFDS builders, for the built-in sets no stock builder prepares.

`zoo_att_faces` (the AT&T/ORL faces, PGM), `zoo_cifar10_jpeg` (a JPEG copy of
CIFAR-10) and `zoo_celeba_first10k` (the first 10,000 aligned CelebA faces,
JPEG) prepare their records from the original zips, read in place with
`zipfile` (nothing is extracted) and decoded with Pillow. They never
download: the zips are taken from the download config's `manual_dir`, in
its sub-folder `att_faces/`, `cifar10/` or `celeba/` or in the folder
itself. `zoo.data.load` prepares them into `$ZOO_CACHE_DIR/tfds/`, as it
does the stock MNIST builders; they can also be used as any TFDS builder:

    >>> import tensorflow_datasets as tfds
    >>> import zoo.data.builders  # registers the three names
    >>> ds = tfds.load("zoo_att_faces", split="test", data_dir="/tmp/tfds",
    ...                download_and_prepare_kwargs={"download_config":
    ...                    tfds.download.DownloadConfig(manual_dir="/data")})

Records run in each set's stored order (`zoo.data.catalog.LAYOUTS`: ORL
image-major, CIFAR-10 class-interleaved, CelebA by file number); shuffling
is disabled, so a split reads back in that order. The sha256 of every zip
read is kept in the records' metadata (`builder.info.metadata["raw_files"]`),
so a reader can tell which files they were made from.

Importing this module imports TensorFlow Datasets (slow): `zoo.data`
imports it only when a set is first prepared or read.
"""

import io
import zipfile

import numpy as np
import tensorflow_datasets as tfds

from zoo.data.catalog import BUILTIN, LAYOUTS
from zoo.data.common import file_sha256, find_raw_dir

__all__ = ["BUILDERS", "ZipImageBuilder", "ZooAttFaces", "ZooCelebaFirst10k", "ZooCifar10Jpeg", "decode_image"]

# Pillow's format name for each codec: Image.open is told which one to
# expect, so a member of the wrong kind is an error rather than guessed at.
_PIL_FORMATS = {"pgm": "PPM", "jpeg": "JPEG"}
_PIL_ERRORS = (OSError, ValueError, SyntaxError, zipfile.BadZipFile)


def decode_image(codec, data, shape):
    """One member's bytes -> a uint8 `(H, W, C)` array, decoded with Pillow.

    JPEGs are decoded by libjpeg-turbo's defaults as Pillow sets them (the
    accurate integer IDCT and smooth chroma upsampling), which is what
    `tf.io.decode_jpeg(..., dct_method="INTEGER_ACCURATE")` gives too.

    Raises:
        ValueError: The bytes are not a readable image of that codec, or a
            PGM is not 8-bit grey. Pillow's own errors (OSError, ...) too.
    """
    from PIL import Image

    with Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[codec]]) as image:
        if codec == "pgm" and image.mode != "L":
            raise ValueError(f"expected an 8-bit grey PGM, got Pillow mode {image.mode}")
        if shape[-1] == 3 and image.mode != "RGB":
            image = image.convert("RGB")
        elif shape[-1] == 1 and image.mode != "L":
            image = image.convert("L")
        pixels = np.asarray(image, dtype=np.uint8)
    return pixels[..., None] if pixels.ndim == 2 else pixels


def _png(pixels):
    """A uint8 `(H, W, C)` array as PNG bytes, which the records store losslessly.

    Encoded here with Pillow at zlib level 1 rather than by the Image
    feature (TensorFlow, level 6): preparing CelebA then takes about half
    the time, for files about 3% larger.
    """
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels).save(buffer, format="PNG", compress_level=1)
    buffer.seek(0)
    return buffer


def _instructions(dataset):
    spec = BUILTIN[dataset]
    files = sorted(spec.raw_files)
    return (
        f"Put the {len(files)} original zip(s) {files[0]} ... {files[-1]} in <manual_dir>/{spec.raw_subdir}/ "
        "(or in <manual_dir> itself). They are read in place; nothing is downloaded."
    )


class ZipImageBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """Prepares one zip set of `zoo.data.catalog` from its zips in `manual_dir`.

    Subclasses name the `BUILTIN` set whose files and notes they use
    (`DATASET`); their `name` is the key of its `LAYOUTS` entry.
    """

    DATASET = None
    CITATION = ""
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Decoded with Pillow from the original zips, in the zoo's stored order."}

    def _info(self):
        spec = BUILTIN[self.DATASET]
        layout = LAYOUTS[self.name]
        features = {"image": tfds.features.Image(shape=layout.shape)}
        if spec.num_classes:
            features["label"] = tfds.features.ClassLabel(names=list(spec.class_names))
        return tfds.core.DatasetInfo(
            builder=self,
            description=spec.notes,
            features=tfds.features.FeaturesDict(features),
            supervised_keys=("image", "label") if spec.num_classes else None,
            homepage=spec.homepage,
            citation=self.CITATION,
            disable_shuffling=True,  # the stored order is the order served
            metadata=tfds.core.MetadataDict(),
        )

    def _raw_folder(self, dl_manager):
        spec = BUILTIN[self.DATASET]
        files = sorted(spec.raw_files)
        try:
            root = dl_manager.manual_dir
        except (AssertionError, ValueError) as error:  # what TFDS raises for a missing manual_dir
            raise FileNotFoundError(
                f"zoo.data: {self.name} needs download_config=DownloadConfig(manual_dir=<root>) with "
                f"<root>/{spec.raw_subdir}/ holding {files[0]} ... {files[-1]} ({error})"
            ) from None
        folder = find_raw_dir(root, spec.raw_subdir, files)
        if folder is None:
            expected = root / spec.raw_subdir
            missing = [f for f in files if not (expected / f).is_file()]
            more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
            raise FileNotFoundError(
                f"zoo.data: {expected} lacks {missing[0]}{more}: the {self.name} builder reads the "
                f"{len(files)} original zip(s) {files[0]} ... {files[-1]} from <manual_dir>/{spec.raw_subdir}/ "
                "(or <manual_dir> itself), and never downloads them"
            )
        return folder

    def _index_members(self, folder):
        """Stored index -> `(zip path, member name, label)` of every image, checked complete."""
        spec = BUILTIN[self.DATASET]
        layout = LAYOUTS[self.name]
        name = self.DATASET
        slots = [None] * layout.size
        for zip_name in spec.raw_files:
            path = folder / zip_name
            try:
                with zipfile.ZipFile(path) as archive:
                    listing = archive.infolist()
            except (zipfile.BadZipFile, OSError) as error:
                raise ValueError(f"zoo.data: cannot read {name} archive {path}: {error}") from None
            for member in listing:
                match = layout.pattern.fullmatch(member.filename)
                if member.is_dir() or match is None:
                    continue
                where = f"{path}:{member.filename}"
                try:
                    index, label = layout.place(match)
                except ValueError as error:
                    raise ValueError(f"zoo.data: unexpected {name} member {where}: {error}") from None
                if slots[index] is not None:
                    raise ValueError(f"zoo.data: {name} member {where} appears twice in the archives")
                slots[index] = (path, member.filename, label)
        missing = [i for i, slot in enumerate(slots) if slot is None]
        if missing:
            raise ValueError(
                f"zoo.data: the {name} archives in {folder} lack {len(missing)} of the {layout.size} images, "
                f"e.g. {layout.member_name(missing[0])}"
            )
        return slots

    def _split_generators(self, dl_manager):
        spec = BUILTIN[self.DATASET]
        folder = self._raw_folder(dl_manager)
        self.info.metadata["raw_files"] = {f: file_sha256(folder / f) for f in spec.raw_files}
        slots = self._index_members(folder)
        return {
            split: self._generate_examples(slots, first, count)
            for split, (first, count) in LAYOUTS[self.name].tfds_splits.items()
        }

    def _generate_examples(self, slots, first, count):
        layout = LAYOUTS[self.name]
        labelled = BUILTIN[self.DATASET].num_classes > 0
        archives = {}
        try:
            for index in range(first, first + count):
                path, member, label = slots[index]
                if path not in archives:
                    archives[path] = zipfile.ZipFile(path)
                where = f"{path}:{member}"
                try:
                    image = decode_image(layout.codec, archives[path].read(member), layout.shape)
                except _PIL_ERRORS as error:
                    raise ValueError(f"zoo.data: cannot decode {self.DATASET} image {where}: {error}") from None
                if image.shape != layout.shape:
                    raise ValueError(
                        f"zoo.data: {self.DATASET} image {where} is {image.shape}, expected {layout.shape} (H, W, C)"
                    )
                example = {"image": _png(image)}
                if labelled:
                    example["label"] = label
                yield index, example
        finally:
            for archive in archives.values():
                archive.close()


class ZooAttFaces(ZipImageBuilder):
    """The AT&T (ORL) faces, 40 people x 10 images of 112x92 grey; 'train' images 1-8, 'test' 9-10."""

    name = "zoo_att_faces"
    DATASET = "att_faces"
    MANUAL_DOWNLOAD_INSTRUCTIONS = _instructions("att_faces")
    CITATION = """@inproceedings{samaria1994parameterisation,
  title={Parameterisation of a stochastic model for human face identification},
  author={Samaria, Ferdinando S and Harter, Andy C},
  booktitle={Proceedings of the IEEE Workshop on Applications of Computer Vision},
  year={1994}
}"""


class ZooCifar10Jpeg(ZipImageBuilder):
    """CIFAR-10 from a public copy re-encoded as JPEG (lossy): 50k train, 10k test, 32x32 RGB."""

    name = "zoo_cifar10_jpeg"
    DATASET = "cifar10"
    MANUAL_DOWNLOAD_INSTRUCTIONS = _instructions("cifar10")
    CITATION = """@techreport{krizhevsky2009learning,
  title={Learning multiple layers of features from tiny images},
  author={Krizhevsky, Alex},
  institution={University of Toronto},
  year={2009}
}"""


class ZooCelebaFirst10k(ZipImageBuilder):
    """The first 10,000 aligned CelebA faces at 109x89 RGB, unlabelled; 'train' 1-9000, 'test' 9001-10000."""

    name = "zoo_celeba_first10k"
    DATASET = "celeba"
    MANUAL_DOWNLOAD_INSTRUCTIONS = _instructions("celeba")
    CITATION = """@inproceedings{liu2015faceattributes,
  title={Deep Learning Face Attributes in the Wild},
  author={Liu, Ziwei and Luo, Ping and Wang, Xiaogang and Tang, Xiaoou},
  booktitle={Proceedings of International Conference on Computer Vision (ICCV)},
  year={2015}
}"""


#: Builder name -> builder class, for every name in `LAYOUTS`.
BUILDERS = {cls.name: cls for cls in (ZooAttFaces, ZooCifar10Jpeg, ZooCelebaFirst10k)}
