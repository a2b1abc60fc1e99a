"""Every speed-up of fastnn.kernels.fast, bit for bit against fastnn.kernels.tutorial.

The tutorial's loops are the one reference (as STUMPY tests every kernel against
``tests/naive.py``). Each step's loops run on the same numbers as the tutorial's and
must give the same bits; then the engine's epoch loops, which put all the steps
together, must give the bits of the tutorial's ``train_sample`` / ``train_batch`` called
sample after sample, batch after batch. Both dtypes run compiled (float32 against the
tutorial compiled, since plain Python computes in float64); float64 also against the
tutorial as plain Python. The vector-width step is checked in fresh processes by
``test_vector_width.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastnn
from fastnn import config
from fastnn.kernels import codes, tutorial
from fastnn.kernels.bundles import Layers, Optimizer, Work
from fastnn.kernels.fast import (batch_blocks, four_rows, fused_update, input_major, threads,
                                 zero_inputs)
from fastnn.kernels.plain import plain

pytestmark = pytest.mark.bitwise

DTYPES = [np.float64, np.float32]
PLAIN = plain(tutorial)


def random_layer(rng, dtype, n_out=13, n_in=23, zeros=0.0):
    """W (n_out, n_in), x (n_in,) with a fraction ``zeros`` of exact zeros, delta (n_out,).

    13 and 23 are not multiples of 4, so the four-row loops' remainders run too."""
    W = rng.normal(size=(n_out, n_in)).astype(dtype)
    x = rng.uniform(0.1, 1.0, n_in).astype(dtype)
    x[rng.uniform(size=n_in) < zeros] = 0
    delta = rng.normal(size=n_out).astype(dtype)
    return W, x, delta


def assert_same_bits(got, expected, what=""):
    got = np.asarray(got)
    expected = np.asarray(expected, dtype=got.dtype)
    assert got.shape == expected.shape, what
    np.testing.assert_array_equal(got, expected, err_msg=what)


def bounds(c0, c1):
    """A column range as the loops take it, of ``threads.column_bounds``'s dtype."""
    kind = threads.column_bounds([1, 1], 1).dtype.type
    return kind(c0), kind(c1)


def tutorial_product(W, x):
    out = np.empty(len(W), W.dtype)
    tutorial.vector_matrix_multiply_into(x, W, out)
    return out


# -- the reference itself: compiled and plain agree -----------------------------------------
def test_the_tutorial_compiled_is_the_tutorial_plain():
    rng = np.random.default_rng(0)
    W, x, delta = random_layer(rng, np.float64)
    assert tutorial.weighted_sum(x, x) == PLAIN.weighted_sum(x.tolist(), x.tolist())
    out_list = [0.0] * 13
    PLAIN.vector_matrix_multiply_into(x.tolist(), W.tolist(), out_list)
    assert_same_bits(tutorial_product(W, x), out_list)
    back, back_list = np.empty(23), [0.0] * 23
    tutorial.transposed_multiply_into(W, delta, back)
    PLAIN.transposed_multiply_into(W.tolist(), delta.tolist(), back_list)
    assert_same_bits(back, back_list)
    W_list = W.tolist()
    tutorial.update_weights(W, delta, x, 0.1)
    PLAIN.update_weights(W_list, delta.tolist(), x.tolist(), 0.1)
    assert_same_bits(W, W_list)


# -- steps 1 and 2: input-major storage, four rows per pass --------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("module", [input_major, four_rows], ids=["input_major", "four_rows"])
def test_input_major_products_are_the_tutorials(module, dtype):
    """``W @ x`` and ``W.T @ e`` computed on ``WT = W.T`` give the tutorial's bits."""
    rng = np.random.default_rng(1)
    W, x, delta = random_layer(rng, dtype)
    WT = np.ascontiguousarray(W.T)
    z = np.empty(13, dtype)
    module.multiply_into(WT, x, z)
    assert_same_bits(z, tutorial_product(W, x), "W @ x")
    back, expected = np.empty(23, dtype), np.empty(23, dtype)
    module.multiply_transposed_into(WT, delta, back)
    tutorial.transposed_multiply_into(W, delta, expected)
    assert_same_bits(back, expected, "W.T @ e")


@pytest.mark.parametrize("dtype", DTYPES)
def test_input_major_update_is_the_tutorials(dtype):
    rng = np.random.default_rng(2)
    W, x, delta = random_layer(rng, dtype)
    WT = np.ascontiguousarray(W.T)
    input_major.update_weights(WT, delta, x, dtype(0.05))
    tutorial.update_weights(W, delta, x, dtype(0.05))
    assert_same_bits(WT.T, W)


