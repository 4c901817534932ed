"""Cards compare what each figure names, and the README line leaves out the details."""

from zoo.cards import comparisons, headline, model_card
from zoo.metrics.evaluate import metric


def figures():
    return {
        "outlier_auroc": metric(0.97, "ratio", "test", 20000, "AUROC", True,
                                versus=["baseline_pca_outlier_auroc"]),
        "baseline_pca_outlier_auroc": metric(0.99, "ratio", "test", 20000, "PCA AUROC", True, baseline=True),
        "recon_mse_code8": metric(0.02, "mse", "test", 10000, "sweep", False,
                                  versus=["baseline_pca_recon_mse_code8"], detail=True),
        "baseline_pca_recon_mse_code8": metric(0.04, "mse", "test", 10000, "PCA-8", False, baseline=True),
    }


def test_a_figure_is_compared_with_what_it_names():
    found = {(ours, theirs): beats for ours, theirs, beats in comparisons(figures())}
    assert found == {("outlier_auroc", "baseline_pca_outlier_auroc"): False,
                     ("recon_mse_code8", "baseline_pca_recon_mse_code8"): True}


def test_a_loss_is_said_on_the_card_and_details_stay_off_the_readme_line():
    meta = {"preset": "p", "architecture": "ae", "dataset": {"name": "mnist"}, "metrics": figures()}
    card = model_card(meta)
    assert "`outlier_auroc` 0.97 **does not beat** `baseline_pca_outlier_auroc` 0.99" in card
    assert "model.encode(images)" in card and "zoo sample" not in card
    line = headline(meta)
    assert "outlier_auroc 0.97" in line and "recon_mse_code8" not in line
    assert "1 of 2 comparisons" in line


def test_a_packaged_translators_card_shows_how_to_translate_not_sample(tmp_path):
    import zoo
    from tests.models.test_translation import PIX2PIX
    from zoo.exporters.preset import package

    model = zoo.create("pix2pix", **PIX2PIX)
    entry = {"name": "tiny", "arch": "pix2pix", "dataset": "toy", "description": "a tiny pix2pix"}
    package(model, tmp_path / "tiny", entry, {"precision": "float32", "seed": 0}, {}, 1.0, 1, {}, {})
    card = (tmp_path / "tiny" / "MODEL_CARD.md").read_text()
    assert "model.translate(images)" in card
    assert "model.sample(" not in card and "zoo sample" not in card
    assert "zoo translate tiny --input" in card


def test_a_cards_sections_keep_the_recipes_order_through_metadata_json(tmp_path):
    import json

    import zoo
    from tests.models.test_translation import PIX2PIX
    from zoo import pretrained
    from zoo.exporters.preset import package

    entry = {"name": "tiny", "arch": "pix2pix", "dataset": "toy", "description": "a tiny pix2pix"}
    notes = {"Task": "t", "Figure": "f", "Licence": "l"}
    package(zoo.create("pix2pix", **PIX2PIX), tmp_path / "tiny", entry, {"precision": "float32", "seed": 0}, {},
            1.0, 1, {}, {}, notes)
    pretrained.update_metrics(tmp_path / "tiny", {}, notes={"Figure": "f2", "Added": "a"})
    assert list(json.loads((tmp_path / "tiny" / "metadata.json").read_text())["notes"]) == sorted(
        ["Task", "Figure", "Licence", "Added"])  # the file sorts them
    card = (tmp_path / "tiny" / "MODEL_CARD.md").read_text()
    headings = [line[3:] for line in card.splitlines() if line.startswith("## ")]
    assert headings[-4:] == ["Task", "Figure", "Licence", "Added"] and "f2" in card
