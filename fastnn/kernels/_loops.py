"""The loop code of every fastnn kernel, written once.

Each function here is an explicit loop in the style of the pure-list tutorial, and is
decorated with :func:`fastnn.config.jit`. That one source serves two backends:

* :mod:`fastnn.kernels.numba` calls the compiled functions;
* :mod:`fastnn.kernels.python` calls the very same functions uncompiled, rebound so
  that they call each other uncompiled too, on Python lists.

So the functions only index (``a[i]``, ``M[r]``), take ``len()`` and do scalar
arithmetic, which both Python lists and NumPy arrays support. They never allocate:
outputs come in as ``out`` buffers, and ``*_into`` names say so. They do not validate
either; the public wrappers in :mod:`fastnn.kernels.numba` and
:mod:`fastnn.kernels.python` do that before calling them.

Zero inputs
-----------
The forward, gradient and fused update loops skip an input that is exactly 0 (about
80 % of MNIST's pixels). For finite weights that skips only additions of an exact 0 and
subtractions of ``lr * 0``, which leave every value as it was; the two differ only once
a weight is inf or NaN, and a run whose loss stops being finite is stopped anyway.

A network's input layer finds its zeros once per sample: :func:`load_input_into` lists
the rows of the nonzero inputs, in ascending order, and the first layer's loops visit
those rows only (``*_rows_*`` functions). The hidden layers test their inputs as they go.

Compiling
---------
Loops that only compiled code calls are ``jit(internal=True)`` (no wrappers for Python;
see :func:`fastnn.config.jit`). Python's ``min`` and ``max`` are written as conditional
expressions: Numba would compile each as a function of its own on a cold start. The
per-sample loops call :func:`vector_width_hint` first, which chooses their SIMD width
from the CPU (see :data:`fastnn.config.VECTOR_WIDTH`); in plain Python it does nothing.

Layout
------
A public weight matrix ``W`` has shape (n_out, n_in), ``W[j, i]`` connecting input
``i`` to output ``j``. The networks store it input-major, as ``WT = W.T`` of shape
(n_in, n_out), because then the forward pass is ``z[:] += x[i] * WT[i, :]`` over
contiguous memory: it vectorises without reassociating a sum, and it adds the terms of
each ``z[j]`` in the same order (i = 0, 1, ...) as ``weighted_sum(x, W[j])`` does, so
both give the same bits.
"""

from __future__ import annotations

import math

import numpy as np
from numba import types
from numba.extending import intrinsic

from fastnn import config
from fastnn.config import jit

# Codes the network kernels take for their options (plain ints, frozen at compile time).
IDENTITY, SIGMOID, RELU, SOFTMAX = 0, 1, 2, 3
SQUARED_ERROR, CROSS_ENTROPY = 0, 1
SGD, RMSPROP = 0, 1
BACKPROP_GRADIENT, BACKPROP_ERROR = 0, 1


# ---------------------------------------------------------------------------------------
# The four tutorial helpers, and their relatives
# ---------------------------------------------------------------------------------------
@jit
def weighted_sum(a, b):
    """Running sum of ``a[i] * b[i]`` over i = 0, 1, ... (needs len(a) == len(b) >= 1)."""
    total = a[0] * b[0]
    for i in range(1, len(a)):
        total += a[i] * b[i]
    return total


@jit
def vector_matrix_multiply_into(a, M, out):
    """``out[j] = weighted_sum(a, M[j])``: M has shape (n_out, n_in), a (n_in,).

    Four rows go together: their four running sums are independent, so the CPU works
    on them at once, while each is still added in order i = 0, 1, ..., exactly as
    :func:`weighted_sum` adds it.
    """
    n_out = len(out)
    n_in = len(a)
    j = 0
    while j + 4 <= n_out:
        row0 = M[j]
        row1 = M[j + 1]
        row2 = M[j + 2]
        row3 = M[j + 3]
        a0 = a[0]
        s0 = a0 * row0[0]
        s1 = a0 * row1[0]
        s2 = a0 * row2[0]
        s3 = a0 * row3[0]
        for i in range(1, n_in):
            ai = a[i]
            s0 += ai * row0[i]
            s1 += ai * row1[i]
            s2 += ai * row2[i]
            s3 += ai * row3[i]
        out[j] = s0
        out[j + 1] = s1
        out[j + 2] = s2
        out[j + 3] = s3
        j += 4
    while j < n_out:
        out[j] = weighted_sum(a, M[j])
        j += 1


@jit(inline=True)
def add_four_rows_into(z, a0, row0, a1, row1, a2, row2, a3, row3, c0, c1):
    """``z[c] = (((z[c] + a0 * row0[j]) + a1 * row1[j]) + a2 * row2[j]) + a3 * row3[j]``,
    with ``j = c - c0``, for c0 <= c < c1.

    Four axpy steps in one pass: z is loaded and stored once instead of four times,
    and each element still adds its four terms one after the other, in order.
    """
    for c in range(c0, c1):
        j = c - c0
        z[c] = (((z[c] + a0 * row0[j]) + a1 * row1[j]) + a2 * row2[j]) + a3 * row3[j]


