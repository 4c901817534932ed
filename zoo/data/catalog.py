"""What each built-in data set is: its files, shapes, splits, and how its zips are laid out.

Pure Python (no TensorFlow, no TFDS): `zoo.data.info` answers from here
without preparing anything, and both the zoo's own TFDS builders
(`zoo.data.builders`) and the loader (`zoo.data.builtin`) read the same
layouts, so what a builder stores and what a split string selects cannot
drift apart.
"""

import dataclasses
import re

__all__ = [
    "BUILTIN",
    "BuiltinSet",
    "CIFAR10_CLASSES",
    "LAYOUTS",
    "Layout",
    "lookup",
    "split_hint",
    "split_ranges",
    "tfds_pieces",
]


@dataclasses.dataclass(frozen=True)
class BuiltinSet:
    """What `zoo.data` knows about one built-in data set.

    Attributes:
        tfds_name: The stock TFDS builder that prepares it, or None when the
            builder is the zoo's own (`zoo.data.builders`).
        image_shape: `(height, width, channels)` of its images, as served.
        num_classes: Number of label classes; 0 for an unlabelled set.
        class_names: The label names, index order.
        raw_subdir: Sub-folder of the raw-data root holding the original files.
        raw_files: Original file name -> sha256 of the published file (the
            checksums TFDS itself verifies MNIST's files against; for the
            zip sets, those of the copy in the project's offline data).
        splits: Split name -> number of examples.
        homepage: Where the data set is described.
        builder: Name of the TFDS builder that prepares its records: the
            stock one (`tfds_name`), or a key of `LAYOUTS` for a set read
            from its zips by the zoo's own builder.
        crop_box: `(top, left, height, width)` in the stored image that is
            cut out and resized to `image_shape`, or None for the whole image.
        notes: How the split is defined, what the copy is, what to cite.
    """

    tfds_name: str
    image_shape: tuple
    num_classes: int
    class_names: tuple
    raw_subdir: str
    raw_files: dict
    splits: dict
    homepage: str
    builder: str = None
    crop_box: tuple = None
    notes: str = ""


