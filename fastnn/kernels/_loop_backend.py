"""The backends that run the loop code of :mod:`fastnn.kernels._loops`.

:class:`LoopBackend` calls the loop functions found in a namespace: the compiled ones
(:mod:`fastnn.kernels.numba`) or the same functions uncompiled
(:mod:`fastnn.kernels.python`, made by :func:`uncompiled_loops`).
"""

from __future__ import annotations

import types

import numpy as np

from fastnn.kernels import _loops
from fastnn.kernels._api import KernelBackend

_ACTIVATION_LOOPS = {
    "sigmoid": "sigmoid_into",
    "sigmoid_derivative": "sigmoid_derivative_into",
    "relu": "relu_into",
    "relu_derivative": "relu_derivative_into",
    "softmax": "softmax_into",
}


def uncompiled_loops() -> types.SimpleNamespace:
    """The functions of :mod:`fastnn.kernels._loops` as plain Python.

    Each compiled function is replaced by its ``py_func``, rebuilt with a globals
    dictionary in which its callees are the uncompiled functions too, so that nothing
    in the namespace ever calls compiled code.
    """
    namespace = dict(vars(_loops))
    for name, obj in vars(_loops).items():
        function = getattr(obj, "py_func", obj)
        if isinstance(function, types.FunctionType) and function.__module__ == _loops.__name__:
            namespace[name] = types.FunctionType(
                function.__code__, namespace, function.__name__,
                function.__defaults__, function.__closure__,
            )
            namespace[name].__doc__ = function.__doc__
    namespace["vector_width_hint"] = namespace["plain_vector_width_hint"]  # compiled only
    return types.SimpleNamespace(**namespace)


class LoopBackend(KernelBackend):
    """Public kernels that call the loop functions in ``loops``."""

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
        step = self.loops.rmsprop_step if ndim == 2 else self.loops.rmsprop_step_vector
        step(weights, grad, ms, *args)
        self._write_back(w, weights)
        self._write_back(mean_square, ms)

    def _activation_into(self, kind, z, out):
        getattr(self.loops, _ACTIVATION_LOOPS[kind])(z, out)

    def _softmax_jacobian_into(self, y, out):
        self.loops.softmax_jacobian_into(y, out)
