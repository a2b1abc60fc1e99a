"""Backpropagation: the tutorial's gradients against finite differences, and the engine's
epoch loops compiled against the same loops as plain Python."""

from __future__ import annotations

import numpy as np
import pytest

from fastnn.kernels import codes, mini_batch, per_sample, steps, tutorial
from fastnn.kernels.bundles import (Blocks, InputRows, Layers, Pending, StoredLayers, Targets,
                                    Team, Updates, Work)
from fastnn.kernels.fast.batch_blocks import BLOCK
from fastnn.kernels.fast.threads import column_bounds, new_barrier_state
from fastnn.kernels.plain import plain

STEPS = {"compiled": tutorial, "plain": plain(tutorial)}


def small_network(activations, sizes=(6, 5, 4), seed=0):
    """Layers (W of shape (n_out, n_in)), Work, an input x and a one-hot target t."""
    rng = np.random.default_rng(seed)
    weights = tuple(rng.normal(0, 0.8, (n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    biases = tuple(rng.normal(0, 0.5, n) for n in sizes[1:])
    work = Work(*(tuple(np.zeros(n) for n in sizes[1:]) for _ in range(4)))
    t = np.zeros(sizes[-1])
    t[1] = 1.0
    return weights, biases, work, rng.uniform(0, 1, sizes[0]), t


@pytest.mark.parametrize("backend", ["compiled", "plain"])
@pytest.mark.parametrize("activations,loss", [
    ((codes.SIGMOID, codes.SIGMOID), codes.SQUARED_ERROR),
    ((codes.RELU, codes.SOFTMAX), codes.CROSS_ENTROPY),
    ((codes.SIGMOID, codes.RELU, codes.IDENTITY), codes.SQUARED_ERROR),
])
def test_gradients_match_central_differences(backend, activations, loss):
    """``outer(delta_l, input_l)`` is dLoss/dW_l and ``delta_l`` dLoss/db_l."""
    loops = STEPS[backend]
    sizes = (6, 5, 4) if len(activations) == 2 else (6, 5, 5, 4)
    weights, biases, work, x, t = small_network(activations, sizes)
    net = Layers(weights, biases, np.array(activations), True, loss, codes.BACKPROP_GRADIENT)

    def loss_at():
        loops.forward(net, x, work)
        return STEPS["plain"].sample_loss(work.act[-1], t, loss)

    loss_at()
    loops.backward(net, t, work)
    inputs = [x] + [a.copy() for a in work.act[:-1]]
    deltas = [d.copy() for d in work.delta]
    h = 1e-6
    for layer, (W, b) in enumerate(zip(weights, biases)):
        for array, analytic in ((W, np.outer(deltas[layer], inputs[layer])), (b, deltas[layer])):
            numeric = np.empty_like(array)
            for index in np.ndindex(array.shape):
                saved = array[index]
                array[index] = saved + h
                up = loss_at()
                array[index] = saved - h
                down = loss_at()
                array[index] = saved
                numeric[index] = (up - down) / (2 * h)
            np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def engine_arguments(sizes, X, T, labels, batch_size, optimizer, activation=codes.SIGMOID,
                     plain_python=False):
    """Everything the engine's epoch loops take, for a small network with biases (column
    bounds as ints for plain Python, as ``column_bounds`` makes them without the JIT)."""
    bounds = column_bounds(sizes, 1)
    if plain_python:
        bounds = bounds.astype(np.int64)
    rng = np.random.default_rng(0)
    weights_t = tuple(rng.normal(0, 0.8, (n_in, n_out)) for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    biases = tuple(rng.normal(0, 0.5, n) for n in sizes[1:])
    net = StoredLayers(weights_t, biases, np.array([activation] * (len(sizes) - 1)), True,
                       codes.SQUARED_ERROR, codes.BACKPROP_GRADIENT)
    layer = lambda: tuple(np.zeros((BLOCK, n)) for n in sizes[1:])  # noqa: E731
    blocks = Blocks(np.zeros((BLOCK, sizes[0])), np.zeros((BLOCK, sizes[0]), dtype=np.int64),
                    np.zeros(BLOCK, dtype=np.int64), layer(), layer(), layer(), layer(), bounds)
    data = (InputRows(X, False, np.zeros(1)), Targets(T, labels),
            np.random.default_rng(5).permutation(len(X)))
    if batch_size == 1:
        pending = Pending(tuple(np.zeros(n) for n in sizes[:-1]),
                          np.zeros((1, sizes[0]), dtype=np.int64),
                          np.arange(max(sizes[:-1]), dtype=np.int64))
        team = Team((weights_t[0],), 0, 1, bounds, *new_barrier_state())
        return per_sample.train_epoch_per_sample, (net, 0.5, *data, blocks, pending, team)
    zeros = lambda arrays: tuple(np.zeros_like(a) for a in arrays)  # noqa: E731
    updates = Updates(optimizer, 0.5, 0.9, 0.1, 1e-7, batch_size, zeros(weights_t),
                      zeros(biases), zeros(weights_t), zeros(biases), np.zeros(1))
    return mini_batch.train_epoch_batches, (net, updates, *data, blocks)


def epoch_arrays(sizes, n=40, zeros=0.0, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, (n, sizes[0]))
    X[rng.uniform(0, 1, X.shape) < zeros] = 0.0
    labels = rng.integers(0, sizes[-1], n)
    return X, np.eye(sizes[-1])[labels], labels.astype(np.int64)


@pytest.mark.bitwise
@pytest.mark.parametrize("zeros", [0.0, 0.7])
@pytest.mark.parametrize("optimizer,batch_size", [(codes.SGD, 1), (codes.SGD, 11),
                                                  (codes.RMSPROP, 8)])
@pytest.mark.parametrize("sizes", [(6, 5, 4), (10, 40, 4)])
def test_compiled_epoch_is_bitwise_the_same_loops_as_plain_python(optimizer, batch_size, zeros,
                                                                   sizes):
    """The engine's loops run as plain Python (how CI covers their code) and compiled."""
    X, T, labels = epoch_arrays(sizes, zeros=zeros)
    results = []
    for run_plain in (False, True):
        kernel, args = engine_arguments(sizes, X, T, labels, batch_size, optimizer,
                                        plain_python=run_plain)
        if run_plain:
            module = per_sample if batch_size == 1 else mini_batch
            kernel = getattr(plain(module), kernel.__name__)
        stats = kernel(*args)
        results.append((args[0].weights_t + args[0].biases, stats))
    for got, expected in zip(results[0][0], results[1][0]):
        np.testing.assert_array_equal(got, expected)
    assert results[0][1][1:] == results[1][1][1:]
    assert results[0][1][0] == pytest.approx(results[1][1][0], rel=1e-12)


@pytest.mark.parametrize("batch_size", [1, 4])
def test_epoch_stops_when_the_loss_stops_being_finite(batch_size):
    X, T, labels = epoch_arrays((6, 5, 4), n=200)
    kernel, args = engine_arguments((6, 5, 4), X * 1e3, T, labels, batch_size, codes.SGD,
                                    codes.IDENTITY)
    net = args[0]
    for w in net.weights_t:
        w *= 1e3
    args = (net, 1e3, *args[2:]) if batch_size == 1 else (
        net, args[1]._replace(learning_rate=1e3), *args[2:])
    with np.errstate(over="ignore", invalid="ignore"):  # as plain Python, NumPy would warn
        loss_sum, _, seen = kernel(*args)
    assert not np.isfinite(loss_sum)
    assert seen < 200


def test_engine_backward_is_the_tutorials():
    """The engine's backward pass on row s of its blocks, input-major, four outputs at a
    time, against the tutorial's, for Rashid's error backpropagation."""
    weights, biases, work, x, t = small_network((codes.SIGMOID, codes.SIGMOID), (10, 9, 4))
    net = Layers(weights, biases, np.array([codes.SIGMOID] * 2), False, codes.SQUARED_ERROR,
                 codes.BACKPROP_ERROR)
    tutorial.forward(net, x, work)
    tutorial.backward(net, t, work)
    stored = StoredLayers(tuple(np.ascontiguousarray(w.T) for w in weights), biases,
                          net.activations, False, net.loss, net.backprop)
    layer = lambda source: tuple(np.stack([np.zeros_like(v), v]) for v in source)  # noqa: E731
    blocks = Blocks(None, None, None, layer(work.pre), layer(work.act),
                    tuple(np.zeros((2, n)) for n in (9, 4)), tuple(np.zeros((2, n)) for n in (9, 4)),
                    None)
    steps.backward_into(stored, t, blocks.pre, blocks.act, blocks.error, blocks.delta, 1)
    for layer_delta, expected in zip(blocks.delta, work.delta):
        np.testing.assert_array_equal(layer_delta[1], expected)
