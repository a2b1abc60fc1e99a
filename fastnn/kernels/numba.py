"""Numba kernels: the loops of :mod:`fastnn.kernels._loops`, compiled.

The functions here are plain Python: they validate their input, then call the compiled
loops, which take only arrays and scalars. Nothing compiles at import; each loop
compiles on its first call for the argument types of that call, and with
``cache=True`` (see :mod:`fastnn.config`) later processes load it from disk.

Inputs are converted with :func:`numpy.asarray`; integer input becomes float64.
float32 stays float32: outputs have the inputs' dtype, scalars such as ``alpha`` are
rounded to it, and arrays of different float widths are refused rather than upcast.
"""

from __future__ import annotations

import numpy as np

from fastnn.kernels import _loops as loops
from fastnn.kernels._api import PUBLIC_KERNELS, export
from fastnn.kernels._loop_backend import LoopBackend

__all__ = [*PUBLIC_KERNELS, "loops"]


def as_float_array(value, name, ndim):
    """``value`` as a float32 or float64 array of ``ndim`` dimensions (ints become float64)."""
    array = np.asarray(value)
    if array.dtype.kind in "biu":
        array = array.astype(np.float64)
    elif array.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} must hold numbers (float32 or float64), got dtype {array.dtype}")
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {array.shape}")
    return array


class NumbaBackend(LoopBackend):
    def _vector(self, v, name):
        return as_float_array(v, name, 1)

    def _matrix(self, M, name):
        return as_float_array(M, name, 2)

    def _empty(self, shape, like):
        return np.empty(shape, dtype=like.dtype)

    def _check_inplace(self, target, name):
        if not isinstance(target, np.ndarray):
            raise TypeError(
                f"{name} is modified in place, so the numba backend needs it as a NumPy "
                f"float array, got {type(target).__name__}; pass np.asarray({name}, dtype=float)"
            )
        super()._check_inplace(target, name)

    def _scalar(self, value, like):
        return np.asarray(like).dtype.type(value)


export(NumbaBackend("numba", loops), globals())
