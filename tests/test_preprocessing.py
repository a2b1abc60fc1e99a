"""flatten, scale, one_hot and train_validation_split."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fastnn.preprocessing import flatten, one_hot, scale, train_validation_split

PIXELS = np.arange(256, dtype=np.uint8).reshape(1, 16, 16)


# --- flatten -----------------------------------------------------------------------------

def test_flatten_shapes_and_view():
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    flat = flatten(images)
    assert flat.shape == (2, 784) and flat.dtype == np.uint8
    assert np.shares_memory(flat, images)
    np.testing.assert_array_equal(flat[1], images[1].ravel())
    assert flatten(np.zeros((0, 3, 5))).shape == (0, 15)


@pytest.mark.parametrize(
    "shape, hint",
    [((60000, 784), "look flat already"), ((28, 28), r"images\[np.newaxis\]"), ((5,), ""),
     ((2, 1, 28, 28), "")],
)
def test_flatten_rejects_other_shapes(shape, hint):
    expected = r"flatten expects images of shape \(n, height, width\); got shape "
    with pytest.raises(ValueError, match=expected + re.escape(str(shape)) + ".*" + hint):
        flatten(np.zeros(shape, dtype=np.uint8))


# --- scale -------------------------------------------------------------------------------

def test_scale_default_is_exactly_divide_by_255():
    result = scale(PIXELS)
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result, PIXELS / 255)
    assert result.min() == 0.0 and result.max() == 1.0


def test_scale_rashid_is_bit_exact():
    result = scale(PIXELS, 0.01, 1.0)
    np.testing.assert_array_equal(result, PIXELS / 255 * 0.99 + 0.01)
    assert result.min() == 0.01 and result.max() == 1.0


def test_scale_float32_computes_in_float32():
    result = scale(PIXELS, 0.01, 1.0, dtype=np.float32)
    assert result.dtype == np.float32
    x = PIXELS.astype(np.float32)
    np.testing.assert_array_equal(result, x / np.float32(255) * np.float32(0.99) + np.float32(0.01))
    np.testing.assert_array_equal(scale(PIXELS, dtype=np.float32), x / np.float32(255))


def test_scale_float64_input_to_float32_is_not_upcast():
    assert scale(PIXELS.astype(np.float64), dtype=np.float32).dtype == np.float32


def test_scale_range_and_input_untouched():
    images = PIXELS.copy()
    result = scale(images, -1.0, 1.0)
    assert result[0, 0, 0] == -1.0 and result[0, -1, -1] == 1.0
    np.testing.assert_array_equal(images, PIXELS)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(low=1.0, high=0.0), r"finite low < high; got low=1.0, high=0.0"),
        (dict(low=0.5, high=0.5), r"finite low < high"),
        (dict(dtype=np.int32), r"dtype must be float32 or float64; got int32"),
        (dict(dtype=np.float16), r"dtype must be float32 or float64; got float16"),
    ],
)
def test_scale_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        scale(PIXELS, **kwargs)


def test_scale_rejects_non_numeric():
    with pytest.raises(ValueError, match="numeric pixel values; got dtype <U1"):
        scale(np.array(["a"]))


# --- one_hot -----------------------------------------------------------------------------

def test_one_hot_basic():
    targets = one_hot(np.array([5, 0, 9], dtype=np.uint8))
    assert targets.shape == (3, 10) and targets.dtype == np.float64
    np.testing.assert_array_equal(targets.argmax(axis=1), [5, 0, 9])
    assert targets.sum() == 3.0


def test_one_hot_rashid_targets():
    targets = one_hot([3], off=0.01, on=0.99, dtype=np.float32)
    assert targets.dtype == np.float32
    expected = np.full(10, 0.01, np.float32)
    expected[3] = 0.99
    np.testing.assert_array_equal(targets[0], expected)


def test_one_hot_accepts_integral_floats_and_other_class_counts():
    np.testing.assert_array_equal(one_hot([1.0, 0.0], n_classes=2), [[0, 1], [1, 0]])
    assert one_hot(np.array([], dtype=int)).shape == (0, 10)


@given(hnp.arrays(np.int64, st.integers(0, 30), elements=st.integers(0, 9)))
def test_one_hot_argmax_inverts(labels):
    np.testing.assert_array_equal(one_hot(labels).argmax(axis=1), labels)


@pytest.mark.parametrize(
    "labels, message",
    [
        ([1, 2, 10], r"one_hot: label 10 at index 2 is outside 0-9"),
        ([1, -1], r"one_hot: label -1 at index 1 is outside 0-9"),
        ([1.0, 2.5], r"one_hot: label 2.5 at index 1 is not an integer"),
        ([0.0, np.nan], r"one_hot: label nan at index 1 is not an integer"),
        (np.eye(10)[:3], r"labels must have shape \(n,\); got shape \(3, 10\).*argmax\(axis=1\)"),
        (np.zeros((3, 1), int), r"got shape \(3, 1\).*ravel"),
        (["a", "b"], r"labels must be integers 0-9; got dtype <U1"),
        ([True, False], r"labels must be integers 0-9; got dtype bool"),
    ],
)
def test_one_hot_rejects_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        one_hot(labels)


def test_one_hot_rejects_bad_n_classes():
    with pytest.raises(ValueError, match="n_classes must be a positive integer; got 0"):
        one_hot([0], n_classes=0)


# --- train_validation_split --------------------------------------------------------------

def _data(n=20):
    return np.arange(n * 4).reshape(n, 4), np.arange(n) % 10


def test_split_default_is_nielsens_last_samples():
    x, y = _data()
    (x_train, y_train), (x_val, y_val) = train_validation_split(x, y, validation_size=5)
    np.testing.assert_array_equal(x_train, x[:15])
    np.testing.assert_array_equal(y_val, y[15:])
    assert np.shares_memory(x_train, x)


def test_split_nielsen_sizes():
    x = np.zeros((60000, 784), dtype=np.uint8)
    y = np.zeros(60000, dtype=np.uint8)
    (x_train, _), (x_val, y_val) = train_validation_split(x, y)
    assert len(x_train) == 50000 and len(x_val) == 10000 and len(y_val) == 10000


def test_split_shuffle_is_seeded_and_a_partition():
    x, y = _data()
    first = train_validation_split(x, y, 5, seed=7, shuffle=True)
    again = train_validation_split(x, y, 5, seed=7, shuffle=True)
    np.testing.assert_array_equal(first[1][0], again[1][0])
    order = np.random.default_rng(7).permutation(20)
    np.testing.assert_array_equal(first[0][1], y[order[:15]])
    np.testing.assert_array_equal(first[1][0], x[order[15:]])
    rows = np.concatenate([first[0][0], first[1][0]])[:, 0] // 4
    assert sorted(rows.tolist()) == list(range(20))


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((np.zeros((3, 2)), np.zeros(4)), {}, r"shapes \(3, 2\) and \(4,\)"),
        (_data(), dict(validation_size=20), r"from 1 to 19 for 20 samples; got 20"),
        (_data(), dict(validation_size=0), r"got 0"),
        (_data(), dict(validation_size=2.5), r"got 2.5"),
        (_data(), dict(validation_size=5, seed=1), r"seed only applies with shuffle=True"),
    ],
)
def test_split_rejects_bad_arguments(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        train_validation_split(*args, **kwargs)
