"""NumPy's BLAS, as the benchmark reports name it, apart from SciPy's own OpenBLAS."""

import json
import subprocess
import sys

import pytest

pytest.importorskip("scipy")

SCRIPT = """
import json
import scipy.linalg  # loads SciPy's OpenBLAS beside NumPy's
from threadpoolctl import threadpool_info
from fastnn.blas import blas_info
print(json.dumps({"loaded": [i for i in threadpool_info() if i["user_api"] == "blas"],
                  "numpy": blas_info()}))
"""


def test_blas_info_names_numpy_s_blas_and_not_scipy_s():
    """With SciPy imported, threadpoolctl lists two OpenBLAS libraries; blas_info keeps
    NumPy's, the one that numpy.dot calls."""
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          check=True)
    seen = json.loads(done.stdout)
    numpy_paths = [info["filepath"] for info in seen["numpy"]]
    assert numpy_paths, seen
    loaded_paths = [info["filepath"] for info in seen["loaded"]]
    assert set(numpy_paths) <= set(loaded_paths)
    if len(loaded_paths) > 1:  # a wheel's NumPy and SciPy each bring one
        assert len(numpy_paths) == 1, seen
        assert "scipy" not in numpy_paths[0].rsplit("/", 2)[-2], numpy_paths
