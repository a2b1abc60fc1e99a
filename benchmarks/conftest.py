"""Shared fixtures for the benchmark suites.

* :func:`runtime_info`: what the machine and libraries were (recorded with every result);
* ``record_info``: sets ``benchmark.group`` and ``benchmark.extra_info`` in one call;
* ``operands``: random input arrays by name, shape and dtype, generated once per
  session and handed out as fresh copies;
* ``mnist_train``: the 60,000 MNIST training images and labels, from ``FASTNN_DATA``;
* ``python_full``: whether ``--python-full`` was given (plain-Python epochs on all
  60,000 images instead of a subset);
* :class:`OtherLoad`: how busy other processes kept the machine while a benchmark ran.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest

SEED = 20240601


#: Set in the environment of a session started again without OPENBLAS_CORETYPE.
FORCED_CORETYPE = "FASTNN_BENCHMARK_FORCED_CORETYPE"


def pytest_configure(config):
    """NumPy's rows run on the CPU's own BLAS kernel. When ``OPENBLAS_CORETYPE`` forces
    another, this session starts again, in a process of its own, without it (the
    variable stays as it was for every other command); the report names both."""
    forced = os.environ.get("OPENBLAS_CORETYPE")
    if forced and not os.environ.get(FORCED_CORETYPE):
        env = {**os.environ, FORCED_CORETYPE: forced}
        del env["OPENBLAS_CORETYPE"]
        print(f"benchmarks: OPENBLAS_CORETYPE={forced} forces OpenBLAS's kernel; running the "
              "benchmarks again without it, so that NumPy runs on the CPU's own", file=sys.stderr,
              flush=True)
        os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)


def blas_note() -> str:
    """What became of ``OPENBLAS_CORETYPE``, for the report."""
    forced = os.environ.get(FORCED_CORETYPE)
    if forced:
        return (f"OPENBLAS_CORETYPE={forced} was set; the benchmarks ran again without it, "
                "on the kernel OpenBLAS picks for the CPU")
    from fastnn.blas import forced_kernel_note

    return forced_kernel_note()


def pytest_addoption(parser):
    parser.addoption(
        "--python-full", action="store_true", default=False,
        help="fastnn epoch benchmarks: time every plain-Python epoch on all 60,000 images "
             "(default: only linear's; the other recipes on a subset, scaled up)",
    )


def size_label(shape) -> str:
    """``(200, 784)`` -> ``"200x784"``, ``(784,)`` -> ``"784"``."""
    return "x".join(str(n) for n in shape)


def runtime_info() -> dict:
    """Versions and thread settings that a timing depends on, and NumPy's BLAS."""
    import numba

    from fastnn.blas import blas_description

    threads = numba.get_num_threads()  # starts the threading layer, so ask this first
    return {
        "numba": numba.__version__,
        "numpy": np.__version__,
        "threading_layer": numba.threading_layer(),
        "threads": threads,
        "blas": blas_description(),
        "blas_note": blas_note(),
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


def machine_busy_seconds() -> float | None:
    """CPU seconds all cores have spent busy since boot (``/proc/stat``), or None."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


class OtherLoad:
    """Measures the CPU that *other* processes used while the body ran.

    ``with OtherLoad() as load: ...``, then ``load.cores``: the machine's busy CPU
    seconds (``/proc/stat``) less this process's own (all its threads), divided by the
    wall time, i.e. how many cores others kept busy on average; None where
    ``/proc/stat`` is missing. On a 2-core machine, 0.5 means others took a quarter of it.
    """

    def __enter__(self):
        self.cores = None
        self._start = (time.perf_counter(), machine_busy_seconds(), self._own_seconds())
        return self

    def __exit__(self, *exc_info):
        wall_start, busy_start, own_start = self._start
        busy = machine_busy_seconds()
        wall = time.perf_counter() - wall_start
        if busy is not None and busy_start is not None and wall > 0:
            others = (busy - busy_start) - (self._own_seconds() - own_start)
            self.cores = max(0.0, others / wall)
        return False

    @staticmethod
    def _own_seconds() -> float:
        times = os.times()
        return times.user + times.system


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


@pytest.fixture(scope="session")
def mnist_train():
    """``(images, labels)`` of the MNIST training set, from the directory in FASTNN_DATA.

    Skips the benchmark when FASTNN_DATA is not set; never downloads.
    """
    data_dir = os.environ.get("FASTNN_DATA")
    if not data_dir:
        pytest.skip("FASTNN_DATA is not set: point it at the MNIST files, e.g. "
                    "FASTNN_DATA=../shared/mnist python -m pytest benchmarks/...")
    from fastnn.datasets import load_mnist

    (images, labels), _ = load_mnist(data_dir=data_dir, download=False)
    return images, labels


@pytest.fixture(scope="session")
def python_full(request) -> bool:
    """True when ``--python-full`` was given."""
    return bool(request.config.getoption("--python-full"))
