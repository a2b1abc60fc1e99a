"""Step 4: fuse each sample's update into the next sample's forward pass.

Per-sample SGD reads every weight three times a sample: the forward pass, the backward
pass (``W.T e``, for the layers below the output) and the update. A layer of 784 x 200
float64 weights is 1.25 MB: it barely fits a core's L2 cache, and each pass streams it
through again. But sample k's update of a layer and sample k + 1's forward pass through
it can share one pass: ``w -= lr * (x_k[r] * delta_k[c])`` and then, with the new ``w``,
``z[c] += x_(k+1)[r] * w`` (:func:`update_and_multiply_into`). The update of each layer
is kept "pending" until the next sample's forward pass (or the end of the epoch,
:func:`flush_pending_layer`) applies it, so the weights cross the memory hierarchy
once less per sample. The backward pass still reads them before any update.

Where the first layer's inputs have zeros, the pass visits the union of the two
samples' nonzero rows (:func:`merge_rows`), for layers of 32 outputs or more; a narrow
layer (the 10 outputs of the linear nets) stays in cache, and updates, then multiplies.

Why the bits stay the same: each weight sees the same operations in the same order, the
update first and then the product with the updated value, and each ``z[c]`` adds its
terms in the same order as :func:`~fastnn.kernels.fast.zero_inputs.multiply_rows_into`.
"""

from __future__ import annotations

from fastnn.jit import jit
from fastnn.kernels.codes import RELU, SIGMOID, SOFTMAX
from fastnn.kernels.fast.vector_width import vector_width_hint
from fastnn.kernels.fast.zero_inputs import multiply_rows_into, update_rows
from fastnn.kernels.tutorial import sigmoid, softmax_into


