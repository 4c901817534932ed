"""Two processes loading, exporting and measuring one preset at once both succeed and corrupt nothing."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from zoo import pretrained

SCRIPT = """
import sys, zoo
from zoo.pretrained import update_metrics
name, out = sys.argv[1], sys.argv[2]
model = zoo.load(name)
zoo.export(model, out, verbose=False)
update_metrics(name, {})   # rewrites the card and metadata, as `zoo eval` does
zoo.load(name)
print("ok")
"""


def test_two_processes_on_one_preset(tmp_path):
    source = pretrained.exports_dir() / "evaluator_mnist"
    if not source.is_dir():
        pytest.skip("needs the evaluator_mnist preset")
    exports = tmp_path / "exports"
    shutil.copytree(source, exports / "evaluator_mnist")
    env = {**os.environ, "ZOO_EXPORTS_DIR": str(exports), "TF_CPP_MIN_LOG_LEVEL": "2"}
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, "evaluator_mnist", str(tmp_path / f"out{i}")],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    results = [p.communicate(timeout=600) for p in procs]
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0 and out.strip().endswith("ok"), err[-2000:]
    meta = pretrained.verify(exports / "evaluator_mnist")
    assert meta["metrics"] == pretrained.read_metadata(source)["metrics"]
    assert not [p.name for p in exports.iterdir() if p.name.endswith((".tmp", ".old"))]
