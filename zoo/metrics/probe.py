"""The few-label classification study: is an encoder's code worth having?

With only `per_class` labelled examples of each class, four test accuracies:

- `probe_accuracy`: logistic regression on the frozen encoder's codes (the
  linear probe);
- `finetune_accuracy`: the encoder plus a softmax head, all trained on the few
  labels, starting from the encoder's weights;
- `scratch_accuracy`: the same network and training, from fresh weights;
- `pixels_logreg_accuracy`: logistic regression on the raw pixels.

An encoder helps when its figures beat the last two. Logistic regression is
`sklearn.linear_model.LogisticRegression` (L-BFGS) fitted to convergence, so
probe figures depend on the features alone, not on an optimiser's schedule.
TensorFlow is imported only by the functions that train networks.
"""

import warnings

import numpy as np

from zoo.checks import check_count


def _labels(y, n, name):
    y = np.asarray(y)
    if y.ndim != 1 or not (np.issubdtype(y.dtype, np.integer) or len(y) == 0):
        raise ValueError(f"{name} must be a 1-D array of int class labels, got shape {y.shape}, dtype {y.dtype}")
    if len(y) != n:
        raise ValueError(f"{name} holds {len(y)} labels for {n} examples")
    if len(y) and y.min() < 0:
        raise ValueError(f"{name} must be class indices >= 0, got {y.min()}")
    return y.astype(np.int64)


def _features(x, name):
    x = np.asarray(x, np.float64)
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(f"{name} must be a non-empty (n, ...) array of features, got shape {x.shape}")
    x = x.reshape(len(x), -1)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} holds NaN or inf")
    return x


def few_labels(x, y, per_class, seed=0):
    """Indices of a balanced labelled subset: `per_class` examples of each class.

    Every class present in `y` contributes exactly `per_class` examples, drawn
    without replacement; the same seed gives the same subset.

    Args:
        x: the examples (only their count is used, to check `y` against it).
        y: 1-D int labels of `x`.
        per_class: examples kept from each class.
        seed: which subset.

    Returns:
        int64 indices into `x`, sorted ascending, `per_class` * (number of
        classes) of them.

    Raises:
        ValueError: For labels that do not match `x`, or a class with fewer
            than `per_class` examples.

    Example:
        >>> idx = few_labels(train_x, train_y, per_class=100, seed=0)
        >>> np.bincount(train_y[idx])
        array([100, 100, 100, 100, 100, 100, 100, 100, 100, 100])
    """
    y = _labels(y, len(x), "y")
    per_class = check_count(per_class, "per_class")
    if len(y) == 0:
        raise ValueError("few_labels needs at least one labelled example")
    rng = np.random.default_rng(seed)
    picks = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        if len(members) < per_class:
            raise ValueError(f"class {label} has {len(members)} examples, fewer than per_class={per_class}")
        picks.append(rng.choice(members, per_class, replace=False))
    return np.sort(np.concatenate(picks))


def fit_logistic_regression(x, y, l2=1e-3, max_iter=10000, tol=1e-6):
    """A fitted standardiser + multinomial logistic regression (a scikit-learn pipeline).

    The features are standardised (`StandardScaler`: features constant on the
    training set are only centred); then L-BFGS minimises the mean
    cross-entropy plus l2/2 times the squared weights, the bias unpenalised:
    sklearn's objective, sum of cross-entropies + ||W||^2 / (2 C), with
    C = 1 / (n * l2). It stops when the largest entry of the mean loss's
    gradient falls below `tol` (or the loss stops falling at machine
    precision), or after `max_iter` iterations with a RuntimeWarning. With a single
    class in `y` there is nothing to fit: that class is always predicted.
    """
    from sklearn.dummy import DummyClassifier
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if len(np.unique(y)) == 1:
        return DummyClassifier(strategy="most_frequent").fit(x, y)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0 / (len(x) * l2), tol=tol, max_iter=max_iter))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # said below, in the zoo's words
        model.fit(x, y)
    if np.max(model[-1].n_iter_) >= max_iter:
        warnings.warn(f"logistic regression stopped at max_iter={max_iter} before its gradient fell below {tol:g}",
                      RuntimeWarning, stacklevel=3)
    return model


