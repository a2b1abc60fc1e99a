"""The network kernels: gradients against finite differences, fused epochs against steps."""

from __future__ import annotations

import numpy as np
import pytest

from fastnn.kernels import _loops as compiled
from fastnn.kernels.python import loops as uncompiled

LOOPS = {"numba": compiled, "python": uncompiled}


def make_buffers(sizes):
    """Block buffers as the engines allocate them: (BLOCK, n) per layer."""
    layer = lambda: tuple(np.zeros((compiled.BLOCK, n)) for n in sizes[1:])  # noqa: E731
    return dict(pre=layer(), act=layer(), error=layer(), delta=layer(),
                x_block=np.zeros((compiled.BLOCK, sizes[0])),
                input_rows=np.zeros((compiled.BLOCK, sizes[0]), dtype=np.int64),
                input_counts=np.zeros(compiled.BLOCK, dtype=np.int64),
                union_rows=np.zeros((1, sizes[0]), dtype=np.int64),
                all_rows=np.arange(max(sizes[:-1]), dtype=np.int64),
                pending_input=tuple(np.zeros(n) for n in sizes[:-1]))


def load_sample(loops, x, buffers, s=0):
    """Put x in row s of the block as the kernels' load_input_into does."""
    buffers["input_counts"][s] = loops.load_input_into(x, buffers["x_block"][s], False,
                                                       np.zeros(1), buffers["input_rows"][s])


def small_network(activations, sizes=(6, 5, 4), seed=0):
    rng = np.random.default_rng(seed)
    weights_t = tuple(rng.normal(0, 0.8, (n_in, n_out)) for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    biases = tuple(rng.normal(0, 0.5, n) for n in sizes[1:])
    codes = np.array(activations, dtype=np.int64)
    x = rng.uniform(0, 1, sizes[0])
    t = np.zeros(sizes[-1])
    t[1] = 1.0
    return weights_t, biases, codes, x, t, make_buffers(sizes)


def loss_at(loops, weights_t, biases, codes, x, t, loss, buffers):
    load_sample(loops, x, buffers)
    loops.forward_block_into(weights_t, biases, codes, True, buffers["x_block"],
                             buffers["input_rows"], buffers["input_counts"], 1,
                             buffers["pre"], buffers["act"])
    return loops.sample_loss(buffers["act"][-1][0], t, loss)


@pytest.mark.parametrize("backend", ["numba", "python"])
@pytest.mark.parametrize("activations,loss", [
    ((compiled.SIGMOID, compiled.SIGMOID), compiled.SQUARED_ERROR),
    ((compiled.RELU, compiled.SOFTMAX), compiled.CROSS_ENTROPY),
    ((compiled.SIGMOID, compiled.RELU, compiled.IDENTITY), compiled.SQUARED_ERROR),
])
def test_gradients_match_central_differences(backend, activations, loss):
    loops = LOOPS[backend]
    sizes = (6, 5, 4) if len(activations) == 2 else (6, 5, 5, 4)
    weights_t, biases, codes, x, t, buffers = small_network(activations, sizes)
    loss_at(loops, weights_t, biases, codes, x, t, loss, buffers)
    loops.backward_into(weights_t, codes, loss, compiled.BACKPROP_GRADIENT, t, buffers["pre"],
                        buffers["act"], buffers["error"], buffers["delta"], 0)
    inputs = [x] + [a[0].copy() for a in buffers["act"][:-1]]
    deltas = [d[0].copy() for d in buffers["delta"]]
    h = 1e-6
    for layer, WT in enumerate(weights_t):
        analytic = np.outer(inputs[layer], deltas[layer])  # dLoss/dWT[i, j]
        numeric = np.empty_like(WT)
        for index in np.ndindex(WT.shape):
            saved = WT[index]
            WT[index] = saved + h
            up = loss_at(loops, weights_t, biases, codes, x, t, loss, buffers)
            WT[index] = saved - h
            down = loss_at(loops, weights_t, biases, codes, x, t, loss, buffers)
            WT[index] = saved
            numeric[index] = (up - down) / (2 * h)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)
        bias_numeric = np.empty_like(biases[layer])
        for j in range(len(bias_numeric)):
            saved = biases[layer][j]
            biases[layer][j] = saved + h
            up = loss_at(loops, weights_t, biases, codes, x, t, loss, buffers)
            biases[layer][j] = saved - h
            down = loss_at(loops, weights_t, biases, codes, x, t, loss, buffers)
            biases[layer][j] = saved
            bias_numeric[j] = (up - down) / (2 * h)
        np.testing.assert_allclose(deltas[layer], bias_numeric, rtol=1e-6, atol=1e-8)


