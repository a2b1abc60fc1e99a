"""The engine's per-sample loops: one epoch of per-sample SGD, and prediction.

They put the steps of :mod:`fastnn.kernels.fast` together: weights input-major, four
rows per pass, the first layer over the sample's nonzero inputs only, each update fused
into the next sample's forward pass, the CPU's vector width, and threads sharing the
first layer. The result is that of :func:`fastnn.kernels.tutorial.train_sample` called
sample after sample, bit for bit (``tests/test_fast.py``).
"""

from __future__ import annotations

import math

from fastnn.jit import jit
from fastnn.kernels.fast.fused_update import (activate_columns_into, copy_into,
                                              flush_pending_layer, keep_inputs,
                                              pending_sample_layer)
from fastnn.kernels.fast.threads import barrier
from fastnn.kernels.fast.zero_inputs import load_input_into, multiply_rows_into
from fastnn.kernels.steps import backward_into, fill_zero, score_sample


@jit
def train_epoch_per_sample(net, learning_rate, inputs, targets, order, blocks, pending, team):
    """Per-sample SGD over the samples ``order``, updating ``net``'s weights in place.

    Parameters
    ----------
    net : StoredLayers
    learning_rate : float
        Of the weights' dtype.
    inputs : InputRows
    targets : Targets
    order : (k,) int64
        The samples to train on, in order.
    blocks : Blocks
        Row ``team.thread`` of ``x_block`` and ``input_rows`` is this thread's; row
        ``n_threads`` of ``input_rows`` and ``input_counts`` keeps the pending sample's
        nonzero inputs; rows 0 of the layer buffers hold the sample.
    pending : Pending
    team : Team
        Thread 0 of 1 for a plain epoch; see :mod:`fastnn.kernels.fast.threads`.

    Each sample's update reaches the weights before the next sample uses them: it is
    fused into that next sample's forward pass (:func:`pending_sample_layer`), and the
    last one is applied before returning. Stops after the sample whose loss is not
    finite.

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
    last = len(net.weights_t) - 1
    thread, n_threads = team.thread, team.n_threads
    bounds = team.column_bounds
    first_layer = team.first_layer_blocks[thread]
    pending_input, delta = pending.pending_input, blocks.delta
    input_rows, input_counts = blocks.input_rows, blocks.input_counts
    c0 = bounds[0][thread]
    c1 = bounds[0][thread + 1]
    generation = 0
    if thread == 0:  # nothing is pending yet: a zero update
        for layer in range(last + 1):
            fill_zero(pending_input[layer])
            fill_zero(delta[layer][0])
        input_counts[n_threads] = 0
    generation = barrier(team.sync, generation, n_threads)
    loss_sum = 0.0
    correct = 0
    seen = 0
    x = blocks.x_block[thread]  # every thread loads the sample for itself: no barrier needed
    for k in range(len(order)):
        sample = order[k]
        n_nonzero = load_input_into(inputs.X[sample], x, inputs.use_table, inputs.table,
                                    input_rows[thread])
        pending_sample_layer(first_layer, net.biases, net.activations, net.use_bias,
                             learning_rate, pending_input, delta, x, blocks.pre, blocks.act, 0,
                             c0, c1, input_rows[n_threads], input_counts[n_threads],
                             input_rows[thread], n_nonzero, pending.union_rows[thread])
        generation = barrier(team.sync, generation, n_threads)
        if thread == 0:
            for layer in range(1, last + 1):
                n_hidden = len(pending_input[layer])
                pending_sample_layer(net.weights_t[layer], net.biases, net.activations,
                                     net.use_bias, learning_rate, pending_input, delta,
                                     blocks.act[layer - 1][0], blocks.pre, blocks.act, layer,
                                     bounds[layer][0], bounds[layer][n_threads],
                                     pending.all_rows, n_hidden, pending.all_rows, n_hidden,
                                     pending.union_rows[thread])
            t = targets.T[sample]
            sample_loss_value, hit = score_sample(blocks.act[last][0], t, targets.labels[sample],
                                                  net.loss)
            loss_sum += sample_loss_value
            correct += hit
            backward_into(net, t, blocks.pre, blocks.act, blocks.error, blocks.delta, 0)
            keep_inputs(x, blocks.act, pending_input, input_rows, input_counts, 0, n_nonzero,
                        n_threads)
            if not loss_sum < math.inf:
                team.stop[0] = 1
        generation = barrier(team.sync, generation, n_threads)
        seen = k + 1
        if team.stop[0] != 0:
            break
    if seen > 0:
        flush_pending_layer(first_layer, net.biases, net.use_bias, learning_rate, pending_input,
                            delta, 0, c0, c1, input_rows[n_threads], input_counts[n_threads])
        if thread == 0:
            for layer in range(1, last + 1):
                flush_pending_layer(net.weights_t[layer], net.biases, net.use_bias,
                                    learning_rate, pending_input, delta, layer,
                                    bounds[layer][0], bounds[layer][n_threads],
                                    pending.all_rows, len(pending_input[layer]))
    return loss_sum, correct, seen


@jit
def predict_per_sample_into(net, inputs, blocks, all_rows, out):
    """Forward every row of ``inputs.X`` one sample at a time into ``out`` (n, n_out).

    The outputs of :func:`fastnn.kernels.mini_batch.predict_into`, with the loops that
    per-sample training compiles anyway (:func:`multiply_rows_into` over the sample's
    nonzero inputs, then over every row of each hidden layer, ``all_rows``, on the column
    ranges ``blocks.columns``, unsigned as training's), so that a network trained per
    sample compiles little more than this loop to predict.
    """
    last = len(net.weights_t) - 1
    x = blocks.x_block[0]
    rows = blocks.input_rows[0]
    for k in range(len(inputs.X)):
        n_nonzero = load_input_into(inputs.X[k], x, inputs.use_table, inputs.table, rows)
        for layer in range(last + 1):
            z = blocks.pre[layer][0]
            start, stop = blocks.columns[layer][0], blocks.columns[layer][1]
            if layer == 0:
                multiply_rows_into(net.weights_t[0], x, rows, n_nonzero, z, start, stop)
            else:
                layer_input = blocks.act[layer - 1][0]
                multiply_rows_into(net.weights_t[layer], layer_input, all_rows,
                                   len(layer_input), z, start, stop)
            if net.use_bias:
                b = net.biases[layer]
                for c in range(len(z)):
                    z[c] += b[c]
            activate_columns_into(z, blocks.act[layer][0], net.activations[layer], start, stop)
        copy_into(blocks.act[last][0], out[k])
