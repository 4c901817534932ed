"""`tf.distribute` training: MirroredStrategy on two logical CPUs, and a two-worker cluster.

Every run happens in a child process (scripts in `distribute_workers/`):
logical devices and a multi-worker server can only be set up before
TensorFlow initialises, and this process has already done so.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

WORKERS = Path(__file__).parent / "distribute_workers"
sys.path.insert(0, str(WORKERS))

import _common  # noqa: E402

# The all-reduce adds the replicas' gradients in another order than one device
# sums over its batch, so float32 round-off differs (~3e-8 seen); a missing or
# doubled division by the replica count would be off by ~1e-2.
ATOL = 1e-6
TIMEOUT = 240


def child_env(**extra):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", **extra)
    # A TF_CONFIG left in the environment would turn every strategy multi-worker.
    if "TF_CONFIG" not in extra:
        env.pop("TF_CONFIG", None)
    return env


def run_worker(script, out, timeout=TIMEOUT):
    try:
        proc = subprocess.run(
            [sys.executable, str(WORKERS / script), str(out)],
            env=child_env(), capture_output=True, text=True, timeout=timeout,
        )
    except subprocess.TimeoutExpired as err:
        pytest.fail(f"{script} did not finish in {timeout} s:\n{err.stderr}")
    assert proc.returncode == 0, f"{script} failed:\n{proc.stderr[-5000:]}"


def weights(npz, prefix):
    n = len([k for k in npz.files if k.startswith(prefix + "_")])
    return [npz[f"{prefix}_{i}"] for i in range(n)]


def max_diff(a, b):
    assert len(a) == len(b) and len(a) > 0
    return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b))


def test_mirrored_matches_one_device(tmp_path):
    run_worker("mirrored_toy.py", tmp_path / "out.npz")
    out = np.load(tmp_path / "out.npz")
    assert int(out["single_replicas"]) == 1
    assert int(out["mirrored_replicas"]) == 2

    # Same seed, same start: otherwise nothing below means anything.
    assert max_diff(weights(out, "single_init"), weights(out, "mirrored_init")) == 0.0

    for stage in ("step1", "final"):
        diff = max_diff(weights(out, f"single_{stage}"), weights(out, f"mirrored_{stage}"))
        assert diff <= ATOL, f"after {stage}, mirrored weights differ from one device's by {diff}"

    # The first step's update is -lr * gradient. Had the replicas' summed
    # gradients not been divided by their count, it would be twice as large.
    single = [s - i for s, i in zip(weights(out, "single_step1"), weights(out, "single_init"))]
    mirrored = [s - i for s, i in zip(weights(out, "mirrored_step1"), weights(out, "mirrored_init"))]
    assert max(float(np.max(np.abs(d))) for d in single) > 1000 * ATOL, "the step barely moved"
    assert max_diff(mirrored, single) <= ATOL
    assert max_diff(mirrored, [2 * d for d in single]) > 100 * ATOL
    ratio = np.linalg.norm(np.concatenate([d.ravel() for d in mirrored])) / np.linalg.norm(
        np.concatenate([d.ravel() for d in single])
    )
    assert ratio == pytest.approx(1.0, abs=1e-4)


def test_vae_trains_mirrored(tmp_path):
    run_worker("mirrored_vae.py", tmp_path / "out.json")
    out = json.loads((tmp_path / "out.json").read_text())
    assert out["replicas"] == 2
    history = out["history"]
    assert set(history) >= {"loss", "recon_loss", "kl_loss"}
    for name, values in history.items():
        assert len(values) == 2, name
        assert np.all(np.isfinite(values)), f"{name}: {values}"
    assert all(kl >= 0 for kl in history["kl_loss"])


def free_ports(n):
    # Kept bound until all are chosen, so the n ports differ; another process
    # may still take one before the workers bind it, which is rare on loopback.
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def single_device_reference(init):
    """What one device makes of the workers' data and starting weights."""
    import keras
    import tensorflow as tf

    from toys import ToyAE

    assert tf.distribute.get_strategy().num_replicas_in_sync == 1
    model = ToyAE()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1))
    model.build_all()
    model.set_weights(init)
    model.fit(_common.toy_images(), batch_size=_common.BATCH, epochs=_common.EPOCHS,
              shuffle=False, verbose=0)
    return model.get_weights()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Runs two workers of one MultiWorkerMirroredStrategy cluster and loads their npz."""
    tmp_path = tmp_path_factory.mktemp("cluster")
    hosts = [f"127.0.0.1:{p}" for p in free_ports(2)]
    procs, logs = [], []
    try:
        for i in range(2):
            tf_config = {"cluster": {"worker": hosts}, "task": {"type": "worker", "index": i}}
            # Files, not pipes: a worker blocked on a full pipe would hang the cluster.
            log = open(tmp_path / f"worker{i}.log", "w+")
            logs.append(log)
            procs.append(subprocess.Popen(
                [sys.executable, str(WORKERS / "multi_worker_toy.py"), str(tmp_path / f"worker{i}.npz")],
                env=child_env(TF_CONFIG=json.dumps(tf_config)),
                stdout=log, stderr=subprocess.STDOUT,
            ))
        deadline = time.monotonic() + TIMEOUT
        for proc in procs:
            try:
                proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                break
        # Killed before reading the logs, so a hung worker's log is complete.
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()

        def output(i):
            logs[i].seek(0)
            return f"--- worker {i} (exit {procs[i].returncode}) ---\n{logs[i].read()[-5000:]}"

        report = "\n".join(output(i) for i in range(len(procs)))
        if any(p.returncode != 0 for p in procs):
            pytest.fail(f"the workers failed or did not finish in {TIMEOUT} s:\n{report}")
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        for log in logs:
            log.close()
    return [np.load(tmp_path / f"worker{i}.npz") for i in range(2)]


def test_multi_worker_two_processes(cluster):
    assert [int(o["replicas"]) for o in cluster] == [2, 2]
    assert max_diff(weights(cluster[0], "init"), weights(cluster[1], "init")) == 0.0
    final = [weights(o, "final") for o in cluster]
    assert max_diff(final[0], final[1]) <= ATOL, "the workers' weights diverged"
    init = weights(cluster[0], "init")
    assert max_diff(final[0], init) > 1000 * ATOL, "training left the weights as they were"
    # Two workers, each on half of every batch, must take one device's steps:
    # this fails if the loss is not divided by the global replica count.
    assert max_diff(final[0], single_device_reference(init)) <= ATOL
