"""A convolutional classifier trained on a data set, used to measure generated images.

Inception weights cannot be downloaded here, so each data set gets its own
feature network: this classifier. Its penultimate features feed "FID (domain)",
KID and precision/recall; its logits give the class accuracy of conditional
samples. Figures made with it are named "(domain)" and are never comparable
with Inception-based ones.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from zoo.base import GenerativeModel
from zoo.capabilities import Classifier
from zoo.registry import register



def build_classifier(image_shape, num_classes, filters, features, dropout):
    x_in = keras.Input(image_shape, name="images")
    h = x_in
    for i, f in enumerate(filters):
        h = layers.Conv2D(f, 3, padding="same", name=f"conv{i}a")(h)
        h = layers.BatchNormalization(name=f"bn{i}a")(h)
        h = layers.ReLU()(h)
        h = layers.Conv2D(f, 3, padding="same", name=f"conv{i}b")(h)
        h = layers.BatchNormalization(name=f"bn{i}b")(h)
        h = layers.ReLU()(h)
        h = layers.MaxPooling2D()(h)
    h = layers.GlobalAveragePooling2D()(h)
    feats = layers.Dense(features, activation="relu", dtype="float32", name="features")(h)
    logits = layers.Dense(num_classes, dtype="float32", name="logits")(layers.Dropout(dropout)(feats))
    return keras.Model(x_in, [feats, logits], name="classifier")


@register("evaluator")
class Evaluator(Classifier, GenerativeModel):
    """Classifier of a data set's images; its features measure generated images.

    Args:
        image_shape: (height, width, channels).
        num_classes: number of classes.
        filters: channels of each conv stage (two convs, then 2x2 pooling).
        features: size of the feature layer FID (domain) uses.
        dropout: dropout before the logits.
        augment_shift: random translation, in pixels, during training.
        augment_flip: random mirror flips during training (for photos, not digits).

    Example:
        >>> ev = zoo.load("evaluator_mnist")
        >>> feats = ev.features(images)        # (n, 128)
        >>> labels = ev.classify(images)       # (n,)
    """

    loss_names = ("loss", "accuracy")
    main_function = "classify"
    needs_labels = True

    def __init__(self, image_shape=(28, 28, 1), num_classes=10, filters=(32, 64), features=128,
                 dropout=0.3, augment_shift=2, augment_flip=False, **kwargs):
        super().__init__(image_shape=image_shape, **kwargs)
        self.num_classes = int(num_classes)
        self.filters = tuple(int(f) for f in filters)
        self.features_dim = int(features)
        self.dropout = float(dropout)
        self.augment_shift = int(augment_shift)
        self.augment_flip = bool(augment_flip)
        height, width, _ = self.image_shape
        self.augment = layers.RandomTranslation(
            self.augment_shift / height, self.augment_shift / width, fill_mode="constant", seed=0,
        )
        self.flip = layers.RandomFlip("horizontal", seed=1)
        self.net = build_classifier(self.image_shape, self.num_classes, self.filters, self.features_dim,
                                    self.dropout)

    def compute_losses(self, x, y=None, training=True):
        if y is None:
            raise ValueError("an evaluator trains on (images, labels) batches")
        if training and self.augment_shift:
            x = self.augment(x, training=True)
        if training and self.augment_flip:
            x = self.flip(x, training=True)
        _, logits = self.net(x, training=training)
        y = tf.cast(y, "int32")
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), y), "float32"))
        return {"loss": loss, "accuracy": accuracy}

    def call(self, x, training=False):
        return self.net(x, training=training)[1]

    def features_tensor(self, x):
        return self.net(x, training=False)[0]

    def logits_tensor(self, x):
        return self.net(x, training=False)[1]
