"""Property tests: any input to the public API gives a right answer or a ValueError naming what was expected."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import zoo

SHAPE = (8, 8, 1)
TINY = {"image_shape": SHAPE, "latent_dim": 2, "filters": [4], "hidden": 8}
VALID_SEEN = []
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def vae():
    return zoo.create("vae", **TINY)


def arrays():
    dtypes = st.sampled_from([np.float32, np.float64, np.float16, np.uint8, np.int32, np.bool_])
    shapes = st.one_of(
        st.just((2, *SHAPE)), st.just((0, *SHAPE)), st.just(SHAPE), st.just((3, 8, 8, 3)),
        hnp.array_shapes(min_dims=0, max_dims=5, max_side=9),
    )
    values = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=16), st.integers(-3, 300))
    return dtypes.flatmap(lambda d: shapes.flatmap(lambda s: hnp.arrays(d, s, elements=values.map(
        lambda v: np.array(v).astype(d).item() if np.isfinite(float(v)) or np.dtype(d).kind == "f" else 0))))


def good_images():
    return st.integers(1, 5).flatmap(lambda n: st.one_of(
        hnp.arrays(np.float32, (n, *SHAPE), elements=st.floats(0, 1, width=32)),
        hnp.arrays(np.uint8, (n, *SHAPE)),
    ))


def valid_images(x):
    x = np.asarray(x)
    if x.ndim != 4 or x.shape[1:] != SHAPE or x.shape[0] == 0 or x.dtype.kind not in "fiub":
        return False
    scaled = x.astype(np.float64) / (255.0 if x.dtype == np.uint8 else 1.0)
    return bool(np.all(np.isfinite(scaled)) and scaled.min() >= -1e-6 and scaled.max() <= 1 + 1e-6)


@SETTINGS
@given(x=st.one_of(arrays(), good_images()), method=st.sampled_from(["encode", "reconstruct", "score", "elbo"]))
def test_image_methods(vae, x, method):
    if valid_images(x):
        out = getattr(vae, method)(x)
        assert len(out) == len(x) and np.all(np.isfinite(out))
        VALID_SEEN.append(method)
    else:
        with pytest.raises(ValueError, match="expected|must be"):
            getattr(vae, method)(x)


def test_the_valid_branch_was_exercised():
    # Runs after test_image_methods (file order): the property must not be vacuous.
    assert len(VALID_SEEN) >= 5


@SETTINGS
@given(z=st.one_of(arrays(), hnp.arrays(np.float32, st.tuples(st.integers(1, 4), st.just(2)),
                                         elements=st.floats(-3, 3, width=32))))
def test_decode(vae, z):
    ok = z.ndim == 2 and z.shape[0] > 0 and z.shape[1] == 2 and z.dtype.kind in "fiu" and np.all(np.isfinite(z.astype(np.float64)))
    if ok:
        out = vae.decode(z)
        assert out.shape == (len(z), *SHAPE) and 0 <= out.min() and out.max() <= 1
    else:
        with pytest.raises(ValueError, match=r"latent codes of shape \(batch, 2\)"):
            vae.decode(z)


@SETTINGS
@given(n=st.one_of(st.integers(-5, 40), st.floats(), st.text(max_size=2), st.none(), st.booleans()),
       seed=st.one_of(st.none(), st.integers(-3, 2**32), st.floats(), st.text(max_size=1)))
def test_sample(vae, n, seed):
    n_ok = isinstance(n, int) and not isinstance(n, bool) and n >= 1
    seed_ok = seed is None or (isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed < 2**31)
    if n_ok and seed_ok:
        out = vae.sample(n, seed=seed)
        assert out.shape == (n, *SHAPE) and 0 <= out.min() and out.max() <= 1
    else:
        with pytest.raises(ValueError, match="must be"):
            vae.sample(n, seed=seed)


@SETTINGS
@given(k=st.one_of(st.integers(-2, 6), st.floats(), st.none()))
def test_log_prob_k(vae, k):
    x = np.full((2, *SHAPE), 0.5, np.float32)
    if isinstance(k, int) and k >= 1:
        assert np.all(np.isfinite(vae.log_prob(x, k=k)))
    else:
        with pytest.raises(ValueError, match="positive integer"):
            vae.log_prob(x, k=k)


def test_export_refuses_bad_formats_and_functions(vae, tmp_path):
    with pytest.raises(ValueError, match="formats"):
        zoo.export(vae, tmp_path, formats=("tflite",))
    with pytest.raises(ValueError, match="unknown functions"):
        zoo.export(vae, tmp_path, functions=["generate"])


ANY = st.one_of(st.none(), st.booleans(), st.integers(-3, 70), st.floats(allow_nan=True), st.text(max_size=3),
                st.tuples(st.integers(-1, 9), st.integers(-1, 9), st.integers(-1, 4)))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    from tests.conftest import write_pngs

    return write_pngs(tmp_path_factory.mktemp("imgs"), 5, (9, 7, 1))


@SETTINGS
@given(image_shape=ANY, batch_size=ANY, on_error=st.one_of(st.sampled_from(["skip", "raise"]), ANY))
def test_image_folder_arguments(folder, image_shape, batch_size, on_error):
    """Arguments of the folder loader: a dataset of the asked shape, or a ValueError saying what was expected."""
    shape_ok = (isinstance(image_shape, tuple) and len(image_shape) == 3 and all(
        isinstance(d, int) and d > 0 for d in image_shape) and image_shape[-1] in (1, 3))
    batch_ok = isinstance(batch_size, int) and not isinstance(batch_size, bool) and batch_size > 0
    if shape_ok and batch_ok and on_error in ("skip", "raise"):
        batch = next(iter(zoo.data.image_folder(folder, image_shape=image_shape, batch_size=batch_size,
                                                on_error=on_error)))
        assert tuple(batch.shape[1:]) == image_shape and batch.dtype == "float32"
    else:
        with pytest.raises(ValueError):
            zoo.data.image_folder(folder, image_shape=image_shape, batch_size=batch_size, on_error=on_error)


def test_a_grid_of_absurd_size_is_refused_before_it_is_allocated(tmp_path):
    from zoo.io import image_grid, save_grid

    # A million 64x64 RGB images as a view: nothing of that size exists, and nothing may be allocated.
    many = np.broadcast_to(np.zeros((1, 64, 64, 3), np.float32), (10**6, 64, 64, 3))
    with pytest.raises(ValueError, match="GiB"):
        image_grid(many)
    with pytest.raises(ValueError, match="pixels a side"):
        save_grid(np.broadcast_to(np.zeros((1, 8, 8, 1), np.float32), (200_000, 8, 8, 1)), tmp_path / "g.png",
                  nrow=200_000)
    assert not list(tmp_path.iterdir())


def test_sample_refuses_a_count_it_could_not_hold(vae):
    with pytest.raises(ValueError, match="sample at most"):
        vae.sample(100_000_000, seed=0)


@pytest.fixture
def measured(tmp_path):
    from zoo import pretrained

    from zoo.metrics.evaluate import metric

    folder = tmp_path / "tiny_vae"
    figure = metric(1.0, "nats", "test", 10000, "stand-in", False)
    pretrained.save(zoo.create("vae", **TINY), folder,
                    {"preset": "tiny_vae", "dataset": {"name": "mnist"}, "metrics": {"elbo": figure}})
    return folder, figure


def test_update_metrics_refuses_a_figure_from_fewer_samples(measured):
    from zoo import pretrained

    folder, figure = measured
    fewer = {"elbo": {**figure, "value": 2.0, "n": 2000}}
    with pytest.raises(ValueError, match=r"elbo \(recorded n=10,000, new n=2,000\).*allow_fewer=True"):
        pretrained.update_metrics(folder, fewer)
    assert pretrained.verify(folder)["metrics"]["elbo"]["n"] == 10000
    # As many samples or more replace it; fewer only when asked.
    pretrained.update_metrics(folder, {"elbo": {**figure, "value": 3.0}})
    assert pretrained.update_metrics(folder, fewer, allow_fewer=True)["metrics"]["elbo"]["n"] == 2000


def test_export_refuses_a_preset_folder_or_a_folder_of_other_files(vae, measured, tmp_path):
    folder, _ = measured
    with pytest.raises(ValueError, match=f"{folder} is a preset folder"):
        zoo.export(vae, folder)
    other = tmp_path / "other"
    other.mkdir()
    (other / "photo.jpg").write_bytes(b"")
    with pytest.raises(ValueError, match="photo.jpg"):
        zoo.export(vae, other)
    # An older export (no list of files in parity.json): its own kinds of files may be written over.
    from zoo.exporters import check_out_dir

    old = tmp_path / "old"
    (old / "saved_model").mkdir(parents=True)
    (old / "decode.onnx").write_bytes(b"")
    (old / "parity.json").write_text("{}")
    assert check_out_dir(old) == old
    (old / "README.txt").write_text("")
    with pytest.raises(ValueError, match="README.txt"):
        check_out_dir(old)


def test_load_refuses_an_override_that_is_not_an_argument(measured):
    folder, _ = measured
    with pytest.raises(ValueError, match=r"\['nope'\] are not arguments of vae"):
        zoo.load(folder, overrides={"nope": 1})
    assert zoo.load(folder, overrides={"beta": 2.0}).beta == 2.0
