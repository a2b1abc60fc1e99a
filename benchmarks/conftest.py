"""Shared fixtures for the benchmark suites.

* :func:`runtime_info`: what the machine and libraries were (recorded with every result);
* ``record_info``: sets ``benchmark.group`` and ``benchmark.extra_info`` in one call;
* ``operands``: random input arrays by name, shape and dtype, generated once per
  session and handed out as fresh copies.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

SEED = 20240601


def size_label(shape) -> str:
    """``(200, 784)`` -> ``"200x784"``, ``(784,)`` -> ``"784"``."""
    return "x".join(str(n) for n in shape)


def runtime_info() -> dict:
    """Versions and thread settings that a timing depends on."""
    import numba

    threads = numba.get_num_threads()  # starts the threading layer, so ask this first
    return {
        "numba": numba.__version__,
        "numpy": np.__version__,
        "threading_layer": numba.threading_layer(),
        "threads": threads,
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS")
        or os.environ.get("OMP_NUM_THREADS")
        or f"default ({os.cpu_count()} cores)",
        "fastmath": os.environ.get("FASTNN_FASTMATH", "off"),
    }


@pytest.fixture
def record_info(benchmark):
    """A function ``record(group, backend, dtype=None, shape=None, **more)``.

    It sets ``benchmark.group`` and fills ``benchmark.extra_info`` with the backend,
    dtype, size and :func:`runtime_info`, so that ``python -m benchmarks.report`` can
    label and compare the rows of each group.
    """

    def record(group, backend, dtype=None, shape=None, **more):
        benchmark.group = group
        info = {"backend": backend, **runtime_info()}
        if dtype is not None:
            info["dtype"] = np.dtype(dtype).name
        if shape is not None:
            info["size"] = size_label(shape)
        info.update(more)
        benchmark.extra_info.update(info)

    return record


class Operands:
    """Random standard-normal inputs, made once per (name, shape, dtype) and copied out."""

    def __init__(self, seed: int = SEED):
        self._rng = np.random.default_rng(seed)
        self._made: dict = {}

    def array(self, name, shape, dtype=np.float64) -> np.ndarray:
        """A fresh copy of the array called ``name`` with this shape and dtype."""
        key = (name, tuple(shape), np.dtype(dtype).name)
        if key not in self._made:
            self._made[key] = self._rng.standard_normal(shape).astype(dtype)
        return self._made[key].copy()


@pytest.fixture(scope="session")
def operands() -> Operands:
    """The session's :class:`Operands`."""
    return Operands()
