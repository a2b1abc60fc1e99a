"""Backquery: a sigmoid network run backwards, to see what it imagines each digit as.

*Make Your Own Neural Network* ends by asking the network for an image: it takes the
target vector of a label (0.99 at the label, 0.01 elsewhere), undoes the output layer's
sigmoid (``logit``), sends the result back through the transposed weights, rescales it
into 0.01..0.99 (subtract the minimum, divide by the new maximum, times 0.98, plus 0.01)
so that the next ``logit`` is defined, and so on down to the inputs, which come out
rescaled into 0.01..0.99 like every layer above them.

fastnn does the same for any depth. A layer with biases has them subtracted before the
transposed product (``W.T (logit(y) - b)``). The identity activation is its own inverse;
relu and softmax have none, and a network with them is refused.
"""

from __future__ import annotations

import numpy as np

__all__ = ["backquery", "logit", "rescale"]

#: The activations that can be undone, and how.
INVERTIBLE = ("sigmoid", "identity")


def logit(y):
    """The sigmoid's inverse, ``log(y / (1 - y))``, for y in (0, 1)."""
    return np.log(y) - np.log1p(-y)


def rescale(values):
    """Into 0.01..0.99 as the book does: ``(v - min) / max(v - min) * 0.98 + 0.01``."""
    values = values - values.min()
    top = values.max()
    if top > 0:
        values = values / top
    return values * 0.98 + 0.01


def backquery(weights, biases, activations, targets):
    """The inputs a network would need for the outputs ``targets`` (one row per query).

    Parameters
    ----------
    weights : list of (n_out, n_in) arrays
    biases : list of (n_out,) arrays, or None
    activations : list of str
        Per layer; each must be 'sigmoid' or 'identity'.
    targets : (q, n_outputs) array in (0, 1)

    Returns
    -------
    (q, n_inputs) float64, each row in 0.01..0.99
    """
    for layer, name in enumerate(activations):
        if name not in INVERTIBLE:
            raise ValueError(
                f"backquery runs a network backwards through the inverse of each activation, "
                f"but layer {layer} (of {len(activations)}, counting from the input's side) "
                f"has {name!r}, which has no inverse; it works for sigmoid (and identity) "
                "layers, as Rashid's network has")
    outputs = np.asarray(targets, dtype=np.float64)
    for layer in range(len(weights) - 1, -1, -1):
        before = logit(outputs) if activations[layer] == "sigmoid" else outputs
        if biases is not None:
            before = before - biases[layer]
        inputs = before @ np.asarray(weights[layer], dtype=np.float64)
        outputs = np.stack([rescale(row) for row in inputs])
    return outputs