@jit(internal=True)
def update_and_multiply_into(WT, pending_input, pending_delta, learning_rate, a, z, c0, c1,
                             rows, n_rows):
    """Apply the previous sample's update to WT while computing ``z = W @ a``.

    Only columns c0 <= c < c1 are touched, so that threads can share a layer; WT holds
    those columns only, column c at ``WT[r][c - c0]`` (the whole matrix when c0 is 0),
    so that each thread's weights are a contiguous block of its own. Row by row:
    ``WT[r][c] -= lr * (pending_input[r] * pending_delta[c])``, then ``z[c] += a[r] *
    WT[r][c]`` with the updated value, four rows at a time, over the rows
    ``rows[0:n_rows]`` (ascending): those where ``pending_input`` or ``a`` is nonzero
    (see :func:`merge_rows`), or every row.
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
        p0 = pending_input[r0]
        p1 = pending_input[r1]
        p2 = pending_input[r2]
        p3 = pending_input[r3]
        a0 = a[r0]
        a1 = a[r1]
        a2 = a[r2]
        a3 = a[r3]
        row0 = WT[r0]
        row1 = WT[r1]
        row2 = WT[r2]
        row3 = WT[r3]
        for c in range(c0, c1):
            j = c - c0
            d = pending_delta[c]
            w0 = row0[j] - learning_rate * (p0 * d)
            w1 = row1[j] - learning_rate * (p1 * d)
            w2 = row2[j] - learning_rate * (p2 * d)
            w3 = row3[j] - learning_rate * (p3 * d)
            row0[j] = w0
            row1[j] = w1
            row2[j] = w2
            row3[j] = w3
            z[c] = (((z[c] + a0 * w0) + a1 * w1) + a2 * w2) + a3 * w3
        k += 4
    while k < n_rows:
        r = rows[k]
        pr = pending_input[r]
        ar = a[r]
        row = WT[r]
        for c in range(c0, c1):
            w = row[c - c0] - learning_rate * (pr * pending_delta[c])
            row[c - c0] = w
            z[c] += ar * w
        k += 1


@jit
def merge_rows(rows_a, n_a, rows_b, n_b, out):
    """The union of two ascending row lists into ``out``, ascending; returns its length."""
    i = 0
    j = 0
    n = 0
    while i < n_a or j < n_b:
        if j >= n_b or (i < n_a and rows_a[i] < rows_b[j]):
            out[n] = rows_a[i]
            i += 1
        elif i >= n_a or rows_b[j] < rows_a[i]:
            out[n] = rows_b[j]
            j += 1
        else:
            out[n] = rows_a[i]
            i += 1
            j += 1
        n += 1
    return n


@jit(internal=True)
def activate_columns_into(z, out, activation, c0, c1):
    """The activation of ``z`` on columns c0 <= c < c1 (softmax always takes all of z)."""
    if activation == SOFTMAX:
        softmax_into(z, out)
    elif activation == SIGMOID:
        for c in range(c0, c1):
            out[c] = sigmoid(z[c])
    elif activation == RELU:
        for c in range(c0, c1):
            out[c] = z[c] if z[c] > 0 else 0.0
    else:
        for c in range(c0, c1):
            out[c] = z[c]


@jit(internal=True)
def pending_sample_layer(WT, biases, activations, use_bias, learning_rate, pending_input, delta,
                         layer_input, pre, act, layer, c0, c1, pending_rows, n_pending, rows,
                         n_rows, union_rows):
    """Layer ``layer`` of one sample's forward pass, on columns c0..c1, into row 0.

    WT holds the layer's columns c0..c1 (see :func:`update_and_multiply_into`);
    ``biases``, ``activations`` and ``use_bias`` are those of the network's
    :class:`~fastnn.kernels.bundles.StoredLayers` (passed apart: a compiled call copies
    every array of a bundle it is given, and this one runs per sample and layer). The
    previous sample's update of this layer (its input ``pending_input[layer]``, nonzero on
    ``pending_rows[0:n_pending]``, and delta ``delta[layer][0]``) is applied on the way;
    ``layer_input`` is nonzero on ``rows[0:n_rows]`` (all rows, ascending, when the count
    is the input size).

    The update is fused into the forward pass over the union of the two row lists: one
    of them when it has every row (dense inputs, and every hidden layer), otherwise
    merged into ``union_rows`` for wide layers (32 columns or more). Narrow layers with
    sparse inputs update, then multiply: their weights stay in cache, and the merge
    would cost more than the second pass.
    """
    z = pre[layer][0]
    n_inputs = len(pending_input[layer])
    if n_pending == n_inputs:
        update_and_multiply_into(WT, pending_input[layer], delta[layer][0], learning_rate,
                                 layer_input, z, c0, c1, pending_rows, n_pending)
    elif n_rows == n_inputs:
        update_and_multiply_into(WT, pending_input[layer], delta[layer][0], learning_rate,
                                 layer_input, z, c0, c1, rows, n_rows)
    elif c1 - c0 < 32:
        update_rows(WT, pending_input[layer], pending_rows, n_pending, delta[layer][0],
                    learning_rate, c0, c1)
        multiply_rows_into(WT, layer_input, rows, n_rows, z, c0, c1)
    else:
        n_union = merge_rows(pending_rows, n_pending, rows, n_rows, union_rows)
        update_and_multiply_into(WT, pending_input[layer], delta[layer][0], learning_rate,
                                 layer_input, z, c0, c1, union_rows, n_union)
    if use_bias:
        b = biases[layer]
        d = delta[layer][0]
        for c in range(c0, c1):
            b[c] -= learning_rate * d[c]
            z[c] += b[c]
    activate_columns_into(z, act[layer][0], activations[layer], c0, c1)


@jit(internal=True)
def flush_pending_layer(WT, biases, use_bias, learning_rate, pending_input, delta, layer, c0, c1,
                        pending_rows, n_pending):
    """Apply the pending update of layer ``layer`` on columns c0..c1 (held by WT), on
    the rows ``pending_rows[0:n_pending]``."""
    update_rows(WT, pending_input[layer], pending_rows, n_pending, delta[layer][0],
                learning_rate, c0, c1)
    if use_bias:
        b = biases[layer]
        d = delta[layer][0]
        for c in range(c0, c1):
            b[c] -= learning_rate * d[c]


@jit(internal=True)
def copy_into(source, target):
    """``target[i] = source[i]``."""
    for i in range(len(target)):
        target[i] = source[i]


@jit(internal=True)
def keep_inputs(x, act, pending_input, input_rows, input_counts, source, n_rows, pending):
    """Keep what the pending update needs: each layer's input (x, then row 0 of
    ``act[l - 1]``) into ``pending_input[l]``, and x's nonzero rows
    ``input_rows[source][0:n_rows]`` into ``input_rows[pending]``, their count into
    ``input_counts[pending]``."""
    for layer in range(len(pending_input)):
        if layer == 0:
            copy_into(x, pending_input[layer])
        else:
            copy_into(act[layer - 1][0], pending_input[layer])
    rows = input_rows[source]
    pending_rows = input_rows[pending]
    for k in range(n_rows):
        pending_rows[k] = rows[k]
    input_counts[pending] = n_rows