@jit
def transposed_multiply_into(M, v, out):
    """``out = M.T @ v`` as axpy loops over the rows of M: M (n_rows, n_cols), v (n_rows,).

    ``out[c]`` accumulates ``v[r] * M[r][c]`` for r = 0, 1, ..., in that order, rows
    four at a time (:func:`add_four_rows_into`).
    """
    n_cols = len(out)
    n_rows = len(v)
    for c in range(n_cols):
        out[c] = 0.0
    r = 0
    while r + 4 <= n_rows:
        add_four_rows_into(out, v[r], M[r], v[r + 1], M[r + 1], v[r + 2], M[r + 2], v[r + 3],
                           M[r + 3], 0, n_cols)
        r += 4
    while r < n_rows:
        vr = v[r]
        row = M[r]
        for c in range(n_cols):
            out[c] += vr * row[c]
        r += 1


@jit
def outer_product_into(a, b, out):
    """``out[i][j] = a[i] * b[j]``: out has shape (len(a), len(b))."""
    for i in range(len(a)):
        ai = a[i]
        row = out[i]
        for j in range(len(b)):
            row[j] = ai * b[j]


@jit
def update_weights(W, delta, x, alpha):
    """``W[j][i] -= alpha * (delta[j] * x[i])`` in place, without an outer matrix.

    W has shape (len(delta), len(x)). This is the tutorial's
    ``W -= alpha * outer_product(delta, x)``, element for element.
    """
    for j in range(len(delta)):
        dj = delta[j]
        row = W[j]
        for i in range(len(x)):
            row[i] -= alpha * (dj * x[i])


@jit
def accumulate_outer(G, a, b):
    """``G[i][j] += a[i] * b[j]`` in place (a mini-batch's gradient sum)."""
    for i in range(len(a)):
        ai = a[i]
        row = G[i]
        for j in range(len(b)):
            row[j] += ai * b[j]


@jit
def accumulate_vector(g, d):
    """``g[j] += d[j]`` in place."""
    for j in range(len(g)):
        g[j] += d[j]


@jit
def update_biases(b, delta, alpha):
    """``b[j] -= alpha * delta[j]`` in place."""
    for j in range(len(b)):
        b[j] -= alpha * delta[j]


@jit(internal=True)
def fill_zero(v):
    """``v[j] = 0`` in place."""
    for j in range(len(v)):
        v[j] = 0.0


@jit(internal=True)
def sgd_step_vector(w, g, scale):
    """``w[j] -= scale * g[j]`` in place."""
    for j in range(len(w)):
        w[j] -= scale * g[j]


@jit(internal=True)
def sgd_step(W, G, scale):
    """Row by row :func:`sgd_step_vector`: ``W -= scale * G`` in place."""
    for r in range(len(W)):
        sgd_step_vector(W[r], G[r], scale)


@jit
def rmsprop_step_vector(w, g, v, learning_rate, rho, one_minus_rho, epsilon, inv_batch):
    """Keras's RMSprop for one vector, updating w and v in place.

    With ``grad = g[j] * inv_batch`` (g may hold a sum of m gradients, inv_batch = 1/m):
    ``v[j] = rho * v[j] + one_minus_rho * grad**2``;
    ``w[j] -= learning_rate * grad / sqrt(v[j] + epsilon)`` (epsilon inside the root,
    as Keras has it, unlike PyTorch).
    """
    for j in range(len(w)):
        grad = g[j] * inv_batch
        v[j] = rho * v[j] + one_minus_rho * (grad * grad)
        w[j] -= learning_rate * grad / math.sqrt(v[j] + epsilon)


@jit
def rmsprop_step(W, G, V, learning_rate, rho, one_minus_rho, epsilon, inv_batch):
    """Row by row :func:`rmsprop_step_vector` on matrices of one shape."""
    for r in range(len(W)):
        rmsprop_step_vector(W[r], G[r], V[r], learning_rate, rho, one_minus_rho, epsilon, inv_batch)


@jit(internal=True)
def fill_zero_rows(G):
    """``G[r][c] = 0`` in place."""
    for r in range(len(G)):
        fill_zero(G[r])


# ---------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------
@jit(internal=True)
def sigmoid_scalar(z):
    """``1 / (1 + exp(-z))``, in a form whose exp never overflows.

    With ``e = exp(-|z|)``: ``1 / (1 + e)`` for z >= 0, ``e / (1 + e)`` below (the
    same operations as a branch on z's sign, but a selection, which a loop over
    samples of either sign does not mispredict).
    """
    e = math.exp(-abs(z))
    numerator = 1.0 if z >= 0 else e
    return numerator / (1.0 + e)


