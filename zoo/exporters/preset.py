"""A trained model packaged as a preset folder: weights, config, `model.onnx`, grids, card, metadata."""

import tempfile
from pathlib import Path

from zoo import pretrained
from zoo.capabilities import capabilities
from zoo.cards import model_card
from zoo.exporters import export
from zoo.io import save_grid
from zoo.registry import exports_dir


def package(model, out_dir, entry, recipe, metrics, wall, steps, data_files, images, notes=None, plots=None):
    """Writes the preset folder: weights, config, model.onnx, images, card, metadata.

    Args:
        images: `{filename: (batch in [0, 1], nrow)}` grids to write.
        notes: extra card sections `{heading: markdown}`.
        plots: `{filename: writer(path)}` for other figures (maps, curves).
    """
    out_dir = Path(out_dir or exports_dir() / entry["name"])
    with tempfile.TemporaryDirectory() as scratch:
        main = model.main_function
        parity = export(model, scratch, formats=("onnx",), functions=[main], onnx_names={main: "model.onnx"})
        onnx_bytes = (Path(scratch) / "model.onnx").read_bytes()

    meta = {
        "preset": entry["name"],
        "architecture": entry["arch"],
        "description": entry["description"],
        "dataset": {"name": entry["dataset"], "files_sha256": data_files},
        "recipe": recipe,
        "training": {"steps": int(steps), "wall_time_s": round(wall, 1), "precision": recipe["precision"]},
        "seed": recipe["seed"],
        "metrics": metrics,
        "onnx": {"function": main, "opset": 17, "max_abs_error_vs_keras": parity["onnx"][main]},
        "notes": notes or {},
        "note_order": list(notes or {}),
    }
    extra = {
        "model.onnx": lambda p: p.write_bytes(onnx_bytes),
        **{name: (lambda p, imgs=imgs, nrow=nrow: save_grid(imgs, p, nrow)) for name, (imgs, nrow) in images.items()},
        **(plots or {}),
    }
    # The card is written from the same metadata, checksummed like every other file.
    # `save` records them too, but the card is rendered before it runs; its usage lines follow from them.
    meta["capabilities"] = capabilities(model)
    meta["hardware"] = pretrained.hardware()
    meta["library_versions"] = pretrained.library_versions()
    extra["MODEL_CARD.md"] = lambda p: p.write_text(model_card(meta, images=[*images, *(plots or {})]))
    written = pretrained.save(model, out_dir, meta, extra=extra)
    print(f"wrote {out_dir}")
    return written
