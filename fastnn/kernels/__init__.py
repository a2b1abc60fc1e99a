"""Loop-level kernels, on three backends with the same names and signatures.

* :mod:`fastnn.kernels.python`: the reference, the loop code run uncompiled on lists;
* :mod:`fastnn.kernels.numpy`: vectorised NumPy (BLAS for the products);
* :mod:`fastnn.kernels.numba`: the same loop code compiled by Numba.

The loops are written once, in :mod:`fastnn.kernels._loops`; the Numba settings live
in :mod:`fastnn.config`. Importing this package compiles nothing.
"""

from __future__ import annotations

import importlib

BACKENDS = ("python", "numpy", "numba")


def get_backend(name: str):
    """The kernel module of backend ``name`` ('python', 'numpy' or 'numba')."""
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}, got {name!r}")
    return importlib.import_module(f"fastnn.kernels.{name}")
