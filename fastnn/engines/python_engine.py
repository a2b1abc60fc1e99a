"""The ``python`` engine: the tutorial's loops run as plain Python, on lists.

Sample by sample, :func:`fastnn.kernels.tutorial.train_sample` (or, a batch at a time,
:func:`~fastnn.kernels.tutorial.train_batch`) trains a copy of the weights held as
Python lists in the tutorial's orientation, W of shape (n_out, n_in); the results go
back into the state's arrays after each call. Python computes in its floats (float64),
whatever the network's dtype. In float64 the numba engine gives the same bits.
"""

from __future__ import annotations

import math

import numpy as np

from fastnn.kernels import codes, tutorial
from fastnn.kernels.bundles import Layers, Optimizer, Work
from fastnn.kernels.plain import plain

__all__ = ["PythonEngine"]

_FLOAT64 = np.dtype(np.float64)


class PythonEngine:
    """:mod:`fastnn.kernels.tutorial`, uncompiled, on Python lists."""

    name = "python"

    def __init__(self):
        self.tutorial = plain(tutorial)

    @staticmethod
    def _layers(state):
        return Layers(tuple(w.T.tolist() for w in state.weights_t),
                      tuple(b.tolist() for b in state.biases), state.activations.tolist(),
                      state.use_bias, state.loss, state.backprop)

    @staticmethod
    def _work(state):
        vectors = lambda: tuple([0.0] * n for n in state.sizes[1:])  # noqa: E731
        return Work(vectors(), vectors(), vectors(), vectors())

    @staticmethod
    def _store(state, net):
        for w, rows in zip(state.weights_t, net.weights):
            w[...] = np.asarray(rows).T
        for b, values in zip(state.biases, net.biases):
            b[...] = values

    def train(self, state, X, T, labels, order):
        net, work = self._layers(state), self._work(state)
        try:
            if state.per_sample:
                return self._train_samples(state, net, work, X, T, labels, order)
            return self._train_batches(state, net, work, X, T, labels, order)
        finally:
            self._store(state, net)

    def _train_samples(self, state, net, work, X, T, labels, order):
        learning_rate = float(state.learning_rate)
        loss_sum, correct, seen = 0.0, 0, 0
        for sample in order.tolist():
            loss, label = self.tutorial.train_sample(net, X.scaled(sample, _FLOAT64).tolist(),
                                                     T[sample].tolist(), learning_rate, work)
            loss_sum += loss
            correct += label == labels[sample]
            seen += 1
            if not loss_sum < math.inf:
                break
        return loss_sum, correct, seen

    def _train_batches(self, state, net, work, X, T, labels, order):
        mean_square_w, mean_square_b = state.mean_squares()
        opt = Optimizer(state.optimizer, float(state.learning_rate), float(state.rho),
                        float(1.0 - state.rho), float(state.epsilon),
                        tuple(m.T.tolist() for m in mean_square_w),
                        tuple(m.tolist() for m in mean_square_b),
                        tuple([[0.0] * len(row) for row in W] for W in net.weights),
                        tuple([0.0] * len(b) for b in net.biases))
        loss_sum, correct, seen = 0.0, 0, 0
        for start in range(0, len(order), state.batch_size):
            rows = order[start:start + state.batch_size]
            m = len(rows)
            scale = 1.0 / m if state.optimizer == codes.RMSPROP else opt.learning_rate / m
            batch_loss, batch_correct = self.tutorial.train_batch(
                net, X.scaled(rows, _FLOAT64).tolist(), T[rows].tolist(), labels[rows].tolist(),
                opt, scale, work)
            loss_sum += batch_loss
            correct += batch_correct
            seen += m
            if not loss_sum < math.inf:
                break
        for v, rows in zip(mean_square_w, opt.mean_square_w):
            v[...] = np.asarray(rows).T
        for v, values in zip(mean_square_b, opt.mean_square_b):
            v[...] = values
        return loss_sum, correct, seen

    def predict_proba(self, state, X):
        net, work = self._layers(state), self._work(state)
        out = np.empty((len(X), state.sizes[-1]), dtype=state.dtype)
        for k in range(len(X)):
            self.tutorial.forward(net, X.scaled(k, _FLOAT64).tolist(), work)
            out[k] = work.act[-1]
        return out

    def compile(self, state, X, T=None, labels=None):
        return 0.0
