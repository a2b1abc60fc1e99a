"""Rotated training images, as *Make Your Own Neural Network* adds them.

The book trains on each record three times: the image, then the image rotated by +10
degrees, then by -10 (``scipy.ndimage.rotate`` of the scaled input, with the empty corners
filled by what a blank pixel scales to, 0.01 for Rashid), each a full per-sample update.
:class:`Rotations` makes those copies for a stretch of the epoch's sample order, just
before the engine trains on it, so that the copies never take memory for the whole set.
They are drawn from nothing random: a seed reproduces a run with rotations too.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from fastnn.inputs import Inputs

__all__ = ["Rotations", "check_rotations"]


def check_rotations(rotations) -> tuple:
    """``rotations`` as a tuple of finite angles in degrees (empty: none)."""
    if rotations is None:
        return ()
    if isinstance(rotations, (str, bytes)) or not hasattr(rotations, "__iter__"):
        raise ValueError(f"rotations must be a sequence of angles in degrees, e.g. (10, -10), "
                         f"got {rotations!r}")
    angles = tuple(rotations)
    for angle in angles:
        if isinstance(angle, bool) or not isinstance(angle, numbers.Real) or not math.isfinite(
                angle):
            raise ValueError(f"rotations must be finite angles in degrees, got {angle!r} in "
                             f"{rotations!r}")
    return tuple(float(angle) for angle in angles)


class Rotations:
    """Each sample followed by its copies rotated by ``angles``, for the engines.

    Parameters
    ----------
    angles : tuple of float
        Degrees, counter-clockwise, in the order the copies are trained.
    n_inputs : int
        The network's inputs: a square image (784 = 28 x 28).
    fill : float
        What the corners that come from outside the image are: a blank pixel, scaled.
    dtype : numpy.dtype
        The network's.
    """

    def __init__(self, angles, n_inputs, fill, dtype):
        side = math.isqrt(n_inputs)
        if side * side != n_inputs:
            raise ValueError(f"rotations turn square images, but the network has {n_inputs} "
                             "inputs; leave rotations out")
        from fastnn.preprocessing import rotate

        rotate(np.zeros((side, side), dtype=np.float64), 0.0)  # SciPy is there, or say so
        self.angles, self.side, self.fill, self.dtype = angles, side, fill, dtype

    @property
    def copies(self) -> int:
        """Samples trained per sample of the data: 1 + one per angle."""
        return 1 + len(self.angles)

    def empty(self, n_inputs):
        """Inputs of the type the engines get (floats of the network's dtype), no rows."""
        return Inputs(np.zeros((0, n_inputs), dtype=self.dtype))

    def expand(self, X, T, labels, rows):
        """``(inputs, targets, labels, order)`` of the samples ``rows``, each followed by its
        rotated copies (all as floats of the network's dtype, scaled as the network scales)."""
        from fastnn.preprocessing import rotate

        base = X.scaled(rows, self.dtype)
        images = base.reshape(len(rows), self.side, self.side)
        variants = [base] + [rotate(images, angle, self.fill).reshape(len(rows), -1)
                             for angle in self.angles]
        inputs = np.ascontiguousarray(np.stack(variants, axis=1).reshape(-1, base.shape[1]))
        count = len(inputs)
        return (Inputs(inputs), np.repeat(T[rows], self.copies, axis=0),
                np.repeat(labels[rows], self.copies), np.arange(count, dtype=np.int64))