def epoch_arrays(n=40, sizes=(6, 5, 4), seed=1, zeros=0.0):
    """Inputs, one-hot targets and labels; a fraction ``zeros`` of the inputs is exactly 0
    (then rows 0 and 1 are all zero and row 2 has no zero), as in MNIST."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, (n, sizes[0]))
    if zeros:
        X[rng.uniform(0, 1, X.shape) < zeros] = 0.0
        X[:2] = 0.0
        X[2] = rng.uniform(0.5, 1, sizes[0])
    labels = rng.integers(0, sizes[-1], n)
    T = np.eye(sizes[-1])[labels]
    return X, T, labels.astype(np.int64)


def run_epoch(loops, weights_t, biases, codes, X, T, labels, order, batch_size, optimizer,
              buffers, learning_rate=0.5, loss=compiled.SQUARED_ERROR):
    """One epoch through the kernel the engines call for this batch size and optimizer."""
    common = (X, False, np.zeros(1), T, labels, order, buffers["x_block"],
              buffers["input_rows"], buffers["input_counts"], buffers["pre"], buffers["act"],
              buffers["error"], buffers["delta"])
    if batch_size == 1 and optimizer == compiled.SGD:
        return loops.train_epoch_per_sample(
            weights_t, biases, codes, True, loss, compiled.BACKPROP_GRADIENT, learning_rate,
            *common, buffers["pending_input"], buffers["union_rows"], buffers["all_rows"],
            (weights_t[0],), 0, 1,
            np.array([[0, len(b)] for b in biases], dtype=np.uint64),
            np.zeros(2, np.int64), np.zeros(1, np.int64))
    zeros = lambda arrays: tuple(np.zeros_like(a) for a in arrays)  # noqa: E731
    return loops.train_epoch_batches(weights_t, biases, codes, True, loss,
                                     compiled.BACKPROP_GRADIENT, optimizer, learning_rate, 0.9,
                                     0.1, 1e-7, batch_size, *common, zeros(weights_t),
                                     zeros(biases), zeros(weights_t), zeros(biases), np.zeros(1))


def one_sample_gradient(weights_t, biases, codes, x, t, steps):
    """Forward and backward for one sample, unfused; returns each layer's input."""
    load_sample(compiled, x, steps)
    compiled.forward_block_into(weights_t, biases, codes, True, steps["x_block"],
                                steps["input_rows"], steps["input_counts"], 1,
                                steps["pre"], steps["act"])
    compiled.backward_into(weights_t, codes, compiled.SQUARED_ERROR, compiled.BACKPROP_GRADIENT,
                           t, steps["pre"], steps["act"], steps["error"], steps["delta"], 0)
    return (x,) + tuple(a[0] for a in steps["act"][:-1])


# A first layer of 40 columns is "wide": its update is fused into the forward pass over
# the union of two samples' nonzero rows; one of 5 columns updates, then multiplies, when
# its inputs have zeros (zeros=0.7), and is fused when they have none (zeros=0.0), as
# every hidden layer here is.
@pytest.mark.bitwise
@pytest.mark.parametrize("sizes", [(6, 5, 4), (10, 40, 4)])
@pytest.mark.parametrize("zeros", [0.0, 0.7])
def test_fused_epoch_equals_per_sample_steps(zeros, sizes):
    """The fused per-sample epoch against forward, backward and update called one by one."""
    weights_t, biases, codes, _, _, buffers = small_network((compiled.SIGMOID, compiled.SIGMOID),
                                                            sizes)
    X, T, labels = epoch_arrays(sizes=sizes, zeros=zeros)
    order = np.arange(len(X), dtype=np.int64)
    fused_w = tuple(w.copy() for w in weights_t)
    fused_b = tuple(b.copy() for b in biases)
    run_epoch(compiled, fused_w, fused_b, codes, X, T, labels, order, 1, compiled.SGD, buffers)
    steps = make_buffers(sizes)
    for s in order:
        inputs = one_sample_gradient(weights_t, biases, codes, X[s], T[s], steps)
        compiled.sgd_sample_update(weights_t, biases, True, 0.5, inputs, steps["delta"])
    for got, expected in zip(fused_w + fused_b, weights_t + biases):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.bitwise
@pytest.mark.parametrize("zeros", [0.0, 0.7])
def test_blocked_batch_equals_sample_by_sample_sums(zeros):
    """A mini-batch's blocked forward pass and gradient sum against per-sample sums
    (with zeros=0.7 the first layer goes over each sample's nonzero rows instead)."""
    weights_t, biases, codes, _, _, buffers = small_network((compiled.SIGMOID, compiled.SIGMOID))
    X, T, labels = epoch_arrays(n=13, zeros=zeros)
    order = np.arange(13, dtype=np.int64)
    blocked_w = tuple(w.copy() for w in weights_t)
    blocked_b = tuple(b.copy() for b in biases)
    run_epoch(compiled, blocked_w, blocked_b, codes, X, T, labels, order, 13, compiled.SGD, buffers)
    grad_w = [np.zeros_like(w) for w in weights_t]
    grad_b = [np.zeros_like(b) for b in biases]
    steps = make_buffers((6, 5, 4))
    for s in order:
        inputs = one_sample_gradient(weights_t, biases, codes, X[s], T[s], steps)
        for layer in range(2):
            compiled.accumulate_outer(grad_w[layer], inputs[layer], steps["delta"][layer][0])
            compiled.accumulate_vector(grad_b[layer], steps["delta"][layer][0])
    scale = 0.5 / 13
    for layer in range(2):
        np.testing.assert_array_equal(blocked_w[layer], weights_t[layer] - scale * grad_w[layer])
        np.testing.assert_array_equal(blocked_b[layer], biases[layer] - scale * grad_b[layer])