# -- step 3: skipping zero inputs -------------------------------------------------------------
@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "plain"])
def test_load_input_lists_the_nonzero_inputs(compiled):
    loops = zero_inputs if compiled else plain(zero_inputs)
    table = np.array([0.0, 0.5, np.nan, 2.0])
    row = np.array([0, 3, 0, 1, 2, 0], dtype=np.uint8)
    x, rows = np.zeros(6), np.full(6, -1, dtype=np.int64)
    n = loops.load_input_into(row, x, True, table, rows)
    np.testing.assert_array_equal(x, table[row])
    assert list(rows[:n]) == [1, 3, 4]  # NaN counts as nonzero
    n = loops.load_input_into(np.zeros(6), x, False, table, rows)
    assert n == 0 and not x.any()


@pytest.mark.parametrize("dtype", DTYPES)
def test_skipping_zero_inputs_changes_no_bit(dtype):
    """Over the listed nonzero rows only, on all columns and on a block of them (a
    thread's share, held as a contiguous copy), products and updates are the tutorial's."""
    rng = np.random.default_rng(3)
    W, x, delta = random_layer(rng, dtype, zeros=0.6)
    rows = np.flatnonzero(x).astype(np.int64)
    expected = tutorial_product(W, x)
    WT = np.ascontiguousarray(W.T)
    for c0, c1 in [(0, 13), (4, 9)]:
        block = np.ascontiguousarray(WT[:, c0:c1])
        z = np.zeros(13, dtype)
        zero_inputs.multiply_rows_into(block, x, rows, len(rows), z, *bounds(c0, c1))
        assert_same_bits(z[c0:c1], expected[c0:c1], f"columns {c0}..{c1}")
    zero_inputs.update_rows(WT, x, rows, len(rows), delta, dtype(0.1), *bounds(0, 13))
    tutorial.update_weights(W, delta, x, dtype(0.1))
    assert_same_bits(WT.T, W, "update")
    G, expected_G = np.zeros((23, 13), dtype), np.zeros((13, 23), dtype)
    zero_inputs.accumulate_outer_rows(G, x, rows, len(rows), delta)
    tutorial.outer_product_into(delta, x, expected_G)
    assert_same_bits(G.T, expected_G, "gradient")


# -- step 4: the fused update ----------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_the_fused_pass_is_the_update_then_the_product(dtype):
    """One sample's update and the next one's product in one pass over the union of their
    nonzero rows, against the tutorial's update, then its product. (The pass is compiled
    only inside the epoch loops, tested below; here it runs as Python on arrays of the
    dtype, whose operations round as the compiled ones do.)"""
    rng = np.random.default_rng(4)
    W, previous, delta = random_layer(rng, dtype, zeros=0.5)
    x = random_layer(rng, dtype, zeros=0.5)[1]
    union = np.empty(23, dtype=np.int64)
    n = fused_update.merge_rows(np.flatnonzero(previous), np.count_nonzero(previous),
                                np.flatnonzero(x), np.count_nonzero(x), union)
    np.testing.assert_array_equal(union[:n], np.union1d(np.flatnonzero(previous),
                                                        np.flatnonzero(x)))
    WT = np.ascontiguousarray(W.T)
    z = np.empty(13, dtype)
    plain(fused_update).update_and_multiply_into(WT, previous, delta, dtype(0.2), x, z, 0, 13,
                                                 union, n)
    tutorial.update_weights(W, delta, previous, dtype(0.2))
    assert_same_bits(WT.T, W, "weights")
    assert_same_bits(z, tutorial_product(W, x), "product")


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "plain"])
def test_merge_rows_is_the_sorted_union(compiled):
    merge = (fused_update if compiled else plain(fused_update)).merge_rows
    rng = np.random.default_rng(3)
    for _ in range(50):
        a = np.flatnonzero(rng.uniform(size=20) < rng.uniform())
        b = np.flatnonzero(rng.uniform(size=20) < rng.uniform())
        out = np.full(20, -1, dtype=np.int64)
        n = merge(a, len(a), b, len(b), out)
        np.testing.assert_array_equal(out[:n], np.union1d(a, b))


# -- step 6: threads ---------------------------------------------------------------------
def test_column_bounds_share_the_first_layer_in_multiples_of_16():
    bounds = threads.column_bounds([784, 200, 10], 3)
    assert bounds.dtype == (np.int64 if config.DISABLE_JIT else np.uint64)
    assert bounds[0].tolist() == [0, 64, 128, 200] and bounds[1].tolist() == [0, 10, 10, 10]
    assert threads.column_bounds([784, 20, 10], 2)[0].tolist() == [0, 16, 20]


