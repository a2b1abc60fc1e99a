"""The public kernel functions, validated once for all three backends.

:class:`KernelBackend` holds what the backends share: the argument checks, with
messages that quote the bad shapes, and the choice of output buffers. A backend
supplies how to turn its inputs into what its kernels take (``_vector``,
``_matrix``, ``_empty``) and the kernels themselves, as private methods. The backend
modules (:mod:`fastnn.kernels.python`, :mod:`fastnn.kernels.numpy`,
:mod:`fastnn.kernels.numba`) expose the bound public methods as module functions, so
the three have the same names and signatures.

Shapes follow the tutorial: a matrix ``M`` of shape (n_out, n_in) has its outputs as
rows, ``M[j, i]`` connecting input ``i`` to output ``j``.
"""

from __future__ import annotations

import numpy as np

_ndarray = np.ndarray


def _length(v):
    return len(v)


def _shape2(M):
    shape = getattr(M, "shape", None)
    if shape is not None:
        if len(shape) != 2:
            raise ValueError(f"expected a 2-D matrix, got an array of shape {tuple(shape)}")
        return tuple(shape)
    rows = len(M)
    cols = len(M[0]) if rows else 0
    for r, row in enumerate(M):
        if len(row) != cols:
            raise ValueError(f"matrix rows differ in length: row 0 has {cols}, row {r} has {len(row)}")
    return rows, cols


def _check_vector(name, v):
    shape = getattr(v, "shape", None)
    if shape is not None and len(shape) != 1:
        raise ValueError(f"{name} must be a 1-D vector, got shape {tuple(shape)}")


PUBLIC_KERNELS = (
    "weighted_sum", "vector_matrix_multiply", "transposed_multiply", "outer_product",
    "update_weights", "update_biases", "rmsprop_update", "sigmoid", "sigmoid_derivative",
    "relu", "relu_derivative", "softmax", "softmax_derivative",
)


def export(backend, namespace: dict) -> None:
    """Put ``backend``'s public kernels into a backend module's namespace."""
    for name in PUBLIC_KERNELS:
        namespace[name] = getattr(backend, name)


