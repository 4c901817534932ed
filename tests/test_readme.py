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


# ---- the diffusion model's onnxruntime-only example ---------------------------

README_ONNX = "exports/ddpm_mnist/model.onnx"

# Runs a README block in a fresh interpreter where TensorFlow, Keras and the zoo cannot be
# imported, recording what each `InferenceSession.run` was fed and returned.
RUN_WITHOUT_TENSORFLOW = """
import sys
sys.modules.update(dict.fromkeys(["tensorflow", "keras", "tf2onnx", "zoo"]))  # importing any of them fails
import numpy as np
import onnxruntime as ort

fed, returned = {}, []
run = ort.InferenceSession.run

def recording_run(self, output_names, feeds, *args, **kwargs):
    outputs = run(self, output_names, feeds, *args, **kwargs)
    fed.update(feeds)
    returned.append(outputs[0])
    return outputs

ort.InferenceSession.run = recording_run
exec(compile(open(sys.argv[1]).read(), "README.md", "exec"), {"__name__": "__main__"})
assert len(returned) == 1, len(returned)
np.savez("fed.npz", output=returned[0], **fed)
"""


def diffusion_onnx_example():
    """The README's Python block that runs the diffusion ONNX file with onnxruntime, and the text before it."""
    import re

    text = (ROOT / "README.md").read_text()
    found = [(m.start(), m.group(1)) for m in re.finditer(r"```python\n(.*?)```", text, re.S)
             if "import onnxruntime" in m.group(1) and "ddpm" in m.group(1)]
    assert len(found) == 1, f"README has {len(found)} Python blocks running a ddpm with onnxruntime"
    start, block = found[0]
    return block, text[text.rfind("\n\n", 0, start - 2):start]


def test_readme_diffusion_onnx_example_imports_no_tensorflow_and_names_the_presets_function():
    import ast

    from zoo.models.diffusion.diffusion_presets import PRESETS

    block, intro = diffusion_onnx_example()
    imported = set()
    for node in ast.walk(ast.parse(block)):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported == {"numpy", "onnxruntime", "PIL"}
    assert README_ONNX in block
    config = PRESETS["ddpm_mnist"]["config"]
    steps = config["sample_steps"]
    assert f"`ddim_{steps}`" in intro and f"{steps} `sample_steps`" in intro and "eta 0" in intro
    assert f"np.array({config['guidance']}, np.float32)" in block  # the preset's own guidance scale


def test_readme_diffusion_onnx_example_draws_the_keras_ddim_grid_without_tensorflow(tmp_path):
    """The README block, pointed at a tiny exported 10-class DDPM, writes a 10 x 8 grid of the Keras DDIM images."""
    import subprocess
    import sys

    import numpy as np
    import tensorflow as tf
    from PIL import Image

    import zoo

    model = zoo.create("ddpm", image_shape=(8, 8, 1), num_classes=10, widths=[4, 8], blocks=1, timesteps=20,
                       sample_steps=3, prediction="v", guidance=2.0)
    # A class embedding as large as a trained one's, so that the labels matter.
    embedding = model.ema_denoiser.get_layer("class_embedding")
    embedding.set_weights([np.random.default_rng(0).normal(size=embedding.get_weights()[0].shape)])
    main = model.main_function
    assert main == "ddim_3"
    # As a preset folder ships it (zoo.exporters.preset.package): the main function as model.onnx.
    zoo.export(model, tmp_path / "export", formats=("onnx",), functions=[main], onnx_names={main: "model.onnx"},
               verbose=False)

    block, _ = diffusion_onnx_example()
    (tmp_path / "example.py").write_text(block.replace(README_ONNX, str(tmp_path / "export" / "model.onnx")))
    (tmp_path / "runner.py").write_text(RUN_WITHOUT_TENSORFLOW)
    done = subprocess.run([sys.executable, "runner.py", "example.py"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr

    fed = np.load(tmp_path / "fed.npz")
    assert fed["noise"].shape == (80, 8, 8, 1) and fed["noise"].dtype == np.float32
    np.testing.assert_array_equal(fed["labels"], np.repeat(np.arange(10, dtype=np.int32), 8))
    assert fed["guidance"].shape == () and fed["guidance"].dtype == np.float32
    keras_images = model.ddim_tensor(tf.constant(fed["noise"]), tf.constant(fed["labels"]),
                                     tf.constant(fed["guidance"])).numpy()
    assert 0.1 < np.mean((keras_images > 0) & (keras_images < 1))  # not all clipped: the comparison means something
    assert np.abs(fed["output"] - keras_images).max() <= model.export_atol

    # The grid: row r holds the 8 images of class r, left to right; 8-bit rounding adds half a level.
    grid = Image.open(tmp_path / "ddpm_grid.png")
    assert grid.mode == "L" and grid.size == (8 * 8, 10 * 8)
    expected = keras_images[..., 0].reshape(10, 8, 8, 8)
    pixels = np.asarray(grid, np.float64) / 255
    for r in range(10):
        for k in range(8):
            tile = pixels[8 * r : 8 * r + 8, 8 * k : 8 * k + 8]
            assert np.abs(tile - expected[r, k]).max() <= model.export_atol + 0.5 / 255 + 1e-7, (r, k)
