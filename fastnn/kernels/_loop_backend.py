"""The backends whose kernels are loops: compiled (``numba``) or plain (``python``).

:class:`LoopBackend` calls the loops found in a namespace that has the names of
:mod:`fastnn.kernels.tutorial`: that module itself (compiled) or :func:`plain` of it.
"""

from __future__ import annotations

from fastnn.kernels._api import KernelBackend

_ACTIVATION_LOOPS = {
    "sigmoid": "sigmoid_into",
    "sigmoid_derivative": "sigmoid_derivative_into",
    "relu": "relu_into",
    "relu_derivative": "relu_derivative_into",
    "softmax": "softmax_into",
}


class LoopBackend(KernelBackend):
    """Public kernels that call the loops of ``loops`` (the tutorial's names)."""

    def __init__(self, name: str, loops):
        self.name = name
        self.loops = loops
        # The kernels that need no argument handling, called with no extra frame.
        self._weighted_sum = loops.weighted_sum
        self._vector_matrix_multiply_into = loops.vector_matrix_multiply_into
        self._transposed_multiply_into = loops.transposed_multiply_into
        self._outer_product_into = loops.outer_product_into

    # inputs and outputs ------------------------------------------------------------------
    def _inplace(self, target):
        """What the loops modify for the caller's in-place argument ``target``."""
        return target

    def _write_back(self, target, modified):
        """Copy the loops' result into the caller's ``target`` if they worked on a copy."""

    def _scalar(self, value, like):
        return value

    # kernels ----------------------------------------------------------------------------------
    def _update_weights(self, W, delta, x, alpha):
        target = self._inplace(W)
        self.loops.update_weights(target, delta, x, self._scalar(alpha, W))
        self._write_back(W, target)

    def _update_biases(self, b, delta, alpha):
        target = self._inplace(b)
        self.loops.update_biases(target, delta, self._scalar(alpha, b))
        self._write_back(b, target)

    def _rmsprop_update(self, w, grad, mean_square, learning_rate, rho, epsilon, ndim):
        weights, ms = self._inplace(w), self._inplace(mean_square)
        args = [self._scalar(value, w) for value in (learning_rate, rho, 1.0 - rho, epsilon, 1.0)]
        rows = zip(weights, grad, ms) if ndim == 2 else [(weights, grad, ms)]
        for w_row, g_row, v_row in rows:
            self.loops.rmsprop_step(w_row, g_row, v_row, *args)
        self._write_back(w, weights)
        self._write_back(mean_square, ms)

    def _activation_into(self, kind, z, out):
        getattr(self.loops, _ACTIVATION_LOOPS[kind])(z, out)

    def _softmax_jacobian_into(self, y, out):
        self.loops.softmax_jacobian_into(y, out)
