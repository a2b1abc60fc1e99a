"""The named tuples that carry the loops' arrays, instead of dozens of parameters.

Numba compiles a named tuple as a struct of its fields, so ``net.weights[layer]`` in a
compiled loop costs what a separate argument would. A call between compiled functions,
though, copies every field of a bundle it passes; the steps that run once per sample
(:func:`~fastnn.kernels.steps.backward_into`,
:func:`~fastnn.kernels.fast.fused_update.pending_sample_layer`) therefore take the few
fields they use. The tutorial's steps
(:mod:`fastnn.kernels.tutorial`) take :class:`Layers`, :class:`Work` and
:class:`Optimizer`; the engine's epoch loops (:mod:`fastnn.kernels.per_sample`,
:mod:`fastnn.kernels.mini_batch`) take the others. Fields hold NumPy arrays when the
loops are compiled, and may hold lists when they run as plain Python.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Layers", "Work", "Optimizer", "StoredLayers", "InputRows", "Targets", "Blocks",
           "Pending", "Team", "Updates"]


# -- the tutorial's steps ------------------------------------------------------------------
class Layers(NamedTuple):
    """A network, one entry per layer after the input, weights as the tutorial has them."""

    weights: tuple  # W of shape (n_out, n_in)
    biases: tuple  # b of shape (n_out,); left alone when use_bias is False
    activations: object  # activation codes (an int64 array, or a list)
    use_bias: bool
    loss: int  # SQUARED_ERROR or CROSS_ENTROPY
    backprop: int  # BACKPROP_GRADIENT or BACKPROP_ERROR


class Work(NamedTuple):
    """Per layer, a vector of its size for each quantity of one sample's step."""

    pre: tuple  # W a + b, before the activation
    act: tuple  # the activation's output
    error: tuple  # y - t at the output; what comes back through W.T below it
    delta: tuple  # dLoss / d pre


class Optimizer(NamedTuple):
    """A mini-batch's update rule (Keras's RMSprop: v = rho * v + (1 - rho) * g**2, then
    w -= lr * g / sqrt(v + epsilon)), its mean squares v and the gradient sums."""

    kind: int  # SGD or RMSPROP
    learning_rate: float
    rho: float
    one_minus_rho: float
    epsilon: float
    mean_square_w: tuple  # per layer, of the weights' and the biases' shapes
    mean_square_b: tuple
    grad_w: tuple
    grad_b: tuple


# -- the engine's epoch loops ----------------------------------------------------------------
class StoredLayers(NamedTuple):
    """A network as the engine stores it: :class:`Layers` with each W input-major."""

    weights_t: tuple  # W.T of shape (n_in, n_out)
    biases: tuple
    activations: object
    use_bias: bool
    loss: int
    backprop: int


class InputRows(NamedTuple):
    """Stored samples and how a row becomes network input."""

    X: object  # (n, n_in): uint8 pixels, or floats used as they are
    use_table: bool  # look each pixel up in table (uint8 X)
    table: object  # (256,) the network input of each pixel value


class Targets(NamedTuple):
    T: object  # (n, n_out) targets
    labels: object  # (n,) int64 labels


class Blocks(NamedTuple):
    """Buffers for a block of samples, row s for sample s (per-sample training: row 0)."""

    x_block: object  # (rows, n_in) inputs
    input_rows: object  # (rows, n_in) int64: the indices of each row's nonzero inputs
    input_counts: object  # (rows,) int64: how many
    pre: tuple  # per layer (rows, n_out)
    act: tuple
    error: tuple
    delta: tuple
    columns: object  # (layers, 2): each layer's column range, as column_bounds gives it


class Pending(NamedTuple):
    """What per-sample training keeps of a sample until its update is applied."""

    pending_input: tuple  # per layer, its input (n_in,)
    union_rows: object  # (threads, n_in) int64: merged row lists
    all_rows: object  # 0, 1, ... up to the widest layer input


class Team(NamedTuple):
    """One thread's share of per-sample training (see :mod:`fastnn.kernels.fast.threads`)."""

    first_layer_blocks: tuple  # per thread, its columns of the first layer's WT
    thread: int
    n_threads: int
    column_bounds: object  # (layers, n_threads + 1) uint64
    sync: object  # (2,) int64 barrier counters, shared
    stop: object  # (1,) int64, set when the loss stops being finite


class Updates(NamedTuple):
    """Mini-batch training's update rule and state (SGD or RMSprop, as :class:`Optimizer`)."""

    optimizer: int
    learning_rate: float
    rho: float
    one_minus_rho: float
    epsilon: float
    batch_size: int
    grad_w: tuple  # per layer, of WT's shape
    grad_b: tuple
    mean_square_w: tuple
    mean_square_b: tuple
    scalar: object  # (1,) of the weights' dtype, to round lr / m and 1 / m to it
