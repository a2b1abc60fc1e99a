"""``import fastnn`` stays light; its public names load lazily."""

from __future__ import annotations

import subprocess
import sys

import fastnn


def test_import_is_fast_and_loads_neither_numpy_nor_numba():
    code = ("import sys, time\nstart = time.perf_counter()\nimport fastnn\n"
            "print(time.perf_counter() - start, 'numba' in sys.modules, 'numpy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    seconds, numba_loaded, numpy_loaded = result.stdout.split()
    assert float(seconds) < 0.3
    assert numba_loaded == "False" and numpy_loaded == "False"


def test_version():
    assert fastnn.__version__ == "0.1.0"


def test_lazy_attributes():
    from fastnn import datasets, preprocessing

    assert fastnn.load_mnist is datasets.load_mnist
    assert fastnn.load_fashion_mnist is datasets.load_fashion_mnist
    assert fastnn.preprocessing is preprocessing
    assert {"load_mnist", "datasets", "preprocessing"} <= set(dir(fastnn))


def test_unknown_attribute():
    import pytest

    with pytest.raises(AttributeError, match="module 'fastnn' has no attribute 'nope'"):
        fastnn.nope