# -- step 7: mini-batch blocks ---------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("count", [8, 5])
def test_a_block_of_samples_is_each_sample_on_its_own(dtype, count):
    """The block's forward products and its gradient sum (five samples: the four-sample
    loop's remainder), against the tutorial's product per sample and outer products
    added sample by sample. As :func:`test_the_fused_pass_is_the_update_then_the_product`,
    on arrays as plain Python; the compiled loops run in the epochs below."""
    rng = np.random.default_rng(5)
    W = rng.normal(size=(13, 23)).astype(dtype)
    A = np.stack([random_layer(rng, dtype, zeros=0.4)[1] for _ in range(count)])
    A[:, :4] = 0  # four inputs 0 in every sample: rows the block skips
    D = rng.normal(size=(count, 13)).astype(dtype)
    loops = plain(batch_blocks)
    Z = np.empty((count, 13), dtype)
    loops.multiply_block_into(np.ascontiguousarray(W.T), A, count, Z)
    G = np.zeros((23, 13), dtype)
    loops.accumulate_outer_block(G, A, D, count)
    expected_G = np.zeros((13, 23), dtype)
    outer = np.empty((13, 23), dtype)
    for s in range(count):
        assert_same_bits(Z[s], tutorial_product(W, A[s]), f"sample {s}")
        tutorial.outer_product_into(D[s], A[s], outer)
        expected_G += outer  # element by element, sample after sample
    assert_same_bits(G.T, expected_G, "gradient sum")


# -- the engine's epochs, every step at once -----------------------------------------------
NETWORKS = {
    # name: (sizes, activations, loss, backprop, use_bias)
    "rashid": ((10, 40, 4), ("sigmoid", "sigmoid"), "squared_error", "error", False),
    "nielsen": ((6, 5, 4), ("sigmoid", "sigmoid"), "squared_error", "gradient", True),
    "keras": ((10, 40, 4), ("relu", "softmax"), "cross_entropy", "gradient", True),
    "linear": ((10, 4), ("identity",), "squared_error", "gradient", False),
    "deep": ((6, 5, 5, 4), ("sigmoid", "relu", "identity"), "squared_error", "gradient", True),
}