def logistic_regression(train_feats, train_y, test_feats, test_y, l2=1e-3, max_iter=10000, tol=1e-6,
                        num_classes=None):
    """Test accuracy of multinomial logistic regression with an L2 penalty.

    Features are flattened, then standardised with the training set's mean and
    std (features constant on the training set are only centred). The fit
    (`fit_logistic_regression`) minimises the mean cross-entropy plus l2/2
    times the squared weights (the bias is not penalised) to convergence.

    Args:
        train_feats: `(n, ...)` training features: codes, or raw images.
        train_y: 1-D int labels of the training features.
        test_feats: `(m, ...)` test features, the same size per example.
        test_y: 1-D int labels of the test features.
        l2: the penalty's weight, per example (as the loss is a mean).
        max_iter: L-BFGS iterations at most; a RuntimeWarning says when they ran out.
        tol: the largest gradient entry that counts as converged.
        num_classes: K, checked against the labels; classes absent from the
            training labels are never predicted.

    Returns:
        The test accuracy, a float in [0, 1].

    Raises:
        ValueError: For bad features or labels, or mismatched feature sizes.

    Example:
        >>> idx = few_labels(train_x, train_y, 100)
        >>> logistic_regression(train_x[idx], train_y[idx], test_x, test_y)   # raw pixels
        0.87...
    """
    xtr, xte = _features(train_feats, "train_feats"), _features(test_feats, "test_feats")
    if xtr.shape[1] != xte.shape[1]:
        raise ValueError(f"train and test features differ in size: {xtr.shape[1]} and {xte.shape[1]}")
    ytr, yte = _labels(train_y, len(xtr), "train_y"), _labels(test_y, len(xte), "test_y")
    if not (isinstance(l2, (int, float, np.number)) and np.isfinite(l2) and l2 > 0):
        raise ValueError(f"l2 must be a positive number, got {l2!r}")
    max_iter = check_count(max_iter, "max_iter")
    largest = max(int(ytr.max()), int(yte.max()))
    if num_classes is not None and check_count(num_classes, "num_classes") <= largest:
        raise ValueError(f"num_classes={num_classes} but a label is {largest}")
    model = fit_logistic_regression(xtr, ytr, float(l2), max_iter, float(tol))
    return float(np.mean(model.predict(xte) == yte))


def _first_output(outputs):
    # A VAE's encoder gives (mu, logvar): the mean is its code.
    return outputs[0] if isinstance(outputs, (list, tuple)) else outputs


def _codes(encoder, images, batch_size=256):
    # Several outputs (a VAE's (mu, logvar)): the first is the code.
    codes = np.asarray(_first_output(encoder.predict(np.asarray(images, np.float32), batch_size=batch_size,
                                                     verbose=0)))
    return codes.reshape(len(codes), -1)


def classifier_from_encoder(encoder, num_classes, from_scratch=False):
    """A copy of `encoder` with a new Dense softmax head, uncompiled.

    The caller's encoder is never modified: its layers are cloned, then either
    given copies of its weights (fine-tuning) or left with the clone's fresh
    initial weights (`from_scratch`: the same network, untrained). The fresh
    weights come from Keras's global seed, so call `keras.utils.set_random_seed`
    first for a repeatable classifier.

    Args:
        encoder: a `keras.Model` with a defined input shape, mapping images to
            codes `(N, d)`; with several outputs the first is the code.
        num_classes: the head's size.
        from_scratch: re-initialised weights instead of the encoder's.

    Returns:
        A `keras.Model` images -> class probabilities `(N, num_classes)`; its
        head layer is named "head".

    Raises:
        ValueError: For an encoder without an input shape, one that cannot be
            cloned, or whose code is not `(N, d)`.

    Example:
        >>> clf = classifier_from_encoder(ae.encoder, 10)
        >>> clf.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    """
    import keras

    num_classes = check_count(num_classes, "num_classes")
    try:
        image_shape = tuple(encoder.inputs[0].shape[1:])
    except (AttributeError, IndexError, TypeError, ValueError) as err:
        raise ValueError("encoder must be a keras.Model with a defined input shape (built from keras.Input)") from err
    try:
        copy = keras.models.clone_model(encoder)
    except Exception as err:  # Keras raises several types for models it cannot rebuild from their config
        raise ValueError(f"cannot clone encoder {encoder.name!r}: {err}") from err
    images = keras.Input(image_shape, name="images")
    code = _first_output(copy(images))
    if len(code.shape) != 2:
        raise ValueError(f"encoder must map images to codes (N, d), got codes of shape {tuple(code.shape)}")
    probs = keras.layers.Dense(num_classes, activation="softmax", name="head")(code)
    if not from_scratch:
        copy.set_weights(encoder.get_weights())
    return keras.Model(images, probs, name=f"{encoder.name}_classifier")


def _shifted(images, shift, rng):
    # Each image moved by up to `shift` pixels each way; the border is padded with zeros.
    n, h, w, _ = images.shape
    padded = np.pad(images, ((0, 0), (shift, shift), (shift, shift), (0, 0)))
    dy, dx = rng.integers(0, 2 * shift + 1, (2, n))
    rows = dy[:, None] + np.arange(h)[None]
    cols = dx[:, None] + np.arange(w)[None]
    return padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]


