"""``import fastnn`` stays light; its public names load lazily; Numba settings in fresh processes."""

from __future__ import annotations

import os
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


def test_fastmath_kernels_have_cache_files_of_their_own(tmp_path):
    """An exact and a fastmath process share a cache directory without mixing entries."""
    code = (
        "import numpy as np\n"
        "from fastnn.kernels import numba as K\n"
        "stats = K.loops.weighted_sum.stats\n"
        "print(float(K.weighted_sum(np.ones(3), np.ones(3))),"
        " sum(stats.cache_hits.values()), sum(stats.cache_misses.values()))\n"
    )

    def run(fastmath):
        env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "FASTNN_FASTMATH": fastmath}
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                env=env, check=True)
        value, hits, misses = result.stdout.split()
        return float(value), int(hits), int(misses)

    assert run("") == (3.0, 0, 1)  # compiled, and written to the cache
    assert run("reassoc,contract") == (3.0, 0, 1)  # not the exact entry: compiled again
    assert run("reassoc,contract") == (3.0, 1, 0)
    assert run("") == (3.0, 1, 0)
    names = {path.name for path in tmp_path.rglob("*.nbi")}
    assert any("weighted_sum.fastmath_contract_reassoc" in name for name in names), names