def epoch_data(sizes, dtype, zeros, n=40, seed=1):
    """Float inputs (a fraction ``zeros`` exactly 0; rows 0, 1 all 0 and row 2 none, as
    in MNIST), one-hot targets and labels."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, (n, sizes[0])).astype(dtype)
    if zeros:
        X[rng.uniform(0, 1, X.shape) < zeros] = 0
        X[:2] = 0
        X[2] = rng.uniform(0.5, 1, sizes[0])
    labels = rng.integers(0, sizes[-1], n)
    return X, np.eye(sizes[-1], dtype=dtype)[labels], labels


def engine_network(name, dtype, **options):
    sizes, activations, loss, backprop, use_bias = NETWORKS[name]
    net = fastnn.Network(sizes, activations=list(activations), loss=loss, backprop=backprop,
                         use_bias=use_bias, learning_rate=0.5 if loss != "cross_entropy" else 0.01,
                         init="normal", dtype=np.dtype(dtype).name, backend="numba", seed=3,
                         **options)
    return net


def tutorial_epoch(net, X, T, labels, batch_size, optimizer):
    """The epoch the tutorial's steps train on copies of ``net``'s weights: (weights,
    biases, loss sum, correct). Compiled, so that float32 stays float32."""
    dtype = np.dtype(net.dtype)
    weights = tuple(np.ascontiguousarray(w) for w in net.weights)
    biases = tuple(b.copy() for b in net._state.biases)
    layers = Layers(weights, biases, net._state.activations, net.use_bias,
                    net._state.loss, net._state.backprop)
    work = Work(*(tuple(np.zeros(n, dtype) for n in net.sizes[1:]) for _ in range(4)))
    lr = dtype.type(net.learning_rate)
    loss_sum, correct = 0.0, 0
    if batch_size == 1 and optimizer == "sgd":
        for s in range(len(X)):
            loss, label = tutorial.train_sample(layers, X[s], T[s], lr, work)
            loss_sum, correct = loss_sum + loss, correct + (label == labels[s])
        return weights, biases, loss_sum, correct
    zeros = lambda arrays: tuple(np.zeros_like(a) for a in arrays)  # noqa: E731
    opt = Optimizer(codes.RMSPROP if optimizer == "rmsprop" else codes.SGD, lr,
                    dtype.type(net.rho), dtype.type(1.0 - net.rho), dtype.type(net.epsilon),
                    zeros(weights), zeros(biases), zeros(weights), zeros(biases))
    for start in range(0, len(X), batch_size):
        rows = slice(start, start + batch_size)
        m = len(X[rows])
        scale = dtype.type(1.0 / m) if optimizer == "rmsprop" else dtype.type(lr / m)
        loss, right = tutorial.train_batch(layers, X[rows], T[rows], labels[rows], opt, scale,
                                           work)
        loss_sum, correct = loss_sum + loss, correct + right
    return weights, biases, loss_sum, correct


def assert_epoch_is_the_tutorials(net, X, T, labels, batch_size=1, optimizer="sgd"):
    expected = tutorial_epoch(net, X, T, labels, batch_size, optimizer)
    record = net.fit(X, T, epochs=1, shuffle=False).history
    for layer in range(len(net.weights)):
        assert_same_bits(net.weights[layer], expected[0][layer], f"weights of layer {layer}")
        assert_same_bits(net._state.biases[layer], expected[1][layer], f"biases of layer {layer}")
    assert record["accuracy"][0] * len(X) == expected[3]
    # The loss is a report, summed in other groups (per chunk of the epoch): not bitwise.
    # Compiled, both sums are float64; as plain Python, float32 losses add up in float32.
    tolerance = 1e-12 if net.dtype == "float64" else 1e-5
    assert record["loss"][0] * len(X) == pytest.approx(expected[2], rel=tolerance)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("zeros", [0.0, 0.7])
@pytest.mark.parametrize("name", ["rashid", "nielsen", "linear", "deep", "keras"])
def test_per_sample_epoch_is_the_tutorials(name, zeros, dtype):
    """Steps 1-5 together: the fused per-sample epoch, with the first layer over each
    sample's nonzero inputs (merged with the previous sample's for 40 columns, update
    then product for the 4 of linear), against train_sample sample after sample."""
    net = engine_network(name, dtype)
    X, T, labels = epoch_data(net.sizes, dtype, zeros)
    assert_epoch_is_the_tutorials(net, X, T, labels)


@pytest.mark.parametrize("dtype", DTYPES)
def test_per_sample_epoch_on_pixels_is_the_tutorials(dtype):
    """uint8 pixels, looked up in the scaling table as each sample loads, against the
    tutorial on the scaled inputs."""
    net = engine_network("rashid", dtype, input_scaling="rashid")
    rng = np.random.default_rng(6)
    pixels = rng.integers(0, 256, (30, 10), dtype=np.uint8)
    pixels[rng.uniform(size=pixels.shape) < 0.7] = 0
    labels = rng.integers(0, 4, 30)
    X = net._prepare_x(pixels).scaled(slice(None), np.dtype(dtype))
    expected = tutorial_epoch(net, X, np.eye(4, dtype=dtype)[labels], labels, 1, "sgd")
    net.fit(pixels, np.eye(4, dtype=dtype)[labels], epochs=1)
    for layer in range(2):
        assert_same_bits(net.weights[layer], expected[0][layer], f"weights of layer {layer}")


@pytest.mark.skipif(config.DISABLE_JIT, reason="threads spin on atomics: compiled only")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("zeros", [0.0, 0.7])
def test_two_threads_give_the_tutorials_bits(zeros, dtype):
    """Step 6: two threads share the first layer's 40 columns (0-32 and 32-40)."""
    net = engine_network("rashid", dtype, threads=2)
    assert net._engine.thread_count(net._state) == 2
    X, T, labels = epoch_data(net.sizes, dtype, zeros)
    assert_epoch_is_the_tutorials(net, X, T, labels)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("zeros", [0.0, 0.7])
@pytest.mark.parametrize("name,optimizer,batch_size", [
    ("nielsen", "sgd", 8), ("nielsen", "sgd", 11), ("rashid", "sgd", 13),
    ("keras", "rmsprop", 8), ("keras", "rmsprop", 13), ("deep", "rmsprop", 40),
])
def test_mini_batch_epoch_is_the_tutorials(name, optimizer, batch_size, zeros, dtype):
    """Step 7: blocks of 8 samples through the forward pass and the gradient sums, the
    first layer over nonzero rows when most inputs are 0, then one update per batch,
    against train_batch batch after batch."""
    net = engine_network(name, dtype, optimizer=optimizer, batch_size=batch_size)
    X, T, labels = epoch_data(net.sizes, dtype, zeros)
    assert_epoch_is_the_tutorials(net, X, T, labels, batch_size, optimizer)


@pytest.mark.parametrize("name", ["rashid", "keras"])
def test_the_python_backend_is_the_tutorial_plain(name):
    """The ``python`` backend runs the tutorial's loops as plain Python: in float64 it
    trains the bits of the compiled engine."""
    X, T, labels = epoch_data(NETWORKS[name][0], np.float64, 0.7)
    results = []
    for backend in ("python", "numba"):
        net = engine_network(name, np.float64)
        net.backend, net._engine = backend, fastnn.engines.make_engine(backend)
        net.fit(X, T, epochs=1, shuffle=False)
        results.append(net.weights)
    for got, expected in zip(*results):
        assert_same_bits(got, expected)
