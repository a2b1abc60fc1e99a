"""The tutorial's loops, plain: the reference that every fast loop is checked against.

The pure-list tutorial's four helpers (``weighted_sum``, ``vector_matrix_multiplication``,
``outer_product`` and the double loop that updates the weights), the activations, and
the training steps built from them in the tutorials' order. ``W`` has shape (n_out,
n_in): ``W[j][i]`` connects input i to output j. Each loop only indexes, takes ``len()``
and does scalar arithmetic, so it runs on lists and arrays alike, as plain Python (the
``python`` backend) or compiled by Numba. The loops of :mod:`fastnn.kernels.fast` do the
same operations in the same order, faster: ``tests/test_fast.py`` checks their bits.

Compiled float32 stays float32 because a sum starts from its first product (Numba would
add float32 products to a float64 ``0.0``) and nothing allocates (``out`` buffers).
Loops that only compiled code calls are ``jit(internal=True)``. The steps take their
arrays bundled (:mod:`fastnn.kernels.bundles`): ``net`` a ``Layers``, ``work`` a
``Work``, ``opt`` an ``Optimizer``.
"""

from __future__ import annotations

import math

from fastnn.jit import jit
from fastnn.kernels.codes import (BACKPROP_ERROR, CROSS_ENTROPY, RELU, RMSPROP, SIGMOID,
                                  SOFTMAX)


# -- the four helpers ----------------------------------------------------------------------
@jit
def weighted_sum(a, b):
    """``a[0] * b[0] + a[1] * b[1] + ...``, added in that order (len(a) == len(b) >= 1)."""
    total = a[0] * b[0]
    for i in range(1, len(a)):
        total += a[i] * b[i]
    return total


@jit
def vector_matrix_multiply_into(a, M, out):
    """``out[j] = weighted_sum(a, M[j])``, that is ``M @ a``: M (n_out, n_in), a (n_in,)."""
    for j in range(len(out)):
        out[j] = weighted_sum(a, M[j])


@jit
def transposed_multiply_into(M, v, out):
    """``out[i] = v[0] * M[0][i] + v[1] * M[1][i] + ...``, that is ``M.T @ v``.

    M (n_out, n_in), v (n_out,), out (n_in,): backpropagation's product, which sends
    the outputs' errors back to the inputs (Rashid's ``W_ho.T e_o``).
    """
    for i in range(len(out)):
        total = v[0] * M[0][i]
        for j in range(1, len(v)):
            total += v[j] * M[j][i]
        out[i] = total


@jit
def outer_product_into(a, b, out):
    """``out[i][j] = a[i] * b[j]``: out has shape (len(a), len(b))."""
    for i in range(len(a)):
        for j in range(len(b)):
            out[i][j] = a[i] * b[j]


@jit
def update_weights(W, delta, x, alpha):
    """``W[j][i] -= alpha * (delta[j] * x[i])`` in place: the tutorial's
    ``W -= alpha * outer_product(delta, x)``, element by element. W (len(delta), len(x))."""
    for j in range(len(delta)):
        for i in range(len(x)):
            W[j][i] -= alpha * (delta[j] * x[i])


@jit
def update_biases(b, delta, alpha):
    """``b[j] -= alpha * delta[j]`` in place."""
    for j in range(len(b)):
        b[j] -= alpha * delta[j]


# -- activations, their slopes, the loss -------------------------------------------------
@jit(internal=True)
def sigmoid(z):
    """``1 / (1 + exp(-z))`` as ``1 / (1 + e)`` for z >= 0 and ``e / (1 + e)`` below, with
    ``e = exp(-|z|)``: exp never overflows (Rashid uses SciPy's ``expit``, which does the same)."""
    e = math.exp(-abs(z))
    numerator = 1.0 if z >= 0 else e
    return numerator / (1.0 + e)


@jit
def sigmoid_into(z, out):
    for j in range(len(z)):
        out[j] = sigmoid(z[j])


@jit
def sigmoid_derivative_into(y, out):
    """``out[j] = y[j] * (1 - y[j])``: the sigmoid's slope, given its output y."""
    for j in range(len(y)):
        out[j] = y[j] * (1.0 - y[j])


@jit
def relu_into(z, out):
    for j in range(len(z)):
        out[j] = z[j] if z[j] > 0 else 0.0


@jit
def relu_derivative_into(z, out):
    """``out[j] = 1`` where ``z[j] > 0``, else 0 (z is the pre-activation)."""
    for j in range(len(z)):
        out[j] = 1.0 if z[j] > 0 else 0.0


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


@jit
def softmax_jacobian_into(y, out):
    """``out[i][j] = y[i] * ((i == j) - y[j])``: the softmax's Jacobian, given its output y."""
    for i in range(len(y)):
        for j in range(len(y)):
            out[i][j] = y[i] * (1.0 - y[j]) if i == j else -(y[i] * y[j])


@jit(internal=True)
def activate_into(z, out, activation):
    """The activation with code ``activation`` (see :mod:`fastnn.kernels.codes`)."""
    if activation == SIGMOID:
        sigmoid_into(z, out)
    elif activation == RELU:
        relu_into(z, out)
    elif activation == SOFTMAX:
        softmax_into(z, out)
    else:
        for j in range(len(z)):
            out[j] = z[j]


