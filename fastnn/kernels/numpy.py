"""NumPy kernels: the same functions vectorised, as a NumPy user would write them.

Products go to NumPy's BLAS (``M @ a``, ``M.T @ v``, ``np.outer``), so their sums may
be added in another order than the loops', which is why they agree with the plain-Python
reference to rounding (rtol 1e-12 in float64) rather than bit for bit. ``update_weights``
builds the outer product as a temporary, as ``W -= alpha * np.outer(delta, x)`` does.
"""

from __future__ import annotations

import numpy as np

from fastnn.kernels._api import PUBLIC_KERNELS, ArrayInputs, KernelBackend, export

__all__ = list(PUBLIC_KERNELS) + ["sigmoid_array"]


def sigmoid_array(z, out=None):
    """``1 / (1 + exp(-z))`` element-wise, without overflow warnings for large ``|z|``.

    Computes ``1 / (1 + exp(-z))`` where ``z >= 0`` and ``exp(z) / (1 + exp(z))``
    elsewhere, as the loop kernel does, so no ``exp`` sees a large positive argument.
    """
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    result = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    if out is None:
        return result.astype(z.dtype, copy=False)
    out[...] = result
    return out


def softmax_array(z, out=None, axis=-1):
    """``exp(z - max) / sum(exp(z - max))`` along ``axis``."""
    shifted = np.exp(z - np.max(z, axis=axis, keepdims=True))
    result = shifted / np.sum(shifted, axis=axis, keepdims=True)
    if out is None:
        return result
    out[...] = result
    return out


class NumpyBackend(ArrayInputs, KernelBackend):
    name = "numpy"

    def _weighted_sum(self, a, b):
        return np.dot(a, b)

    def _vector_matrix_multiply_into(self, a, M, out):
        np.matmul(M, a, out=out)

    def _transposed_multiply_into(self, M, v, out):
        np.matmul(M.T, v, out=out)

    def _outer_product_into(self, a, b, out):
        np.multiply.outer(a, b, out=out)

    def _update_weights(self, W, delta, x, alpha):
        W -= W.dtype.type(alpha) * np.outer(delta, x)

    def _update_biases(self, b, delta, alpha):
        b -= b.dtype.type(alpha) * delta

    def _rmsprop_update(self, w, grad, mean_square, learning_rate, rho, epsilon, ndim):
        cast = w.dtype.type
        mean_square *= cast(rho)
        mean_square += cast(1.0 - rho) * (grad * grad)
        w -= cast(learning_rate) * grad / np.sqrt(mean_square + cast(epsilon))

    def _activation_into(self, kind, z, out):
        if kind == "sigmoid":
            sigmoid_array(z, out)
        elif kind == "sigmoid_derivative":
            np.multiply(z, 1 - z, out=out)
        elif kind == "relu":
            np.maximum(z, 0, out=out)
        elif kind == "relu_derivative":
            out[...] = z > 0
        else:
            softmax_array(z, out)

    def _softmax_jacobian_into(self, y, out):
        np.multiply.outer(-y, y, out=out)
        out[np.diag_indices_from(out)] = y * (1 - y)


export(NumpyBackend(), globals())