class KernelBackend:
    """Public kernels with shared validation; subclasses provide the computation."""

    name = "?"
    #: dtypes of arrays the backend's kernels take as they are (the fast path).
    fast_dtypes = ()

    def _fast(self, *arrays):
        """True when every argument is an ndarray of one dtype in ``fast_dtypes``.

        Then a public function only checks shapes before it calls its kernel; the
        general path (conversions, and the messages for what is wrong) is skipped.
        """
        dtype = getattr(arrays[0], "dtype", None)
        if dtype not in self.fast_dtypes:
            return False
        for array in arrays:
            if type(array) is not _ndarray or array.dtype is not dtype:
                return False
        return True

    # --- what a backend provides -------------------------------------------------------
    def _vector(self, v, name):  # pragma: no cover - overridden
        raise NotImplementedError

    def _matrix(self, M, name):  # pragma: no cover - overridden
        raise NotImplementedError

    def _empty(self, shape, like):  # pragma: no cover - overridden
        raise NotImplementedError

    def _result(self, out, original):
        """Return out as the backend presents results for the caller's input type."""
        return out

    # --- products --------------------------------------------------------------------------
    def weighted_sum(self, a, b):
        """Sum of ``a[i] * b[i]``, added in order i = 0, 1, ...

        Parameters
        ----------
        a, b : (n,) array_like
            Vectors of equal length.

        Returns
        -------
        float (a NumPy scalar of the inputs' dtype on the array backends)

        Raises
        ------
        ValueError
            If the lengths differ.
        """
        if (type(a) is _ndarray and type(b) is _ndarray and a.dtype is b.dtype
                and a.dtype in self.fast_dtypes and a.ndim == 1 == b.ndim
                and a.shape[0] == b.shape[0] > 0):
            return self._weighted_sum(a, b)
        _check_vector("a", a)
        _check_vector("b", b)
        if _length(a) != _length(b):
            raise ValueError(
                f"weighted_sum needs vectors of equal length, got {_length(a)} and {_length(b)}"
            )
        a, b = self._vector(a, "a"), self._vector(b, "b")
        self._same_dtype("weighted_sum", a, b)
        if _length(a) == 0:
            return self._zero(a)
        return self._weighted_sum(a, b)

    def vector_matrix_multiply(self, a, M, out=None):
        """``out[j] = weighted_sum(a, M[j])``, that is ``M @ a``.

        Parameters
        ----------
        a : (n_in,) array_like
        M : (n_out, n_in) array_like
            Rows are outputs.
        out : (n_out,) array, optional
            Written in place and returned.

        Returns
        -------
        (n_out,) vector
        """
        if (out is None and type(a) is _ndarray and type(M) is _ndarray and a.dtype is M.dtype
                and a.dtype in self.fast_dtypes and a.ndim == 1 and M.ndim == 2
                and M.shape[1] == a.shape[0] > 0):
            out = np.empty(M.shape[0], dtype=a.dtype)
            self._vector_matrix_multiply_into(a, M, out)
            return out
        _check_vector("a", a)
        n_out, n_in = _shape2(M)
        if _length(a) != n_in:
            raise ValueError(
                f"vector_matrix_multiply: a has length {_length(a)} but M has shape "
                f"{(n_out, n_in)}; M must be (n_out, n_in) with n_in == len(a) "
                "(pass M.T if it is stored the other way round)"
            )
        original = a
        a, M = self._vector(a, "a"), self._matrix(M, "M")
        self._same_dtype("vector_matrix_multiply", a, M)
        out = self._out(out, (n_out,), a, "vector_matrix_multiply")
        if n_out and n_in == 0:
            self._fill_zero(out)
        elif n_out:
            self._vector_matrix_multiply_into(a, M, out)
        return self._result(out, original)

    def transposed_multiply(self, M, v, out=None):
        """``M.T @ v``, the product backpropagation needs, as axpy loops over M's rows.

        Parameters
        ----------
        M : (n_out, n_in) array_like
        v : (n_out,) array_like
        out : (n_in,) array, optional
            Written in place and returned.

        Returns
        -------
        (n_in,) vector with ``out[i] = sum_j M[j, i] * v[j]``, added in order of j.
        """
        if (out is None and type(M) is _ndarray and type(v) is _ndarray and M.dtype is v.dtype
                and v.dtype in self.fast_dtypes and v.ndim == 1 and M.ndim == 2
                and M.shape[0] == v.shape[0]):
            out = np.empty(M.shape[1], dtype=v.dtype)
            self._transposed_multiply_into(M, v, out)
            return out
        _check_vector("v", v)
        n_out, n_in = _shape2(M)
        if _length(v) != n_out:
            raise ValueError(
                f"transposed_multiply: v has length {_length(v)} but M has shape "
                f"{(n_out, n_in)}; M.T @ v needs len(v) == M.shape[0]"
            )
        original = v
        M, v = self._matrix(M, "M"), self._vector(v, "v")
        self._same_dtype("transposed_multiply", M, v)
        out = self._out(out, (n_in,), v, "transposed_multiply")
        self._transposed_multiply_into(M, v, out)
        return self._result(out, original)

    def outer_product(self, a, b, out=None):
        """``out[i, j] = a[i] * b[j]``.

        Parameters
        ----------
        a : (n,) array_like
        b : (m,) array_like
        out : (n, m) array, optional
            Written in place and returned.
        """
        if (out is None and type(a) is _ndarray and type(b) is _ndarray and a.dtype is b.dtype
                and a.dtype in self.fast_dtypes and a.ndim == 1 == b.ndim):
            out = np.empty((a.shape[0], b.shape[0]), dtype=a.dtype)
            self._outer_product_into(a, b, out)
            return out
        _check_vector("a", a)
        _check_vector("b", b)
        original = a
        a, b = self._vector(a, "a"), self._vector(b, "b")
        self._same_dtype("outer_product", a, b)
        out = self._out(out, (_length(a), _length(b)), a, "outer_product")
        self._outer_product_into(a, b, out)
        return self._result(out, original)

    # --- updates, in place -----------------------------------------------------------------
    def update_weights(self, W, delta, x, alpha):
        """``W -= alpha * outer(delta, x)`` in place, without building the outer matrix.

        Parameters
        ----------
        W : (len(delta), len(x)) float array or list of lists
            Modified in place.
        delta : (n_out,) array_like
        x : (n_in,) array_like
        alpha : float
            The learning rate.
        """
        if (self._fast(W, delta, x) and W.ndim == 2 and delta.ndim == 1 and x.ndim == 1
                and W.shape == (delta.shape[0], x.shape[0]) and W.flags.writeable):
            self._update_weights(W, delta, x, alpha)
            return
        _check_vector("delta", delta)
        _check_vector("x", x)
        shape = _shape2(W)
        if shape != (_length(delta), _length(x)):
            raise ValueError(
                f"update_weights: W has shape {shape} but outer(delta, x) has shape "
                f"{(_length(delta), _length(x))}; W must be (len(delta), len(x))"
            )
        self._check_inplace(W, "W")
        delta, x = self._vector(delta, "delta"), self._vector(x, "x")
        self._same_dtype("update_weights", W, delta, x)
        self._update_weights(W, delta, x, alpha)

    def update_biases(self, b, delta, alpha):
        """``b -= alpha * delta`` in place.

        Parameters
        ----------
        b : (n,) float array or list
            Modified in place.
        delta : (n,) array_like
        alpha : float
        """
        if (self._fast(b, delta) and b.ndim == 1 and delta.ndim == 1
                and b.shape == delta.shape and b.flags.writeable):
            self._update_biases(b, delta, alpha)
            return
        _check_vector("b", b)
        _check_vector("delta", delta)
        if _length(b) != _length(delta):
            raise ValueError(
                f"update_biases: b has length {_length(b)} but delta has {_length(delta)}"
            )
        self._check_inplace(b, "b")
        delta = self._vector(delta, "delta")
        self._same_dtype("update_biases", b, delta)
        self._update_biases(b, delta, alpha)

    def rmsprop_update(self, w, grad, mean_square, learning_rate=0.001, rho=0.9, epsilon=1e-7):
        """Keras's RMSprop step, in place on ``w`` and ``mean_square``.

        ``mean_square = rho * mean_square + (1 - rho) * grad**2``, then
        ``w -= learning_rate * grad / sqrt(mean_square + epsilon)``.

        Parameters
        ----------
        w, grad, mean_square : float arrays (or lists) of one shape, 1-D or 2-D
            w and mean_square are modified in place; grad is only read.
        """
        if (self._fast(w, grad, mean_square) and 0.0 <= rho < 1.0
                and 1 <= w.ndim <= 2 and w.shape == grad.shape == mean_square.shape
                and w.flags.writeable and mean_square.flags.writeable):
            self._rmsprop_update(w, grad, mean_square, learning_rate, rho, epsilon, w.ndim)
            return
        shape = np.shape(w)
        for name, value in (("grad", grad), ("mean_square", mean_square)):
            if np.shape(value) != shape:
                raise ValueError(
                    f"rmsprop_update: {name} has shape {np.shape(value)} but w has {shape}"
                )
        if len(shape) not in (1, 2):
            raise ValueError(f"rmsprop_update takes 1-D or 2-D arrays, got shape {shape}")
        if not 0.0 <= rho < 1.0:
            raise ValueError(f"rho must be in [0, 1), got {rho!r}")
        self._check_inplace(w, "w")
        self._check_inplace(mean_square, "mean_square")
        grad = self._matrix(grad, "grad") if len(shape) == 2 else self._vector(grad, "grad")
        self._same_dtype("rmsprop_update", w, grad, mean_square)
        self._rmsprop_update(w, grad, mean_square, learning_rate, rho, epsilon, len(shape))

    # --- activations -------------------------------------------------------------------------
    def sigmoid(self, z, out=None):
        """``1 / (1 + exp(-z))`` element-wise, without overflow for large ``|z|``."""
        return self._elementwise("sigmoid", z, out)

    def sigmoid_derivative(self, y, out=None):
        """``y * (1 - y)``: the sigmoid's slope, given its output ``y = sigmoid(z)``."""
        return self._elementwise("sigmoid_derivative", y, out)

    def relu(self, z, out=None):
        """``max(z, 0)`` element-wise."""
        return self._elementwise("relu", z, out)

    def relu_derivative(self, z, out=None):
        """1 where ``z > 0``, else 0 (the slope at 0 is taken as 0)."""
        return self._elementwise("relu_derivative", z, out)

    def softmax(self, z, out=None):
        """``exp(z - max(z)) / sum(exp(z - max(z)))``: the max is subtracted first."""
        _check_vector("z", z)
        if _length(z) == 0:
            raise ValueError("softmax needs at least one value, got an empty vector")
        return self._elementwise("softmax", z, out)

    def softmax_derivative(self, y, out=None):
        """The softmax's Jacobian ``diag(y) - outer(y, y)``, given its output ``y``.

        Returns
        -------
        (n, n) matrix with ``J[i, j] = d softmax_i / d z_j``.
        """
        _check_vector("y", y)
        original = y
        y = self._vector(y, "y")
        out = self._out(out, (_length(y), _length(y)), y, "softmax_derivative")
        self._softmax_jacobian_into(y, out)
        return self._result(out, original)

    def _elementwise(self, kind, z, out):
        if (out is None and type(z) is _ndarray and z.dtype in self.fast_dtypes
                and z.ndim == 1 and z.shape[0] > 0):
            out = np.empty_like(z)
            self._activation_into(kind, z, out)
            return out
        _check_vector("z", z)
        original = z
        z = self._vector(z, "z")
        out = self._out(out, (_length(z),), z, kind)
        self._activation_into(kind, z, out)
        return self._result(out, original)

    # --- helpers -------------------------------------------------------------------------------
    def _out(self, out, shape, like, where):
        if out is None:
            return self._empty(shape, like)
        if tuple(np.shape(out)) != shape:
            raise ValueError(f"{where}: out has shape {tuple(np.shape(out))}, expected {shape}")
        self._check_inplace(out, "out")
        if isinstance(out, np.ndarray) and isinstance(like, np.ndarray) and out.dtype != like.dtype:
            raise TypeError(
                f"{where}: out has dtype {out.dtype} but the inputs are {like.dtype}; "
                "pass an out buffer of the inputs' dtype"
            )
        return out

    def _check_inplace(self, W, name):
        if isinstance(W, np.ndarray):
            if W.dtype not in (np.float32, np.float64):
                raise TypeError(
                    f"{name} is modified in place and must be float32 or float64, got {W.dtype}; "
                    f"convert it with {name}.astype(np.float64)"
                )
            if not W.flags.writeable:
                raise ValueError(f"{name} is modified in place but is read-only")
        elif not isinstance(W, list):
            raise TypeError(
                f"{name} is modified in place and must be a NumPy float array or a list, "
                f"got {type(W).__name__}"
            )

    def _same_dtype(self, where, *arrays):
        dtypes = {a.dtype for a in arrays if isinstance(a, np.ndarray)}
        if len(dtypes) > 1:
            names = " and ".join(sorted(str(d) for d in dtypes))
            raise TypeError(
                f"{where} got arrays of {names}; fastnn does not mix float widths silently: "
                "convert them to one dtype with .astype()"
            )

    def _zero(self, like):
        return like.dtype.type(0) if isinstance(like, np.ndarray) else 0.0

    def _fill_zero(self, out):
        for j in range(len(out)):
            out[j] = 0.0


def as_float_array(value, name, ndim):
    """``value`` as a float32 or float64 array of ``ndim`` dimensions (ints become float64)."""
    array = np.asarray(value)
    if array.dtype.kind in "biu":
        array = array.astype(np.float64)
    elif array.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} must hold numbers (float32 or float64), got dtype {array.dtype}")
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {array.shape}")
    return array


class ArrayInputs:
    """Input handling of the array backends (numpy, numba): NumPy arrays in and out."""

    fast_dtypes = (np.dtype(np.float64), np.dtype(np.float32))

    def _vector(self, v, name):
        return as_float_array(v, name, 1)

    def _matrix(self, M, name):
        return as_float_array(M, name, 2)

    def _empty(self, shape, like):
        return np.empty(shape, dtype=like.dtype)

    def _check_inplace(self, target, name):
        if not isinstance(target, np.ndarray):
            raise TypeError(
                f"{name} is modified in place, so the {self.name} backend needs it as a NumPy "
                f"float array, got {type(target).__name__}; pass np.asarray({name}, dtype=float)"
            )
        super()._check_inplace(target, name)
