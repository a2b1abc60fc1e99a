"""Turning what users pass to ``fit``/``predict`` into the arrays the engines take.

The checks here produce the messages for the mistakes the Keras tutorial walks
through: images of shape (n, 28, 28) (accepted and flattened), labels of the wrong
shape, labels out of range, NaN or inf in the inputs; and Keras's ``validation_split``
is taken off the prepared data here.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, replace

import numpy as np

from fastnn import preprocessing

#: input_scaling name -> (low, high) for :func:`fastnn.preprocessing.scale`, or None (raw).
SCALINGS = {"unit": (0.0, 1.0), "rashid": (0.01, 1.0), "raw": None}


class InputScaleWarning(UserWarning):
    """Float inputs far outside the range that the network's own scaling gives its pixels
    (0-255 values given to a network that scales to 0-1, say)."""


def warn_caller(message, category):
    """``warnings.warn`` pointed at the first caller outside fastnn (the user's line)."""
    import sys
    import warnings

    frame, level = sys._getframe(1), 2  # 1 is this function
    while frame is not None and frame.f_globals.get("__name__", "").startswith("fastnn"):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def scale_mismatch(array, scaling):
    """A message when the float ``array`` lies far outside what ``scaling`` makes of pixels
    (beyond its range by more than the range's own width), else None."""
    low, high = SCALINGS[scaling] or (0.0, 255.0)
    span = high - low
    if array.size == 0:
        return None
    smallest, largest = float(array.min()), float(array.max())
    if low - span <= smallest and largest <= high + span:
        return None
    return (f"x holds float values from {smallest:g} to {largest:g}, but this network turns "
            f"pixels into {low:g}..{high:g} (input_scaling={scaling!r}) and uses float inputs "
            "as they are: pass the uint8 images to have them scaled, or scale x yourself "
            f"(pixels / 255 gives 0..1); training on these will go worse")

# How the kernels turn a stored input row into the network's input (Inputs.transform).
AS_IS, UNIT, RANGE = 0, 1, 2


@dataclass(frozen=True)
class Inputs:
    """A network's inputs as the engines take them.

    ``array`` is (n, n_inputs), either float (the network's dtype, used as it is) or
    uint8 pixels that the kernels scale one row at a time, as they load it, through
    :meth:`table`: ``transform`` UNIT gives ``pixel / 255``, RANGE
    ``pixel / 255 * span + low`` (both by :func:`fastnn.preprocessing.scale`), AS_IS the
    pixel value. Keeping pixels as uint8 keeps the 60,000 training images at 47 MB instead
    of 376 MB in float64.
    """

    array: np.ndarray
    transform: int = AS_IS
    span: float = 1.0
    low: float = 0.0

    def __len__(self):
        return len(self.array)

    def head(self, n):
        """The first n rows, with the same transform."""
        return replace(self, array=self.array[:n])

    def tail(self, start):
        """The rows from ``start`` on, with the same transform."""
        return replace(self, array=self.array[start:])

    def table(self, dtype):
        """The network input of each pixel value 0..255, in ``dtype`` (256 values).

        Made by :func:`fastnn.preprocessing.scale` (or a plain cast for AS_IS), so
        looking a pixel up gives exactly what scaling it would.
        """
        pixels = np.arange(256, dtype=np.uint8)
        if self.transform == AS_IS:
            return pixels.astype(dtype)
        return preprocessing.scale(pixels, self.low, self.low + self.span, dtype=dtype)

    def scaled(self, rows, dtype):
        """Rows of ``array`` (an index or slice) as network inputs of ``dtype``, in NumPy."""
        values = self.array[rows]
        if values.dtype == np.uint8:
            return self.table(dtype)[values]
        return values.astype(dtype, copy=False)


def prepare_images(x, n_inputs, scaling, dtype):
    """Images or feature rows as :class:`Inputs` of (n, n_inputs) rows.

    (n, h, w) images with ``h * w == n_inputs`` are flattened. Integer input (0-255
    pixels) stays uint8 and is scaled by the kernels as ``scaling`` says; float input is
    taken as already prepared, cast to ``dtype`` and checked to be finite.
    """
    x = np.asarray(x)
    if x.ndim == 3 and x.shape[1] * x.shape[2] == n_inputs:
        x = preprocessing.flatten(x)
    elif x.ndim == 1 and x.shape[0] == n_inputs:
        raise ValueError(
            f"x has shape {x.shape}: one sample of {n_inputs} values. Pass a batch of shape "
            f"(n, {n_inputs}); for a single image use x[None] (shape (1, {n_inputs}))"
        )
    elif x.ndim == 2 and x.shape[1] != n_inputs and x.size == n_inputs:
        raise ValueError(
            f"x has shape {x.shape}: one image. Pass a batch of images: x[None] (shape "
            f"{(1, *x.shape)})"
        )
    if x.ndim != 2 or x.shape[1] != n_inputs:
        raise ValueError(_shape_advice(x.shape, n_inputs))
    if x.dtype.kind in "biu":
        if x.size and (x.min() < 0 or x.max() > 255):
            raise ValueError(
                f"integer inputs are read as 0-255 pixels, but x holds values from {x.min()} "
                f"to {x.max()}; pass floats if they are already prepared"
            )
        pixels = np.ascontiguousarray(x, dtype=np.uint8)
        bounds = SCALINGS[scaling]
        if bounds is None:
            return Inputs(pixels, AS_IS)
        low, high = bounds
        if (low, high) == (0.0, 1.0):
            return Inputs(pixels, UNIT)
        return Inputs(pixels, RANGE, high - low, low)
    if x.dtype.kind == "f":
        x = x.astype(dtype, copy=False)
        if not np.all(np.isfinite(x)):
            bad = np.argwhere(~np.isfinite(x))[0]
            raise ValueError(
                f"x holds {x[tuple(bad)]} at index {tuple(int(i) for i in bad)}; inputs must "
                "be finite (replace or drop the NaN/inf values)"
            )
        return Inputs(np.ascontiguousarray(x))
    raise TypeError(f"x must hold numbers, got dtype {x.dtype}")


def _shape_advice(shape, n_inputs) -> str:
    """What to say of inputs of ``shape`` for a network of ``n_inputs`` inputs."""
    message = (f"x has shape {shape}, but this network takes (n, {n_inputs}) rows (or (n, 28, "
               f"28) images, which it flattens)")
    size = int(np.prod(shape))
    if len(shape) == 2 and n_inputs == 784 and min(shape) >= 28:
        return (message + ". If it is one picture of a digit, fastnn.images.to_mnist(x) makes "
                "an MNIST-style 28x28 digit of it: net.predict(fastnn.images.to_mnist(x)[None])")
    if len(shape) >= 2 and size == shape[0] * n_inputs:
        return message + f"; reshape with x.reshape(len(x), {n_inputs})"
    return message


def prepare_targets(y, n_classes, off, on, dtype):
    """Labels (n,) or targets (n, n_classes) as (targets, int64 labels).

    Integer labels are checked to be in 0..n_classes-1 and encoded one-hot with
    ``off``/``on``. A float (n, n_classes) array is taken as the targets themselves
    (its labels are the argmax of each row).
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim == 1:
        if y.dtype.kind == "f":
            if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
                raise ValueError("y is a float vector with non-integer values; labels must be "
                                 "integers 0..%d" % (n_classes - 1))
            y = y.astype(np.int64)
        elif y.dtype.kind not in "biu":
            raise TypeError(f"labels must be integers, got dtype {y.dtype}")
        labels = y.astype(np.int64)
        bad = np.flatnonzero((labels < 0) | (labels >= n_classes))
        if bad.size:
            raise ValueError(
                f"label {labels[bad[0]]} at index {bad[0]} is out of range: this network has "
                f"{n_classes} outputs, so labels must be 0..{n_classes - 1}"
            )
        targets = preprocessing.one_hot(labels, n_classes=n_classes, off=off, on=on, dtype=dtype)
        return np.ascontiguousarray(targets), labels
    if y.ndim == 2 and y.shape[1] == n_classes:
        targets = np.ascontiguousarray(y, dtype=dtype)
        if not np.all(np.isfinite(targets)):
            raise ValueError("y holds NaN or inf; targets must be finite")
        return targets, np.argmax(targets, axis=1).astype(np.int64)
    raise ValueError(
        f"y has shape {y.shape}, but this network needs labels of shape (n,) with values "
        f"0..{n_classes - 1}, or one-hot targets of shape (n, {n_classes})"
    )


def validation_fraction(value) -> float:
    """``validation_split`` as a float in (0, 1), or 0.0 for none; ValueError quoting it
    otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"validation_split must be a number in (0, 1), or 0 for none; "
                         f"got {value!r}")
    if value == 0:
        return 0.0
    if not 0 < value < 1:
        raise ValueError(f"validation_split must be in (0, 1), the fraction of the samples "
                         f"to hold out (e.g. 0.2), or 0 for none; got {value!r}")
    return float(value)


def hold_out(X, T, labels, fraction, given):
    """Split prepared data as Keras's ``validation_split``: the last part validates.

    X is :class:`Inputs`, T and labels arrays, as :func:`prepare_images` and
    :func:`prepare_targets` return them (before any shuffling); `given` is the user's
    value, for the message. Returns ``(X, T, labels, (X_val, T_val, labels_val))`` of
    views; training keeps the first ``floor(n * (1 - fraction))`` samples.
    """
    n = len(labels)
    split_at = math.floor(n * (1.0 - fraction))
    if split_at < 1 or split_at >= n:
        raise ValueError(
            f"validation_split={given!r} of {n} samples leaves {split_at} to train on and "
            f"{n - split_at} to validate on; both need at least one: pass more samples or "
            "another fraction")
    validation = (X.tail(split_at), T[split_at:], labels[split_at:])
    return X.head(split_at), T[:split_at], labels[:split_at], validation