_ATT_FACES_ZIPS = {
    "att_faces-orl-pgm-00.zip": "353f69ba771ec2136b8c669a9b2af127cbe4fe28247f045e1c11b7f39ecdc6f5",
    "att_faces-orl-pgm-01.zip": "027ea12316a7191b21eb6bb012fe30956ecd4c5334529ca5b7b827ec7ffa254a",
}
_CIFAR10_ZIPS = {
    "cifar10-jpg-train-00.zip": "4c90ef31d7c762a47f9749375013e2ff71ca7a0f5c7356e7cd7375004ba362ee",
    "cifar10-jpg-train-01.zip": "9d67fba1470a227da9d85d2fb355d055975b35e0e48c35f0e8c46c9779298239",
    "cifar10-jpg-train-02.zip": "44c73faf4d53376a0aa9cfa2386a83cb142d560c938b5ea9f0df6cb210eac00e",
    "cifar10-jpg-train-03.zip": "f08147ad6aa56c3f84f6c0ac8d2abee95bd94bd69685b2aeca26918e91fa99ef",
    "cifar10-jpg-train-04.zip": "fc9b4e04a1830676a2d676f09b87da89b6161f86db1a3edc304d5445a3020aec",
    "cifar10-jpg-train-05.zip": "77f87ba8bf06a450f2c3666c5a9258a8616276966eed64fa4fc17fd1d1cb1546",
    "cifar10-jpg-train-06.zip": "77cf9993e71ece901312f0717f0c19b9335c71a3d55a0bdb7fa1620d35ad83d4",
    "cifar10-jpg-train-07.zip": "dd105000923fba682429bdf553f1a1966de2a4a065cad2a22caf245418b11a8c",
    "cifar10-jpg-train-08.zip": "2dac35bd8013411516a2050877f1a5f4078fbcf8600fd1348bd56dbf1972ab69",
    "cifar10-jpg-train-09.zip": "9694944b31e04565a40ce2fe844719a39fdbb4fbcd62e0f7e0f96b47ec2f7fa7",
    "cifar10-jpg-train-10.zip": "5bcbd76e388f200ed49dfde9467e95d572c677f68a092a761b702ff48f3409b8",
    "cifar10-jpg-train-11.zip": "fa3b3fce5a675d4067011de4bc3cb2371c1d7ddb4bb9153d9b488713e57282e9",
    "cifar10-jpg-train-12.zip": "864dd48f4d090ea48efff7b722a7833a17d9ed6e6027392c9cf90e777160f2f8",
    "cifar10-jpg-train-13.zip": "6dc95d13903db169ea5ed169656761a0621524dcc6dab4cfe073d455233bfae0",
    "cifar10-jpg-train-14.zip": "5304fa5f8a5f8f310aabf5fb1617c3e7c39cf597a5922534829d1e3fce1132b8",
    "cifar10-jpg-test-00.zip": "c1b761dcdb197b19e73fc0e667c163520725328909974e43555448fc2572012f",
    "cifar10-jpg-test-01.zip": "3016e9e837a87f4eb07c4bdb51b6dae90f2c7fb9730727b1fb95dca64b548607",
    "cifar10-jpg-test-02.zip": "d6fc56e77b04402875e0ab231b15ab4e6c9a71043b561addcd16230c3800708f",
}
_CELEBA_ZIPS = {
    "celebA-first10k-89x109-jpg-00.zip": "da42440b0f7f56c676256c3a83115edf2ee5b04b5b02351f0e4f66a1b4100707",
    "celebA-first10k-89x109-jpg-01.zip": "2166dfea947a611de35b08964216a4145437f1896ba00980cf97a1d729982ae2",
    "celebA-first10k-89x109-jpg-02.zip": "680f7ad90a29867539f4b170ee28dcc49956131920eee5117e77d8e138ea2788",
    "celebA-first10k-89x109-jpg-03.zip": "b06f935d9317b2c4a60a623fee3154eed0f4664a00e83ea49b225394aa4390db",
    "celebA-first10k-89x109-jpg-04.zip": "c8db612da389f8b3c00df413b2881db30e4e819bdfe4d56c7aa9a5d47eaa82ad",
    "celebA-first10k-89x109-jpg-05.zip": "ad923cd16d5d9a899bb0a651b3c78679433ef4569ade831940357abfe3cb2b38",
    "celebA-first10k-89x109-jpg-06.zip": "c381aa82e902ae14836c7753c0b44af1c6264e0dda093533587131206b6fd580",
    "celebA-first10k-89x109-jpg-07.zip": "9bf83f2ac01c3e7d00eb585d521d7e8106d4aa4f6da98208d6e85bb1db01ae7b",
}
_CELEBA_SPLITS = {"train": 9000, "test": 1000, "all": 10000}
_CELEBA_NOTES = (
    "The first 10,000 aligned-and-cropped CelebA faces (000001.jpg-010000.jpg), halved to 89x109 "
    "and JPEG-encoded; no attribute file, so no labels (with_labels=True is refused). CelebA licence: "
    "non-commercial research only; say so in any model card trained on it. No official split applies "
    "(all 10,000 lie in CelebA's own training partition): here 'train' is 000001-009000, 'test' "
    "009001-010000 and 'all' the 10,000, in file-number order."
)
# The common 140x140 centre crop of the 178x218 originals (top 39, left 19)
# at half scale: it keeps the whole face, chin included, and a little hair.
_CELEBA_FACE_BOX = (19, 9, 70, 70)

_MNIST_SPLITS = {"train": 60000, "test": 10000}

#: Name -> `BuiltinSet` of every data set that `load` accepts.
def _celeba_faces(size):
    """The CelebA faces as the usual face crop, resized to `size` x `size`."""
    return BuiltinSet(
        tfds_name=None,
        image_shape=(size, size, 3),
        num_classes=0,
        class_names=(),
        raw_subdir="celeba",
        raw_files=_CELEBA_ZIPS,
        splits=_CELEBA_SPLITS,
        homepage="https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html",
        builder="zoo_celeba_first10k",
        crop_box=_CELEBA_FACE_BOX,
        notes=_CELEBA_NOTES
        + f" Served as the usual {size}x{size} face crop: the 70x70 box at top 19, left 9 of the 89x109 image "
        f"(the 140x140 centre crop of the 178x218 originals, at half scale), resized to {size}x{size} "
        "(bilinear, antialiased). Shares its prepared records with 'celeba'.",
    )


