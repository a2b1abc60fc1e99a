"""Keras's ``fit`` keywords: batch_size, validation_split and initial_epoch, on every backend."""

from __future__ import annotations

import re

import numpy as np
import pytest

import fastnn
from fastnn import recipes
from fastnn.cli import main

BACKENDS = ["python", "numpy", "numba"]


def parameters(net):
    return net.weights + (net.biases or [])


def assert_same_parameters(first, second):
    for a, b in zip(parameters(first), parameters(second), strict=True):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------------------
# batch_size
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_fit_batch_size_trains_as_a_network_built_with_it(tiny_data, backend):
    x, y = tiny_data
    per_sample = recipes.rashid(hidden=8, seed=3, backend=backend)          # batch_size=1
    batched = recipes.rashid(hidden=8, seed=3, backend=backend, batch_size=10)
    per_sample.fit(x, y, batch_size=10)
    batched.fit(x, y)
    assert_same_parameters(per_sample, batched)
    assert per_sample.history_[0]["loss"] == batched.history_[0]["loss"]

    # The constructor's batch size stays the default of later calls.
    assert (per_sample.batch_size, batched.batch_size) == (1, 10)
    per_sample.fit(x, y)
    batched.fit(x, y, batch_size=1)
    assert_same_parameters(per_sample, batched)
    assert per_sample.get_params()["batch_size"] == 1


def test_partial_fit_takes_batch_size_and_the_default_comes_back(tiny_data):
    x, y = tiny_data
    net = recipes.keras(seed=4, dtype="float64")                           # batch_size=128
    twin = recipes.keras(seed=4, dtype="float64", batch_size=16)
    net.partial_fit(x, y, batch_size=16)
    twin.partial_fit(x, y)
    assert_same_parameters(net, twin)
    net.partial_fit(x, y)
    twin.partial_fit(x, y, batch_size=128)
    assert_same_parameters(net, twin)


@pytest.mark.parametrize("value", [0, -3, 2.5, True, "10"])
def test_bad_batch_size_gets_the_constructors_error(tiny_data, value):
    x, y = tiny_data
    net = recipes.rashid(hidden=8, seed=0)
    with pytest.raises(ValueError, match=re.escape(f"batch_size must be an integer >= 1, got {value!r}")):
        net.fit(x, y, batch_size=value)
    with pytest.raises(ValueError, match=re.escape(f"got {value!r}")):
        recipes.rashid(hidden=8, batch_size=value)
    assert net.history_ == []


def test_the_default_batch_size_returns_after_a_call_that_raised(tiny_data):
    x, y = tiny_data

    def stop(net, epoch, seen):
        raise KeyboardInterrupt

    net = recipes.rashid(hidden=8, seed=0, backend="numpy")
    with pytest.raises(KeyboardInterrupt):   # after the first batch of 4
        net.fit(x, y, batch_size=4, shuffle=False, callback=stop, callback_every=4)
    twin = recipes.rashid(hidden=8, seed=0, backend="numpy")
    assert_same_parameters(net, twin)  # the unfinished epoch is undone
    assert net.history_ == []
    net.fit(x, y)       # per sample again, as constructed
    twin.fit(x, y, batch_size=1)
    assert_same_parameters(net, twin)


# ---------------------------------------------------------------------------------------
# validation_split
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_validation_split_holds_out_the_end_before_shuffling(tiny_data, backend):
    x, y = tiny_data
    split = recipes.nielsen(sizes=[784, 12, 10], seed=5, backend=backend)   # shuffles
    explicit = recipes.nielsen(sizes=[784, 12, 10], seed=5, backend=backend)
    history = split.fit(x, y, epochs=2, validation_split=0.25)
    expected = explicit.fit(x[:225], y[:225], epochs=2, validation_data=(x[225:], y[225:]))
    assert_same_parameters(split, explicit)
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "samples"):
        assert history.history[key] == expected.history[key]
    assert history.history["samples"] == [225, 225]
    assert history.history["val_accuracy"][-1] == split.evaluate(x[225:], y[225:])["accuracy"]


@pytest.mark.parametrize("n,fraction,kept", [(10, 0.25, 7), (10, 0.2, 8), (7, 0.5, 3), (120, 0.1, 108)])
def test_validation_split_keeps_floor_of_the_training_part_as_keras(tiny_data, n, fraction, kept):
    x, y = tiny_data
    net = recipes.rashid(hidden=8, seed=0, backend="numpy")
    history = net.fit(x[:n], y[:n], validation_split=fraction)
    assert history.history["samples"] == [kept]
    loss = net.evaluate(x[kept:n], y[kept:n])["loss"]
    assert history.history["val_loss"] == [loss]


def test_partial_fit_takes_validation_split(tiny_data):
    x, y = tiny_data
    net = recipes.rashid(hidden=8, seed=0, backend="numpy")
    history = net.partial_fit(x, y, validation_split=0.5)
    assert history.history["samples"] == [150]
    assert history.history["val_loss"] == [net.evaluate(x[150:], y[150:])["loss"]]