def fine_tune_classifier(encoder, train_x, train_y, test_x, test_y, num_classes, epochs=30, learning_rate=1e-3,
                         from_scratch=False, seed=0, batch_size=64, shift=0):
    """Test accuracy of `encoder` + a softmax head trained on `(train_x, train_y)`.

    The classifier is `classifier_from_encoder(encoder, num_classes,
    from_scratch)`: every layer is trained, with Adam at a fixed learning rate
    for a fixed number of epochs, on the sparse cross-entropy. Batches are
    shuffled by a numpy generator seeded with `seed`, and Keras's global seed
    is set to `seed` (fresh weights, dropout), so a seed gives one result.

    Args:
        encoder: a `keras.Model` images `(N, H, W, C)` float32 in [0, 1] ->
            codes `(N, d)`; it is not modified.
        train_x, train_y: the labelled images and their int labels.
        test_x, test_y: the images and labels the accuracy is measured on.
        num_classes: number of classes.
        epochs: passes over the training set.
        learning_rate: Adam's learning rate.
        from_scratch: train the same network from fresh weights instead.
        seed: weights, shuffling and augmentation seed.
        batch_size: training batch size.
        shift: light augmentation: each training image moved by up to this
            many pixels each way, anew each epoch (0: none).

    Returns:
        The test accuracy, a float in [0, 1].

    Raises:
        ValueError: For bad images or labels, or an encoder as refused by
            `classifier_from_encoder`.

    Example:
        >>> idx = few_labels(train_x, train_y, 100)
        >>> fine_tune_classifier(ae.encoder, train_x[idx], train_y[idx], test_x, test_y, 10)
    """
    import keras

    train_x, test_x = np.asarray(train_x, np.float32), np.asarray(test_x, np.float32)
    for name, x in (("train_x", train_x), ("test_x", test_x)):
        if x.ndim != 4 or len(x) == 0:
            raise ValueError(f"{name} must be a non-empty NHWC batch of images, got shape {x.shape}")
    train_y, test_y = _labels(train_y, len(train_x), "train_y"), _labels(test_y, len(test_x), "test_y")
    epochs, batch_size = check_count(epochs, "epochs"), check_count(batch_size, "batch_size")
    if isinstance(shift, bool) or not isinstance(shift, (int, np.integer)) or shift < 0:
        raise ValueError(f"shift must be an int >= 0, got {shift!r}")
    keras.utils.set_random_seed(seed)
    model = classifier_from_encoder(encoder, num_classes, from_scratch=from_scratch)
    if max(train_y.max(), test_y.max()) >= model.output_shape[-1]:
        raise ValueError(f"a label is {max(train_y.max(), test_y.max())} but num_classes={num_classes}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(seed)

    def batches():
        # One generator for every epoch: one fit call, so its per-call setup is paid once.
        for _ in range(epochs):
            order = rng.permutation(len(train_x))
            x, y = train_x[order], train_y[order]
            if shift:
                x = _shifted(x, shift, rng)
            for i in range(0, len(x), batch_size):
                yield x[i : i + batch_size], y[i : i + batch_size]

    steps = -(-len(train_x) // batch_size)
    model.fit(batches(), steps_per_epoch=steps, epochs=epochs, shuffle=False, verbose=0)
    probs = model.predict(test_x, batch_size=512, verbose=0)
    return float(np.mean(np.argmax(probs, axis=1) == test_y))


def few_label_study(encoder, train_x, train_y, test_x, test_y, per_class=100, seed=0, epochs=30,
                    learning_rate=1e-3, batch_size=64, shift=0, l2=1e-3):
    """The four few-label accuracies of an encoder, on one balanced labelled subset.

    Args:
        encoder: a `keras.Model` images -> codes `(N, d)`, as for
            `fine_tune_classifier`; it is not modified.
        train_x, train_y: the training split; only `few_labels(train_x,
            train_y, per_class, seed)` of it is used.
        test_x, test_y: where the accuracies are measured.
        per_class: labelled examples per class.
        seed: the subset and the training seed; one seed gives one result.
        epochs, learning_rate, batch_size, shift: as for `fine_tune_classifier`,
            the same for fine-tuning and for training from scratch.
        l2: as for `logistic_regression`, for the probe and the pixels.

    Returns:
        A dict of floats in [0, 1]: `probe_accuracy`, `finetune_accuracy`,
        `scratch_accuracy`, `pixels_logreg_accuracy`.

    Example:
        >>> few_label_study(ae.encoder, train_x, train_y, test_x, test_y, per_class=100)
        {'probe_accuracy': ..., 'finetune_accuracy': ..., 'scratch_accuracy': ..., 'pixels_logreg_accuracy': ...}
    """
    train_x, test_x = np.asarray(train_x, np.float32), np.asarray(test_x, np.float32)
    train_y = _labels(train_y, len(train_x), "train_y")
    test_y = _labels(test_y, len(test_x), "test_y")
    idx = few_labels(train_x, train_y, per_class, seed=seed)
    x, y = train_x[idx], train_y[idx]
    num_classes = int(max(train_y.max(), test_y.max())) + 1
    tune = dict(epochs=epochs, learning_rate=learning_rate, seed=seed, batch_size=batch_size, shift=shift)
    return {
        "probe_accuracy": logistic_regression(_codes(encoder, x), y, _codes(encoder, test_x), test_y, l2=l2,
                                              num_classes=num_classes),
        "finetune_accuracy": fine_tune_classifier(encoder, x, y, test_x, test_y, num_classes, **tune),
        "scratch_accuracy": fine_tune_classifier(encoder, x, y, test_x, test_y, num_classes, from_scratch=True,
                                                 **tune),
        "pixels_logreg_accuracy": logistic_regression(x, y, test_x, test_y, l2=l2, num_classes=num_classes),
    }
