"""The Network API, the recipes, backend equivalence, bad input and bad runs."""

from __future__ import annotations

import os

import numpy as np
import pytest

import fastnn
from fastnn import recipes
from fastnn.network import Network, TrainingDivergedError

RECIPE_NAMES = list(recipes.RECIPES)


def relative_difference(first, second):
    return max(np.max(np.abs(a - b)) / np.max(np.abs(b)) for a, b in zip(first, second))


# ---------------------------------------------------------------------------------------
# Equivalence across backends, on the real MNIST images
# ---------------------------------------------------------------------------------------
def train_on_backends(mnist, name, backends, n_samples, seed):
    """The recipe ``name`` trained on the first n_samples images, once per backend.

    keras defaults to float32; the comparisons here are made in float64.
    """
    (x, y), _ = mnist
    overrides = {"dtype": "float64"} if name == "keras" else {}
    nets = {b: recipes.make(name, backend=b, seed=seed, **overrides) for b in backends}
    for net in nets.values():
        net.fit(x[:n_samples], y[:n_samples])
    return nets


@pytest.mark.realdata
@pytest.mark.parametrize("name", RECIPE_NAMES)
def test_numba_and_numpy_agree_after_1000_samples(mnist, name):
    nets = train_on_backends(mnist, name, ("numba", "numpy"), 1000, seed=3)
    assert relative_difference(nets["numba"].weights, nets["numpy"].weights) < 1e-9
    if nets["numba"].use_bias:
        assert relative_difference(nets["numba"].biases, nets["numpy"].biases) < 1e-9


@pytest.mark.bitwise
@pytest.mark.realdata
@pytest.mark.parametrize("name", RECIPE_NAMES)
def test_python_agrees_with_numba_on_100_samples(mnist, name):
    nets = train_on_backends(mnist, name, ("numba", "python"), 100, seed=4)
    # Same loop code, no fastmath: in float64 the results are the same bits.
    for got, expected in zip(nets["numba"].weights, nets["python"].weights):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("name", RECIPE_NAMES)
@pytest.mark.parametrize("backend", ["numba", "python"])
def test_prediction_per_sample_equals_prediction_by_blocks(tiny_data, name, backend):
    """A network trained per sample predicts one sample at a time, one trained in
    mini-batches BLOCK samples at a time (each with its training's loops): the two
    kernels give the same outputs, on pixels and on floats."""
    from dataclasses import replace

    from fastnn.engines import make_engine
    from fastnn.kernels import codes

    x, y = tiny_data
    net = recipes.make(name, seed=5, dtype="float64", hidden=30) if name == "rashid" else \
        recipes.make(name, seed=5, dtype="float64")
    net.fit(x[:200], y[:200])
    n = 40 if backend == "python" else len(x)
    one_at_a_time = replace(net._state, batch_size=1, optimizer=codes.SGD)
    by_blocks = replace(net._state, batch_size=10)
    assert one_at_a_time.per_sample and not by_blocks.per_sample
    engine = net._engine if backend == "numba" else make_engine("python")
    sparse = np.where(x[-n:] > 40, x[-n:], 0)  # most pixels 0, as MNIST's
    for inputs in (x[-n:], sparse, x[-n:] / np.float64(255)):
        X = net._prepare_x(inputs)
        first = engine.predict_proba(one_at_a_time, X)
        second = engine.predict_proba(by_blocks, X)
        np.testing.assert_array_equal(first, second)
        assert first.shape == (n, 10) and np.all(np.isfinite(first))


@pytest.mark.realdata
def test_float32_stays_float32_and_tracks_float64(mnist):
    (x, y), _ = mnist
    single = recipes.keras(backend="numba")
    double = recipes.keras(backend="numba", dtype="float64")
    single.fit(x[:512], y[:512])
    double.fit(x[:512], y[:512])
    assert all(w.dtype == np.float32 for w in single.weights)
    assert single.predict_proba(x[:5]).dtype == np.float32
    # float32 rounding (6e-8 per operation) over 4 RMSprop steps of 128 samples
    assert relative_difference(single.weights, double.weights) < 1e-4


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_same_seed_same_weights(tiny_data, backend):
    x, y = tiny_data
    runs = []
    for _ in range(2):
        net = recipes.nielsen(backend=backend, seed=11)
        net.fit(x, y, epochs=2)
        runs.append(net.weights + net.biases)
    for first, second in zip(*runs):
        np.testing.assert_array_equal(first, second)
    other = recipes.nielsen(backend=backend, seed=12)
    assert not np.array_equal(other.weights[0], runs[0][0])