@jit
def sigmoid_into(z, out):
    for j in range(len(z)):
        out[j] = sigmoid_scalar(z[j])


@jit
def relu_into(z, out):
    for j in range(len(z)):
        out[j] = z[j] if z[j] > 0 else 0.0


@jit
def softmax_into(z, out):
    """``exp(z - max(z)) / sum(...)``: the max is subtracted first, so exp cannot overflow."""
    top = z[0]
    for j in range(1, len(z)):
        if z[j] > top:
            top = z[j]
    total = 0.0
    for j in range(len(z)):
        out[j] = math.exp(z[j] - top)
        total += out[j]
    for j in range(len(z)):
        out[j] = out[j] / total


@jit(internal=True)
def identity_into(z, out):
    for j in range(len(z)):
        out[j] = z[j]


@jit(internal=True)
def activate_into(z, out, activation):
    """Apply the activation with code ``activation`` (IDENTITY, SIGMOID, RELU, SOFTMAX)."""
    if activation == SIGMOID:
        sigmoid_into(z, out)
    elif activation == RELU:
        relu_into(z, out)
    elif activation == SOFTMAX:
        softmax_into(z, out)
    else:
        identity_into(z, out)


@jit
def sigmoid_derivative_into(y, out):
    """``out[j] = y[j] * (1 - y[j])``, the sigmoid's slope expressed through its output y."""
    for j in range(len(y)):
        out[j] = y[j] * (1.0 - y[j])


@jit
def relu_derivative_into(z, out):
    """``out[j] = 1`` where ``z[j] > 0``, else 0 (z is the pre-activation)."""
    for j in range(len(z)):
        out[j] = 1.0 if z[j] > 0 else 0.0


@jit
def softmax_jacobian_into(y, out):
    """``out[i][j] = y[i] * ((i == j) - y[j])``: the softmax's Jacobian through its output y."""
    for i in range(len(y)):
        row = out[i]
        for j in range(len(y)):
            if i == j:
                row[j] = y[i] * (1.0 - y[j])
            else:
                row[j] = -(y[i] * y[j])


@jit(internal=True)
def times_derivative_into(error, z, y, activation, out):
    """``out = error * f'(z)`` for an element-wise activation f with output y = f(z).

    Sigmoid uses ``error * y * (1 - y)``, in that order, as the tutorials do.
    """
    if activation == SIGMOID:
        for j in range(len(out)):
            out[j] = error[j] * y[j] * (1.0 - y[j])
    elif activation == RELU:
        for j in range(len(out)):
            out[j] = error[j] if z[j] > 0 else 0.0
    else:
        for j in range(len(out)):
            out[j] = error[j]


@jit(internal=True)
def argmax(v):
    """Index of the first largest element of v."""
    best = 0
    for j in range(1, len(v)):
        if v[j] > v[best]:
            best = j
    return best


# ---------------------------------------------------------------------------------------
# Networks: forward passes, one sample's backward pass, and whole epochs
#
# Per-layer buffers are blocks of rows: pre[l], act[l], error[l] and delta[l] have
# shape (BLOCK, n_out of layer l); row s holds sample s of the block being processed.
# Per-sample training uses row 0 only.
# ---------------------------------------------------------------------------------------
@intrinsic
def _atomic_load(typingctx, array, index):
    """``array[index]`` read with acquire ordering (int64 arrays)."""
    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        return builder.load_atomic(builder.gep(data, [args[1]]), ordering="acquire", align=8)
    return types.int64(array, index), codegen


@intrinsic
def _atomic_increment(typingctx, array, index):
    """``array[index] += 1`` as one atomic operation; returns the old value."""
    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        one = context.get_constant(types.int64, 1)
        return builder.atomic_rmw("add", builder.gep(data, [args[1]]), one, ordering="seq_cst")
    return types.int64(array, index), codegen


def plain_vector_width_hint():
    """What :func:`vector_width_hint` does in plain Python: nothing."""


if config.DISABLE_JIT:
    vector_width_hint = plain_vector_width_hint
else:
    @intrinsic
    def vector_width_hint(typingctx):
        """Compiled: vectorise the calling function with :func:`fastnn.config.vector_width`-bit
        vectors (LLVM's ``"prefer-vector-width"`` attribute; nothing when that is None).

        Called first in the per-sample loops. It changes the instructions, not the
        operations: the results stay the same bits.
        """
        def codegen(context, builder, signature, args):
            width = config.vector_width()
            if width:
                # llvmlite's attribute set takes only LLVM's keyword attributes; this
                # string attribute goes into the function's IR as it is written here
                set.add(builder.function.attributes, f'"prefer-vector-width"="{width}"')
            return context.get_dummy_value()
        return types.none(), codegen


