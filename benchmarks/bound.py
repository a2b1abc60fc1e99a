"""Per-sample training as a fraction of the update-only bound, over fresh processes.

Usage::

    FASTNN_DATA=../shared/mnist python -m benchmarks.bound [--processes 3]
        [--networks rashid-200 ...] [--dtypes float64 float32] > bound.md

Each fresh process (numba, 1 thread) compiles or loads the kernels
(:func:`benchmarks.epochs.warm_up`), times the update-only pass
(:func:`fastnn.calibration.update_only_bound`), trains one epoch on the 60,000 MNIST
images as ``test_epochs_bench.py`` does, and times the pass again. Per network and
dtype, the figure is the best epoch rate over the processes divided by the best bound
over the same processes; the per-process fractions give the spread. A second fraction
takes both in CPU time (``time.thread_time``), which a busy neighbour stretches less
than wall time (it still shares the caches). Processes of the
different configurations alternate, so that a stretch of load on the shared machine
falls on all of them. The CPU name and the load average (``os.getloadavg``) before and
after are printed with the table, since the rates themselves are this machine's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from benchmarks.measure import progress
from benchmarks.processes import run_python

PER_SAMPLE_NETWORKS = ("linear", "grokking", "rashid-100", "rashid-200")

SCRIPT = """
import json, time
from benchmarks.epochs import make_network, warm_up
from fastnn.calibration import update_only_bound
from fastnn.datasets import load_mnist
(images, labels), _ = load_mnist(data_dir={data_dir!r}, download=False)
options = dict(backend="numba", dtype={dtype!r}, threads=1)
warm_up({network!r}, images, labels, **options)
net = make_network({network!r}, **options)
bounds = [update_only_bound(net.sizes, net.dtype)]
cpu_bounds = [update_only_bound(net.sizes, net.dtype, clock=time.thread_time)]
start = time.thread_time()
rate = net.fit(images, labels, epochs=1).history["samples_per_second"][0]
cpu_rate = len(images) / (time.thread_time() - start)
bounds.append(update_only_bound(net.sizes, net.dtype))
cpu_bounds.append(update_only_bound(net.sizes, net.dtype, clock=time.thread_time))
print(json.dumps({{"rate": rate, "bound": max(b.samples_per_second for b in bounds),
                   "cpu_rate": cpu_rate,
                   "cpu_bound": max(b.samples_per_second for b in cpu_bounds),
                   "sizes": net.sizes}}))
"""


def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


def measure(networks, dtypes, processes: int, data_dir: str) -> dict:
    """``{(network, dtype): [per-process {"rate", "bound", "sizes"}]}``, interleaved."""
    figures = {(network, dtype): [] for network in networks for dtype in dtypes}
    for k in range(processes):
        for network, dtype in figures:
            progress(f"{network} {dtype}: process {k + 1}/{processes}")
            script = SCRIPT.format(data_dir=data_dir, network=network, dtype=dtype)
            figures[network, dtype].append(run_python(script))
    return figures


def fractions(runs, rate: str, bound: str) -> str:
    """Best rate / best bound, then the per-process fractions min-median-max."""
    best = max(run[rate] for run in runs) / max(run[bound] for run in runs)
    each = sorted(run[rate] / run[bound] for run in runs)
    return (f"**{best:.3f}** ({each[0]:.3f}-{statistics.median(each):.3f}-{each[-1]:.3f})")


def table(figures) -> str:
    """The markdown table: best rate / best bound, and the per-process spread."""
    lines = ["| network | sizes | dtype | best training samples/s | best update-only bound "
             "samples/s | fraction of the bound (per process min-median-max) | the same in "
             "CPU time |", "|---|---|---|---|---|---|---|"]
    for (network, dtype), runs in figures.items():
        lines.append(
            f"| {network} | {runs[0]['sizes']} | {dtype} | {max(r['rate'] for r in runs):,.0f} "
            f"| {max(r['bound'] for r in runs):,.0f} | {fractions(runs, 'rate', 'bound')} "
            f"| {fractions(runs, 'cpu_rate', 'cpu_bound')} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    from fastnn.config import vector_width_description
    from fastnn.machine import cpu_description

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bound",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=3,
                        help="fresh processes per network and dtype (default 3)")
    parser.add_argument("--networks", nargs="+", choices=PER_SAMPLE_NETWORKS,
                        default=["rashid-200"], help="per-sample networks (default rashid-200)")
    parser.add_argument("--dtypes", nargs="+", choices=("float64", "float32"),
                        default=["float64", "float32"])
    parser.add_argument("--data-dir", default=os.environ.get("FASTNN_DATA"),
                        help="the MNIST directory (default: $FASTNN_DATA)")
    args = parser.parse_args(argv)
    if not args.data_dir:
        parser.error("needs the MNIST files: set FASTNN_DATA or pass --data-dir")
    if args.processes < 1:
        parser.error(f"--processes must be >= 1, got {args.processes}")
    command = " ".join(["python -m benchmarks.bound", *(argv if argv is not None
                                                         else sys.argv[1:])])
    before = load_line()
    figures = measure(args.networks, args.dtypes, args.processes,
                      str(Path(args.data_dir).resolve()))
    print(f"## Per-sample training against the update-only bound\n\n`{command}`\n\n"
          f"CPU: {cpu_description()}; numba, 1 thread, per-sample loops in "
          f"{vector_width_description()}; {args.processes} fresh processes per row; "
          f"{before} before, {load_line()} after.\n\n{table(figures)}\n\n"
          "- fraction of the bound: the best epoch rate over the processes / the best "
          "update-only bound over the same processes (each process times the bound before "
          "and after its epoch). The update-only pass is `W -= lr * outer(delta, x)` over "
          "every layer, a plain compiled loop, on weights of the same shapes and dtype: "
          "per-sample SGD cannot do less.\n"
          "- in CPU time: the same with both timed by `time.thread_time` (the CPU time the "
          "process's thread ran), which a busy neighbour cannot stretch; the training's CPU "
          "time is that of the whole `fit` call (input checks included), so it errs low.\n"
          "- linear and grokking skip the zero pixels that the bound's dense inputs do not "
          "have, so they can pass 1.0; Rashid's inputs have no zeros.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
