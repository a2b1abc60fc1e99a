"""Plain-Python kernels: the reference every other backend is checked against.

These are the loops of :mod:`fastnn.kernels.tutorial` run uncompiled, on Python lists,
the way the pure-list tutorial writes them. They accept lists (or lists of lists) and
NumPy arrays. Lists come back as lists; arrays are converted to lists for the loops
(where Python indexes them fastest) and the results come back as arrays of the input's
dtype. The arithmetic is done in Python floats (float64).
"""

from __future__ import annotations

import numpy as np

from fastnn.kernels import tutorial
from fastnn.kernels._api import PUBLIC_KERNELS, export
from fastnn.kernels._loop_backend import LoopBackend
from fastnn.kernels.plain import plain

__all__ = [*PUBLIC_KERNELS, "loops"]

#: The tutorial's loops, uncompiled (``loops.train_sample`` and friends).
loops = plain(tutorial)


class PythonBackend(LoopBackend):
    def _vector(self, v, name):
        if isinstance(v, np.ndarray):
            return v.tolist()
        return list(v)

    def _matrix(self, M, name):
        if isinstance(M, np.ndarray):
            return M.tolist()
        return [list(row) for row in M]

    def _empty(self, shape, like):
        if len(shape) == 1:
            return [0.0] * shape[0]
        return [[0.0] * shape[1] for _ in range(shape[0])]

    def _result(self, out, original):
        if isinstance(original, np.ndarray) and not isinstance(out, np.ndarray):
            return np.asarray(out, dtype=original.dtype if original.dtype.kind == "f" else np.float64)
        return out

    def _inplace(self, target):
        return target.tolist() if isinstance(target, np.ndarray) else target

    def _write_back(self, target, modified):
        if isinstance(target, np.ndarray):
            target[...] = modified


export(PythonBackend("python", loops), globals())