# ---------------------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------------------
def test_fit_returns_history_and_the_network_learns(tiny_data):
    x, y = tiny_data
    net = recipes.rashid(hidden=20, seed=0)
    history = net.fit(x[:200], y[:200], epochs=3, validation_data=(x[200:], y[200:]))
    keys = {"loss", "accuracy", "val_loss", "val_accuracy", "seconds", "samples_per_second"}
    assert keys <= set(history.history)
    assert all(len(history.history[k]) == 3 for k in keys)
    assert history.epoch == [1, 2, 3]
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert net.score(x[200:], y[200:]) > 0.9
    assert len(net.history_) == 3
    net.partial_fit(x[:200], y[:200])
    assert len(net.history_) == 4


def test_predict_evaluate_score_are_consistent(tiny_data):
    x, y = tiny_data
    net = recipes.keras(seed=1)
    net.fit(x, y, epochs=2)
    proba = net.predict_proba(x)
    assert proba.shape == (300, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    predicted = net.predict(x)
    np.testing.assert_array_equal(predicted, proba.argmax(axis=1))
    result = net.evaluate(x, y)
    assert result["accuracy"] == pytest.approx(np.mean(predicted == y))
    assert result["accuracy"] == net.score(x, y)
    expected_loss = -np.mean(np.log(proba[np.arange(300), y].astype(np.float64)))
    assert result["loss"] == pytest.approx(expected_loss, rel=1e-5)


def test_weights_are_out_by_in_and_assignable(tiny_data):
    x, _ = tiny_data
    net = recipes.rashid(hidden=7, seed=0)
    assert [w.shape for w in net.weights] == [(7, 784), (10, 7)]
    assert net.biases is None
    new = [np.zeros((7, 784)), np.ones((10, 7))]
    net.weights = new
    np.testing.assert_array_equal(net.weights[1], 1.0)
    # all-zero input weights: every hidden unit is sigmoid(0) = 0.5, every output equal
    proba = net.predict_proba(x[:3])
    np.testing.assert_allclose(proba, 1 / (1 + np.exp(-3.5)))
    with pytest.raises(ValueError, match=r"weights\[0\] must have shape \(7, 784\)"):
        net.weights = [np.zeros((784, 7)), np.ones((10, 7))]
    with pytest.raises(ValueError, match="use_bias=False"):
        net.biases = [np.zeros(7), np.zeros(10)]


def test_grokking_initial_weights_and_first_predictions(tiny_data):
    net = recipes.grokking()
    W = net.weights[0]
    np.testing.assert_array_equal(W[:, 0], np.arange(10) * 0.0001)
    assert np.all(W == W[:, :1])


def test_linear_first_predictions_are_about_fifty():
    (x, _), _ = ((np.full((1, 28, 28), 33, np.uint8), None), None)
    net = recipes.linear(seed=0)
    assert np.all((net.predict_proba(x) > 30) & (net.predict_proba(x) < 70))


def test_recipe_defaults_and_overrides():
    assert recipes.keras().batch_size == 128
    nielsen = recipes.nielsen()
    assert (nielsen.sizes, nielsen.batch_size, nielsen.learning_rate) == ([784, 30, 10], 10, 3.0)
    rashid = recipes.rashid(hidden=200, learning_rate=0.2, backend="numpy", dtype="float32",
                            seed=5, threads=1)
    assert (rashid.sizes, rashid.learning_rate, rashid.backend, rashid.dtype) == (
        [784, 200, 10], 0.2, "numpy", "float32")
    assert recipes.nielsen(sizes=[784, 50, 20, 10]).sizes == [784, 50, 20, 10]
    with pytest.raises(ValueError, match="recipe must be one of"):
        recipes.make("lenet")


def test_save_and_load_round_trip(tmp_path, tiny_data):
    x, y = tiny_data
    net = recipes.keras(seed=2)
    net.fit(x, y, epochs=1)
    path = net.save(tmp_path / "net.npz")
    loaded = fastnn.load(path)
    assert loaded.get_params() == net.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(x), net.predict_proba(x))
    assert loaded.history_ == net.history_
    # training goes on identically: same weights, optimizer state and generator
    net.fit(x, y)
    loaded.fit(x, y)
    for a, b in zip(net.weights + net.biases, loaded.weights + loaded.biases):
        np.testing.assert_array_equal(a, b)
    assert os.listdir(tmp_path) == ["net.npz"]


