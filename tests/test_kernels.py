"""Every kernel on every backend against the plain-Python reference.

float64 results must match the reference to rtol 1e-12. float32 results are compared
with the float64 reference to FLOAT32_RTOL = 1e-5 (relative to the largest magnitude
involved): float32 rounds each operation to about 6e-8, and the products here add up
at most a few hundred such errors.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fastnn.kernels import get_backend
from fastnn.kernels import python as reference

FLOAT32_RTOL = 1e-5
BACKENDS = ["python", "numpy", "numba"]
ARRAY_BACKENDS = ["numpy", "numba"]


def assert_matches_reference(result, expected, dtype=np.float64):
    result = np.asarray(result, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert result.shape == expected.shape
    scale = max(np.max(np.abs(expected), initial=0.0), 1e-300)
    if dtype == np.float32:
        np.testing.assert_allclose(result, expected, rtol=FLOAT32_RTOL, atol=FLOAT32_RTOL * scale)
    else:
        # Sums can cancel; a tolerance relative to the size of the terms, not of the result.
        np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12 * scale)


def random_inputs(rng, dtype, n_out=10, n_in=784):
    a = rng.standard_normal(n_in).astype(dtype)
    M = rng.standard_normal((n_out, n_in)).astype(dtype)
    v = rng.standard_normal(n_out).astype(dtype)
    return a, M, v


# ---------------------------------------------------------------------------------------
# Hand-written values, on lists, as the tutorial writes them
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_hand_written_values(backend):
    K = get_backend(backend)
    assert float(K.weighted_sum([1, 2, 3], [4, 5, 6])) == 32.0
    np.testing.assert_array_equal(K.vector_matrix_multiply([1, 2], [[1, 2], [3, 4], [5, 6]]),
                                  [5, 11, 17])
    np.testing.assert_array_equal(K.transposed_multiply([[1, 2], [3, 4], [5, 6]], [1, 0, -1]),
                                  [-4, -4])
    np.testing.assert_array_equal(K.outer_product([1, 2], [3, 4, 5]), [[3, 4, 5], [6, 8, 10]])
    W = np.array([[1.0, 1.0], [2.0, 2.0]])
    K.update_weights(W, np.array([1.0, -1.0]), np.array([2.0, 4.0]), 0.5)
    np.testing.assert_array_equal(W, [[0.0, -1.0], [3.0, 4.0]])
    b = np.array([1.0, 1.0])
    K.update_biases(b, np.array([2.0, -2.0]), 0.25)
    np.testing.assert_array_equal(b, [0.5, 1.5])
    np.testing.assert_allclose(K.sigmoid([0.0, np.log(3.0)]), [0.5, 0.75], rtol=1e-15)
    np.testing.assert_array_equal(K.relu([-1.0, 0.0, 2.0]), [0.0, 0.0, 2.0])
    np.testing.assert_allclose(K.softmax([0.0, np.log(3.0)]), [0.25, 0.75], rtol=1e-15)
    np.testing.assert_allclose(K.sigmoid_derivative([0.5, 0.75]), [0.25, 0.1875], rtol=1e-15)
    np.testing.assert_array_equal(K.relu_derivative([-1.0, 0.0, 3.0]), [0.0, 0.0, 1.0])


def test_python_backend_returns_lists_for_lists():
    out = reference.vector_matrix_multiply([1.0, 2.0], [[1.0, 0.0], [0.0, 1.0]])
    assert isinstance(out, list) and out == [1.0, 2.0]
    W = [[1.0, 2.0], [3.0, 4.0]]
    reference.update_weights(W, [1.0, 0.0], [1.0, 1.0], 1.0)
    assert W == [[0.0, 1.0], [3.0, 4.0]]


# ---------------------------------------------------------------------------------------
# Random inputs at the sizes that matter, float64 and float32
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ARRAY_BACKENDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(10, 784), (200, 784), (10, 200), (1, 1)])
def test_products_match_reference(backend, dtype, shape):
    K = get_backend(backend)
    rng = np.random.default_rng(sum(shape))
    a, M, v = random_inputs(rng, dtype, *shape)
    for result, expected in [
        (K.weighted_sum(a, a), reference.weighted_sum(a, a)),
        (K.vector_matrix_multiply(a, M), reference.vector_matrix_multiply(a, M)),
        (K.transposed_multiply(M, v), reference.transposed_multiply(M, v)),
        (K.outer_product(v, a), reference.outer_product(v, a)),
    ]:
        if np.ndim(result):
            assert np.asarray(result).dtype == dtype, "no silent upcasting"
        assert_matches_reference(result, expected, dtype)


@pytest.mark.parametrize("backend", ARRAY_BACKENDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_updates_match_reference(backend, dtype):
    K = get_backend(backend)
    rng = np.random.default_rng(7)
    x, W, delta = random_inputs(rng, dtype, 200, 784)
    expected, got = W.copy(), W.copy()
    reference.update_weights(expected, delta, x, 0.01)
    K.update_weights(got, delta, x, 0.01)
    assert got.dtype == dtype
    assert_matches_reference(got, expected, dtype)

    b = rng.standard_normal(200).astype(dtype)
    expected_b, got_b = b.copy(), b.copy()
    reference.update_biases(expected_b, delta, 0.3)
    K.update_biases(got_b, delta, 0.3)
    assert_matches_reference(got_b, expected_b, dtype)

    grad = rng.standard_normal((200, 784)).astype(dtype)
    v0 = np.abs(rng.standard_normal((200, 784))).astype(dtype)
    w_ref, v_ref, w_got, v_got = W.copy(), v0.copy(), W.copy(), v0.copy()
    reference.rmsprop_update(w_ref, grad, v_ref, 0.001, 0.9, 1e-7)
    K.rmsprop_update(w_got, grad, v_got, 0.001, 0.9, 1e-7)
    assert_matches_reference(w_got, w_ref, dtype)
    assert_matches_reference(v_got, v_ref, dtype)


@pytest.mark.bitwise
def test_numba_update_is_bitwise_the_reference_in_float64():
    """Without fastmath the compiled loop does the reference's operations in its order."""
    K = get_backend("numba")
    rng = np.random.default_rng(3)
    x, W, delta = random_inputs(rng, np.float64, 200, 784)
    expected, got = W.copy(), W.copy()
    reference.update_weights(expected, delta, x, 0.1)
    K.update_weights(got, delta, x, 0.1)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(K.transposed_multiply(W, delta), reference.transposed_multiply(W, delta))
    assert K.weighted_sum(x, x) == reference.weighted_sum(x, x)


