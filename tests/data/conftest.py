"""Fixtures for the zoo.data tests.

Preparing MNIST or Fashion-MNIST with TFDS takes about 20 s, so each is
prepared once per test session, into a throw-away cache, with every network
connection refused while it happens (and during every test that uses it).
"""

import os
import pathlib
import socket
import subprocess
import sys

import pytest

MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def _raw_root_or_skip():
    root = os.environ.get("ZOO_DATA_DIR")
    if not root:
        pytest.skip("ZOO_DATA_DIR is not set: no offline copy of MNIST / Fashion-MNIST to prepare from")
    for sub in ("mnist", "fashion-mnist"):
        missing = [f for f in MNIST_FILES if not (pathlib.Path(root) / sub / f).is_file()]
        if missing:
            pytest.skip(f"ZOO_DATA_DIR={root} lacks {sub}/{missing[0]}")
    return pathlib.Path(root)


class NetworkGuard:
    """Refuses (and records) every socket connection and name lookup."""

    def __init__(self):
        self.attempts = []

    def refuse(self, *args, **kwargs):
        self.attempts.append(args[1:] if args else kwargs)
        raise OSError("zoo.data tests: network access attempted")

    def install(self, monkeypatch):
        monkeypatch.setattr(socket.socket, "connect", lambda sock, *a: self.refuse(sock, *a))
        monkeypatch.setattr(socket.socket, "connect_ex", lambda sock, *a: self.refuse(sock, *a))
        monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: self.refuse(None, *a))
        monkeypatch.setattr(socket, "create_connection", lambda *a, **k: self.refuse(None, *a))


@pytest.fixture
def network_guard(monkeypatch):
    """Refuses the network for one test; `.attempts` lists what was tried."""
    guard = NetworkGuard()
    guard.install(monkeypatch)
    return guard


# Run in a child process: refuses the network, prepares one set, reports.
_PREPARE_SCRIPT = """
import socket, sys
attempts = []
def refuse(*args, **kwargs):
    attempts.append(repr(args[1:]))
    raise OSError("zoo.data tests: network access attempted")
socket.socket.connect = socket.socket.connect_ex = refuse
socket.getaddrinfo = socket.create_connection = lambda *a, **k: refuse(None, *a)
import zoo.data
try:
    zoo.data.load(sys.argv[1], split="test", batch_size=1, take=1, cache=False)
finally:
    print("NETWORK_ATTEMPTS", len(attempts), attempts)
"""


@pytest.fixture(scope="session")
def prepared_builtin(tmp_path_factory):
    """A fresh ZOO_CACHE_DIR with MNIST and Fashion-MNIST prepared offline.

    The sets are prepared by two child processes at once, using both cores.
    Set ZOO_TEST_CACHE_DIR to keep the prepared records between sessions
    (they are then only prepared, offline, the first time). Yields a dict with `cache` (the cache dir), `data_dir`
    (the raw root), `attempts` (network attempts the children saw; must stay
    empty) and `errors` (failed children's output).
    """
    data_dir = _raw_root_or_skip()
    import zoo

    kept = os.environ.get("ZOO_TEST_CACHE_DIR")
    cache = pathlib.Path(kept) if kept else tmp_path_factory.mktemp("zoo_cache")
    repo = str(pathlib.Path(zoo.__file__).resolve().parent.parent)
    env = dict(os.environ, ZOO_CACHE_DIR=str(cache), ZOO_DATA_DIR=str(data_dir), TF_CPP_MIN_LOG_LEVEL="2")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (repo, env.get("PYTHONPATH")) if p)
    import tensorflow_datasets as tfds

    # Only a kept cache can already hold them; then no child is needed.
    names = [n for n in ("mnist", "fashion_mnist") if not tfds.builder(n, data_dir=str(cache / "tfds")).is_prepared()]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _PREPARE_SCRIPT, name],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    attempts, errors = [], []
    for name, child in zip(names, children):
        out, err = child.communicate(timeout=600)
        for line in out.splitlines():
            if line.startswith("NETWORK_ATTEMPTS") and not line.startswith("NETWORK_ATTEMPTS 0 "):
                attempts.append((name, line))
        if child.returncode:
            errors.append((name, f"exit {child.returncode}: {err[-3000:]}"))
    yield {"cache": cache, "data_dir": data_dir, "attempts": attempts, "errors": errors}


@pytest.fixture
def zoo_env(prepared_builtin, monkeypatch):
    """Points zoo.data at the session's prepared cache, with the network refused."""
    from zoo.data import builtin

    if prepared_builtin["errors"]:
        name, error = prepared_builtin["errors"][0]
        pytest.fail(f"preparing {name} failed: {error}")
    monkeypatch.setenv("ZOO_CACHE_DIR", str(prepared_builtin["cache"]))
    monkeypatch.setenv("ZOO_DATA_DIR", str(prepared_builtin["data_dir"]))
    guard = NetworkGuard()
    guard.install(monkeypatch)
    monkeypatch.setattr(builtin, "_builders", {})
    yield prepared_builtin
    assert guard.attempts == [], f"network access attempted: {guard.attempts}"