BUILTIN = {
    "mnist": BuiltinSet(
        tfds_name="mnist",
        image_shape=(28, 28, 1),
        num_classes=10,
        class_names=tuple(str(d) for d in range(10)),
        raw_subdir="mnist",
        raw_files={
            "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
        splits=_MNIST_SPLITS,
        homepage="http://yann.lecun.com/exdb/mnist/",
        builder="mnist",
    ),
    "fashion_mnist": BuiltinSet(
        tfds_name="fashion_mnist",
        image_shape=(28, 28, 1),
        num_classes=10,
        class_names=(
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        raw_subdir="fashion-mnist",
        raw_files={
            "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
        splits=_MNIST_SPLITS,
        homepage="https://github.com/zalandoresearch/fashion-mnist",
        builder="fashion_mnist",
    ),
    "att_faces": BuiltinSet(
        tfds_name=None,
        image_shape=(112, 92, 1),
        num_classes=40,
        class_names=tuple(f"s{k}" for k in range(1, 41)),
        raw_subdir="att_faces",
        raw_files=_ATT_FACES_ZIPS,
        splits={"train": 320, "test": 80, "all": 400},
        homepage="https://www.cl.cam.ac.uk/research/dtg/attarchive/facedatabase.html",
        builder="zoo_att_faces",
        notes=(
            "The AT&T (ORL) face database: 40 people x 10 images, 92 wide x 112 high, 8-bit grey. "
            "Acknowledge AT&T Laboratories Cambridge. Labels are people: s1 -> 0 ... s40 -> 39. "
            "No official split: here 'train' is images 1-8 of every person (320), 'test' images "
            "9-10 (80), 'all' the 400. Examples run image-major (example i of a split is person "
            "i % 40), so 'all' equals 'train+test' and any prefix covers the 40 people evenly."
        ),
    ),
    "cifar10": BuiltinSet(
        tfds_name=None,
        image_shape=(32, 32, 3),
        num_classes=10,
        class_names=(
            "airplane",
            "automobile",
            "bird",
            "cat",
            "deer",
            "dog",
            "frog",
            "horse",
            "ship",
            "truck",
        ),
        raw_subdir="cifar10",
        raw_files=_CIFAR10_ZIPS,
        splits={"train": 50000, "test": 10000},
        homepage="https://www.cs.toronto.edu/~kriz/cifar.html",
        builder="zoo_cifar10_jpeg",
        notes=(
            "CIFAR-10 (Krizhevsky, 2009; cite the tech report), the official 50k/10k split, from a "
            "public copy that re-encoded every image as JPEG (lossy, about 920 bytes an image): "
            "quality figures on it are not exactly comparable with figures on the original lossless "
            "batches; say so wherever one is reported. The original batch order is not recoverable "
            "from the files; examples run class-interleaved instead (example i of a split is class "
            "i % 10), so any prefix is class-balanced."
        ),
    ),
    "celeba": BuiltinSet(
        tfds_name=None,
        image_shape=(109, 89, 3),
        num_classes=0,
        class_names=(),
        raw_subdir="celeba",
        raw_files=_CELEBA_ZIPS,
        splits=_CELEBA_SPLITS,
        homepage="https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html",
        builder="zoo_celeba_first10k",
        notes=_CELEBA_NOTES + " Served whole, at 109 high x 89 wide.",
    ),
    "celeba_64": _celeba_faces(64),
    "celeba_32": _celeba_faces(32),
}




def lookup(name):
    """`(canonical key, BuiltinSet)` of a built-in name ("CelebA-64" -> "celeba_64"); ValueError if unknown."""
    key = name.strip().lower().replace("-", "_") if isinstance(name, str) else name
    if key not in BUILTIN:
        raise ValueError(f"unknown data set {name!r}; known names: {', '.join(sorted(BUILTIN))}")
    return key, BUILTIN[key]


def split_hint(name, spec):
    """The sentence every bad-split error ends with: the valid splits and their syntax."""
    return (
        f"valid splits of {name}: {', '.join(spec.splits)}, "
        "optionally sliced or joined as in 'train[:10%]', 'train[:1000]' or 'train+test'"
    )


# --- the zip sets' layouts -----------------------------------------------------

CIFAR10_CLASSES = BUILTIN["cifar10"].class_names


@dataclasses.dataclass(frozen=True)
class Layout:
    """How one zip set's images lie in its zips and in its prepared records.

    Every image has a stored index: its place in the records, which run in
    that order. The TFDS splits of the builder are consecutive runs of
    stored indices; the zoo's own splits (`"all"` included) are runs too,
    served by reading the TFDS splits they overlap.

    Attributes:
        pattern: Matches the names of the image members (other members,
            e.g. a README, are ignored).
        shape: `(H, W, C)` of every stored image.
        splits: Zoo split name -> `(first stored index, count)`.
        tfds_splits: TFDS split name -> `(first stored index, count)`:
            disjoint, in order, covering every stored index.
        place: Member-name match -> `(stored index, label)`; raises
            ValueError for a member that fits no slot.
        member_name: Stored index -> the member expected there (for errors).
        codec: `"pgm"` or `"jpeg"`.
    """

    pattern: re.Pattern
    shape: tuple
    splits: dict
    tfds_splits: dict
    place: object
    member_name: object
    codec: str

    @property
    def size(self):
        """Number of stored images."""
        return sum(count for _, count in self.tfds_splits.values())


# AT&T / ORL faces. Stored image-major (index = (image - 1) * 40 + person - 1)
# so that images 1-8 of everyone form "train", images 9-10 "test", and any
# prefix of a split covers all 40 people evenly.

_ORL_PEOPLE, _ORL_IMAGES = 40, 10


def _orl_place(match):
    person, image = int(match[1]), int(match[2])
    if not (1 <= person <= _ORL_PEOPLE and 1 <= image <= _ORL_IMAGES):
        raise ValueError(f"expected people s1..s{_ORL_PEOPLE} and images 1..{_ORL_IMAGES}.pgm")
    return (image - 1) * _ORL_PEOPLE + person - 1, person - 1


def _orl_member(index):
    return f"att_faces/s{index % _ORL_PEOPLE + 1}/{index // _ORL_PEOPLE + 1}.pgm"


# CIFAR-10 (JPEG copy). The files are numbered per class, so the original
# batch order is lost. Class-major order would make "train[:1000]" all
# aeroplanes; stored instead interleaved (index = offset + number * 10 +
# class), so every prefix of a split is class-balanced, as MNIST's nearly is.

_CIFAR_SPLITS = {"train": (0, 50000), "test": (50000, 10000)}


def _cifar_place(match):
    split, cls, number = match[1], match[2], int(match[3])
    if cls not in CIFAR10_CLASSES:
        raise ValueError(f"unexpected class folder {cls!r}; expected the CIFAR-10 classes {', '.join(CIFAR10_CLASSES)}")
    offset, count = _CIFAR_SPLITS[split]
    per_class = count // len(CIFAR10_CLASSES)
    if number >= per_class:
        raise ValueError(f"expected image numbers 0000..{per_class - 1:04d} in each {split} class")
    label = CIFAR10_CLASSES.index(cls)
    return offset + number * len(CIFAR10_CLASSES) + label, label


def _cifar_member(index):
    split = "train" if index < _CIFAR_SPLITS["test"][0] else "test"
    number, label = divmod(index - _CIFAR_SPLITS[split][0], len(CIFAR10_CLASSES))
    return f"{split}/{CIFAR10_CLASSES[label]}/{number:04d}.jpg"


# CelebA, the first 10,000 aligned faces, in file-number order.

_CELEBA_COUNT = 10000


def _celeba_place(match):
    number = int(match[1])
    if not 1 <= number <= _CELEBA_COUNT:
        raise ValueError(f"expected images 000001..{_CELEBA_COUNT:06d}.jpg")
    return number - 1, -1  # unlabelled


def _celeba_member(index):
    return f"celebA/{index + 1:06d}.jpg"


#: Builder name -> `Layout` of each set the zoo's own TFDS builders prepare.
LAYOUTS = {
    "zoo_att_faces": Layout(
        pattern=re.compile(r"att_faces/s(\d+)/(\d+)\.pgm"),
        shape=(112, 92, 1),
        splits={"train": (0, 320), "test": (320, 80), "all": (0, 400)},
        tfds_splits={"train": (0, 320), "test": (320, 80)},
        place=_orl_place,
        member_name=_orl_member,
        codec="pgm",
    ),
    "zoo_cifar10_jpeg": Layout(
        pattern=re.compile(r"(train|test)/([^/]+)/(\d+)\.jpg"),
        shape=(32, 32, 3),
        splits=_CIFAR_SPLITS,
        tfds_splits=_CIFAR_SPLITS,
        place=_cifar_place,
        member_name=_cifar_member,
        codec="jpeg",
    ),
    "zoo_celeba_first10k": Layout(
        pattern=re.compile(r"celebA/(\d+)\.jpg"),
        shape=(109, 89, 3),
        splits={"train": (0, 9000), "test": (9000, 1000), "all": (0, 10000)},
        tfds_splits={"train": (0, 9000), "test": (9000, 1000)},
        place=_celeba_place,
        member_name=_celeba_member,
        codec="jpeg",
    ),
}


# --- split strings -------------------------------------------------------------

_PART_RE = re.compile(r"(?P<name>[\w-]+)(?:\[(?P<lo>[^:\[\]]*):(?P<hi>[^:\[\]]*)\])?")
_BOUND_RE = re.compile(r"(?P<value>-?\d+(?:\.\d*)?)(?P<percent>%?)")


def split_ranges(name, spec, split):
    """`split` -> a list of `(split name, start, stop)`, read as TFDS reads it.

    Accepted: `"train"`, `"train[:1000]"`, `"train[10%:20%]"`, `"test[-5:]"`
    and `+`-joined parts. Percentages round to the closest example, as in
    TFDS; a bound past the split's size is an error rather than clipped.
    Unlike TFDS, `"all"` (where a set has it) is an ordinary split that can
    be sliced.
    """
    hint = split_hint(name, spec)
    if not isinstance(split, str) or not split.strip():
        raise ValueError(f"split must be a non-empty string; {hint}; got {split!r}")
    ranges = []
    for part in split.split("+"):
        match = _PART_RE.fullmatch(part.strip())
        if match is None:
            raise ValueError(f"bad split {split!r} ({part.strip()!r} is neither name nor name[start:stop]); {hint}")
        if match["name"] not in spec.splits:
            raise ValueError(f"unknown split {split!r}; {hint}")
        size = spec.splits[match["name"]]
        if match["lo"] is None:
            ranges.append((match["name"], 0, size))
            continue
        texts = [match["lo"].strip(), match["hi"].strip()]
        bounds = [_BOUND_RE.fullmatch(t) if t else None for t in texts]
        if not any(texts) or any(t and b is None for t, b in zip(texts, bounds)):
            raise ValueError(f"bad slice in split {split!r}: expected [start:stop] of integers or percentages; {hint}")
        percent = any(b is not None and b["percent"] for b in bounds)
        values = []
        for text, bound in zip(texts, bounds):
            if bound is None:
                values.append(None)
            elif percent:
                values.append(int(round(float(bound["value"]) * size / 100.0)))
            elif "." in bound["value"]:
                raise ValueError(f"bad slice in split {split!r}: {text!r} is not an integer; {hint}")
            else:
                values.append(int(bound["value"]))
        if any(v is not None and abs(v) > size for v in values):
            raise ValueError(f"slice in split {split!r} is out of range: {match['name']} has {size} examples; {hint}")
        start, stop = [default if v is None else v + size if v < 0 else v for v, default in zip(values, (0, size))]
        ranges.append((match["name"], start, max(start, stop)))
    return ranges


def tfds_pieces(layout, ranges, take=None):
    """Zoo split ranges -> `(TFDS split, start, stop)` runs of the records, in order.

    A zoo split that spans two TFDS splits (`"all"`) becomes a run of each;
    empty runs are dropped; with `take`, only the first `take` examples in
    all are kept.
    """
    pieces, left = [], take
    for split, start, stop in ranges:
        first = layout.splits[split][0]
        low, high = first + start, first + stop
        for tfds_split, (tfds_first, count) in layout.tfds_splits.items():
            lo, hi = max(low, tfds_first), min(high, tfds_first + count)
            if left is not None:
                hi = min(hi, lo + left)
            if lo < hi:
                pieces.append((tfds_split, lo - tfds_first, hi - tfds_first))
                if left is not None:
                    left -= hi - lo
    return pieces
