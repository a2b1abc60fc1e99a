"""``fastnn.metrics.confusion_matrix`` against counts made here, one pair at a time."""

from __future__ import annotations

import numpy as np
import pytest

from fastnn.metrics import confusion_matrix


def counted(y_true, y_pred, n_classes):
    """The confusion matrix by a plain double loop over classes, independently of bincount."""
    table = [[0] * n_classes for _ in range(n_classes)]
    for true, pred in zip(y_true, y_pred):
        table[int(true)][int(pred)] += 1
    return np.array(table, dtype=np.int64)


@pytest.mark.parametrize("n_classes, n, seed", [(10, 1000, 0), (3, 50, 1), (10, 0, 2), (1, 5, 3)])
def test_matches_counts_made_by_hand(n_classes, n, seed):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, n_classes, n)
    y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, n_classes, n))
    result = confusion_matrix(y_true, y_pred, n_classes)
    assert result.dtype == np.int64 and result.shape == (n_classes, n_classes)
    np.testing.assert_array_equal(result, counted(y_true, y_pred, n_classes))
    assert result.sum() == n
    assert np.trace(result) == np.sum(y_true == y_pred)


def test_rows_are_true_classes_and_columns_predictions():
    # Two 3s predicted as 5 and one 5 predicted as 3: C[3, 5] == 2, C[5, 3] == 1.
    result = confusion_matrix([3, 3, 5, 1], [5, 5, 3, 1])
    assert result[3, 5] == 2 and result[5, 3] == 1 and result[1, 1] == 1
    assert result.sum() == 4


def test_accepts_uint8_labels_lists_and_integral_floats(mnist):
    _, (_, y_test) = mnist
    assert y_test.dtype == np.uint8
    shifted = (y_test.astype(np.int64) + 1) % 10
    np.testing.assert_array_equal(confusion_matrix(y_test, shifted),
                                  counted(y_test, shifted, 10))
    np.testing.assert_array_equal(confusion_matrix([0.0, 2.0], [2, 2], 3),
                                  [[0, 0, 1], [0, 0, 0], [0, 0, 1]])


@pytest.mark.parametrize("y_true, y_pred, message", [
    ([0, 1, 2], [0, 1], "y_true has 3 labels but y_pred has 2"),
    ([0, 10], [0, 1], "y_true: label 10 at index 1 is outside 0-9"),
    ([0, 1], [0, -1], "y_pred: label -1 at index 1 is outside 0-9"),
    ([0, 1.5], [0, 1], r"y_true: label 1\.5 at index 1 is not an integer"),
    ([[0, 1]], [0, 1], r"y_true: labels must have shape \(n,\); got shape \(1, 2\)"),
])
def test_bad_labels_are_named_and_quoted(y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(y_true, y_pred)


def test_bad_number_of_classes():
    with pytest.raises(ValueError, match="n_classes must be an integer >= 1, got 0"):
        confusion_matrix([0], [0], n_classes=0)
    with pytest.raises(ValueError, match="label 3 at index 0 is outside 0-2"):
        confusion_matrix([3], [0], n_classes=3)
