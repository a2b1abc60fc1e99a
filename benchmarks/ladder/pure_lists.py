"""Rung 0: Rashid's network written in the pure-list tutorial's style.

Python lists and the tutorial's helpers, ``weighted_sum``,
``vector_matrix_multiplication``, ``zeros_matrix`` and ``outer_product``, and the double
loop that updates the weights, as ``shared/specs/networks.md`` (section 2) describes
them. No NumPy and none of fastnn's code: what a reader of that tutorial writes for
Rashid's 784-H-10 sigmoid network. Rashid's order: ``h = sigmoid(W_ih x)``,
``o = sigmoid(W_ho h)``, ``e_o = t - o``, ``e_h = W_ho.T e_o`` (before the update), then
``W_ho += lr * outer(e_o * o * (1 - o), h)`` and ``W_ih += lr * outer(e_h * h * (1 - h), x)``.
"""

from __future__ import annotations

import math


def weighted_sum(a, b):
    assert len(a) == len(b)
    output = 0
    for i in range(len(a)):
        output += a[i] * b[i]
    return output


def vector_matrix_multiplication(vect, matrix):
    assert len(vect) == len(matrix[0])
    output = [0] * len(matrix)
    for i in range(len(matrix)):
        output[i] = weighted_sum(vect, matrix[i])
    return output


def zeros_matrix(rows, cols):
    return [[0] * cols for _ in range(rows)]


def outer_product(vec_a, vec_b):
    out = zeros_matrix(len(vec_a), len(vec_b))
    for i in range(len(vec_a)):
        for j in range(len(vec_b)):
            out[i][j] = vec_a[i] * vec_b[j]
    return out


def sigmoid(values):
    return [1 / (1 + math.exp(-v)) for v in values]


def train_sample(weights_ih, weights_ho, inputs, targets, alpha):
    """One sample: forward, errors, then both updates, in Rashid's order (in place)."""
    hidden = sigmoid(vector_matrix_multiplication(inputs, weights_ih))
    outputs = sigmoid(vector_matrix_multiplication(hidden, weights_ho))
    output_errors = [t - o for t, o in zip(targets, outputs)]
    columns = [list(column) for column in zip(*weights_ho)]  # W_ho.T, row by row
    hidden_errors = vector_matrix_multiplication(output_errors, columns)
    output_deltas = [e * o * (1 - o) for e, o in zip(output_errors, outputs)]
    hidden_deltas = [e * h * (1 - h) for e, h in zip(hidden_errors, hidden)]
    for weights, deltas, layer_inputs in ((weights_ho, output_deltas, hidden),
                                          (weights_ih, hidden_deltas, inputs)):
        weight_deltas = outer_product(deltas, layer_inputs)
        for x in range(len(weights)):
            for y in range(len(weights[0])):
                weights[x][y] += alpha * weight_deltas[x][y]


class Rung:
    """The rung's state: both weight matrices as lists of lists (W of shape (n_out, n_in))."""

    name = "pure lists"

    def __init__(self, weights_ih, weights_ho, X, T, learning_rate):
        self.weights = (weights_ih.tolist(), weights_ho.tolist())
        self.X, self.T, self.learning_rate = X.tolist(), T.tolist(), float(learning_rate)

    def train(self, start, count):
        for k in range(start, start + count):
            train_sample(*self.weights, self.X[k], self.T[k], self.learning_rate)

    def trained_weights(self):
        return self.weights
