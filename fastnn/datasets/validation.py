"""Checks shared by every format and by :mod:`fastnn.preprocessing`: images and labels.

Each function takes `where`, a short description of the data's origin (a file name, a
file name and key, or a function call), which starts every error message.
"""

from __future__ import annotations

import numpy as np

from .errors import FormatError

__all__ = ["as_images", "as_labels", "check_same_length", "as_split"]


def _first_true(mask: np.ndarray) -> int:
    """Flat index of the first True in `mask` (which must hold at least one True)."""
    return int(np.argmax(mask.reshape(-1)))


def as_images(images, where: str) -> np.ndarray:
    """Return `images` as a uint8 array of shape (n, h, w), checking it on the way.

    Parameters
    ----------
    images : array_like, shape (n, h, w)
        Integer pixel values 0-255 (any integer dtype).
    where : str
        Origin of the data, for error messages.

    Returns
    -------
    numpy.ndarray, uint8, shape (n, h, w)
        `images` itself when it already is a uint8 ndarray, else a converted copy.

    Raises
    ------
    FormatError
        For another number of dimensions, a non-integer dtype or a value outside 0-255.
    """
    array = np.asarray(images)
    if array.ndim != 3:
        raise FormatError(
            f"{where}: images must have shape (n, height, width); got shape {array.shape}"
            + (" (flattened images: reshape them to (n, 28, 28))" if array.ndim == 2 else "")
        )
    if array.dtype == np.uint8:
        return array
    if array.dtype.kind not in "iu":
        raise FormatError(
            f"{where}: images must hold integer pixel values 0-255; got dtype {array.dtype} "
            "(pass the raw uint8 images, not scaled ones)"
        )
    bad = (array < 0) | (array > 255)
    if bad.any():
        index = tuple(int(i) for i in np.unravel_index(_first_true(bad), array.shape))
        raise FormatError(f"{where}: pixel value {array[index]} at index {index} is outside 0-255")
    return array.astype(np.uint8)


def as_labels(labels, where: str, n_classes: int = 10, dtype=np.uint8,
              error: type[ValueError] = FormatError) -> np.ndarray:
    """Return `labels` as a 1-D integer array, checking each is a class index.

    Parameters
    ----------
    labels : array_like, shape (n,)
        Class indices 0 to ``n_classes - 1``: integers, or floats with integral values.
    where : str
        Origin of the data, for error messages.
    n_classes : int, default 10
        Number of classes.
    dtype : numpy dtype, default uint8
        dtype of the result.
    error : type, default FormatError
        Exception class raised (a ValueError subclass).

    Returns
    -------
    numpy.ndarray, shape (n,)
        `labels` itself when it already has `dtype`, else a converted copy.

    Raises
    ------
    error
        For another shape, a non-numeric dtype, a non-integral value or a value outside
        0 to ``n_classes - 1``; the message quotes the first bad value and its index.
    """
    array = np.asarray(labels)
    if array.ndim != 1:
        hint = ""
        if array.ndim == 2 and array.shape[1] == n_classes:
            hint = " (these look one-hot already: labels.argmax(axis=1) gives class indices)"
        elif array.ndim == 2 and array.shape[1] == 1:
            hint = " (use labels.ravel())"
        raise error(f"{where}: labels must have shape (n,); got shape {array.shape}{hint}")
    if array.dtype.kind == "f":
        bad = ~np.isfinite(array) | (array != np.round(array))
        if bad.any():
            index = _first_true(bad)
            value = array[index].item()
            raise error(f"{where}: label {value!r} at index {index} is not an integer")
    elif array.dtype.kind not in "iu":
        raise error(f"{where}: labels must be integers 0-{n_classes - 1}; got dtype {array.dtype}")
    bad = (array < 0) | (array >= n_classes)
    if bad.any():
        index = _first_true(bad)
        value = array[index].item()
        shown = int(value) if array.dtype.kind == "f" else value
        raise error(f"{where}: label {shown} at index {index} is outside 0-{n_classes - 1}")
    return array if array.dtype == dtype else array.astype(dtype)


def check_same_length(images: np.ndarray, labels: np.ndarray, where: str) -> None:
    """Raise FormatError unless `images` and `labels` have the same first dimension."""
    if len(images) != len(labels):
        raise FormatError(
            f"{where}: {len(images)} images but {len(labels)} labels; each image needs one label"
        )


def as_split(images, labels, images_where: str, labels_where: str
             ) -> tuple[np.ndarray, np.ndarray]:
    """Check one split: :func:`as_images`, :func:`as_labels` and equal lengths.

    Returns
    -------
    images : numpy.ndarray, uint8, shape (n, h, w)
    labels : numpy.ndarray, uint8, shape (n,)
    """
    images = as_images(images, images_where)
    labels = as_labels(labels, labels_where)
    where = images_where if images_where == labels_where else f"{images_where} and {labels_where}"
    check_same_length(images, labels, where)
    return images, labels
