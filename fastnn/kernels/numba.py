"""Numba kernels: the tutorial's loops, compiled.

The functions here are plain Python: they validate their input, then call the compiled
loops, which take only arrays and scalars. Each public kernel runs a loop of
:mod:`fastnn.kernels.tutorial` compiled, except the two products, which run the
four-rows-at-a-time loops of :mod:`fastnn.kernels.fast.four_rows` (the same bits):

================================  ==============================================
``vector_matrix_multiply(a, M)``  ``four_rows.multiply_transposed_into(M, a, out)``
                                  (``M @ a`` is ``W.T @ a`` for W stored as M)
``transposed_multiply(M, v)``     ``four_rows.multiply_into(M, v, out)``
                                  (``M.T @ v`` is ``W @ v`` for W stored as M)
everything else                   the loop of the same name in ``tutorial``
================================  ==============================================

Nothing compiles at import; each loop compiles on its first call for the argument types
of that call, and with ``cache=True`` (see :mod:`fastnn.config`) later processes load it
from disk. Inputs are converted with :func:`numpy.asarray`; integer input becomes
float64. float32 stays float32: outputs have the inputs' dtype, scalars such as
``alpha`` are rounded to it, and arrays of different float widths are refused rather
than upcast.
"""

from __future__ import annotations

import numpy as np

from fastnn.kernels import tutorial
from fastnn.kernels._api import PUBLIC_KERNELS, ArrayInputs, export
from fastnn.kernels._loop_backend import LoopBackend
from fastnn.kernels.fast import four_rows

__all__ = [*PUBLIC_KERNELS, "loops"]

#: The compiled loops of the public kernels (:mod:`fastnn.kernels.tutorial`).
loops = tutorial

_FLOAT64 = np.dtype(np.float64)


def _matrix_times_vector_into(a, M, out):
    """``out = M @ a``: the four-rows loop that computes ``W.T @ a`` for W stored as M."""
    four_rows.multiply_transposed_into(M, a, out)


class NumbaBackend(ArrayInputs, LoopBackend):
    def __init__(self):
        super().__init__("numba", tutorial)
        self._vector_matrix_multiply_into = _matrix_times_vector_into
        self._transposed_multiply_into = four_rows.multiply_into  # M.T @ v = W @ v, W.T = M

    def _rmsprop_update(self, w, grad, mean_square, learning_rate, rho, epsilon, ndim):
        """One pass over contiguous arrays (RMSprop is element-wise), else row by row."""
        if ndim == 2 and all(a.flags.c_contiguous for a in (w, grad, mean_square)):
            w, grad, mean_square, ndim = w.reshape(-1), grad.reshape(-1), mean_square.reshape(-1), 1
        super()._rmsprop_update(w, grad, mean_square, learning_rate, rho, epsilon, ndim)

    def _scalar(self, value, like):
        """``value`` in the dtype of the array ``like`` (Python floats are float64)."""
        return float(value) if like.dtype is _FLOAT64 else like.dtype.type(value)


export(NumbaBackend(), globals())