@jit(internal=True)
def barrier(sync, generation, parties):
    """Wait until ``parties`` threads have called this with the same ``generation``.

    ``sync`` is an int64 array of 2 zeros shared by the threads (arrivals, generation);
    returns the next generation. With one party it returns at once, touching nothing,
    which is how the plain-Python reference runs the threaded kernels.
    """
    if parties == 1:
        return generation + 1
    arrived = _atomic_increment(sync, 0) + 1
    if arrived == parties * (generation + 1):
        _atomic_increment(sync, 1)
    else:
        while _atomic_load(sync, 1) <= generation:
            pass
    return generation + 1


#: Samples a mini-batch's forward pass and gradient sum take together: each weight row
#: is read once per block instead of once per sample.
BLOCK = 8


@jit(internal=True)
def transposed_multiply_block_into(M, A, count, Z):
    """``Z[s] = M.T @ A[s]`` for s < count, reading each row of M once for all samples.

    Each ``Z[s][c]`` accumulates ``A[s][r] * M[r][c]`` for r = 0, 1, ..., in the order
    and with the operations of :func:`transposed_multiply_into`. Rows go four at a
    time, so that each ``Z[s]`` is loaded and stored once per four rows.
    """
    n_cols = len(M[0])
    n_rows = len(M)
    for s in range(count):
        zs = Z[s]
        for c in range(n_cols):
            zs[c] = 0.0
    r = 0
    while r + 4 <= n_rows:
        row0 = M[r]
        row1 = M[r + 1]
        row2 = M[r + 2]
        row3 = M[r + 3]
        for s in range(count):
            inputs = A[s]
            a0 = inputs[r]
            a1 = inputs[r + 1]
            a2 = inputs[r + 2]
            a3 = inputs[r + 3]
            if a0 == 0 and a1 == 0 and a2 == 0 and a3 == 0:
                continue  # adds exactly 0 when the rows are finite; MNIST is mostly 0
            add_four_rows_into(Z[s], a0, row0, a1, row1, a2, row2, a3, row3, 0, n_cols)
        r += 4
    while r < n_rows:
        row = M[r]
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
    """``G[r][c] += A[s][r] * D[s][c]`` for s = 0, ..., count - 1 in order, row by row.

    Samples go four at a time, so that G is loaded and stored once per four samples;
    each element still adds its terms sample by sample. Inputs of 0 are
    skipped (they add an exact 0 for finite deltas).
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


@jit
def multiply_rows_into(WT, x, rows, n_rows, z, c0, c1):
    """``z = WT.T @ x`` on columns c0 <= c < c1, where x is 0 outside ``rows[0:n_rows]``.

    WT holds columns c0..c1, column c at ``WT[r][c - c0]`` (the whole matrix when c0 is
    0; see :func:`update_and_multiply_into`). ``z[c]`` accumulates ``x[r] * WT[r][c]``
    for the listed rows (ascending) in order: the terms :func:`transposed_multiply_into`
    adds, without its additions of an exact 0. Rows go four at a time, so that z is
    loaded and stored once per four rows.
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
def accumulate_outer_rows(G, x, rows, n_rows, d):
    """``G[r][c] += x[r] * d[c]`` for the rows ``rows[0:n_rows]``: :func:`accumulate_outer`
    where x is 0 elsewhere."""
    n_cols = len(d)
    for k in range(n_rows):
        r = rows[k]
        xr = x[r]
        row = G[r]
        for c in range(n_cols):
            row[c] += xr * d[c]


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
def finish_layer_into(biases, activations, use_bias, layer, pre, act, count):
    """Add the biases to ``pre[layer][s]`` and apply the activation, for s < count."""
    for s in range(count):
        z = pre[layer][s]
        if use_bias:
            b = biases[layer]
            for j in range(len(z)):
                z[j] += b[j]
        activate_into(z, act[layer][s], activations[layer])


@jit
def forward_block_into(weights_t, biases, activations, use_bias, x_block, input_rows,
                       input_counts, count, pre, act):
    """The forward pass of samples ``x_block[0:count]``, into rows 0..count-1 of pre, act.

    weights_t[l] has shape (n_in, n_out) (the transposed weights), biases[l] (n_out,);
    ``pre[l][s]`` receives ``W_l a_{l-1} (+ b_l)`` and ``act[l][s]`` its activation.
    ``input_rows[s][0:input_counts[s]]`` lists sample s's nonzero inputs, as
    :func:`load_input_into` returns them.
    """
    for layer in range(len(weights_t)):
        if layer == 0:
            if mostly_zero(input_counts, count, len(weights_t[0])):
                # uint64 bounds, as per-sample training passes them: one compilation
                for s in range(count):
                    multiply_rows_into(weights_t[0], x_block[s], input_rows[s],
                                       input_counts[s], pre[0][s], np.uint64(0),
                                       np.uint64(len(pre[0][s])))
            else:
                transposed_multiply_block_into(weights_t[0], x_block, count, pre[0])
        else:
            transposed_multiply_block_into(weights_t[layer], act[layer - 1], count, pre[layer])
        finish_layer_into(biases, activations, use_bias, layer, pre, act, count)


