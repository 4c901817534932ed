"""Importing zoo.data is cheap: TensorFlow, TFDS and Pillow come on first use.

(The import structure itself, no cycles and no private names across
modules, is tested for the whole package in tests/test_structure.py.)
"""

import subprocess
import sys


def test_import_is_light():
    code = (
        "import sys, zoo.data\n"
        "print(sorted(m for m in ('tensorflow', 'tensorflow_datasets', 'keras', 'PIL') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