@pytest.mark.parametrize("value,message", [
    (1.0, "validation_split must be in (0, 1), the fraction of the samples to hold out "
          "(e.g. 0.2), or 0 for none; got 1.0"),
    (-0.1, "validation_split must be in (0, 1)"),
    (20, "got 20"),
    (float("nan"), "validation_split must be a number in (0, 1), or 0 for none; got nan"),
    ("0.2", "got '0.2'"),
    (True, "got True"),
])
def test_bad_validation_split_is_quoted(tiny_data, value, message):
    x, y = tiny_data
    with pytest.raises(ValueError, match=re.escape(message)):
        recipes.rashid(hidden=8).fit(x, y, validation_split=value)


def test_validation_split_and_validation_data_are_exclusive(tiny_data):
    x, y = tiny_data
    with pytest.raises(ValueError, match=r"validation_split=0\.2 and validation_data were both "
                                         r"given: pass one of them"):
        recipes.rashid(hidden=8).fit(x, y, validation_split=0.2, validation_data=(x, y))


def test_validation_split_too_small_for_the_data(tiny_data):
    x, y = tiny_data
    with pytest.raises(ValueError, match=r"validation_split=0\.5 of 1 samples leaves 0 to train "
                                         r"on and 1 to validate on"):
        recipes.rashid(hidden=8).fit(x[:1], y[:1], validation_split=0.5)
    # 1 - 1e-17 rounds to 1.0: nothing would be held out
    with pytest.raises(ValueError, match=r"leaves 3 to train on and 0 to validate on"):
        recipes.rashid(hidden=8).fit(x[:3], y[:3], validation_split=1e-17)


# ---------------------------------------------------------------------------------------
# initial_epoch
# ---------------------------------------------------------------------------------------
def test_initial_epoch_resumes_as_one_longer_run(tiny_data, tmp_path):
    x, y = tiny_data
    straight = recipes.nielsen(sizes=[784, 12, 10], seed=6)
    straight.fit(x, y, epochs=4)
    resumed = recipes.nielsen(sizes=[784, 12, 10], seed=6)
    assert resumed.fit(x, y, epochs=2, initial_epoch=0).epoch == [1, 2]
    # Keras's resume habit, across save and load: epochs is the last epoch's number.
    loaded = fastnn.load(resumed.save(tmp_path / "net.npz"))
    history = loaded.fit(x, y, epochs=4, initial_epoch=2)
    assert history.epoch == [3, 4]
    assert len(loaded.history_) == 4
    assert_same_parameters(loaded, straight)


def test_initial_epoch_must_match_the_networks_history(tiny_data):
    x, y = tiny_data
    net = recipes.rashid(hidden=8, seed=0, backend="numpy")
    net.fit(x, y, epochs=2)
    with pytest.raises(ValueError, match=re.escape(
            "initial_epoch=1, but this network has trained 2 epoch(s) (len(net.history_)): "
            "pass initial_epoch=2 to resume from there")):
        net.fit(x, y, epochs=3, initial_epoch=1)
    with pytest.raises(ValueError, match=re.escape(
            "epochs=2 with initial_epoch=2: with initial_epoch, epochs is the number of the "
            "last epoch to train, so it must be an integer > 2")):
        net.fit(x, y, epochs=2, initial_epoch=2)
    with pytest.raises(TypeError, match="partial_fit trains exactly one epoch, so it takes no "
                                        r"initial_epoch= \(got initial_epoch=2\)"):
        net.partial_fit(x, y, initial_epoch=2)
    assert len(net.history_) == 2


# ---------------------------------------------------------------------------------------
# fastnn train --validation-split, on the real MNIST
# ---------------------------------------------------------------------------------------
@pytest.mark.realdata
def test_train_validation_split(mnist_dir, capsys):
    code = main(["train", "--recipe", "linear", "--limit", "600", "--validation-split", "0.1",
                 "--eval-every", "270", "--epochs", "2", "--quiet", "--data-dir", str(mnist_dir)])
    out = capsys.readouterr().out
    assert code == 0
    assert re.search(r"Epoch 1/2 - 540 samples .* val_loss: [\d.]+ - val_accuracy: 0\.\d{4}", out)
    assert [int(n) for n in re.findall(r"after +(\d+) images", out)] == [0, 270, 540, 810, 1080]


@pytest.mark.realdata
def test_train_rejects_a_bad_validation_split(mnist_dir, capsys):
    code = main(["train", "--recipe", "linear", "--limit", "100", "--validation-split", "1.5",
                 "--quiet", "--data-dir", str(mnist_dir)])
    err = capsys.readouterr().err
    assert code == 1
    assert "validation_split must be in (0, 1)" in err and "got 1.5" in err
    code = main(["train", "--recipe", "linear", "--limit", "100", "--validation-split", "0.2",
                 "--benchmark", "--data-dir", str(mnist_dir)])
    assert code == 1
    assert ("--validation-split 0.2 and --benchmark: the benchmark times epochs over the whole "
            "training set; drop one") in capsys.readouterr().err