@jit(internal=True)
def update_and_multiply_into(WT, pending_input, pending_delta, learning_rate, a, z, c0, c1,
                             rows, n_rows):
    """Apply the previous sample's update to WT while computing ``z = WT.T @ a``.

    Only columns c0 <= c < c1 are touched, so that threads can share a layer; WT holds
    those columns only, column c at ``WT[r][c - c0]`` (the whole matrix when c0 is 0),
    so that each thread's weights are a contiguous block of its own. One pass
    over WT does, row by row, what :func:`update_weights` and then
    :func:`transposed_multiply_into` do in two: ``WT[r][c] -= lr * (pending_input[r] *
    pending_delta[c])``, then ``z[c] += a[r] * WT[r][c]`` with the updated value. Each
    element sees the same operations in the same order, so the result is the same, bit
    for bit, while the weights cross the memory hierarchy once instead of twice.

    Only the rows ``rows[0:n_rows]`` (ascending) are visited: those where
    ``pending_input`` or ``a`` is nonzero (see :func:`merge_rows`), or every row.
    They go four at a time, so that ``z`` is loaded and stored once per four rows.
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


@jit(internal=True)
def update_rows(WT, pending_input, rows, n_rows, pending_delta, learning_rate, c0, c1):
    """``WT[r][c - c0] -= lr * (pending_input[r] * pending_delta[c])`` for c0 <= c < c1,
    on the rows ``rows[0:n_rows]``.

    WT holds columns c0..c1 as :func:`update_and_multiply_into` has them. The rows left
    out are those whose input is 0 (see "Zero inputs" above).
    """
    vector_width_hint()
    for k in range(n_rows):
        r = rows[k]
        pr = pending_input[r]
        row = WT[r]
        for c in range(c0, c1):
            row[c - c0] -= learning_rate * (pr * pending_delta[c])


@jit(internal=True)
def activate_columns_into(z, out, activation, c0, c1):
    """:func:`activate_into` on columns c0 <= c < c1 (softmax always takes all of z)."""
    if activation == SOFTMAX:
        softmax_into(z, out)
    elif activation == SIGMOID:
        for c in range(c0, c1):
            out[c] = sigmoid_scalar(z[c])
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

    WT holds the layer's columns c0..c1 (see :func:`update_and_multiply_into`). The
    previous sample's update of this layer (its input ``pending_input[layer]``, nonzero
    on ``pending_rows[0:n_pending]``, and delta ``delta[layer][0]``) is applied on the
    way; ``layer_input`` is nonzero on ``rows[0:n_rows]`` (all rows, ascending, when
    the count is the input size).

    The update is fused into the forward pass over the union of the two row lists: one
    of them when it has every row (dense inputs, and every hidden layer), otherwise
    merged into ``union_rows`` for wide layers (32 columns or more). Narrow layers with
    sparse inputs (the 10 outputs of the linear nets) update, then multiply: their
    weights stay in cache, and the merge would cost more than the second pass.
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
def flush_pending_layer(WT, biases, use_bias, learning_rate, pending_input, delta,
                        layer, c0, c1, pending_rows, n_pending):
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


@jit(internal=True)
def keep_inputs(x, act, pending_input, input_rows, input_counts, source, n_rows, pending):
    """Copy each layer's input (x, then row 0 of act[l - 1]) into pending_input[l], and
    x's nonzero rows ``input_rows[source][0:n_rows]`` into ``input_rows[pending]``, with
    their count into ``input_counts[pending]``."""
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


@jit
def sample_loss(y, t, loss):
    """Half the squared error ``0.5 * sum((y - t)**2)``, or cross-entropy ``-sum(t log y)``."""
    total = 0.0
    if loss == CROSS_ENTROPY:
        for j in range(len(y)):
            if t[j] != 0:
                yj = y[j]
                total -= t[j] * math.log(1e-300 if yj < 1e-300 else yj)  # max(yj, 1e-300)
    else:
        for j in range(len(y)):
            diff = y[j] - t[j]
            total += diff * diff
        total *= 0.5
    return total


@jit
def backward_into(weights_t, activations, loss, backprop, t, pre, act, error, delta, s):
    """Sample s's backward pass: ``delta[l][s]`` = dLoss/d(pre-activation of layer l).

    The output error is ``y - t``; with cross-entropy over a softmax output the output
    delta is that error itself, otherwise it is multiplied by the activation's slope.
    ``backprop`` says what travels back through ``W.T``: BACKPROP_GRADIENT sends the
    delta (true backpropagation); BACKPROP_ERROR sends the error, as Rashid's network
    does (``e_h = W_ho.T e_o``). Both read the weights before any update.
    """
    last = len(weights_t) - 1
    y = act[last][s]
    e = error[last][s]
    for j in range(len(y)):
        e[j] = y[j] - t[j]
    if loss == CROSS_ENTROPY:
        copy_into(e, delta[last][s])
    else:
        times_derivative_into(e, pre[last][s], y, activations[last], delta[last][s])
    for layer in range(last, 0, -1):
        if backprop == BACKPROP_ERROR:
            vector_matrix_multiply_into(error[layer][s], weights_t[layer], error[layer - 1][s])
        else:
            vector_matrix_multiply_into(delta[layer][s], weights_t[layer], error[layer - 1][s])
        times_derivative_into(error[layer - 1][s], pre[layer - 1][s], act[layer - 1][s],
                              activations[layer - 1], delta[layer - 1][s])


@jit
def sgd_sample_update(weights_t, biases, use_bias, learning_rate, inputs, delta):
    """Per-sample SGD: ``W_l -= lr * outer(delta_l, inputs_l)`` and ``b_l -= lr * delta_l``.

    ``inputs[l]`` is what layer l received (the sample for layer 0, then activations);
    ``delta[l][0]`` is layer l's delta.
    """
    for layer in range(len(weights_t)):
        update_weights(weights_t[layer], inputs[layer], delta[layer][0], learning_rate)
        if use_bias:
            update_biases(biases[layer], delta[layer][0], learning_rate)


@jit
def update_only_epoch(weights_t, inputs, deltas, learning_rate, n_samples):
    """The update-only pass, ``n_samples`` times: per layer ``update_weights``, nothing else.

    ``weights_t[l]`` (n_in, n_out) receives ``WT[i][j] -= lr * (inputs[l][i] *
    deltas[l][j])`` over every element, as :func:`sgd_sample_update` applies one
    sample's update, without biases, forward or backward pass. Per-sample SGD must read
    and write every weight once per sample, so this plain loop's rate is the bound that
    :mod:`fastnn.calibration` measures per-sample training against.
    """
    for _ in range(n_samples):
        for layer in range(len(weights_t)):
            update_weights(weights_t[layer], inputs[layer], deltas[layer], learning_rate)


@jit(internal=True)
def accumulate_gradients(grad_w, grad_b, x_block, input_rows, input_counts, act, delta,
                         count):
    """Add the gradients of samples 0..count-1 of the block to grad_w[l] and grad_b[l].

    ``grad_w[l]`` (n_in, n_out) receives ``sum_s outer(input_s, delta_s)`` and
    ``grad_b[l]`` ``sum_s delta_s``, each added sample by sample in order. The samples'
    nonzero inputs are listed as in :func:`forward_block_into`.
    """
    for layer in range(len(grad_w)):
        if layer == 0:
            if mostly_zero(input_counts, count, len(grad_w[0])):
                for s in range(count):
                    accumulate_outer_rows(grad_w[0], x_block[s], input_rows[s],
                                          input_counts[s], delta[0][s])
            else:
                accumulate_outer_block(grad_w[0], x_block, delta[0], count)
        else:
            accumulate_outer_block(grad_w[layer], act[layer - 1], delta[layer], count)
        for s in range(count):
            accumulate_vector(grad_b[layer], delta[layer][s])


@jit(internal=True)
def apply_gradients(weights_t, biases, use_bias, optimizer, learning_rate, rho, one_minus_rho,
                    epsilon, batch_count, grad_w, grad_b, mean_square_w, mean_square_b, scalar):
    """Apply a mini-batch's gradient sums, then zero the sums.

    SGD: ``W -= (lr / m) * G``, as Nielsen writes it. RMSprop: Keras's update with the
    batch-mean gradient ``G / m``. ``scalar`` is a 1-element buffer of the weights'
    dtype, used to round ``lr / m`` and ``1 / m`` to that dtype.
    """
    for layer in range(len(weights_t)):
        if optimizer == RMSPROP:
            scalar[0] = 1.0 / batch_count
            inv_batch = scalar[0]
            rmsprop_step(weights_t[layer], grad_w[layer], mean_square_w[layer], learning_rate,
                         rho, one_minus_rho, epsilon, inv_batch)
            if use_bias:
                rmsprop_step_vector(biases[layer], grad_b[layer], mean_square_b[layer],
                                    learning_rate, rho, one_minus_rho, epsilon, inv_batch)
        else:
            scalar[0] = learning_rate / batch_count
            scale = scalar[0]
            sgd_step(weights_t[layer], grad_w[layer], scale)
            if use_bias:
                sgd_step_vector(biases[layer], grad_b[layer], scale)
        fill_zero_rows(grad_w[layer])
        fill_zero(grad_b[layer])


@jit(internal=True)
def score_sample(y, t, label, loss):
    """(loss, 1 if y's largest output is at label else 0) of one sample's output y."""
    return sample_loss(y, t, loss), 1 if argmax(y) == label else 0


@jit
def train_epoch_per_sample(weights_t, biases, activations, use_bias, loss, backprop,
                           learning_rate, X, use_table, table, T, labels, order, x_block,
                           input_rows, input_counts, pre, act, error, delta, pending_input,
                           union_rows, all_rows, first_layer_blocks, thread, n_threads,
                           column_bounds, sync, stop):
    """Per-sample SGD over ``X[order]``, updating weights_t and biases in place.

    Each sample's update reaches the weights before the next sample uses them: it is
    fused into that next sample's forward pass (:func:`pending_sample_layer`;
    ``pending_input[l]`` is a buffer of layer l's input size), and the last one is
    applied before returning. Stops after the sample whose loss is not finite. Each
    sample is loaded into ``x_block[thread]`` by :func:`load_input_into`, which lists its
    nonzero inputs in ``input_rows[thread]``; ``input_rows[n_threads]`` and
    ``input_counts[n_threads]`` keep the pending sample's (see
    :func:`pending_sample_layer`, which may merge them into ``union_rows[thread]``). The
    hidden layers visit every row (``all_rows``: 0, 1, ... up to the widest layer input).

    Threads: ``n_threads`` threads run this function at once, with ``thread`` = 0, 1,
 (each owns its slice of every weight row, so none writes what another
    reads), and thread 0 does the rest of each sample, between two barriers on
    ``sync`` (int64, 2 zeros). ``stop`` (int64, 1 zero) tells the others to stop. The
    order of every operation on every number is that of one thread, so the result is
    the same bit for bit. Row l of ``column_bounds`` (one per layer, n_threads + 1
    entries) splits layer l's columns; the other layers use its first and last entry.
    Compiled, the bounds are uint64: unsigned indices spare the loops the check for
    negative indices, which would keep them from vectorising.

    Returns
    -------
    loss_sum : float
        Sum of the per-sample losses, each taken before that sample's update (thread 0;
        the other threads return 0).
    correct : int
        Samples whose largest output was at their label.
    seen : int
        Samples processed.
    """
    last = len(weights_t) - 1
    c0 = column_bounds[0][thread]
    c1 = column_bounds[0][thread + 1]
    generation = 0
    if thread == 0:  # nothing is pending yet: a zero update
        for layer in range(last + 1):
            fill_zero(pending_input[layer])
            fill_zero(delta[layer][0])
        input_counts[n_threads] = 0
    generation = barrier(sync, generation, n_threads)
    loss_sum = 0.0
    correct = 0
    seen = 0
    x = x_block[thread]  # every thread loads the sample for itself: no barrier needed
    for k in range(len(order)):
        sample = order[k]
        n_nonzero = load_input_into(X[sample], x, use_table, table, input_rows[thread])
        pending_sample_layer(first_layer_blocks[thread], biases, activations, use_bias,
                             learning_rate, pending_input, delta, x, pre, act, 0, c0, c1,
                             input_rows[n_threads], input_counts[n_threads],
                             input_rows[thread], n_nonzero, union_rows[thread])
        generation = barrier(sync, generation, n_threads)
        if thread == 0:
            for layer in range(1, last + 1):
                n_hidden = len(pending_input[layer])
                pending_sample_layer(weights_t[layer], biases, activations, use_bias,
                                     learning_rate, pending_input, delta, act[layer - 1][0],
                                     pre, act, layer, column_bounds[layer][0],
                                     column_bounds[layer][n_threads], all_rows, n_hidden,
                                     all_rows, n_hidden, union_rows[thread])
            t = T[sample]
            sample_loss_value, hit = score_sample(act[last][0], t, labels[sample], loss)
            loss_sum += sample_loss_value
            correct += hit
            backward_into(weights_t, activations, loss, backprop, t, pre, act, error, delta, 0)
            keep_inputs(x, act, pending_input, input_rows, input_counts, 0, n_nonzero, n_threads)
            if not loss_sum < math.inf:
                stop[0] = 1
        generation = barrier(sync, generation, n_threads)
        seen = k + 1
        if stop[0] != 0:
            break
    if seen > 0:
        flush_pending_layer(first_layer_blocks[thread], biases, use_bias, learning_rate,
                            pending_input, delta, 0, c0, c1, input_rows[n_threads],
                            input_counts[n_threads])
        if thread == 0:
            for layer in range(1, last + 1):
                flush_pending_layer(weights_t[layer], biases, use_bias, learning_rate,
                                    pending_input, delta, layer, column_bounds[layer][0],
                                    column_bounds[layer][n_threads], all_rows,
                                    len(pending_input[layer]))
    return loss_sum, correct, seen


@jit
def train_epoch_batches(weights_t, biases, activations, use_bias, loss, backprop, optimizer,
                        learning_rate, rho, one_minus_rho, epsilon, batch_size,
                        X, use_table, table, T, labels, order, x_block, input_rows,
                        input_counts, pre, act, error, delta, grad_w, grad_b, mean_square_w,
                        mean_square_b, scalar):
    """Mini-batch training over ``X[order]`` (SGD or RMSprop), in place.

    The samples of a batch go through the forward pass and the gradient sum BLOCK at a
    time (``x_block`` holds their inputs and ``input_rows``, ``input_counts`` their nonzero
    rows, from :func:`load_input_into`); then :func:`apply_gradients` applies the
    batch's sums (the last batch may be smaller). Stops after the batch in which the
    loss stopped being finite. Returns ``(loss_sum, correct, seen)`` as
    :func:`train_epoch_per_sample` does.
    """
    n = len(order)
    last = len(weights_t) - 1
    block = len(x_block)
    loss_sum = 0.0
    correct = 0
    seen = 0
    start = 0
    while start < n:
        stop = n if n < start + batch_size else start + batch_size
        k = start
        while k < stop:
            count = block if block < stop - k else stop - k
            for s in range(count):
                input_counts[s] = load_input_into(X[order[k + s]], x_block[s], use_table, table,
                                                  input_rows[s])
            forward_block_into(weights_t, biases, activations, use_bias, x_block, input_rows,
                               input_counts, count, pre, act)
            for s in range(count):
                sample = order[k + s]
                sample_loss_value, hit = score_sample(act[last][s], T[sample], labels[sample], loss)
                loss_sum += sample_loss_value
                correct += hit
                backward_into(weights_t, activations, loss, backprop, T[sample], pre, act, error,
                              delta, s)
            accumulate_gradients(grad_w, grad_b, x_block, input_rows, input_counts, act, delta,
                                 count)
            k += count
        apply_gradients(weights_t, biases, use_bias, optimizer, learning_rate, rho,
                        one_minus_rho, epsilon, stop - start, grad_w, grad_b,
                        mean_square_w, mean_square_b, scalar)
        seen = stop
        if not loss_sum < math.inf:
            break
        start = stop
    return loss_sum, correct, seen


@jit
def predict_into(weights_t, biases, activations, use_bias, X, use_table, table, x_block,
                 input_rows, input_counts, pre, act, out):
    """Forward every row of X, BLOCK at a time; ``out[s]`` receives sample s's outputs."""
    last = len(weights_t) - 1
    block = len(x_block)
    n = len(X)
    k = 0
    while k < n:
        count = block if block < n - k else n - k
        for s in range(count):
            input_counts[s] = load_input_into(X[k + s], x_block[s], use_table, table,
                                              input_rows[s])
        forward_block_into(weights_t, biases, activations, use_bias, x_block, input_rows,
                           input_counts, count, pre, act)
        for s in range(count):
            copy_into(act[last][s], out[k + s])
        k += count


