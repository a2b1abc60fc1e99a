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
from fastnn.kernels._api import PUBLIC_KERNELS, ArrayInputs, export
from fastnn.kernels._loop_backend import LoopBackend

__all__ = [*PUBLIC_KERNELS, "loops"]

_FLOAT64 = np.dtype(np.float64)


class NumbaBackend(ArrayInputs, LoopBackend):
    def _scalar(self, value, like):
        """``value`` in the dtype of the array ``like`` (Python floats are float64)."""
        return float(value) if like.dtype is _FLOAT64 else like.dtype.type(value)


export(NumbaBackend("numba", loops), globals())
