"""The training loop: epochs, sample order, history, progress and divergence checks.

The engines train on a chunk of the epoch's sample order per call (a whole compiled
loop on the numba backend); between chunks this loop updates the progress bar, calls
the user's callback and checks that the loss is still finite.
"""

from __future__ import annotations

import math
import time

import numpy as np

__all__ = ["History", "TrainingDivergedError", "run_fit"]

#: Chunks per epoch when nothing else sets the chunk size (for the progress bar).
CHUNKS_PER_EPOCH = 50


class TrainingDivergedError(FloatingPointError):
    """The training loss became NaN or inf; the weights were restored."""


class History:
    """Per-epoch figures of a :meth:`Network.fit` call, Keras style.

    Attributes
    ----------
    history : dict of str -> list
        'loss', 'accuracy', 'seconds', 'samples_per_second', and 'val_loss' and
        'val_accuracy' when validation data was given: one value per epoch.
    epoch : list of int
        The epoch numbers (1-based, counted over the network's life).
    """

    def __init__(self):
        self.history = {}
        self.epoch = []

    def append(self, epoch, record):
        self.epoch.append(epoch)
        for key, value in record.items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self):
        return f"History(epochs={self.epoch}, keys={sorted(self.history)})"


def _chunk_size(n, batch_size, callback_every):
    if callback_every is not None:
        if callback_every < 1 or callback_every % batch_size:
            raise ValueError(
                f"callback_every must be a positive multiple of batch_size={batch_size}, "
                f"got {callback_every}"
            )
        return callback_every
    size = max(1, math.ceil(n / CHUNKS_PER_EPOCH))
    return math.ceil(size / batch_size) * batch_size


def _progress_bar(total, epoch, epochs, verbose):
    from fastnn.progress import progress_bar

    return progress_bar(total, f"epoch {epoch}/{epochs}", show=verbose == 1)


def _epoch_line(epoch, epochs, record):
    parts = [
        f"Epoch {epoch}/{epochs}",
        f"{record['samples']} samples",
        f"{record['seconds']:.2f}s",
        f"{1e6 * record['seconds'] / max(record['samples'], 1):.1f}us/sample",
        f"loss: {record['loss']:.4f}",
        f"accuracy: {record['accuracy']:.4f}",
    ]
    if "val_loss" in record:
        parts += [f"val_loss: {record['val_loss']:.4f}",
                  f"val_accuracy: {record['val_accuracy']:.4f}"]
    return " - ".join(parts)


def _diverged(net, epoch, seen, loss_sum):
    value = "nan" if math.isnan(loss_sum) else "inf"
    return TrainingDivergedError(
        f"the training loss became {value} in epoch {epoch} after {seen} samples with "
        f"learning_rate={net.learning_rate!r}: the weights blew up. Lower the learning rate "
        f"(try {net.learning_rate / 10:g}). The weights are restored to those at the start "
        "of this epoch."
    )


def _parts(X, T, labels, order, chunk, rotations):
    """The engine's arguments for each chunk of ``order``, with the rotated copies."""
    for start in range(0, len(order), chunk):
        rows = order[start:start + chunk]
        if rotations is None:
            yield X, T, labels, rows
        else:
            yield rotations.expand(X, T, labels, rows)


def _train_epoch(net, data, validation, shuffle, chunk, epoch, last_epoch, verbose, callback,
                 snapshot):
    """One epoch, in chunks of ``chunk`` samples; returns its history record."""
    (X, T, labels), rotations = data
    engine, state, n = net._engine, net._state, len(X)
    order = net.rng.permutation(n) if shuffle else np.arange(n, dtype=np.int64)
    loss_sum, correct, seen = 0.0, 0, 0
    bar = _progress_bar(n * (rotations.copies if rotations else 1), epoch, last_epoch, verbose)
    seconds = 0.0  # in the engine only: not the progress bar or the callback
    try:
        for part in _parts(X, T, labels, order, chunk, rotations):
            chunk_start = time.perf_counter()
            part_loss, part_correct, part_seen = engine.train(state, *part)
            seconds += time.perf_counter() - chunk_start
            loss_sum += part_loss
            correct += int(part_correct)
            seen += int(part_seen)
            if not math.isfinite(loss_sum):
                net._restore(snapshot)
                raise _diverged(net, epoch, seen, loss_sum)
            bar.update(part_seen)
            bar.set_postfix(loss=f"{loss_sum / seen:.4f}", refresh=False)
            if callback is not None:
                callback(net, epoch, seen)
    finally:
        bar.close()
    record = {
        "loss": loss_sum / max(seen, 1),
        "accuracy": correct / max(seen, 1),
        "seconds": seconds,
        "samples_per_second": seen / seconds if seconds > 0 else float("inf"),
        "samples": seen,
    }
    if validation is not None:
        val = net._evaluate_prepared(*validation)
        record["val_loss"], record["val_accuracy"] = val["loss"], val["accuracy"]
    return record


def run_fit(net, data, epochs, validation, shuffle, verbose, callback, callback_every):
    """Train ``net`` for ``epochs`` passes over prepared arrays; see :meth:`Network.fit`.

    ``data`` is ``((X, T, labels), rotations)``: the prepared inputs, targets and labels,
    and a :class:`fastnn.augmentation.Rotations` or None.
    """
    from fastnn.config import threads

    (X, T, labels), rotations = data
    history = History()
    engine, state = net._engine, net._state
    chunk = _chunk_size(len(X), state.batch_size, callback_every)  # this call's batch size
    last_epoch = len(net.history_) + epochs
    with threads(net.threads if net.backend == "numba" else None):
        trained_on = X if rotations is None else rotations.empty(X.array.shape[1])
        net.compile_seconds_ += engine.compile(state, trained_on, T, labels)
        for _ in range(epochs):
            epoch = len(net.history_) + 1
            snapshot = net._snapshot()
            try:
                record = _train_epoch(net, data, validation, shuffle, chunk, epoch, last_epoch,
                                      verbose, callback, snapshot)
            except BaseException:  # Ctrl-C, a callback's error: keep the finished epochs only
                net._restore(snapshot)
                raise
            net.history_.append(record)
            history.append(epoch, record)
            if verbose:
                print(_epoch_line(epoch, last_epoch, record), flush=True)
    return history