def test_a_failed_save_leaves_the_old_file(tmp_path, tiny_data, monkeypatch):
    net = recipes.linear(seed=0)
    path = net.save(tmp_path / "net.npz")
    before = path.read_bytes()

    def broken_savez(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        recipes.linear(seed=1).save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["net.npz"]


def test_bytes_round_trip_equals_the_file_round_trip(tmp_path, tiny_data):
    from fastnn.persistence import from_bytes, to_bytes

    x, y = tiny_data
    net = recipes.nielsen(sizes=[784, 12, 10], seed=4)
    net.fit(x, y, epochs=1)
    from_file, in_memory = fastnn.load(net.save(tmp_path / "net.npz")), from_bytes(to_bytes(net))
    assert in_memory.get_params() == from_file.get_params()
    assert in_memory.history_ == from_file.history_ == net.history_
    straight = recipes.nielsen(sizes=[784, 12, 10], seed=4)
    straight.fit(x, y, epochs=2)
    for loaded in (from_file, in_memory):  # the generator goes on too: nielsen shuffles
        loaded.fit(x, y, epochs=2, initial_epoch=1)
        for a, b in zip(loaded.weights + loaded.biases, straight.weights + straight.biases):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="the network bytes is not a fastnn network file"):
        from_bytes(b"not a zip")


def test_load_rejects_other_files(tmp_path):
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="not a fastnn network"):
        fastnn.load(tmp_path / "other.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="junk.npz is not a fastnn network file: a saved "
                                         "network is an .npz"):
        fastnn.load(tmp_path / "junk.npz")


# ---------------------------------------------------------------------------------------
# Bad input and bad runs
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,message", [
    ({"learning_rate": -1}, "learning_rate must be > 0, got -1"),
    ({"learning_rate": float("nan")}, "learning_rate must be a finite number > 0, got nan"),
    ({"batch_size": 0}, "batch_size must be an integer >= 1, got 0"),
    ({"sizes": [784]}, "at least an input and an output layer"),
    ({"activations": ["sigmoid"]}, "activations names 1 layers but sizes"),
    ({"activations": ["softmax", "sigmoid"]}, "softmax is supported only on the output layer"),
    ({"activations": "tanh"}, "each activation must be one of"),
    ({"loss": "cross_entropy"}, "needs a softmax output layer"),
    ({"backend": "cuda"}, "backend must be one of 'python', 'numpy', 'numba', got 'cuda'"),
    ({"dtype": "float16"}, "dtype must be one of"),
    ({"seed": -3}, "seed must be None or an integer >= 0, got -3"),
    ({"rho": 1.5}, "rho must be > 0 and < 1.0, got 1.5"),
    ({"threads": 0}, "threads must be an integer >= 1, got 0"),
])
def test_constructor_validates(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Network(**kwargs)


def test_keras_tutorial_shape_mistakes(tiny_data):
    x, y = tiny_data
    net = recipes.keras()
    net.fit(x[:10], y[:10])  # (n, 28, 28) images are flattened
    with pytest.raises(ValueError, match=r"x has shape \(10, 28, 27\), but this network takes \(n, 784\)"):
        net.fit(np.zeros((10, 28, 27), np.uint8), y[:10])
    with pytest.raises(ValueError, match=r"y has shape \(10, 3\)"):
        net.fit(x[:10], np.zeros((10, 3)))
    with pytest.raises(ValueError, match="label 12 at index 1 is out of range"):
        net.fit(x[:3], [1, 12, 3])
    with pytest.raises(ValueError, match="x has 10 samples but y has 9"):
        net.fit(x[:10], y[:9])
    with pytest.raises(ValueError, match="one sample of 784 values"):
        net.predict(np.zeros(784))
    bad = np.zeros((2, 784))
    bad[1, 5] = np.nan
    with pytest.raises(ValueError, match=r"x holds nan at index \(1, 5\)"):
        net.fit(bad, [0, 1])
    # one-hot targets are accepted as they are
    net.fit(x[:10], np.eye(10)[y[:10]])


@pytest.mark.parametrize("backend", ["numba", "numpy", "python"])
def test_divergence_stops_with_the_learning_rate_and_restores_weights(tiny_data, backend):
    x, y = tiny_data
    net = recipes.linear(learning_rate=50.0, seed=0, backend=backend)
    before = [w.copy() for w in net.weights]
    with pytest.raises(TrainingDivergedError, match="learning_rate=50.0"):
        net.fit(x, y)
    for got, expected in zip(net.weights, before):
        np.testing.assert_array_equal(got, expected)
    assert net.history_ == []


@pytest.mark.realdata
@pytest.mark.parametrize("name,overrides", [("rashid", {"hidden": 200}),
                                            ("rashid", {"hidden": 40, "dtype": "float32"}),
                                            ("linear", {}), ("grokking", {})])
def test_two_threads_give_the_same_bits_as_one(mnist, name, overrides):
    (x, y), _ = mnist
    nets = {n: recipes.make(name, seed=7, threads=n, **overrides) for n in (1, 2)}
    for net in nets.values():
        net.fit(x[:1500], y[:1500])
    for got, expected in zip(nets[2].weights, nets[1].weights):
        np.testing.assert_array_equal(got, expected)
    assert nets[2].history_[0]["loss"] == nets[1].history_[0]["loss"]
