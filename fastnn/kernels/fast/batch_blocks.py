"""Step 7: mini-batches go through the weights a block of samples at a time.

Within a mini-batch the weights do not change, so its samples' forward passes and
gradient sums may share each pass over the weights: :data:`BLOCK` samples at once read
each row of WT once (:func:`multiply_block_into`) instead of once per sample, and add
into each row of the gradient sum once per four samples (:func:`accumulate_outer_block`).
Where most inputs are 0 (:func:`mostly_zero`), the first layer goes sample by sample
over each one's nonzero rows instead (:mod:`~fastnn.kernels.fast.zero_inputs`).

Why the bits stay the same: each ``Z[s][c]`` adds the terms of sample s in the order of
:func:`~fastnn.kernels.fast.four_rows.multiply_into`, and each gradient element adds its
samples' terms one after the other, in the samples' order, as a sum over the batch
written sample by sample does.
"""

from __future__ import annotations

from fastnn.jit import jit
from fastnn.kernels.fast.four_rows import add_four_rows_into

#: Samples that a mini-batch's forward pass and gradient sum take together.
BLOCK = 8


@jit(internal=True)
def multiply_block_into(WT, A, count, Z):
    """``Z[s] = W @ A[s]`` for s < count (W stored as WT), each row of WT read once for
    all the samples, four rows at a time; rows where the four inputs are all 0 are
    skipped (they add an exact 0 for finite weights)."""
    n_cols = len(WT[0])
    n_rows = len(WT)
    for s in range(count):
        zs = Z[s]
        for c in range(n_cols):
            zs[c] = 0.0
    r = 0
    while r + 4 <= n_rows:
        row0 = WT[r]
        row1 = WT[r + 1]
        row2 = WT[r + 2]
        row3 = WT[r + 3]
        for s in range(count):
            inputs = A[s]
            a0 = inputs[r]
            a1 = inputs[r + 1]
            a2 = inputs[r + 2]
            a3 = inputs[r + 3]
            if a0 == 0 and a1 == 0 and a2 == 0 and a3 == 0:
                continue
            add_four_rows_into(Z[s], a0, row0, a1, row1, a2, row2, a3, row3, 0, n_cols)
        r += 4
    while r < n_rows:
        row = WT[r]
        for s in range(count):
            asr = A[s][r]
            if asr == 0:
                continue
            zs = Z[s]
            for c in range(n_cols):
                zs[c] += asr * row[c]
        r += 1


@jit(internal=True)
def accumulate_outer_block(G, A, D, count):
    """``G[r][c] += A[s][r] * D[s][c]`` for s = 0, ..., count - 1 in order, row by row:
    the gradient sum ``G += outer(a_s, d_s)`` (G input-major, as WT).

    Samples go four at a time, so that G is loaded and stored once per four samples;
    each element still adds its terms sample by sample. Inputs of 0 are skipped (they
    add an exact 0 for finite deltas).
    """
    n_cols = len(G[0])
    n_rows = len(G)
    s = 0
    while s + 4 <= count:
        in0 = A[s]
        in1 = A[s + 1]
        in2 = A[s + 2]
        in3 = A[s + 3]
        d0 = D[s]
        d1 = D[s + 1]
        d2 = D[s + 2]
        d3 = D[s + 3]
        for r in range(n_rows):
            a0 = in0[r]
            a1 = in1[r]
            a2 = in2[r]
            a3 = in3[r]
            if a0 == 0 and a1 == 0 and a2 == 0 and a3 == 0:
                continue
            row = G[r]
            for c in range(n_cols):
                row[c] = (((row[c] + a0 * d0[c]) + a1 * d1[c]) + a2 * d2[c]) + a3 * d3[c]
        s += 4
    while s < count:
        inputs = A[s]
        ds = D[s]
        for r in range(n_rows):
            asr = inputs[r]
            if asr == 0:
                continue
            row = G[r]
            for c in range(n_cols):
                row[c] += asr * ds[c]
        s += 1


@jit(internal=True)
def mostly_zero(input_counts, count, n_inputs):
    """True when the block's samples 0..count-1 have fewer than half their inputs nonzero.

    Then the first layer goes sample by sample over each one's nonzero rows; otherwise
    over all rows, each read once for the whole block. Both give the same bits.
    """
    nonzero = 0
    for s in range(count):
        nonzero += input_counts[s]
    return 2 * nonzero < count * n_inputs
