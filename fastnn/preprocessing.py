"""Preparing MNIST arrays for the networks: flattening, scaling, one-hot targets, splits.

Every function returns new arrays (or views, where stated) and leaves its inputs as they
are.
"""

from __future__ import annotations

import numbers

import numpy as np

from .datasets.validation import as_labels

__all__ = ["flatten", "scale", "one_hot", "train_validation_split", "rotate"]

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _float_dtype(dtype, function: str) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in _FLOAT_DTYPES:
        raise ValueError(f"{function}: dtype must be float32 or float64; got {dtype}")
    return dtype


def flatten(images) -> np.ndarray:
    """Flatten each image into a row: (n, height, width) -> (n, height * width).

    Parameters
    ----------
    images : array_like, shape (n, height, width)
        E.g. MNIST's (60000, 28, 28) uint8 images.

    Returns
    -------
    numpy.ndarray, shape (n, height * width)
        Same dtype; a view of `images` when it is C-contiguous, else a copy.

    Raises
    ------
    ValueError
        If `images` does not have 3 dimensions.
    """
    array = np.asarray(images)
    if array.ndim != 3:
        hint = ""
        if array.ndim == 2 and array.shape[0] == array.shape[1]:
            hint = "; for a single image, use images[np.newaxis] to make a batch of one"
        elif array.ndim == 2:
            hint = "; these look flat already (one image a row): use them as they are"
        raise ValueError(
            f"flatten expects images of shape (n, height, width); got shape {array.shape}{hint}"
        )
    n, height, width = array.shape
    return array.reshape(n, height * width)


def scale(images, low: float = 0.0, high: float = 1.0, dtype=np.float64) -> np.ndarray:
    """Map pixel values 0-255 linearly onto [low, high]: ``images / 255 * (high - low) + low``.

    The operations run in that order, in `dtype`, with ``high - low`` and `low` rounded to
    `dtype` first. So ``scale(x)`` is exactly ``x / 255`` (the multiplication and addition
    are skipped), and ``scale(x, 0.01, 1.0)`` is exactly Rashid's
    ``x / 255 * 0.99 + 0.01`` (``1.0 - 0.01 == 0.99`` holds in float64 and float32).

    Parameters
    ----------
    images : array_like of real numbers, any shape
        Pixel values, normally uint8 0-255 (values are not checked).
    low, high : float, default 0.0 and 1.0
        What 0 and 255 map to; ``low < high``.
    dtype : {numpy.float64, numpy.float32}, default float64
        dtype of the result and of the computation (no float64 intermediate for float32).

    Returns
    -------
    numpy.ndarray
        Same shape as `images`, of `dtype`; a new array.

    Raises
    ------
    ValueError
        For another dtype, non-numeric images, or not ``low < high``.
    """
    dtype = _float_dtype(dtype, "scale")
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"scale needs finite low < high; got low={low!r}, high={high!r}")
    array = np.asarray(images)
    if array.dtype.kind not in "uif":
        raise ValueError(f"scale expects numeric pixel values; got dtype {array.dtype}")
    scaled = array.astype(dtype)  # a copy, in the requested precision
    np.divide(scaled, dtype.type(255), out=scaled)
    if (low, high) != (0.0, 1.0):
        np.multiply(scaled, dtype.type(high - low), out=scaled)
        np.add(scaled, dtype.type(low), out=scaled)
    return scaled


def one_hot(labels, n_classes: int = 10, off: float = 0.0, on: float = 1.0,
            dtype=np.float64) -> np.ndarray:
    """One-hot target vectors: `on` at each label's index, `off` elsewhere.

    Rashid's targets are ``one_hot(labels, off=0.01, on=0.99)``.

    Parameters
    ----------
    labels : array_like, shape (n,)
        Class indices 0 to ``n_classes - 1``: integers, or floats with integral values.
    n_classes : int, default 10
        Number of classes (columns).
    off, on : float, default 0.0 and 1.0
        Values away from and at the label.
    dtype : {numpy.float64, numpy.float32}, default float64
        dtype of the result.

    Returns
    -------
    numpy.ndarray, shape (n, n_classes), `dtype`

    Raises
    ------
    ValueError
        For labels of another shape, not integers, or out of range (the message quotes
        the first bad value and its index), or a bad `n_classes` or `dtype`.
    """
    dtype = _float_dtype(dtype, "one_hot")
    if not isinstance(n_classes, numbers.Integral) or isinstance(n_classes, bool) or n_classes < 1:
        raise ValueError(f"one_hot: n_classes must be a positive integer; got {n_classes!r}")
    indices = as_labels(labels, "one_hot", n_classes=int(n_classes), dtype=np.intp,
                        error=ValueError)
    targets = np.full((len(indices), int(n_classes)), off, dtype=dtype)
    targets[np.arange(len(indices)), indices] = on
    return targets


