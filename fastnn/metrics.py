"""The numbers behind the evaluation pictures, in NumPy only (no matplotlib).

>>> from fastnn.metrics import confusion_matrix
>>> confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2], n_classes=3)
array([[1, 0, 0],
       [0, 1, 1],
       [0, 0, 1]])
"""

from __future__ import annotations

import numbers

import numpy as np

from fastnn.datasets.validation import as_labels

__all__ = ["confusion_matrix", "check_label_pair"]


def check_label_pair(y_true, y_pred, n_classes=10, where="confusion_matrix"):
    """``(y_true, y_pred)`` as int64 label vectors of equal length, each in 0..n_classes-1.

    Parameters
    ----------
    y_true, y_pred : array_like, shape (n,)
        Class indices (integers, or floats with integral values).
    n_classes : int
    where : str
        The caller's name, which starts every error message.

    Raises
    ------
    ValueError
        For a label outside 0..n_classes-1 or not an integer (quoting it and its index),
        another shape than (n,), or two lengths that differ (quoting both).
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral) or n_classes < 1:
        raise ValueError(f"{where}: n_classes must be an integer >= 1, got {n_classes!r}")
    true = as_labels(y_true, f"{where}: y_true", n_classes, np.int64, ValueError)
    pred = as_labels(y_pred, f"{where}: y_pred", n_classes, np.int64, ValueError)
    if len(true) != len(pred):
        raise ValueError(f"{where}: y_true has {len(true)} labels but y_pred has {len(pred)}; "
                         "give one prediction per true label")
    return true, pred


def confusion_matrix(y_true, y_pred, n_classes=10):
    """Count each (true class, predicted class) pair, as scikit-learn's confusion_matrix.

    Parameters
    ----------
    y_true : array_like, shape (n,)
        True labels, 0..n_classes-1.
    y_pred : array_like, shape (n,)
        Predicted labels, 0..n_classes-1 (e.g. ``net.predict(x)``).
    n_classes : int, default 10

    Returns
    -------
    numpy.ndarray, int64, shape (n_classes, n_classes)
        ``C[i, j]`` is the number of samples of true class ``i`` predicted as ``j``: rows
        are the true class, columns the predicted one; the diagonal counts the correct
        predictions and ``C.sum() == n``.

    Raises
    ------
    ValueError
        See :func:`check_label_pair`.
    """
    true, pred = check_label_pair(y_true, y_pred, n_classes)
    counts = np.bincount(true * n_classes + pred, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes).astype(np.int64, copy=False)
