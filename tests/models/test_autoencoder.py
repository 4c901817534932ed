"""What is special about each autoencoder: its loss, its code, its corruption, its decoders."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo


def images(n=8, shape=(8, 8, 1), seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n, *shape)).astype("float32")


def blobs(n=64, seed=0):
    """Images with structure (a bright square somewhere), so an autoencoder can learn them."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 8, 8, 1), np.float32)
    for i, (r, c) in enumerate(rng.integers(0, 5, (n, 2))):
        x[i, r : r + 3, c : c + 3] = 1.0
    return x


def fit(model, x, epochs, y=None, lr=1e-2):
    model.compile(optimizer=keras.optimizers.Adam(lr))
    data = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y)).batch(16)
    return model.fit(data, epochs=epochs, verbose=0).history


def test_training_lowers_the_reconstruction_error():
    keras.utils.set_random_seed(0)
    model = zoo.create("ae", image_shape=(8, 8, 1), latent_dim=4, hidden=[16])
    x = blobs()
    before = model.score(x).mean()
    fit(model, x, epochs=30)
    assert model.score(x).mean() < 0.5 * before


def test_score_is_the_per_image_reconstruction_error():
    model = zoo.create("ae", image_shape=(8, 8, 1), latent_dim=2, hidden=[6])
    x = images()
    np.testing.assert_allclose(model.score(x), ((model.reconstruct(x) - x) ** 2).mean(axis=(1, 2, 3)), rtol=1e-6)
    np.testing.assert_allclose(model.reconstruct(x), model.decode(model.encode(x)), atol=1e-6)


def test_stacked_default_is_784_300_150_300_784():
    model = zoo.create("stacked_ae")
    dense = [layer for net in (model.encoder, model.decoder) for layer in net.layers
             if isinstance(layer, keras.layers.Dense)]
    assert [layer.kernel.shape[1] for layer in dense] == [300, 150, 300, 784]


def test_layerwise_pretraining_trains_each_pair_and_only_it():
    keras.utils.set_random_seed(0)
    model = zoo.create("stacked_ae", image_shape=(8, 8, 1), latent_dim=3, hidden=[6])
    data = tf.data.Dataset.from_tensor_slices(blobs()).batch(16)
    pairs = model.layer_pairs()
    assert [(e.name, d.name) for e, d in pairs] == [("enc0", "logits"), ("code", "dec0")]
    before = {layer.name: layer.kernel.numpy().copy() for pair in pairs for layer in pair}
    finals = model.pretrain_layerwise(data, epochs=3)
    assert len(finals) == 2 and all(np.isfinite(finals))
    for name, kernel in before.items():
        layer = model.encoder.get_layer(name) if name in ("enc0", "code") else model.decoder.get_layer(name)
        assert not np.array_equal(layer.kernel.numpy(), kernel), f"{name} did not train"


def test_l1_penalty_makes_the_code_sparser():
    x = blobs()
    shares = {}
    for l1 in (0.0, 0.3):
        keras.utils.set_random_seed(0)
        model = zoo.create("sparse_ae", image_shape=(8, 8, 1), latent_dim=128, l1=l1)
        history = fit(model, x, epochs=20)
        shares[l1] = model.sparsity(x)
        assert {"l1_loss", "active"} <= set(history)
    assert shares[0.3] < 0.5 * shares[0.0], shares


@pytest.mark.parametrize("corruption, noise", [("gaussian", 0.5), ("masking", 0.5), ("dropout", 0.5)])
def test_corruption_is_seeded_and_of_its_kind(corruption, noise):
    model = zoo.create("denoising_ae", image_shape=(8, 8, 1), latent_dim=2, filters=[4],
                       corruption=corruption, noise=noise)
    x = np.full((64, 8, 8, 1), 0.5, np.float32)
    a, b = model.corrupt(x, seed=1), model.corrupt(x, seed=1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, model.corrupt(x, seed=2))
    if corruption == "gaussian":
        assert 0.35 < float(np.std(a)) < 0.45  # std 0.5 noise on 0.5, clipped to [0, 1]
        assert a.min() >= 0 and a.max() <= 1
    else:
        dropped = np.mean(a == 0)
        assert 0.4 < dropped < 0.6
        kept = a[a > 0]
        np.testing.assert_allclose(kept, 0.5 if corruption == "masking" else 1.0, rtol=1e-6)
        # Its own noisy images go back in: dropout's reach 1 / (1 - noise).
        assert model.denoise(a).shape == x.shape


def test_denoising_trains_on_corrupted_inputs_against_clean_targets():
    keras.utils.set_random_seed(0)
    model = zoo.create("denoising_ae", image_shape=(8, 8, 1), latent_dim=8, filters=[8], noise=0.3)
    x = blobs(128)
    noisy = model.corrupt(x, seed=0)
    fit(model, x, epochs=40)
    assert np.mean((model.denoise(noisy) - x) ** 2) < np.mean((noisy - x) ** 2)


@pytest.mark.parametrize("bad", [{"corruption": "blur"}, {"noise": 0.0}, {"corruption": "masking", "noise": 1.0}])
def test_bad_corruption_settings_are_refused(bad):
    with pytest.raises(ValueError, match="corruption|noise"):
        zoo.create("denoising_ae", image_shape=(8, 8, 1), latent_dim=2, filters=[4], **bad)


def test_swap_decodes_with_the_chosen_identity():
    model = zoo.create("swap_ae", image_shape=(8, 8, 1), latent_dim=3, filters=[4], identities=3)
    x = images(4)
    code = model.encode(x)
    for k in range(3):
        expected = tf.sigmoid(model.decoders[k](code)).numpy()
        np.testing.assert_allclose(model.swap(x, to=k), expected, atol=1e-6)
    mixed = model.reconstruct(x, labels=[0, 1, 2, 0])
    np.testing.assert_allclose(mixed[1], model.swap(x, to=1)[1], atol=1e-6)


def test_swap_training_moves_each_decoder_only_with_its_identity():
    keras.utils.set_random_seed(0)
    model = zoo.create("swap_ae", image_shape=(8, 8, 1), latent_dim=3, filters=[4], augment=False)
    before = [d.get_weights() for d in model.decoders]
    fit(model, images(16), epochs=1, y=np.zeros(16, np.int32))
    moved = [any(not np.array_equal(a, b) for a, b in zip(w, d.get_weights())) for w, d in zip(before, model.decoders)]
    assert moved == [True, False]


@pytest.mark.parametrize("labels", [None, [0, 5], [0.5, 1.0], [0]])
def test_swap_names_the_identities_it_needs(labels):
    model = zoo.create("swap_ae", image_shape=(8, 8, 1), latent_dim=3, filters=[4])
    with pytest.raises(ValueError, match="identit"):
        model.reconstruct(images(2), labels=labels)


def test_export_checks_the_swap_with_identities_it_has():
    """Out-of-range identities one-hot encode to zeros: a parity check on them would test nothing."""
    from zoo.exporters import example_inputs

    model = zoo.create("swap_ae", image_shape=(8, 8, 1), latent_dim=2, filters=[4], identities=2)
    _, identity = example_inputs(model.inference_functions()["swap"][1], batch=16, classes=model.identities)
    assert set(identity.tolist()) == {0, 1}
