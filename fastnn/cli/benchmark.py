"""The figures of ``fastnn train --benchmark``.

After the run: its seconds per epoch (median over the epochs), samples/s and JIT
compilation time; for per-sample SGD, the machine's update-only bound
(:mod:`fastnn.calibration`) and the run's rate as a fraction of it; and the same
configuration on the other two backends for one epoch of a stretch of the training set
(:data:`BENCHMARK_STRETCH` images, scaled to the full set and labelled so), with the
speedups side by side. All times are the engine's (``History.history["seconds"]``).

NumPy, when it is a comparison, runs in a process of its own
(``python -m fastnn.cli.benchmark``), without a forced ``OPENBLAS_CORETYPE`` and with as
many BLAS threads as the run used (:mod:`fastnn.blas`); a line names its BLAS.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

__all__ = ["BENCHMARK_STRETCH", "print_benchmark"]

#: Images of the one-epoch comparison runs, per backend (None: all of them); never more
#: than the training set. The time is scaled to the full set.
BENCHMARK_STRETCH = {"numba": None, "numpy": 10_000, "python": 1_000}

#: The constructor keywords of ``fastnn train`` that the comparisons repeat.
OVERRIDES = ("hidden", "learning_rate", "batch_size", "backend", "dtype", "threads", "seed")


def overrides(args) -> dict:
    return {name: getattr(args, name) for name in OVERRIDES if getattr(args, name) is not None}


def format_rate(rate: float) -> str:
    return f"{rate:,.0f}" if rate >= 100 else f"{rate:.4g}"


def time_stretch(recipe, options, x_train, y_train, count):
    """``(seconds of one epoch on the first count images, dtype)`` of ``recipe``."""
    from fastnn import recipes

    net = recipes.make(recipe, **options)
    seconds = net.fit(x_train[:count], y_train[:count], epochs=1).history["seconds"][0]
    return seconds, net.dtype


def _stretch_options(args, backend):
    options = {**overrides(args), "backend": backend}
    if backend == "python":
        options["dtype"] = "float64"  # plain Python computes in Python floats
    return options


def _numpy_in_its_own_process(args, options, count, threads):
    """The NumPy stretch in a fresh process on the CPU's own BLAS kernel and ``threads``
    BLAS threads: ``(seconds, dtype, blas description)``."""
    from fastnn.blas import numpy_environment

    task = {"recipe": args.recipe, "options": options, "count": count, "limit": args.limit,
            "data_dir": args.data_dir, "fashion": args.fashion,
            "download": not args.no_download}
    done = subprocess.run([sys.executable, "-m", "fastnn.cli.benchmark", json.dumps(task)],
                          env=numpy_environment(threads), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the NumPy comparison failed in its own process:\n{done.stderr}")
    result = json.loads(done.stdout.splitlines()[-1])
    return result["seconds"], result["dtype"], result["blas"]


def threads_used(net) -> int:
    """The threads the run trained on: Numba's per-sample threads share the first layer
    (16 columns or more each); everything else runs on one. NumPy's BLAS gets as many."""
    if net.backend == "numba" and net._state.per_sample:
        return net._engine.thread_count(net._state)
    return 1


def _print_bound(net, samples_per_second: float) -> None:
    """The update-only bound of this machine, and the run as a fraction of it.

    See :mod:`fastnn.calibration`: only per-sample SGD must pass over every weight
    once per sample, so mini-batch runs get a line that says why there is no fraction.
    """
    from fastnn import config
    from fastnn.calibration import update_only_bound
    from fastnn.machine import cpu_description

    if net.batch_size != 1 or net.optimizer != "sgd":
        print(f"benchmark: no update-only bound: it bounds per-sample SGD, and this run "
              f"trains in mini-batches of {net.batch_size} ({net.optimizer})", flush=True)
        return
    if config.DISABLE_JIT:
        print("benchmark: no update-only bound: it times the compiled pass, and "
              "NUMBA_DISABLE_JIT=1 is set", flush=True)
        return
    bound = update_only_bound(net.sizes, net.dtype)
    print(f"benchmark: update-only bound on {cpu_description()}: "
          f"{format_rate(bound.samples_per_second)} samples/s (one W -= lr * outer(delta, x) "
          f"pass per layer, plain compiled loop, best of {len(bound.rates)}); {net.backend} "
          f"per-sample training ({config.vector_width_description()}) at "
          f"{bound.fraction(samples_per_second):.2f} of it", flush=True)


def print_benchmark(args, net, history, x_train, y_train) -> None:
    """The figures of ``--benchmark``: this run's, then the other backends' for comparison."""
    from fastnn.blas import blas_description, forced_kernel_note

    n = len(x_train)
    epoch_seconds = statistics.median(history.history["seconds"])
    epochs = len(history.history["seconds"])
    threads = threads_used(net)
    print(f"benchmark: {args.recipe} {net.sizes}, batch_size={net.batch_size}, {net.dtype}, "
          f"{threads} thread(s), {n:,} images per epoch; engine time, JIT compilation excluded",
          flush=True)
    print(f"benchmark: {net.backend}: {epoch_seconds:.4g} s per epoch (median of {epochs} "
          f"epoch(s)), {format_rate(n / epoch_seconds)} samples/s, JIT compilation "
          f"{net.compile_seconds_:.4g} s", flush=True)
    if net.backend == "numpy":
        print(f"benchmark: NumPy's BLAS in this run: {blas_description()}; "
              f"{forced_kernel_note()}", flush=True)
    _print_bound(net, n / epoch_seconds)
    for backend in ("numba", "numpy", "python"):
        if backend == net.backend:
            continue
        count = min(BENCHMARK_STRETCH[backend] or n, n)
        options = _stretch_options(args, backend)
        if backend == "numpy":
            seconds, dtype, blas = _numpy_in_its_own_process(args, options, count, threads)
            print(f"benchmark: NumPy's BLAS: {blas}, in a process of its own; "
                  f"{forced_kernel_note()}", flush=True)
        else:
            seconds, dtype = time_stretch(args.recipe, options, x_train, y_train, count)
        scaled = seconds * n / count
        details = [f"scaled from {count:,} images" if count < n else f"all {count:,} images"]
        if dtype != net.dtype:
            details.append(dtype)
        print(f"benchmark: {backend}: {scaled:.4g} s per epoch ({', '.join(details)}), "
              f"{format_rate(count / seconds)} samples/s; speedup of {net.backend} over "
              f"{backend}: {scaled / epoch_seconds:.4g}x", flush=True)


def _child(task: dict) -> dict:
    """What the NumPy comparison's process does: load the data as the run did, time."""
    from fastnn.blas import blas_description
    from fastnn.datasets import load_fashion_mnist, load_mnist

    loader = load_fashion_mnist if task["fashion"] else load_mnist
    (x_train, y_train), _ = loader(data_dir=task["data_dir"], download=task["download"])
    if task["limit"] is not None:
        x_train, y_train = x_train[:task["limit"]], y_train[:task["limit"]]
    seconds, dtype = time_stretch(task["recipe"], task["options"], x_train, y_train,
                                  task["count"])
    return {"seconds": seconds, "dtype": dtype, "blas": blas_description()}


if __name__ == "__main__":
    print(json.dumps(_child(json.loads(sys.argv[1]))))