@jit(internal=True)
def times_derivative_into(error, z, y, activation, out):
    """``out = error * f'(z)`` for the activation f with output ``y = f(z)``; sigmoid as
    the tutorials write it, ``error * y * (1 - y)``."""
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
def sample_loss(y, t, loss):
    """Half the squared error ``0.5 * sum((y - t)**2)``, or cross-entropy ``-sum(t log y)``."""
    total = 0.0
    if loss == CROSS_ENTROPY:
        for j in range(len(y)):
            if t[j] != 0:
                total -= t[j] * math.log(1e-300 if y[j] < 1e-300 else y[j])
        return total
    for j in range(len(y)):
        total += (y[j] - t[j]) * (y[j] - t[j])
    return 0.5 * total


@jit(internal=True)
def argmax(v):
    """The index of the first largest element of v."""
    best = 0
    for j in range(1, len(v)):
        if v[j] > v[best]:
            best = j
    return best


# -- the network ---------------------------------------------------------------------------
@jit
def forward(net, x, work):
    """``pre[l] = W_l a_(l-1) + b_l`` and ``act[l] = f_l(pre[l])``, layer by layer from x."""
    for layer in range(len(net.weights)):
        a = x if layer == 0 else work.act[layer - 1]
        z = work.pre[layer]
        vector_matrix_multiply_into(a, net.weights[layer], z)
        if net.use_bias:
            for j in range(len(z)):
                z[j] += net.biases[layer][j]
        activate_into(z, work.act[layer], net.activations[layer])


@jit
def backward(net, t, work):
    """``delta[l]`` for every layer, from the output down; weights are only read."""
    last = len(net.weights) - 1
    for j in range(len(t)):
        work.error[last][j] = work.act[last][j] - t[j]
    if net.loss == CROSS_ENTROPY:  # with softmax, dLoss / d pre is the error itself
        for j in range(len(t)):
            work.delta[last][j] = work.error[last][j]
    else:
        times_derivative_into(work.error[last], work.pre[last], work.act[last],
                              net.activations[last], work.delta[last])
    for layer in range(last, 0, -1):
        sent = work.error[layer] if net.backprop == BACKPROP_ERROR else work.delta[layer]
        transposed_multiply_into(net.weights[layer], sent, work.error[layer - 1])
        times_derivative_into(work.error[layer - 1], work.pre[layer - 1], work.act[layer - 1],
                              net.activations[layer - 1], work.delta[layer - 1])


@jit
def train_sample(net, x, t, learning_rate, work):
    """One sample of per-sample SGD: forward, backward, then every layer's update.

    Returns the sample's loss and predicted label, both from before the update.
    """
    forward(net, x, work)
    y = work.act[len(net.weights) - 1]
    loss, label = sample_loss(y, t, net.loss), argmax(y)
    backward(net, t, work)
    for layer in range(len(net.weights)):
        a = x if layer == 0 else work.act[layer - 1]
        update_weights(net.weights[layer], work.delta[layer], a, learning_rate)
        if net.use_bias:
            update_biases(net.biases[layer], work.delta[layer], learning_rate)
    return loss, label


@jit(internal=True)
def sgd_step(w, g, scale):
    """``w[i] -= scale * g[i]``: with ``scale = lr / m``, Nielsen's mini-batch update."""
    for i in range(len(w)):
        w[i] -= scale * g[i]


@jit
def rmsprop_step(w, g, v, learning_rate, rho, one_minus_rho, epsilon, scale):
    """Keras's RMSprop on the gradient ``g[i] * scale`` (``scale = 1 / m``: the batch mean)."""
    for i in range(len(w)):
        grad = g[i] * scale
        v[i] = rho * v[i] + one_minus_rho * (grad * grad)
        w[i] -= learning_rate * grad / math.sqrt(v[i] + epsilon)


@jit(internal=True)
def apply_step(w, g, v, opt, scale):
    """:func:`rmsprop_step` or :func:`sgd_step`, as ``opt.kind`` says."""
    if opt.kind == RMSPROP:
        rmsprop_step(w, g, v, opt.learning_rate, opt.rho, opt.one_minus_rho, opt.epsilon, scale)
    else:
        sgd_step(w, g, scale)


@jit
def train_batch(net, X, T, labels, opt, scale, work):
    """One mini-batch of the rows of X, T and labels: every sample's gradient goes into
    the sums, in order, then each weight takes one step, with ``scale`` ``lr / m`` (SGD)
    or ``1 / m`` (RMSprop). Returns the batch's summed loss and its correct predictions."""
    loss_sum, correct = 0.0, 0
    for s in range(len(X)):
        forward(net, X[s], work)
        y = work.act[len(net.weights) - 1]
        loss_sum += sample_loss(y, T[s], net.loss)
        correct += argmax(y) == labels[s]
        backward(net, T[s], work)
        for layer in range(len(net.weights)):
            a = X[s] if layer == 0 else work.act[layer - 1]
            d = work.delta[layer]
            for j in range(len(d)):
                for i in range(len(a)):
                    opt.grad_w[layer][j][i] += d[j] * a[i]
                opt.grad_b[layer][j] += d[j]
    for layer in range(len(net.weights)):
        W, G = net.weights[layer], opt.grad_w[layer]
        for j in range(len(W)):
            apply_step(W[j], G[j], opt.mean_square_w[layer][j], opt, scale)
        if net.use_bias:
            apply_step(net.biases[layer], opt.grad_b[layer], opt.mean_square_b[layer], opt, scale)
        for j in range(len(G)):  # the next batch's sums start from 0
            opt.grad_b[layer][j] = 0.0
            for i in range(len(G[j])):
                G[j][i] = 0.0
    return loss_sum, correct
