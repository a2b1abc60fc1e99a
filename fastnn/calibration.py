"""The update-only bound: the fastest per-sample SGD this machine could run.

Per-sample SGD reads and writes every weight at least once per sample, so no training
loop can beat one pass of ``W -= lr * outer(delta, x)`` over each layer: the
*update-only pass*. :func:`update_only_bound` times that pass (the plain loop
:func:`update_only_epoch`, compiled) on weights of the network's
shapes and dtype, held in the same huge-page memory as a network's, and returns its rate
in samples/s. Per-sample training divided by it is a fraction that means the same on any
CPU, where absolute samples/s do not.

The bound is for per-sample training. Mini-batch training reads the weights once per
batch, so the pass bounds nothing there. Inputs with many exact zeros (MNIST's raw
pixels) let training skip rows, so linear and grokking can pass 1.0; Rashid's inputs
(0.01 to 1.0) have none, and there the fraction is how close training runs to the pass
it cannot avoid.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastnn.jit import jit
from fastnn.kernels.fast.input_major import update_weights

__all__ = ["UpdateOnlyBound", "update_only_bound", "update_only_epoch", "update_only_operands"]

#: Samples per timed repeat, and repeats; the best repeat is the bound.
SAMPLES = 5_000
REPEATS = 5


@dataclass(frozen=True)
class UpdateOnlyBound:
    """An update-only pass's rate, for layer sizes ``sizes`` in ``dtype``.

    Attributes
    ----------
    sizes : tuple of int
        Layer sizes, input first, e.g. (784, 200, 10).
    dtype : str
        ``'float64'`` or ``'float32'``.
    samples_per_second : float
        The best repeat's rate: samples / seconds.
    rates : tuple of float
        Every repeat's rate, in order (their spread shows the machine's noise).
    samples : int
        Samples per repeat.
    """

    sizes: tuple
    dtype: str
    samples_per_second: float
    rates: tuple
    samples: int

    def fraction(self, samples_per_second: float) -> float:
        """``samples_per_second`` (of per-sample training) as a fraction of the bound."""
        return samples_per_second / self.samples_per_second


@jit
def update_only_epoch(weights_t, inputs, deltas, learning_rate, n_samples):
    """The update-only pass, ``n_samples`` times: per layer ``W -= lr * outer(delta, x)``.

    ``weights_t[l]`` (n_in, n_out) is W stored input-major, and receives
    :func:`fastnn.kernels.fast.input_major.update_weights` with ``inputs[l]`` and
    ``deltas[l]``, over every element: one sample's update, without biases, forward or
    backward pass. Per-sample SGD must read and write every weight once per sample, so
    this plain loop's rate is the bound that per-sample training is measured against.
    """
    for _ in range(n_samples):
        for layer in range(len(weights_t)):
            update_weights(weights_t[layer], deltas[layer], inputs[layer], learning_rate)


def update_only_bound(sizes, dtype="float64", samples: int = SAMPLES, repeats: int = REPEATS,
                      seed: int = 0, clock=time.perf_counter) -> UpdateOnlyBound:
    """Time the update-only pass on weights of layer sizes ``sizes``; see the module doc.

    Parameters
    ----------
    sizes : sequence of int
        Layer sizes, input first (``net.sizes``); the weights are stored input-major,
        (n_in, n_out) per layer, as the networks store them.
    dtype : str or numpy dtype
        float64 or float32.
    samples, repeats : int
        Each of ``repeats`` timings runs the pass ``samples`` times (after one untimed
        warm-up repeat, which also compiles the loop or loads it from Numba's cache).
    seed : int
        Seed of the weights, inputs and deltas (drawn by one ``numpy.random.Generator``).
        Inputs are uniform in [0.01, 1) (dense, like Rashid's), deltas in [-1e-3, 1e-3)
        and the weights standard normal: the weights stay far from overflow and the
        products far from subnormal numbers, which would slow the loop down.
    clock : callable
        Returns seconds: wall time by default; ``time.thread_time`` counts only the
        CPU time this thread ran, which other processes on a busy machine cannot stretch.

    Returns
    -------
    UpdateOnlyBound

    Raises
    ------
    ValueError
        Bad arguments, or ``NUMBA_DISABLE_JIT=1``: the pass would then run as plain
        Python, for hours at a network's sizes, and bound nothing.
    """
    from fastnn import config

    if samples < 1 or repeats < 1:
        raise ValueError(f"samples and repeats must be >= 1, got {samples!r} and {repeats!r}")
    if config.DISABLE_JIT:
        raise ValueError("the update-only bound times the compiled pass, and NUMBA_DISABLE_JIT=1 "
                         "is set; unset it to measure the bound")
    weights_t, inputs, deltas, learning_rate = update_only_operands(sizes, dtype, seed)
    update_only_epoch(weights_t, inputs, deltas, learning_rate, samples)  # warm-up
    rates = []
    for _ in range(repeats):
        start = clock()
        update_only_epoch(weights_t, inputs, deltas, learning_rate, samples)
        rates.append(samples / (clock() - start))
    return UpdateOnlyBound(sizes=tuple(int(n) for n in sizes), dtype=learning_rate.dtype.name,
                           samples_per_second=max(rates),
                           rates=tuple(rates), samples=samples)


def update_only_operands(sizes, dtype="float64", seed: int = 0):
    """The arguments of :func:`fastnn.kernels.update_only_epoch` but the count.

    Returns ``(weights_t, inputs, deltas, learning_rate)``: per layer, weights (n_in,
    n_out) standard normal in :func:`fastnn.memory.aligned_copy` memory (as a network's),
    inputs uniform in [0.01, 1) and deltas in [-1e-3, 1e-3), all drawn by one seeded
    ``numpy.random.Generator``, and a learning rate of 0.1, in ``dtype``.
    """
    import numpy as np

    from fastnn.memory import aligned_copy

    sizes = tuple(int(n) for n in sizes)
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list at least two layer sizes >= 1, got {sizes!r}")
    dtype = np.dtype(dtype)
    if dtype not in (np.float64, np.float32):
        raise ValueError(f"dtype must be float64 or float32, got {dtype.name!r}")
    rng = np.random.default_rng(seed)
    pairs = list(zip(sizes[:-1], sizes[1:]))
    weights_t = tuple(aligned_copy(rng.standard_normal((n_in, n_out)), dtype)
                      for n_in, n_out in pairs)
    inputs = tuple(rng.uniform(0.01, 1.0, n_in).astype(dtype) for n_in, _ in pairs)
    deltas = tuple(rng.uniform(-1e-3, 1e-3, n_out).astype(dtype) for _, n_out in pairs)
    return weights_t, inputs, deltas, dtype.type(0.1)