@pytest.mark.bitwise
@pytest.mark.parametrize("zeros", [0.0, 0.7])
@pytest.mark.parametrize("optimizer,batch_size", [(compiled.SGD, 1), (compiled.SGD, 8),
                                                  (compiled.SGD, 11), (compiled.RMSPROP, 8)])
@pytest.mark.parametrize("sizes", [(6, 5, 4), (10, 40, 4)])
def test_compiled_epoch_is_bitwise_the_python_loops(optimizer, batch_size, zeros, sizes):
    weights_t, biases, codes, _, _, _ = small_network((compiled.SIGMOID, compiled.SIGMOID),
                                                      sizes)
    X, T, labels = epoch_arrays(sizes=sizes, zeros=zeros)
    order = np.random.default_rng(5).permutation(len(X))
    results = {}
    for name, loops in LOOPS.items():
        w = tuple(a.copy() for a in weights_t)
        b = tuple(a.copy() for a in biases)
        stats = run_epoch(loops, w, b, codes, X, T, labels, order, batch_size, optimizer,
                          make_buffers(sizes))
        results[name] = (w, b, stats)
    for got, expected in zip(results["numba"][0] + results["numba"][1],
                             results["python"][0] + results["python"][1]):
        np.testing.assert_array_equal(got, expected)
    assert results["numba"][2][1:] == results["python"][2][1:]
    assert results["numba"][2][0] == pytest.approx(results["python"][2][0], rel=1e-12)


@pytest.mark.parametrize("batch_size", [1, 4])
def test_epoch_stops_when_the_loss_stops_being_finite(batch_size):
    weights_t, biases, codes, _, _, buffers = small_network((compiled.IDENTITY, compiled.IDENTITY))
    X, T, labels = epoch_arrays(n=200)
    X *= 1e3
    weights_t = tuple(w * 1e3 for w in weights_t)
    loss_sum, _, seen = run_epoch(compiled, weights_t, biases, codes, X, T, labels,
                                  np.arange(200, dtype=np.int64), batch_size, compiled.SGD,
                                  buffers, learning_rate=1e3)
    assert not np.isfinite(loss_sum)
    assert seen < 200


@pytest.mark.parametrize("backend", ["numba", "python"])
def test_load_input_lists_the_nonzero_inputs(backend):
    loops = LOOPS[backend]
    table = np.array([0.0, 0.5, np.nan, 2.0])
    row = np.array([0, 3, 0, 1, 2, 0], dtype=np.uint8)
    x, rows = np.zeros(6), np.full(6, -1, dtype=np.int64)
    n = loops.load_input_into(row, x, True, table, rows)
    np.testing.assert_array_equal(x, table[row])
    assert list(rows[:n]) == [1, 3, 4]  # NaN counts as nonzero
    n = loops.load_input_into(np.zeros(6), x, False, table, rows)
    assert n == 0 and not x.any()


@pytest.mark.parametrize("backend", ["numba", "python"])
def test_merge_rows_is_the_sorted_union(backend):
    rng = np.random.default_rng(3)
    for _ in range(50):
        a = np.flatnonzero(rng.uniform(size=20) < rng.uniform())
        b = np.flatnonzero(rng.uniform(size=20) < rng.uniform())
        out = np.full(20, -1, dtype=np.int64)
        n = LOOPS[backend].merge_rows(a, len(a), b, len(b), out)
        np.testing.assert_array_equal(out[:n], np.union1d(a, b))


@pytest.mark.bitwise
@pytest.mark.parametrize("backend", ["numba", "python"])
def test_row_kernels_skip_only_exact_zero_terms(backend):
    """The first layer's loops over nonzero rows give the bits of the loops over all rows."""
    loops = LOOPS[backend]
    rng = np.random.default_rng(4)
    WT = rng.normal(size=(23, 9))
    x = rng.normal(size=23)
    x[rng.uniform(size=23) < 0.6] = 0.0
    rows = np.flatnonzero(x)
    z_rows, z_all = np.empty(9), np.empty(9)
    loops.multiply_rows_into(WT, x, rows, len(rows), z_rows, 0, 9)
    compiled.transposed_multiply_into(WT, x, z_all)
    np.testing.assert_array_equal(z_rows, z_all)
    d = rng.normal(size=9)
    G_rows, G_all = WT.copy(), WT.copy()
    loops.accumulate_outer_rows(G_rows, x, rows, len(rows), d)
    compiled.accumulate_outer(G_all, x, d)
    np.testing.assert_array_equal(G_rows, G_all)
