"""Rotated training images (fastnn.preprocessing.rotate, fit(rotations=...)) against
SciPy and against the book's own training loop, written out here on its own."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from scipy.special import expit

from fastnn import recipes
from fastnn.cli import main
from fastnn.experiments.grid import check_grid, split_params
from fastnn.preprocessing import rotate


@pytest.mark.parametrize("angle, fill", [(10, 0.01), (-10, 0.01), (33.5, 0.0), (90, 0.5)])
def test_rotate_is_scipy_s(angle, fill):
    rng = np.random.default_rng(0)
    images = rng.uniform(0.01, 1.0, (4, 28, 28))
    expected = np.stack([ndimage.rotate(image, angle, reshape=False, order=1, mode="constant",
                                        cval=fill) for image in images])
    np.testing.assert_allclose(rotate(images, angle, fill), expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(rotate(images[1], angle, fill), expected[1], rtol=0, atol=1e-9)
    single = rotate(images.astype(np.float32), angle, fill)
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, expected, atol=1e-6)


def test_rotate_turns_counter_clockwise():
    image = np.zeros((28, 28))
    image[14, 20:27] = 1.0  # a stroke to the right of the centre
    turned = rotate(image, 90)
    rows, cols = np.nonzero(turned > 0.5)
    assert rows.max() < 14 and abs(cols.mean() - 13.5) < 1  # now above the centre


def test_rotate_refuses_pixels_and_bad_angles():
    with pytest.raises(ValueError, match="images must be floats"):
        rotate(np.zeros((28, 28), np.uint8), 10)
    with pytest.raises(ValueError, match="angle must be a finite number"):
        rotate(np.zeros((28, 28)), float("nan"))


class BookNetwork:
    """*Make Your Own Neural Network*'s class, trained on the weights it is given."""

    def __init__(self, wih, who, learning_rate):
        self.wih, self.who, self.lr = wih.copy(), who.copy(), learning_rate

    def train(self, inputs_list, targets_list):
        inputs = np.array(inputs_list, ndmin=2).T
        targets = np.array(targets_list, ndmin=2).T
        hidden_outputs = expit(np.dot(self.wih, inputs))
        final_outputs = expit(np.dot(self.who, hidden_outputs))
        output_errors = targets - final_outputs
        hidden_errors = np.dot(self.who.T, output_errors)
        self.who += self.lr * np.dot(output_errors * final_outputs * (1.0 - final_outputs),
                                     np.transpose(hidden_outputs))
        self.wih += self.lr * np.dot(hidden_errors * hidden_outputs * (1.0 - hidden_outputs),
                                     np.transpose(inputs))


def book_training(net, images, labels):
    """The book's loop with its rotated copies: train(x), train(+10), train(-10)."""
    book = BookNetwork(*net.weights, net.learning_rate)
    for image, label in zip(images, labels):
        inputs = image / 255.0 * 0.99 + 0.01
        targets = np.zeros(10) + 0.01
        targets[label] = 0.99
        book.train(inputs.ravel(), targets)
        for angle in (10, -10):
            turned = ndimage.rotate(inputs, angle, cval=0.01, order=1, reshape=False)
            book.train(turned.ravel(), targets)
    return book.wih, book.who


@pytest.mark.realdata
@pytest.mark.parametrize("backend", ["numba", "numpy", "python"])
def test_fit_with_rotations_is_the_books_loop(mnist, backend):
    (x, y), _ = mnist
    count = 300 if backend != "python" else 40
    net = recipes.rashid(hidden=20, seed=4, backend=backend)
    expected = book_training(net, x[:count], y[:count])
    history = net.fit(x[:count], y[:count], rotations=(10, -10))
    assert history.history["samples"] == [3 * count]
    for got, want in zip(net.weights, expected):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


def test_rotations_repeat_with_a_seed_and_combine_with_mini_batches(tiny_data):
    x, y = tiny_data
    runs = []
    for _ in range(2):
        net = recipes.nielsen(sizes=[784, 12, 10], seed=3)
        history = net.fit(x, y, epochs=2, batch_size=7, rotations=(5,), verbose=0,
                          validation_data=(x[:50], y[:50]))
        runs.append(net.weights)
        assert history.history["samples"] == [600, 600]
        assert len(history.history["val_accuracy"]) == 2
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="rotations must be finite angles"):
        recipes.rashid(hidden=5).fit(x, y, rotations=("ten",))
    with pytest.raises(ValueError, match="rotations turn square images"):
        recipes.linear(sizes=[99, 10]).fit(np.zeros((4, 99)), [0, 1, 2, 3], rotations=(10,))


def test_the_sweep_and_the_command_line_take_rotations(mnist_dir, capsys):
    grid = check_grid("rashid", {"hidden": [10], "rotations": [0, 10]})
    assert grid["rotations"] == [0.0, 10.0]
    assert split_params({"hidden": 10, "rotations": 10.0}) == ({"hidden": 10},
                                                               {"rotations": (10.0, -10.0)})
    assert split_params({"hidden": 10, "rotations": 0.0}) == ({"hidden": 10}, {})
    assert main(["train", "--recipe", "rashid", "--hidden", "10", "--limit", "200",
                 "--epochs", "1", "--rotations", "10", "--quiet",
                 "--data-dir", str(mnist_dir)]) == 0
    assert "600 samples" in capsys.readouterr().out
    assert main(["train", "--recipe", "rashid", "--rotations", "-5",
                 "--data-dir", str(mnist_dir)]) == 1
    assert "--rotations must be an angle > 0" in capsys.readouterr().err
