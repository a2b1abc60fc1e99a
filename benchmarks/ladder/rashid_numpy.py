"""Rung 1: Rashid's network as his class writes it, in NumPy.

*Make Your Own Neural Network* trains with ``numpy.dot`` on column vectors: the inputs
become a (784, 1) array, ``hidden_outputs = expit(dot(wih, inputs))``, and each update is
the dot product of a column of deltas with a transposed row. This is that class's
``train`` method (written here, not copied), with ``scipy.special.expit`` as its NumPy
formula. No fastnn code. Its products go to NumPy's BLAS, whose sums add in an order of
their own: the weights agree with the loops' to rounding, not bit for bit.
"""

from __future__ import annotations

import numpy


def expit(x):
    return 1.0 / (1.0 + numpy.exp(-x))


class Rung:
    name = "Rashid's NumPy class"

    def __init__(self, weights_ih, weights_ho, X, T, learning_rate):
        self.wih, self.who = weights_ih.copy(), weights_ho.copy()
        self.X, self.T, self.lr = X, T, float(learning_rate)

    def train_sample(self, inputs_list, targets_list):
        inputs = numpy.array(inputs_list, ndmin=2).T
        targets = numpy.array(targets_list, ndmin=2).T
        hidden_outputs = expit(numpy.dot(self.wih, inputs))
        final_outputs = expit(numpy.dot(self.who, hidden_outputs))
        output_errors = targets - final_outputs
        hidden_errors = numpy.dot(self.who.T, output_errors)
        self.who += self.lr * numpy.dot(output_errors * final_outputs * (1.0 - final_outputs),
                                        numpy.transpose(hidden_outputs))
        self.wih += self.lr * numpy.dot(hidden_errors * hidden_outputs * (1.0 - hidden_outputs),
                                        numpy.transpose(inputs))

    def train(self, start, count):
        with numpy.errstate(over="ignore"):
            for k in range(start, start + count):
                self.train_sample(self.X[k], self.T[k])

    def trained_weights(self):
        return self.wih, self.who