def train_validation_split(x, y, validation_size: int = 10000, seed=None, shuffle: bool = False):
    """Split off a validation set, by default as Nielsen does: the last 10,000 samples.

    Parameters
    ----------
    x : array_like, shape (n, ...)
        Samples, e.g. images (60000, 28, 28) or (60000, 784).
    y : array_like, shape (n, ...)
        Their labels or targets.
    validation_size : int, default 10000
        Samples in the validation set, ``0 < validation_size < n``.
    seed : int or numpy.random.SeedSequence, optional
        Seed of ``numpy.random.default_rng`` for the shuffle; only with ``shuffle=True``.
    shuffle : bool, default False
        Without it the validation set is the last `validation_size` samples in order
        (Nielsen's 50,000 / 10,000 split of the training file). With it, a random
        permutation by ``default_rng(seed).permutation(n)`` is split the same way.

    Returns
    -------
    ((x_train, y_train), (x_validation, y_validation))
        Views of `x` and `y` without shuffling, new arrays with it.

    Raises
    ------
    ValueError
        If `x` and `y` differ in length, `validation_size` is not an integer in range, or
        `seed` is given without ``shuffle=True``.
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0 or len(x) != len(y):
        raise ValueError(
            f"train_validation_split: x and y need one entry per sample; got shapes {x.shape} "
            f"and {y.shape}"
        )
    n = len(x)
    if (not isinstance(validation_size, numbers.Integral) or isinstance(validation_size, bool)
            or not 0 < validation_size < n):
        raise ValueError(
            f"train_validation_split: validation_size must be an integer from 1 to {n - 1} "
            f"for {n} samples; got {validation_size!r}"
        )
    if seed is not None and not shuffle:
        raise ValueError(
            "train_validation_split: seed only applies with shuffle=True; without shuffling "
            "the validation set is the last validation_size samples"
        )
    split = n - int(validation_size)
    if not shuffle:
        return (x[:split], y[:split]), (x[split:], y[split:])
    order = np.random.default_rng(seed).permutation(n)
    train, validation = order[:split], order[split:]
    return (x[train], y[train]), (x[validation], y[validation])


def rotate(images, angle: float, fill: float = 0.0) -> np.ndarray:
    """Rotate float images by ``angle`` degrees counter-clockwise about their centre.

    Bilinear interpolation, the same shape out, and ``fill`` for the pixels that come from
    outside the image: ``scipy.ndimage.rotate(image, angle, reshape=False, order=1,
    mode="constant", cval=fill)``, which *Make Your Own Neural Network* rotates its
    training images with (SciPy, from the ``images`` extra).

    Parameters
    ----------
    images : array_like, (h, w) or (n, h, w)
        Float images (scaled inputs, e.g. Rashid's 0.01..1.0).
    angle : float
        Degrees, counter-clockwise.
    fill : float
        The value of pixels from outside (what a 0 pixel scales to: 0.01 for Rashid).

    Returns
    -------
    numpy.ndarray
        The rotated images, of the input's shape and float dtype.
    """
    array = np.asarray(images)
    if array.dtype.kind != "f":
        raise ValueError(f"rotate: images must be floats (scale the pixels first, e.g. with "
                         f"scale()), got {array.dtype}")
    if array.ndim not in (2, 3):
        raise ValueError(f"rotate: images must be (h, w) or (n, h, w), got shape {array.shape}")
    if isinstance(angle, bool) or not isinstance(angle, numbers.Real) or not np.isfinite(angle):
        raise ValueError(f"rotate: angle must be a finite number of degrees, got {angle!r}")
    ndimage = _scipy_ndimage()
    axes = (1, 0) if array.ndim == 2 else (2, 1)  # rows down, columns across, every image
    return ndimage.rotate(array, float(angle), axes=axes, reshape=False, order=1,
                          mode="constant", cval=float(fill))


def _scipy_ndimage():
    try:
        from scipy import ndimage
    except ImportError as error:
        raise ImportError("rotating images needs SciPy, which is not installed: "
                          "pip install 'fastnn[images]'") from error
    return ndimage
