"""The fine-tuning study's bookkeeping (its Inception figures are replaced by a stand-in here)."""

import numpy as np
import pytest
import tensorflow as tf

import zoo
from training import finetune_study
from training.gan import optimizers

TINY = {"image_shape": (8, 8, 1), "latent_dim": 3, "g_filters": [6, 4], "d_filters": [4, 6]}
RECIPE = {"g_lr": 2e-4, "d_lr": 2e-4, "beta_1": 0.5, "beta_2": 0.999}


def test_each_checkpoint_is_measured_after_exactly_its_number_of_steps(monkeypatch):
    monkeypatch.setattr(finetune_study, "EVERY", 2)
    monkeypatch.setattr(finetune_study, "CHECKPOINTS", (2, 4, 8))
    # The stand-in figure is the number of discriminator updates made so far.
    monkeypatch.setattr(finetune_study, "figures",
                        lambda model, real: {"fid": float(model.d_optimizer.iterations), "kid": 0.0})
    model = zoo.create("dcgan", **TINY)
    model.compile(**optimizers(RECIPE))
    images = np.random.default_rng(0).uniform(size=(16, 8, 8, 1)).astype("float32")
    stream = tf.data.Dataset.from_tensor_slices(images).batch(4, drop_remainder=True).repeat()
    curve = finetune_study.train_and_measure(model, stream, None, "tiny")
    assert {s: f["fid"] for s, f in curve.items()} == {0: 0.0, 2: 2.0, 4: 4.0, 8: 8.0}


def test_the_floor_compares_the_two_halves():
    rng = np.random.default_rng(0)
    same = rng.normal(size=(40, 4))
    assert finetune_study.floor(np.concatenate([same, same]))["fid"] == pytest.approx(0.0, abs=1e-6)
    shifted = finetune_study.floor(np.concatenate([same, same + 3.0]))
    assert shifted["n"] == 40 and shifted["fid"] == pytest.approx(4 * 9.0, rel=1e-3)


@pytest.mark.parametrize("tuned_fid, verdict", [(50.0, "fine-tuning wins"), (150.0, "from scratch wins")])
def test_the_card_note_says_which_run_won_with_its_figures(tuned_fid, verdict):
    last = finetune_study.CHECKPOINTS[-1]
    tuned = {0: {"fid": 200.0, "kid": 0.2}, last: {"fid": tuned_fid, "kid": 0.05}}
    scratch = {0: {"fid": 400.0, "kid": 0.4}, last: {"fid": 100.0, "kid": 0.1}}
    note = finetune_study.card_note(tuned, scratch, {"fid": 30.0, "kid": 0.001, "n": 200}, wall=60)
    assert verdict in note and f"FID {tuned_fid:.1f} against 100.0" in note
    assert "| 0 | 200.0 | 400.0 |" in note and "FID 30.0" in note
