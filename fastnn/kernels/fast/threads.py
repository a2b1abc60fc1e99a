"""Step 6: threads share the first layer of per-sample training.

Per-sample SGD is a chain: each sample needs the weights the sample before it left. So
threads cannot take samples of their own; they share each sample instead. Thread t owns
columns ``c0 <= c < c1`` of the first layer (:func:`column_bounds`), held as a
contiguous block of its own, and runs that layer's fused update and forward pass on
them; then thread 0 alone does the rest of the sample (the hidden layers, the loss and
the backward pass), between two :func:`barrier` calls.

Why the bits stay the same: no thread writes what another reads, and every operation on
every number is the one a single thread does, in the same order.

A spin barrier needs cores that run at once: on a machine whose second core is busy
with something else, two threads are slower than one.
"""

from __future__ import annotations

import numpy as np

from fastnn import config
from fastnn.jit import jit

__all__ = ["barrier", "column_bounds", "new_barrier_state", "run_threads"]


def _plain_atomic_load(array, index):
    return array[index]


def _plain_atomic_increment(array, index):
    old = array[index]
    array[index] = old + 1
    return old


if config.DISABLE_JIT:
    atomic_load, atomic_increment = _plain_atomic_load, _plain_atomic_increment
else:
    from numba import types
    from numba.extending import intrinsic

    @intrinsic
    def atomic_load(typingctx, array, index):
        """``array[index]`` read with acquire ordering (int64 arrays)."""
        def codegen(context, builder, signature, args):
            data = context.make_array(signature.args[0])(context, builder, args[0]).data
            return builder.load_atomic(builder.gep(data, [args[1]]), ordering="acquire",
                                       align=8)
        return types.int64(array, index), codegen

    @intrinsic
    def atomic_increment(typingctx, array, index):
        """``array[index] += 1`` as one atomic operation; returns the old value."""
        def codegen(context, builder, signature, args):
            data = context.make_array(signature.args[0])(context, builder, args[0]).data
            one = context.get_constant(types.int64, 1)
            return builder.atomic_rmw("add", builder.gep(data, [args[1]]), one,
                                      ordering="seq_cst")
        return types.int64(array, index), codegen


@jit(internal=True)
def barrier(sync, generation, parties):
    """Wait until ``parties`` threads have called this with the same ``generation``.

    ``sync`` is an int64 array of 2 zeros shared by the threads (arrivals, generation);
    returns the next generation. With one party it returns at once, touching nothing,
    which is how plain Python runs the threaded loops.
    """
    if parties == 1:
        return generation + 1
    arrived = atomic_increment(sync, 0) + 1
    if arrived == parties * (generation + 1):
        atomic_increment(sync, 1)
    else:
        while atomic_load(sync, 1) <= generation:
            pass
    return generation + 1


def column_bounds(sizes, n_threads, multiple=16):
    """Column ranges per layer: row 0 splits the first layer among ``n_threads``.

    Returns a (layers, n_threads + 1) uint64 array; the inner bounds of row 0 are
    multiples of ``multiple``; the other rows run from 0 to the layer's size. Unsigned
    bounds spare the compiled loops the check for negative indices, which would keep them
    from vectorising. As plain Python (``NUMBA_DISABLE_JIT=1``) they are int64: NumPy 1
    turns arithmetic between a Python int and a uint64 into floats, which cannot index.
    """
    dtype = np.int64 if config.DISABLE_JIT else np.uint64
    bounds = np.zeros((len(sizes) - 1, n_threads + 1), dtype=dtype)
    for layer, n_columns in enumerate(sizes[1:]):
        bounds[layer, 1:] = n_columns
    n_columns = sizes[1]
    for t in range(1, n_threads):
        share = round(n_columns * t / n_threads / multiple) * multiple
        bounds[0, t] = min(max(share, int(bounds[0, t - 1])), n_columns)
    return bounds


def new_barrier_state():
    """``(sync, stop)``: the zeroed counters a per-sample loop's threads share."""
    return np.zeros(2, dtype=np.int64), np.zeros(1, dtype=np.int64)


def run_threads(kernel, args, team_of):
    """Run ``kernel(*args, team_of(thread))`` on ``n`` threads, thread 0 in this one.

    ``team_of(thread)`` gives that thread's :class:`~fastnn.kernels.bundles.Team`, whose
    ``n_threads`` is n. The kernel releases the GIL (``nogil=True``), so the threads run
    at once; thread 0's result is returned.
    """
    team = team_of(0)
    if team.n_threads == 1:
        return kernel(*args, team)
    import threading

    errors = []

    def worker(thread):
        try:
            kernel(*args, team_of(thread))
        except BaseException as error:  # pragma: no cover - a compiled kernel does not raise
            errors.append(error)

    workers = [threading.Thread(target=worker, args=(t,), daemon=True)
               for t in range(1, team.n_threads)]
    for w in workers:
        w.start()
    try:
        return kernel(*args, team)
    finally:
        for w in workers:
            w.join()
        if errors:
            raise errors[0]
