"""Training with resume: Keras `fit` with the project's NaN guard and per-epoch checkpoints.

Every recipe and `zoo train` / `zoo finetune` fit through `fit` here, so a run
stopped at any epoch continues with `resume=True` where it stopped, on the same
data order, and reports the whole run's wall time and steps.
"""

import time


def fit(model, train, recipe, validation=None, callbacks=(), checkpoint_dir=None, resume=False, verbose=2):
    """Fits with a NaN guard and optional per-epoch checkpoints; returns (history, wall seconds, steps).

    With `resume`, training continues from the last checkpoint in
    `checkpoint_dir`: the weights, optimizer and seed states are restored,
    and the data stream skips the epochs already done, so that the run ends
    where an uninterrupted one would.
    """
    from zoo.callbacks import Checkpoint, NaNGuard, progress, restore

    guard = NaNGuard()
    extra = [guard, *callbacks]
    done, wall_before = 0, 0.0
    if checkpoint_dir is not None:
        if resume:
            done = restore(model, checkpoint_dir)
            if done:
                print(f"resuming after epoch {done} from {checkpoint_dir}")
                recipe["resumed_after_epoch"] = done
                # None from a checkpoint older than the recorded wall time: then the
                # wall time covers only this process's part (`resumed_after_epoch` says so).
                wall_before = progress(checkpoint_dir)["wall_time_s"] or 0.0
        extra.append(Checkpoint(checkpoint_dir, wall_before=wall_before))
    steps_per_epoch = None
    if checkpoint_dir is not None:
        # One repeated stream, skipping the epochs done: a resumed run then sees
        # the batches an uninterrupted one would (a fresh finite dataset would
        # replay epoch 1's shuffle).
        steps_per_epoch = int(train.cardinality())
        if steps_per_epoch < 0:
            steps_per_epoch = sum(1 for _ in train)
        train = train.repeat().skip(done * steps_per_epoch)
    began = time.time()
    history = model.fit(
        train, epochs=recipe["epochs"], initial_epoch=done, steps_per_epoch=steps_per_epoch,
        validation_data=validation, callbacks=extra, verbose=verbose,
    )
    # A resumed run reports the whole run's time, its earlier parts read from the checkpoint.
    wall = wall_before + time.time() - began
    if guard.failure:
        raise RuntimeError(guard.failure + (f"; the last good checkpoint is in {checkpoint_dir}"
                                            if checkpoint_dir else ""))
    # Counted by the model (its optimizer, or a game's rounds), so a resumed run reports the whole run's steps.
    return history, wall, model.steps_taken()
