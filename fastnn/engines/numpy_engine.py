"""The ``numpy`` engine: the networks' algorithm vectorised, as a NumPy user writes it.

Per-sample SGD goes sample by sample with vector operations (``np.outer`` for the
update); mini-batches go through matrix products, which NumPy's BLAS computes in an
order of its own, so its results agree with the loops' to rounding, not bit for bit.
"""

from __future__ import annotations

import numpy as np

from fastnn.kernels import codes

__all__ = ["NumpyEngine"]


def _activate(Z, code):
    from fastnn.kernels.numpy import sigmoid_array, softmax_array

    if code == codes.SIGMOID:
        return sigmoid_array(Z)
    if code == codes.RELU:
        return np.maximum(Z, 0)
    if code == codes.SOFTMAX:
        return softmax_array(Z)
    return Z


def _times_derivative(E, Z, Y, code):
    if code == codes.SIGMOID:
        return E * Y * (1 - Y)
    if code == codes.RELU:
        return np.where(Z > 0, E, 0)
    return E


class NumpyEngine:
    """Vectorised NumPy: per-sample vectors for per-sample SGD, matrices per mini-batch."""

    name = "numpy"

    def _forward(self, state, A):
        """Pre-activations and activations of every layer; A is (n_in,) or (m, n_in)."""
        pre, act = [], []
        for WT, b, code in zip(state.weights_t, state.biases, state.activations):
            Z = A @ WT
            if state.use_bias:
                Z = Z + b
            A = _activate(Z, code)
            pre.append(Z)
            act.append(A)
        return pre, act

    def _backward(self, state, T, pre, act):
        last = len(state.weights_t) - 1
        E = act[last] - T
        if state.loss == codes.CROSS_ENTROPY:
            D = E
        else:
            D = _times_derivative(E, pre[last], act[last], state.activations[last])
        deltas = [D]
        for layer in range(last, 0, -1):
            sent = E if state.backprop == codes.BACKPROP_ERROR else D
            E = sent @ state.weights_t[layer].T
            D = _times_derivative(E, pre[layer - 1], act[layer - 1], state.activations[layer - 1])
            deltas.append(D)
        return deltas[::-1]

    @staticmethod
    def _loss_and_correct(state, Y, T, labels):
        if state.loss == codes.CROSS_ENTROPY:
            losses = -np.sum(np.where(T != 0, T * np.log(np.maximum(Y, 1e-300)), 0.0), axis=-1)
        else:
            losses = 0.5 * np.sum((Y - T) ** 2, axis=-1)
        return float(np.sum(losses)), int(np.sum(np.argmax(Y, axis=-1) == labels))

    def train(self, state, X, T, labels, order):
        # A diverging run overflows; the training loop detects that from the loss.
        with np.errstate(over="ignore", invalid="ignore"):
            return self._train(state, X, T, labels, order)

    def _train(self, state, X, T, labels, order):
        lr, rho, one_minus_rho, eps = state.scalars()
        per_sample = state.per_sample
        if state.optimizer == codes.RMSPROP:
            state.mean_squares()
        loss_sum, correct, n = 0.0, 0, len(order)
        step = 1 if per_sample else state.batch_size
        for start in range(0, n, step):
            idx = order[start:start + step]
            A0, T_batch = X.scaled(idx, state.dtype), T[idx]
            if per_sample:
                A0, T_batch = A0[0], T_batch[0]
            pre, act = self._forward(state, A0)
            batch_loss, batch_correct = self._loss_and_correct(state, act[-1], T_batch, labels[idx])
            loss_sum += batch_loss
            correct += batch_correct
            deltas = self._backward(state, T_batch, pre, act)
            inputs = [A0] + act[:-1]
            for layer, (A, D) in enumerate(zip(inputs, deltas)):
                WT, b = state.weights_t[layer], state.biases[layer]
                if per_sample:
                    WT -= lr * np.outer(A, D)
                    if state.use_bias:
                        b -= lr * D
                    continue
                m = len(idx)
                G, g = A.T @ D, D.sum(axis=0)
                if state.optimizer == codes.RMSPROP:
                    inv = state.dtype.type(1.0 / m)
                    pairs = [(WT, G, state.mean_square_w[layer])]
                    if state.use_bias:
                        pairs.append((b, g, state.mean_square_b[layer]))
                    for w, grad_sum, v in pairs:
                        grad = grad_sum * inv
                        v *= rho
                        v += one_minus_rho * (grad * grad)
                        w -= lr * grad / np.sqrt(v + eps)
                else:
                    scale = state.dtype.type(lr / m)
                    WT -= scale * G
                    if state.use_bias:
                        b -= scale * g
            if not loss_sum < np.inf:
                return loss_sum, correct, min(start + step, n)
        return loss_sum, correct, n

    def predict_proba(self, state, X):
        return self._forward(state, X.scaled(slice(None), state.dtype))[1][-1]

    def compile(self, state, X, T=None, labels=None):
        return 0.0
