"""One sample's backward pass and score, on the engine's block buffers.

Shared by the engine's epoch loops (:mod:`fastnn.kernels.per_sample`,
:mod:`fastnn.kernels.mini_batch`): the steps of :func:`fastnn.kernels.tutorial.backward`
for row s of a :class:`~fastnn.kernels.bundles.Blocks`, with the weights input-major.
"""

from __future__ import annotations

from fastnn.jit import jit
from fastnn.kernels.codes import BACKPROP_ERROR, CROSS_ENTROPY
from fastnn.kernels.fast.four_rows import multiply_transposed_into
from fastnn.kernels.fast.fused_update import copy_into
from fastnn.kernels.tutorial import argmax, sample_loss, times_derivative_into


@jit(internal=True)
def fill_zero(v):
    """``v[j] = 0`` in place."""
    for j in range(len(v)):
        v[j] = 0.0


@jit
def backward_into(net, t, pre, act, error, delta, s):
    """Sample s's backward pass: ``delta[l][s]`` = dLoss/d(pre-activation of l).

    ``net`` is a :class:`~fastnn.kernels.bundles.StoredLayers`; ``pre``, ``act``,
    ``error`` and ``delta`` are the per-layer buffers of a
    :class:`~fastnn.kernels.bundles.Blocks`, row s for the sample (passed apart, not as
    the bundle: each compiled call copies its arguments, and this one runs once per
    sample). The output error is
    ``y - t``; with cross-entropy over a softmax output the output delta is that error
    itself, otherwise it is multiplied by the activation's slope. What travels back
    through ``W.T`` is the delta (``BACKPROP_GRADIENT``) or the error
    (``BACKPROP_ERROR``, Rashid's ``e_h = W_ho.T e_o``). The weights are only read.
    """
    last = len(net.weights_t) - 1
    y = act[last][s]
    e = error[last][s]
    for j in range(len(y)):
        e[j] = y[j] - t[j]
    if net.loss == CROSS_ENTROPY:
        copy_into(e, delta[last][s])
    else:
        times_derivative_into(e, pre[last][s], y, net.activations[last], delta[last][s])
    for layer in range(last, 0, -1):
        sent = error[layer][s] if net.backprop == BACKPROP_ERROR else delta[layer][s]
        multiply_transposed_into(net.weights_t[layer], sent, error[layer - 1][s])
        times_derivative_into(error[layer - 1][s], pre[layer - 1][s], act[layer - 1][s],
                              net.activations[layer - 1], delta[layer - 1][s])


@jit(internal=True)
def score_sample(y, t, label, loss):
    """(loss, 1 if y's largest output is at label else 0) of one sample's output y."""
    return sample_loss(y, t, loss), 1 if argmax(y) == label else 0
