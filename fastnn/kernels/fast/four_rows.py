"""Step 2: several rows per pass, four at a time.

With the weights input-major (:mod:`~fastnn.kernels.fast.input_major`), the forward
pass adds one row of WT into z per input: z is loaded from and stored to memory once
for every input, four times the traffic of a pass that adds four rows at once
(:func:`add_four_rows_into`), and the load of each element waits for the store before
it. The backward pass computes four weighted sums side by side: four independent
running sums keep the CPU's multiply-add units busy where one would wait on itself.

Why the bits stay the same: each ``z[c]`` still adds its terms one after the other, in
order, ``(((z + a0 * w0) + a1 * w1) + a2 * w2) + a3 * w3``, and each of the four sums
of the backward pass is exactly :func:`~fastnn.kernels.tutorial.weighted_sum`.
"""

from __future__ import annotations

from fastnn.jit import jit
from fastnn.kernels.tutorial import weighted_sum


@jit(inline=True)
def add_four_rows_into(z, a0, row0, a1, row1, a2, row2, a3, row3, c0, c1):
    """``z[c] = (((z[c] + a0 * row0[j]) + a1 * row1[j]) + a2 * row2[j]) + a3 * row3[j]``,
    with ``j = c - c0``, for c0 <= c < c1: four rows added in one pass over z."""
    for c in range(c0, c1):
        j = c - c0
        z[c] = (((z[c] + a0 * row0[j]) + a1 * row1[j]) + a2 * row2[j]) + a3 * row3[j]


@jit
def multiply_into(WT, x, z):
    """``z = W @ x`` with W stored as WT (n_in, n_out), four rows of WT per pass.

    ``z[c]`` accumulates ``x[r] * WT[r][c]`` for r = 0, 1, ..., in that order.
    """
    n_cols = len(z)
    n_rows = len(x)
    for c in range(n_cols):
        z[c] = 0.0
    r = 0
    while r + 4 <= n_rows:
        add_four_rows_into(z, x[r], WT[r], x[r + 1], WT[r + 1], x[r + 2], WT[r + 2], x[r + 3],
                           WT[r + 3], 0, n_cols)
        r += 4
    while r < n_rows:
        xr = x[r]
        row = WT[r]
        for c in range(n_cols):
            z[c] += xr * row[c]
        r += 1


@jit
def multiply_transposed_into(WT, e, out):
    """``out = W.T @ e`` with W stored as WT: ``out[i] = weighted_sum(e, WT[i])``, four
    outputs at once, each of their sums added in order."""
    n_out = len(out)
    n_in = len(e)
    i = 0
    while i + 4 <= n_out:
        row0 = WT[i]
        row1 = WT[i + 1]
        row2 = WT[i + 2]
        row3 = WT[i + 3]
        e0 = e[0]
        s0 = e0 * row0[0]
        s1 = e0 * row1[0]
        s2 = e0 * row2[0]
        s3 = e0 * row3[0]
        for j in range(1, n_in):
            ej = e[j]
            s0 += ej * row0[j]
            s1 += ej * row1[j]
            s2 += ej * row2[j]
            s3 += ej * row3[j]
        out[i] = s0
        out[i + 1] = s1
        out[i + 2] = s2
        out[i + 3] = s3
        i += 4
    while i < n_out:
        out[i] = weighted_sum(e, WT[i])
        i += 1
