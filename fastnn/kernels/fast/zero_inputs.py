"""Step 3: skip the inputs that are exactly 0.

About 80 % of MNIST's pixels are 0 (Rashid's scaling maps them to 0.01, so his inputs
have none). An input of 0 adds ``0 * w`` to every output and subtracts
``lr * (delta * 0)`` from every weight of its row: work that changes nothing. So a
sample is loaded with a list of its nonzero inputs (:func:`load_input_into`), and the
first layer's loops visit only those rows of WT.

Why the bits stay the same: for finite weights, the skipped terms are exact zeros, and
adding or subtracting an exact zero leaves every value as it was (up to the sign of a
zero). The two differ only once a weight is inf or NaN, and a run whose loss stops being
finite is stopped anyway.

The loops here take a column range c0 <= c < c1, all columns on one thread, a share of
them with several (:mod:`~fastnn.kernels.fast.threads`), and ask for the CPU's vector
width (:mod:`~fastnn.kernels.fast.vector_width`).
"""

from __future__ import annotations

from fastnn.jit import jit
from fastnn.kernels.fast.four_rows import add_four_rows_into
from fastnn.kernels.fast.vector_width import vector_width_hint


@jit
def load_input_into(row, x, use_table, table, rows):
    """One stored input row as network input: ``x[i] = table[row[i]]``, or a copy.

    For uint8 pixels ``table`` holds the network input of each of the 256 values, made
    by :func:`fastnn.preprocessing.scale` (see :meth:`fastnn.inputs.Inputs.table`), so a
    lookup gives exactly the scaled value, without a division per pixel.

    Returns the number n of nonzero inputs, whose indices go to ``rows[0:n]`` in
    ascending order (written without a branch: each i is stored, and kept by counting
    it only when ``x[i] != 0``; NaN counts as nonzero).
    """
    n = 0
    if use_table:
        for i in range(len(x)):
            value = table[int(row[i])]
            x[i] = value
            rows[n] = i
            n += value != 0
    else:
        for i in range(len(x)):
            value = row[i]
            x[i] = value
            rows[n] = i
            n += value != 0
    return n


@jit
def multiply_rows_into(WT, x, rows, n_rows, z, c0, c1):
    """``z = W @ x`` on columns c0 <= c < c1, where x is 0 outside ``rows[0:n_rows]``.

    WT holds columns c0..c1, column c at ``WT[r][c - c0]`` (the whole matrix when c0 is
    0). ``z[c]`` accumulates ``x[r] * WT[r][c]`` for the listed rows (ascending), four
    at a time: the terms of :func:`~fastnn.kernels.fast.four_rows.multiply_into` without
    its additions of an exact 0.
    """
    vector_width_hint()
    for c in range(c0, c1):
        z[c] = 0.0
    k = 0
    while k + 4 <= n_rows:
        r0 = rows[k]
        r1 = rows[k + 1]
        r2 = rows[k + 2]
        r3 = rows[k + 3]
        a0 = x[r0]
        a1 = x[r1]
        a2 = x[r2]
        a3 = x[r3]
        add_four_rows_into(z, a0, WT[r0], a1, WT[r1], a2, WT[r2], a3, WT[r3], c0, c1)
        k += 4
    while k < n_rows:
        r = rows[k]
        ar = x[r]
        row = WT[r]
        for c in range(c0, c1):
            z[c] += ar * row[c - c0]
        k += 1


@jit
def update_rows(WT, x, rows, n_rows, delta, learning_rate, c0, c1):
    """``W -= lr * outer(delta, x)`` on columns c0..c1 (held by WT as above), on the rows
    ``rows[0:n_rows]`` where x is nonzero: ``WT[r][c - c0] -= lr * (x[r] * delta[c])``."""
    vector_width_hint()
    for k in range(n_rows):
        r = rows[k]
        xr = x[r]
        row = WT[r]
        for c in range(c0, c1):
            row[c - c0] -= learning_rate * (xr * delta[c])


@jit
def accumulate_outer_rows(G, x, rows, n_rows, d):
    """``G[r][c] += x[r] * d[c]`` for the rows ``rows[0:n_rows]``: a mini-batch's gradient
    sum ``G += outer(x, d)`` (G input-major, as WT) where x is 0 elsewhere."""
    n_cols = len(d)
    for k in range(n_rows):
        r = rows[k]
        xr = x[r]
        row = G[r]
        for c in range(n_cols):
            row[c] += xr * d[c]
