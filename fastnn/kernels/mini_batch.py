"""The engine's mini-batch loops: one epoch of mini-batch SGD or RMSprop, and prediction.

The samples of a batch go through the forward pass and the gradient sum a block at a
time (:mod:`fastnn.kernels.fast.batch_blocks`); then each weight takes one step. The
result is that of :func:`fastnn.kernels.tutorial.train_batch`, bit for bit
(``tests/test_fast.py``).
"""

from __future__ import annotations

import math

from fastnn.jit import jit
from fastnn.kernels.codes import RMSPROP
from fastnn.kernels.fast.batch_blocks import (accumulate_outer_block, mostly_zero,
                                              multiply_block_into)
from fastnn.kernels.fast.fused_update import copy_into
from fastnn.kernels.fast.zero_inputs import (accumulate_outer_rows, load_input_into,
                                             multiply_rows_into)
from fastnn.kernels.steps import backward_into, fill_zero, score_sample
from fastnn.kernels.tutorial import activate_into, rmsprop_step, sgd_step


@jit
def forward_block_into(net, blocks, count):
    """The forward pass of the block's samples 0..count-1, into rows 0..count-1 of
    ``blocks.pre`` and ``blocks.act``; their nonzero inputs are listed in
    ``blocks.input_rows`` as :func:`load_input_into` lists them."""
    for layer in range(len(net.weights_t)):
        if layer == 0:
            if mostly_zero(blocks.input_counts, count, len(net.weights_t[0])):
                # the column range as per-sample training passes it: one compilation
                for s in range(count):
                    multiply_rows_into(net.weights_t[0], blocks.x_block[s], blocks.input_rows[s],
                                       blocks.input_counts[s], blocks.pre[0][s],
                                       blocks.columns[0][0], blocks.columns[0][1])
            else:
                multiply_block_into(net.weights_t[0], blocks.x_block, count, blocks.pre[0])
        else:
            multiply_block_into(net.weights_t[layer], blocks.act[layer - 1], count,
                                blocks.pre[layer])
        for s in range(count):
            z = blocks.pre[layer][s]
            if net.use_bias:
                b = net.biases[layer]
                for j in range(len(z)):
                    z[j] += b[j]
            activate_into(z, blocks.act[layer][s], net.activations[layer])


@jit(internal=True)
def accumulate_gradients(net, updates, blocks, count):
    """Add the gradients of the block's samples 0..count-1 to ``updates.grad_w[l]``
    (``sum_s outer(input_s, delta_s)``, input-major) and ``updates.grad_b[l]``, each
    added sample by sample in order."""
    grad_w, grad_b = updates.grad_w, updates.grad_b
    for layer in range(len(grad_w)):
        if layer == 0:
            if mostly_zero(blocks.input_counts, count, len(grad_w[0])):
                for s in range(count):
                    accumulate_outer_rows(grad_w[0], blocks.x_block[s], blocks.input_rows[s],
                                          blocks.input_counts[s], blocks.delta[0][s])
            else:
                accumulate_outer_block(grad_w[0], blocks.x_block, blocks.delta[0], count)
        else:
            accumulate_outer_block(grad_w[layer], blocks.act[layer - 1], blocks.delta[layer],
                                   count)
        g = grad_b[layer]
        for s in range(count):
            d = blocks.delta[layer][s]
            for j in range(len(g)):
                g[j] += d[j]


@jit(internal=True)
def apply_gradients(net, updates, batch_count):
    """Apply a mini-batch's gradient sums, then zero them.

    SGD: ``W -= (lr / m) * G``, as Nielsen writes it. RMSprop: Keras's update with the
    batch-mean gradient ``G / m``. ``updates.scalar`` rounds ``lr / m`` and ``1 / m`` to
    the weights' dtype.
    """
    for layer in range(len(net.weights_t)):
        W, G = net.weights_t[layer], updates.grad_w[layer]
        if updates.optimizer == RMSPROP:
            updates.scalar[0] = 1.0 / batch_count
            scale = updates.scalar[0]
            for r in range(len(W)):
                rmsprop_step(W[r], G[r], updates.mean_square_w[layer][r], updates.learning_rate,
                             updates.rho, updates.one_minus_rho, updates.epsilon, scale)
            if net.use_bias:
                rmsprop_step(net.biases[layer], updates.grad_b[layer],
                             updates.mean_square_b[layer], updates.learning_rate, updates.rho,
                             updates.one_minus_rho, updates.epsilon, scale)
        else:
            updates.scalar[0] = updates.learning_rate / batch_count
            scale = updates.scalar[0]
            for r in range(len(W)):
                sgd_step(W[r], G[r], scale)
            if net.use_bias:
                sgd_step(net.biases[layer], updates.grad_b[layer], scale)
        for r in range(len(G)):
            fill_zero(G[r])
        fill_zero(updates.grad_b[layer])


@jit
def train_epoch_batches(net, updates, inputs, targets, order, blocks):
    """Mini-batch training over the samples ``order`` (SGD or RMSprop), in place.

    ``net`` a :class:`~fastnn.kernels.bundles.StoredLayers`, ``updates`` an
    :class:`~fastnn.kernels.bundles.Updates`, ``inputs`` an
    :class:`~fastnn.kernels.bundles.InputRows`, ``targets`` a
    :class:`~fastnn.kernels.bundles.Targets`, ``blocks`` a
    :class:`~fastnn.kernels.bundles.Blocks` of BLOCK rows. The last batch may be
    smaller. Stops after the batch in which the loss stopped being finite. Returns
    ``(loss_sum, correct, seen)`` as :func:`~fastnn.kernels.per_sample.train_epoch_per_sample`.
    """
    n = len(order)
    last = len(net.weights_t) - 1
    block = len(blocks.x_block)
    loss_sum = 0.0
    correct = 0
    seen = 0
    start = 0
    while start < n:
        stop = n if n < start + updates.batch_size else start + updates.batch_size
        k = start
        while k < stop:
            count = block if block < stop - k else stop - k
            for s in range(count):
                blocks.input_counts[s] = load_input_into(inputs.X[order[k + s]],
                                                         blocks.x_block[s], inputs.use_table,
                                                         inputs.table, blocks.input_rows[s])
            forward_block_into(net, blocks, count)
            for s in range(count):
                sample = order[k + s]
                sample_loss_value, hit = score_sample(blocks.act[last][s], targets.T[sample],
                                                      targets.labels[sample], net.loss)
                loss_sum += sample_loss_value
                correct += hit
                backward_into(net, targets.T[sample], blocks.pre, blocks.act, blocks.error,
                              blocks.delta, s)
            accumulate_gradients(net, updates, blocks, count)
            k += count
        apply_gradients(net, updates, stop - start)
        seen = stop
        if not loss_sum < math.inf:
            break
        start = stop
    return loss_sum, correct, seen


@jit
def predict_into(net, inputs, blocks, out):
    """Forward every row of ``inputs.X``, a block at a time; ``out[s]`` receives sample
    s's outputs (n, n_out)."""
    last = len(net.weights_t) - 1
    block = len(blocks.x_block)
    n = len(inputs.X)
    k = 0
    while k < n:
        count = block if block < n - k else n - k
        for s in range(count):
            blocks.input_counts[s] = load_input_into(inputs.X[k + s], blocks.x_block[s],
                                                     inputs.use_table, inputs.table,
                                                     blocks.input_rows[s])
        forward_block_into(net, blocks, count)
        for s in range(count):
            copy_into(blocks.act[last][s], out[k + s])
        k += count
