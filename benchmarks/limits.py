"""What limits the engine's per-sample loop: the weights' trips through memory, or the
arithmetic and the load/store ports?

Usage::

    FASTNN_DATA=../shared/mnist python -m benchmarks.limits [--hidden 25 50 100 200 400]
        [--samples 20000] [--repeats 5] > benchmarks/results/limits.md

For Rashid's 784-H-10 network at several H, in float64 and float32, one process times
side by side (best of ``--repeats``, alternating):

* the update-only pass (:func:`fastnn.calibration.update_only_epoch`): each weight read
  and written once per sample, three floating-point operations; its rate follows where
  the weights live (L1, L2, L3), so it shows what memory allows;
* the fused pass alone (:func:`fastnn.kernels.fast.fused_update.update_and_multiply_into`
  over every layer, once per sample): each weight read and written once too, but five
  operations and the forward sum's loads and stores;
* the engine's per-sample epoch (:func:`fastnn.kernels.per_sample.train_epoch_per_sample`,
  one thread, on Rashid's inputs): the fused pass plus the rest of each sample (loading
  it, the activations, the backward pass, keeping its inputs for the next update).

As samples/s and as weights per nanosecond, with the bytes per second that the
update-only pass moves (8 or 4 bytes read and written per weight). If memory set the
pace, the fused pass would keep up with the update-only pass, which moves the same
bytes; what it falls short by is its arithmetic and its loads and stores.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from benchmarks.ladder.rungs import EngineLoop, problem
from benchmarks.measure import machine_line, progress
from fastnn.jit import jit
from fastnn.kernels.fast.fused_update import update_and_multiply_into


@jit
def fused_only_epoch(weights_t, inputs, deltas, learning_rate, outputs, rows, n_samples):
    """The fused pass over every layer, ``n_samples`` times: ``update_and_multiply_into``
    with the update of ``inputs[l]``, ``deltas[l]`` and the product with ``inputs[l]``."""
    for _ in range(n_samples):
        for layer in range(len(weights_t)):
            n_out = np.uint64(len(outputs[layer]))
            update_and_multiply_into(weights_t[layer], inputs[layer], deltas[layer],
                                     learning_rate, inputs[layer], outputs[layer], np.uint64(0),
                                     n_out, rows, len(inputs[layer]))


def time_best(function, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def measure(hidden, dtype, X, T, samples, repeats, seed=0):
    """(update-only, fused pass, engine loop) samples/s for 784-hidden-10 in ``dtype``."""
    from fastnn.calibration import update_only_epoch, update_only_operands

    operands = update_only_operands((784, hidden, 10), dtype, seed)
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, n_out ** -0.5, (n_out, n_in))
               for n_in, n_out in ((784, hidden), (hidden, 10))]
    loop = EngineLoop(*weights, X.astype(dtype), T, 0.1, dtype=dtype)
    fused_operands = update_only_operands((784, hidden, 10), dtype, seed)
    outputs = tuple(np.zeros(n, dtype) for n in (hidden, 10))
    rows = np.arange(784, dtype=np.int64)
    fused = (*fused_operands, outputs, rows)
    update_only_epoch(*operands, 100)  # compile or load, untimed
    fused_only_epoch(*fused, 100)
    loop.train(0, 100)
    best = [float("inf")] * 3
    for _ in range(repeats):  # alternate, so that a change in the machine's load hits all
        for k, run in enumerate((lambda: update_only_epoch(*operands, samples),
                                 lambda: fused_only_epoch(*fused, samples),
                                 lambda: loop.train(0, samples))):
            best[k] = min(best[k], time_best(run, 1))
    return tuple(samples / seconds for seconds in best)


def main(argv=None) -> int:
    from fastnn.config import vector_width_description

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[25, 50, 100, 200, 400])
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    _, X, T, _, _ = problem(args.samples)
    rows = []
    for dtype in ("float64", "float32"):
        for hidden in args.hidden:
            progress(f"limits: H={hidden} {dtype}")
            rates = measure(hidden, dtype, X, T, args.samples, args.repeats)
            weights = 784 * hidden + hidden * 10
            rows.append((hidden, dtype, weights * np.dtype(dtype).itemsize, *rates, weights))
    print("## What limits the per-sample loop\n")
    print(f"`python -m benchmarks.limits --hidden {' '.join(map(str, args.hidden))} --samples "
          f"{args.samples} --repeats {args.repeats}`; {machine_line()}; numba, 1 thread, "
          f"{vector_width_description()}. Best of {args.repeats} alternating timings of "
          f"{args.samples:,} samples each.\n")
    print("| H | dtype | weights | update-only pass: samples/s, weights/ns, GB/s | fused pass "
          "alone: samples/s, weights/ns | engine: samples/s, weights/ns | fused / update-only "
          "| engine / fused | engine / update-only |")
    print("|---|---|---|---|---|---|---|---|---|")
    for hidden, dtype, nbytes, bound, fused, loop, weights in rows:
        size = np.dtype(dtype).itemsize
        print(f"| {hidden} | {dtype} | {nbytes / 2**10:,.0f} KiB | {bound:,.0f}, "
              f"{bound * weights / 1e9:.1f}, {2 * size * bound * weights / 1e9:.0f} | "
              f"{fused:,.0f}, {fused * weights / 1e9:.1f} | {loop:,.0f}, {loop * weights / 1e9:.1f}"
              f" | {fused / bound:.2f} | {loop / fused:.2f} | **{loop / bound:.2f}** |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