@pytest.mark.parametrize("backend", ARRAY_BACKENDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_activations_match_reference(backend, dtype):
    K = get_backend(backend)
    z = np.concatenate([np.linspace(-50, 50, 101), [-1000.0, 1000.0, 0.0]]).astype(dtype)
    y = np.linspace(0.0, 1.0, 11).astype(dtype)
    for name, arg in [("sigmoid", z), ("relu", z), ("relu_derivative", z), ("softmax", z[:101]),
                      ("sigmoid_derivative", y), ("softmax_derivative", y / y.sum())]:
        result = getattr(K, name)(arg)
        assert np.asarray(result).dtype == dtype, name
        assert_matches_reference(result, getattr(reference, name)(arg), dtype)


@pytest.mark.parametrize("backend", BACKENDS)
def test_activations_do_not_overflow(backend):
    K = get_backend(backend)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            s = np.asarray(K.sigmoid(np.array([-1e4, -745.0, 0.0, 745.0, 1e4])))
            p = np.asarray(K.softmax(np.array([1000.0, 1000.0, -1000.0])))
    np.testing.assert_array_equal(s[[0, 2, 4]], [0.0, 0.5, 1.0])
    np.testing.assert_allclose(p, [0.5, 0.5, 0.0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_softmax_derivative_is_its_jacobian(backend):
    """Central differences of softmax against the Jacobian kernel."""
    K = get_backend(backend)
    z = np.array([0.3, -1.2, 2.0, 0.1])
    J = np.asarray(K.softmax_derivative(np.asarray(K.softmax(z))))
    h = 1e-6
    numeric = np.empty((4, 4))
    for j in range(4):
        step = np.zeros(4)
        step[j] = h
        numeric[:, j] = (np.asarray(K.softmax(z + step)) - np.asarray(K.softmax(z - step))) / (2 * h)
    np.testing.assert_allclose(J, numeric, atol=1e-9)


@pytest.mark.parametrize("backend", ARRAY_BACKENDS)
def test_non_contiguous_inputs(backend):
    K = get_backend(backend)
    rng = np.random.default_rng(11)
    big = rng.standard_normal((20, 1568))
    M = big[::2, ::2]  # (10, 784), neither C- nor F-contiguous
    a = big[3, ::2]
    v = big[::2, 5]
    assert not M.flags.c_contiguous and not a.flags.c_contiguous
    assert_matches_reference(K.vector_matrix_multiply(a, M), reference.vector_matrix_multiply(a, M))
    assert_matches_reference(K.transposed_multiply(M, v), reference.transposed_multiply(M, v))
    assert_matches_reference(K.weighted_sum(a, a), reference.weighted_sum(a, a))
    W_ref, W_got = M.copy(), np.array(big)[::2, ::2]
    reference.update_weights(W_ref, v, a, 0.1)
    K.update_weights(W_got, v, a, 0.1)
    assert_matches_reference(W_got, W_ref)


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), n_out=st.integers(1, 12), n_in=st.integers(1, 40))
def test_random_shapes_agree_on_every_backend(data, n_out, n_in):
    M = data.draw(hnp.arrays(np.float64, (n_out, n_in), elements=finite))
    a = data.draw(hnp.arrays(np.float64, n_in, elements=finite))
    v = data.draw(hnp.arrays(np.float64, n_out, elements=finite))
    for name in ARRAY_BACKENDS:
        K = get_backend(name)
        assert_matches_reference(K.vector_matrix_multiply(a, M), reference.vector_matrix_multiply(a, M))
        assert_matches_reference(K.transposed_multiply(M, v), reference.transposed_multiply(M, v))
        assert_matches_reference(K.outer_product(v, a), reference.outer_product(v, a))
        assert_matches_reference(K.softmax(v), reference.softmax(v))
        assert_matches_reference(K.sigmoid(v), reference.sigmoid(v))
        W_ref, W_got = M.copy(), M.copy()
        reference.update_weights(W_ref, v, a, 0.01)
        K.update_weights(W_got, v, a, 0.01)
        assert_matches_reference(W_got, W_ref)


# ---------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_unequal_lengths_raise(backend):
    K = get_backend(backend)
    with pytest.raises(ValueError, match="equal length, got 3 and 2"):
        K.weighted_sum([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"a has length 3 but M has shape \(2, 2\)"):
        K.vector_matrix_multiply([1.0, 2.0, 3.0], [[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match="len\\(v\\) == M.shape\\[0\\]"):
        K.transposed_multiply([[1.0, 2.0], [3.0, 4.0]], [1.0])
    with pytest.raises(ValueError, match=r"W has shape \(2, 2\) but outer\(delta, x\) has shape \(2, 3\)"):
        K.update_weights(np.zeros((2, 2)), [1.0, 2.0], [1.0, 2.0, 3.0], 0.1)
    with pytest.raises(ValueError, match="must be a 1-D vector"):
        K.sigmoid(np.zeros((2, 2)))


@pytest.mark.parametrize("backend", ARRAY_BACKENDS)
def test_mixed_float_widths_are_refused(backend):
    K = get_backend(backend)
    with pytest.raises(TypeError, match="float32 and float64"):
        K.weighted_sum(np.ones(3, np.float32), np.ones(3, np.float64))
    with pytest.raises(TypeError, match="float32 or float64"):
        K.update_weights(np.zeros((2, 2), dtype=np.int64), np.ones(2), np.ones(2), 0.1)
    read_only = np.zeros((2, 2))
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        K.update_weights(read_only, np.ones(2), np.ones(2), 0.1)
