"""Loop-level kernels: the tutorial's loops, the steps that make them fast, three backends.

* :mod:`fastnn.kernels.tutorial`: the tutorial's loops, plain: weighted sum,
  vector-matrix multiply, outer product, the updates, the activations and one training
  step. The reference for everything else.
* :mod:`fastnn.kernels.fast`: the speed-ups, one module each, in order, each saying what
  it buys and why it changes no bit.
* :mod:`fastnn.kernels.per_sample` and :mod:`fastnn.kernels.mini_batch`: the engine's
  epoch loops, made of those steps.
* the public kernels, with the same names and signatures on three backends:
  :mod:`fastnn.kernels.python` (the tutorial's loops uncompiled, on lists),
  :mod:`fastnn.kernels.numpy` (vectorised NumPy, BLAS for the products) and
  :mod:`fastnn.kernels.numba` (the loops compiled).

Every loop is compiled by :func:`fastnn.jit.jit` with the settings of
:mod:`fastnn.config`. Importing this package compiles nothing.
"""

from __future__ import annotations

import importlib

BACKENDS = ("python", "numpy", "numba")


def get_backend(name: str):
    """The kernel module of backend ``name`` ('python', 'numpy' or 'numba')."""
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}, got {name!r}")
    return importlib.import_module(f"fastnn.kernels.{name}")
