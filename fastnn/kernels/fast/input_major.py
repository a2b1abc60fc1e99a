"""Step 1: store each weight matrix input-major, as ``WT = W.T``.

The tutorial's forward pass ``z = W x`` is a weighted sum along each row of W: a dot
product, whose one running sum makes every multiply-add wait for the one before it. A
compiler may split such a sum into vector lanes only by adding its terms in another
order, which changes the bits, and fastnn does not allow that. Stored as ``WT`` of
shape (n_in, n_out), the same product is ``z[:] += x[i] * WT[i, :]`` for i = 0, 1, ...:
one independent multiply-add per output, over contiguous memory, which the compiler
vectorises as it is. The backward pass ``W.T e`` becomes a weighted sum along each row
of WT, contiguous as well, and the update walks WT row by row.

Why the bits stay the same: ``z[j]`` still receives ``x[0] * W[j][0]``, then
``x[1] * W[j][1]``, and so on, in that order (after a start from 0, and ``0 + a`` is
``a``), and ``out[i]`` of the backward pass is :func:`~fastnn.kernels.tutorial.weighted_sum`
itself. Each weight still becomes ``w - alpha * (delta[j] * x[i])``.

The functions take the tutorial's arguments in the tutorial's order, with ``WT`` for W.
"""

from __future__ import annotations

from fastnn.jit import jit
from fastnn.kernels.tutorial import weighted_sum


@jit
def multiply_into(WT, x, z):
    """``z = W @ x`` with W stored as WT (n_in, n_out): ``z[:] += x[i] * WT[i]`` in order."""
    for j in range(len(z)):
        z[j] = 0.0
    for i in range(len(x)):
        xi = x[i]
        row = WT[i]
        for j in range(len(z)):
            z[j] += xi * row[j]


@jit
def multiply_transposed_into(WT, e, out):
    """``out = W.T @ e`` with W stored as WT: ``out[i] = weighted_sum(e, WT[i])``."""
    for i in range(len(out)):
        out[i] = weighted_sum(e, WT[i])


@jit
def update_weights(WT, delta, x, alpha):
    """``W -= alpha * outer(delta, x)`` with W stored as WT: ``WT[i][j] -= alpha *
    (delta[j] * x[i])``, row i of WT at a time."""
    for i in range(len(x)):
        xi = x[i]
        row = WT[i]
        for j in range(len(delta)):
            row[j] -= alpha * (delta[j] * xi)