@jit
def predict_per_sample_into(weights_t, biases, activations, use_bias, X, use_table, table,
                            x_block, input_rows, all_rows, pre, act, out):
    """Forward every row of X one sample at a time; ``out[s]`` receives sample s's outputs.

    The outputs of :func:`predict_into`, with the loops that per-sample training
    compiles anyway: :func:`multiply_rows_into` over the sample's nonzero inputs
    (``input_rows[0]``, from :func:`load_input_into`), then over every row of each hidden
    layer (``all_rows``: 0, 1, ... up to the widest layer input), and
    :func:`activate_columns_into`. A network trained per sample then compiles little
    more than this loop to predict. Each weight row is read once per sample instead of
    once per BLOCK samples: networks trained in mini-batches predict with
    :func:`predict_into`, whose loops their training compiles.
    """
    last = len(weights_t) - 1
    x = x_block[0]
    rows = input_rows[0]
    start = np.uint64(0)  # uint64 bounds, as per-sample training passes them
    for k in range(len(X)):
        n_nonzero = load_input_into(X[k], x, use_table, table, rows)
        for layer in range(last + 1):
            z = pre[layer][0]
            stop = np.uint64(len(z))
            if layer == 0:
                multiply_rows_into(weights_t[0], x, rows, n_nonzero, z, start, stop)
            else:
                layer_input = act[layer - 1][0]
                multiply_rows_into(weights_t[layer], layer_input, all_rows, len(layer_input), z,
                                   start, stop)
            if use_bias:
                b = biases[layer]
                for c in range(len(z)):
                    z[c] += b[c]
            activate_columns_into(z, act[layer][0], activations[layer], start, stop)
        copy_into(act[last][0], out[k])
