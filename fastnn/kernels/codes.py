"""The codes that name a network's options inside the loops.

Compiled loops take plain integers, not strings; :class:`fastnn.Network` turns its
``activations``, ``loss``, ``optimizer`` and ``backprop`` names into these.
"""

#: Activation of a layer.
IDENTITY, SIGMOID, RELU, SOFTMAX = 0, 1, 2, 3

#: Loss: half the squared error, or cross-entropy (with a softmax output).
SQUARED_ERROR, CROSS_ENTROPY = 0, 1

#: Optimizer of mini-batch training (per-sample training is always SGD).
SGD, RMSPROP = 0, 1

#: What a hidden layer receives through ``W.T``: the next layer's delta (the gradient,
#: true backpropagation) or its error (Rashid's ``e_h = W_ho.T e_o``).
BACKPROP_GRADIENT, BACKPROP_ERROR = 0, 1
