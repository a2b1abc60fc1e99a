"""Every kernel on every backend, at the sizes of the MNIST networks.

Backends, one row each in a group named ``"<kernel> <size>"``:

* ``python``: :mod:`fastnn.kernels.python` on Python lists (float64), where it is fastest;
* ``numpy``: :mod:`fastnn.kernels.numpy` (BLAS for the products, on one thread as the
  loops, on the CPU's own OpenBLAS kernel: see ``conftest.py``);
* ``numba``: :mod:`fastnn.kernels.numba`, the public functions with their validation;
* ``numba-raw``: the compiled loops that :mod:`fastnn.kernels.numba` calls (those of
  :mod:`fastnn.kernels.tutorial`, and of :mod:`fastnn.kernels.fast.four_rows` for the
  two products) called directly with preallocated ``out`` buffers, so ``numba`` minus
  ``numba-raw`` is the cost of the Python wrapper.

Sizes: 784 for vectors, (n_out, n_in) = 10x784, 200x784 and 10x200 for matrices.
Array backends run in float64 and float32. Every function is called once before it is
timed, so Numba's compilation (or cache load) is not in the figures; see
``test_compile_bench.py`` for that. In-place kernels use a learning rate of 1e-9, so
that thousands of repeated calls leave the weights finite and their timing unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

from benchmarks.conftest import size_label
from fastnn.kernels import get_backend
from fastnn.kernels import tutorial as loops
from fastnn.kernels.fast import four_rows

VECTOR_SIZES = [(784,)]
MATRIX_SIZES = [(10, 784), (200, 784), (10, 200)]
ALPHA = 1e-9  # learning rate of the in-place updates: keeps repeated calls finite
RHO, EPSILON = 0.9, 1e-7  # RMSprop's defaults

BACKEND_DTYPES = [
    ("python", "float64"),
    ("numpy", "float64"),
    ("numba", "float64"),
    ("numba-raw", "float64"),
    ("numpy", "float32"),
    ("numba", "float32"),
    ("numba-raw", "float32"),
]


class Inputs:
    """Fresh random operands for one benchmark, named after their role.

    For a matrix size (n_out, n_in): ``x`` (n_in,), ``delta`` (n_out,), ``W``, ``grad`` and
    ``mean_square`` (n_out, n_in). For a vector size (n,): ``x`` and ``y`` (n,).
    Python lists when ``as_list``, else arrays of ``dtype``; ``empty`` makes out buffers.
    """

    def __init__(self, operands, shape, dtype, as_list):
        self.shape = tuple(shape)
        self.n_out, self.n_in = self.shape if len(self.shape) == 2 else self.shape * 2
        self.dtype = np.dtype(dtype)
        self._operands = operands
        self._as_list = as_list
        self.alpha = self.dtype.type(ALPHA)

    def _get(self, name, shape, transform=None):
        value = self._operands.array(name, shape, self.dtype)
        if transform is not None:
            value = transform(value)
        return value.tolist() if self._as_list else value

    def x(self):
        return self._get("x", (self.n_in,))

    def y(self):
        return self._get("y", (self.n_in,))

    def delta(self):
        return self._get("delta", (self.n_out,))

    def W(self):
        return self._get("W", self.shape)

    def grad(self):
        return self._get("grad", self.shape)

    def mean_square(self):
        return self._get("mean_square", self.shape, np.square)

    def empty(self, *shape):
        return np.empty(shape, dtype=self.dtype)


@dataclass(frozen=True)
class KernelCase:
    """How to call one kernel: its sizes, public arguments and raw compiled call.

    ``public(inputs)`` gives the arguments of the public function of that name;
    ``raw(inputs)`` gives ``(compiled loop, arguments)`` with preallocated buffers.
    """

    name: str
    sizes: list
    public: Callable[[Inputs], tuple]
    raw: Callable[[Inputs], tuple]


def _rmsprop_raw(i: Inputs):
    scalars = [i.dtype.type(s) for s in (ALPHA, RHO, 1.0 - RHO, EPSILON, 1.0)]
    flat = (a.reshape(-1) for a in (i.W(), i.grad(), i.mean_square()))  # element-wise
    return loops.rmsprop_step, (*flat, *scalars)


KERNELS = [
    KernelCase("weighted_sum", VECTOR_SIZES,
               lambda i: (i.x(), i.y()),
               lambda i: (loops.weighted_sum, (i.x(), i.y()))),
    KernelCase("sigmoid", VECTOR_SIZES,
               lambda i: (i.x(),),
               lambda i: (loops.sigmoid_into, (i.x(), i.empty(i.n_in)))),
    KernelCase("softmax", VECTOR_SIZES,
               lambda i: (i.x(),),
               lambda i: (loops.softmax_into, (i.x(), i.empty(i.n_in)))),
    KernelCase("update_biases", VECTOR_SIZES,
               lambda i: (i.y(), i.x(), ALPHA),
               lambda i: (loops.update_biases, (i.y(), i.x(), i.alpha))),
    KernelCase("vector_matrix_multiply", MATRIX_SIZES,
               lambda i: (i.x(), i.W()),
               lambda i: (four_rows.multiply_transposed_into, (i.W(), i.x(), i.empty(i.n_out)))),
    KernelCase("transposed_multiply", MATRIX_SIZES,
               lambda i: (i.W(), i.delta()),
               lambda i: (four_rows.multiply_into, (i.W(), i.delta(), i.empty(i.n_in)))),
    KernelCase("outer_product", MATRIX_SIZES,
               lambda i: (i.delta(), i.x()),
               lambda i: (loops.outer_product_into,
                          (i.delta(), i.x(), i.empty(i.n_out, i.n_in)))),
    KernelCase("update_weights", MATRIX_SIZES,
               lambda i: (i.W(), i.delta(), i.x(), ALPHA),
               lambda i: (loops.update_weights, (i.W(), i.delta(), i.x(), i.alpha))),
    KernelCase("rmsprop_update", MATRIX_SIZES,
               lambda i: (i.W(), i.grad(), i.mean_square(), ALPHA),
               _rmsprop_raw),
]

KERNELS_BY_NAME = {case.name: case for case in KERNELS}

CASES = [
    pytest.param(case.name, shape, id=f"{case.name}-{size_label(shape)}")
    for case in KERNELS
    for shape in case.sizes
]


def kernel_call(case: KernelCase, shape, backend: str, dtype, operands):
    """``(function, args)`` that runs ``case`` on ``backend`` with fresh operands."""
    inputs = Inputs(operands, shape, dtype, as_list=backend == "python")
    if backend == "numba-raw":
        return case.raw(inputs)
    return getattr(get_backend(backend), case.name), case.public(inputs)


def assert_all_finite(values):
    """Fail if an array or list among ``values`` holds inf or NaN (a blown-up update)."""
    for value in values:
        if isinstance(value, (list, np.ndarray)):
            assert np.all(np.isfinite(np.asarray(value, dtype=np.float64)))


@pytest.mark.parametrize(
    "backend, dtype", [pytest.param(b, d, id=f"{b}-{d}") for b, d in BACKEND_DTYPES]
)
@pytest.mark.parametrize("kernel, shape", CASES)
def test_kernel(benchmark, record_info, operands, kernel, shape, backend, dtype):
    from threadpoolctl import threadpool_limits

    case = KERNELS_BY_NAME[kernel]
    function, args = kernel_call(case, shape, backend, dtype, operands)
    with threadpool_limits(limits=1, user_api="blas"):  # one thread, as the loops run
        function(*args)  # warm-up: Numba compiles (or loads its cache) here, untimed
        record_info(f"{case.name} {size_label(shape)}", backend, dtype, shape,
                    kernel=case.name)
        result = benchmark(function, *args)
    assert_all_finite([*args, result])
