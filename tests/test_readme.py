from pathlib import Path

from zoo.cards import render_readme
from zoo.pretrained import exports_dir

ROOT = Path(__file__).resolve().parent.parent


def test_readme_presets_table_is_current():
    text = (ROOT / "README.md").read_text()
    assert render_readme(text, exports_dir()) == text, "README is stale: run `python -m zoo.cards`"


def test_readme_has_the_two_setup_commands_and_ci_runs_the_test_one():
    text = (ROOT / "README.md").read_text()
    install = "pip install -e . && zoo sample vae_mnist -n 64 --seed 0 --out grid.png"
    tests = 'pip install -e ".[test]" && pytest -q'
    assert install in text and tests in text
    assert tests in (ROOT / ".ci" / "run").read_text()
