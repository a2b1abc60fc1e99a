"""Backquery (fastnn.backquery): a network run backwards, against the book's procedure
written out here on its own."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, logit

from fastnn import recipes
from fastnn.cli import main


def book_backquery(wih, who, label):
    """*Make Your Own Neural Network*'s backquery, for its 3-layer network, in NumPy."""
    targets = np.zeros(who.shape[0]) + 0.01
    targets[label] = 0.99
    final_inputs = logit(np.array(targets, ndmin=2).T)
    hidden_outputs = np.dot(who.T, final_inputs)
    hidden_outputs -= np.min(hidden_outputs)
    hidden_outputs /= np.max(hidden_outputs)
    hidden_outputs *= 0.98
    hidden_outputs += 0.01
    hidden_inputs = logit(hidden_outputs)
    inputs = np.dot(wih.T, hidden_inputs)
    inputs -= np.min(inputs)
    inputs /= np.max(inputs)
    inputs *= 0.98
    inputs += 0.01
    return inputs.ravel()


def test_backquery_is_the_books(tiny_data):
    x, y = tiny_data
    net = recipes.rashid(hidden=30, seed=1, backend="numpy")
    net.fit(x, y)
    wih, who = net.weights
    every = net.backquery()
    assert every.shape == (10, 784)
    for label in range(10):
        expected = book_backquery(wih, who, label)
        np.testing.assert_allclose(net.backquery(label), expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(every[label], expected, rtol=1e-12, atol=1e-12)
    assert every.min() == pytest.approx(0.01) and every.max() == pytest.approx(0.99)


def test_biases_are_taken_off_before_the_transposed_product():
    """A bias b added to every hidden pre-activation changes nothing the backquery sees
    only if it is subtracted: check against the book's procedure with logit(t) - b."""
    net = recipes.nielsen(sizes=[6, 4, 3], seed=2, backend="numpy")
    W1, W2 = net.weights
    b1, b2 = net.biases
    targets = np.array([0.01, 0.99, 0.01])
    hidden = W2.T @ (logit(targets) - b2)
    hidden = (hidden - hidden.min()) / (hidden - hidden.min()).max() * 0.98 + 0.01
    inputs = W1.T @ (logit(hidden) - b1)
    inputs = (inputs - inputs.min()) / (inputs - inputs.min()).max() * 0.98 + 0.01
    np.testing.assert_allclose(net.backquery(1), inputs, rtol=1e-12)


def test_a_network_without_an_inverse_is_refused_by_layer():
    with pytest.raises(ValueError, match=r"layer 0 \(of 2.*has 'relu', which has no inverse"):
        recipes.keras().backquery(3)
    with pytest.raises(ValueError, match="label must be an integer from 0 to 9, got 10"):
        recipes.rashid(hidden=5).backquery(10)


def test_the_picture_and_the_command(tmp_path, read_png, capsys):
    from fastnn import plots

    net = recipes.rashid(hidden=20, seed=0)
    figure = plots.backquery(net)
    assert len(figure.axes) == 10
    path = net.save(tmp_path / "rashid.npz")
    out = tmp_path / "backquery.png"
    assert main(["plot", "backquery", str(path), "--out", str(out)]) == 0
    read_png(out)
    keras = recipes.keras().save(tmp_path / "keras.npz")
    assert main(["plot", "backquery", str(keras), "--out", str(tmp_path / "k.png")]) == 1
    assert "which has no inverse" in capsys.readouterr().err
    assert not (tmp_path / "k.png").exists()
