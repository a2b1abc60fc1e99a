"""The ``numba`` engine: the compiled epoch loops, a chunk of samples per call.

Buffers are allocated once per engine, outside the loops, and the network's arrays go
to the loops bundled in named tuples (:mod:`fastnn.kernels.bundles`).
"""

from __future__ import annotations

import time

import numpy as np

from fastnn.kernels import codes
from fastnn.kernels.bundles import (Blocks, InputRows, Pending, StoredLayers, Targets, Team,
                                    Updates)
from fastnn.kernels.fast.batch_blocks import BLOCK
from fastnn.kernels.fast.threads import column_bounds, new_barrier_state, run_threads
from fastnn.kernels.mini_batch import predict_into, train_epoch_batches
from fastnn.kernels.per_sample import predict_per_sample_into, train_epoch_per_sample
from fastnn.memory import aligned_copy, cache_aligned_zeros

__all__ = ["NumbaEngine"]


def stored_layers(state):
    """The network of ``state`` as the loops take it."""
    return StoredLayers(tuple(state.weights_t), tuple(state.biases), state.activations,
                        state.use_bias, state.loss, state.backprop)


class NumbaEngine:
    """Compiled loops; buffers are allocated once per engine, outside the hot loops."""

    name = "numba"

    def __init__(self):
        self._buffers = None
        self._key = None

    def _prepare(self, state):
        n_threads = self.thread_count(state)
        key = (tuple(state.sizes), state.dtype, n_threads)
        if self._key != key:
            sizes, dt = state.sizes, state.dtype
            rows = max(BLOCK, n_threads + 1)
            # Threads write neighbouring column slices of these: start them on cache lines.
            layer = lambda: tuple(cache_aligned_zeros((rows, n), dt) for n in sizes[1:])  # noqa: E731
            self._buffers = {
                # Nonzero inputs per sample (per thread, plus the pending sample's).
                "blocks": Blocks(cache_aligned_zeros((rows, sizes[0]), dt),
                                 cache_aligned_zeros((rows, sizes[0]), np.int64),
                                 np.zeros(rows, dtype=np.int64), layer(), layer(), layer(),
                                 layer(), column_bounds(sizes, 1)),
                "pending": Pending(tuple(np.zeros(n, dtype=dt) for n in sizes[:-1]),
                                   cache_aligned_zeros((n_threads, sizes[0]), np.int64),
                                   np.arange(max(sizes[:-1]), dtype=np.int64)),
                "grad_w": tuple(aligned_copy(np.zeros_like(w)) for w in state.weights_t),
                "grad_b": tuple(np.zeros_like(b) for b in state.biases),
                "scalar": np.zeros(1, dtype=dt),
            }
            self._key = key
        return self._buffers

    def _training_call(self, state, X, T, labels, order):
        """``(kernel, args, team_of)``: the compiled loop that trains on ``X[order]``.

        Per-sample training runs ``kernel(*args, team_of(thread))`` on each thread
        (:func:`~fastnn.kernels.fast.threads.run_threads`); mini-batch training
        ``kernel(*args)``, and ``team_of`` is None.
        """
        b = self._prepare(state)
        lr, rho, one_minus_rho, eps = state.scalars()
        net = stored_layers(state)
        inputs = InputRows(X.array, *state.input_table(X))
        targets = Targets(T, labels)
        if state.per_sample:
            bounds = column_bounds(state.sizes, self.thread_count(state))
            blocks = self._first_layer_blocks(state, bounds)
            sync, stop = new_barrier_state()

            def team_of(thread):
                return Team(blocks, thread, bounds.shape[1] - 1, bounds, sync, stop)

            args = (net, lr, inputs, targets, order, b["blocks"], b["pending"])
            return train_epoch_per_sample, args, team_of
        ms_w, ms_b = (tuple(m) for m in state.mean_squares())
        updates = Updates(state.optimizer, lr, rho, one_minus_rho, eps, state.batch_size,
                          b["grad_w"], b["grad_b"], ms_w, ms_b, b["scalar"])
        return train_epoch_batches, (net, updates, inputs, targets, order, b["blocks"]), None

    def _prediction_call(self, state, X, out):
        """``(kernel, args)``: the compiled loop that writes the outputs of X into out.

        A network trained per sample predicts one sample at a time, with the loops its
        training compiles (:func:`~fastnn.kernels.per_sample.predict_per_sample_into`); one
        trained in mini-batches a block at a time, with its training's loops
        (:func:`~fastnn.kernels.mini_batch.predict_into`). Both give the same outputs.
        """
        b = self._prepare(state)
        net = stored_layers(state)
        inputs = InputRows(X.array, *state.input_table(X))
        if state.per_sample:
            return predict_per_sample_into, (net, inputs, b["blocks"], b["pending"].all_rows,
                                             out)
        return predict_into, (net, inputs, b["blocks"], out)

    def train(self, state, X, T, labels, order):
        kernel, args, team_of = self._training_call(state, X, T, labels, order)
        if team_of is None:
            return kernel(*args)
        team = team_of(0)
        try:
            return run_threads(kernel, args, team_of)
        finally:
            if team.n_threads > 1:
                bounds = team.column_bounds
                for block, start, stop in zip(team.first_layer_blocks, bounds[0, :-1],
                                              bounds[0, 1:]):
                    state.weights_t[0][:, start:stop] = block

    def predict_proba(self, state, X):
        out = np.empty((len(X), state.sizes[-1]), dtype=state.dtype)
        kernel, args = self._prediction_call(state, X, out)
        kernel(*args)
        return out

    def kernel_call(self, state, X, T=None, labels=None):
        """``(kernel, args)``: the compiled function and the arguments (on no samples) that
        training on X (prediction when T is None) calls it with, for looking up whether
        Numba has it compiled or cached for these types; nothing is run.
        """
        X = X.head(0)
        if T is None:
            return self._prediction_call(state, X, np.empty((0, state.sizes[-1]), state.dtype))
        kernel, args, team_of = self._training_call(state, X, T[:0], labels[:0],
                                                    np.zeros(0, dtype=np.int64))
        if team_of is not None:  # thread 0's arguments, as run_threads passes them
            args = (*args, team_of(0))
        return kernel, args

    def _first_layer_blocks(self, state, bounds):
        """Per thread, its columns of the first layer's weights as a contiguous block.

        With one thread that is the weight matrix itself; with several, copies (in
        buffers kept between calls) that are written back after training.
        """
        WT = state.weights_t[0]
        if bounds.shape[1] == 2:
            return (WT,)
        key = (WT.shape, WT.dtype, tuple(bounds[0]))
        if getattr(self, "_blocks_key", None) != key:
            self._blocks = tuple(aligned_copy(WT[:, start:stop])
                                 for start, stop in zip(bounds[0, :-1], bounds[0, 1:]))
            self._blocks_key = key
        for block, start, stop in zip(self._blocks, bounds[0, :-1], bounds[0, 1:]):
            block[...] = WT[:, start:stop]
        return self._blocks

    @staticmethod
    def thread_count(state):
        """Threads for per-sample training: ``state.threads``, where they can share the work.

        The first layer's columns are shared out, so it needs an element-wise activation
        and at least 16 columns a thread.
        """
        if state.threads is None or state.threads < 2:
            return 1
        if state.activations[0] == codes.SOFTMAX:
            return 1
        return max(1, min(state.threads, state.sizes[1] // 16))

    def compile(self, state, X, T=None, labels=None):
        """Compile (or load from cache) the training kernel for these types, or the
        prediction kernel when T is None, by calling it on no samples; returns seconds."""
        start = time.perf_counter()
        if T is None:
            self.predict_proba(state, X.head(0))
        else:
            self.train(state, X.head(0), T[:0], labels[:0], np.zeros(0, dtype=np.int64))
        return time.perf_counter() - start
