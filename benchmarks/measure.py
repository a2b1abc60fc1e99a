"""Figures that need fresh processes, printed as a markdown report.

Usage::

    FASTNN_DATA=../shared/mnist python -m benchmarks.measure [--rounds 3] [--processes 5]
        [--only import compile memory spread bound] > benchmarks/results/measure.md

Sections (each figure from new interpreters, never from this one):

* ``import``: ``import fastnn`` (the script of ``test_compile_bench.py``), median of
  ``--rounds`` processes, and whether it loaded Numba;
* ``compile``: each network's first ``fit`` (256 images) and first ``predict`` on the
  numba backend, cold (``NUMBA_CACHE_DIR`` a new, empty directory: everything is
  compiled) and cached (a new process reusing the directory a cold run filled: machine
  code loaded from disk). The figure is ``net.compile_seconds_``, the compilation or
  cache load of the training and prediction kernels. ``import numba`` and Numba's one-off set-up of its CPU target
  are timed on their own before it and shown apart: every process pays them once,
  whatever it compiles. Medians of ``--rounds`` processes per network and mode;
* ``memory``: the peak resident memory (``ru_maxrss`` of the child alone) of
  ``fastnn train --recipe rashid --hidden 200 --epochs 1 --quiet`` on the full set;
* ``spread``: one rashid-200 numba float64 epoch (1 thread) in each of ``--processes``
  fresh processes, as ``test_epochs_bench.py`` times it: where the weights' memory
  pages land differs between processes, and so does the speed. min/median/max;
* ``bound``: rashid-200 per-sample training as a fraction of the update-only bound, in
  float64 and float32, over ``--processes`` fresh processes (:mod:`benchmarks.bound`).

``compile`` and ``import`` need no data; ``memory``, ``spread`` and ``bound`` need the MNIST files
in ``FASTNN_DATA`` (or ``--data-dir``).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.epochs import MNIST_TRAIN_SAMPLES
from benchmarks.processes import (IMPORT_SCRIPT, NUMBA_CACHE_COUNTS, NUMBA_SETUP,
                                  run_python, run_with_peak_memory)

SECTIONS = ("import", "compile", "memory", "spread", "bound")
COMPILE_NETWORKS = ("linear", "grokking", "rashid-200", "nielsen", "keras")
MEMORY_COMMAND = ["train", "--recipe", "rashid", "--hidden", "200", "--epochs", "1", "--quiet"]
MEMORY_BUDGET_MB = 500
SPREAD_NETWORK = "rashid-200"
SPREAD_OPTIONS = {"backend": "numba", "dtype": "float64", "threads": 1}

COMPILE_SCRIPT = """
import json, time
import numpy as np
""" + NUMBA_SETUP + """
from benchmarks.epochs import WARMUP_SAMPLES, make_network
start = time.perf_counter()
import fastnn.recipes, fastnn.kernels.numba
import_fastnn_s = time.perf_counter() - start
rng = np.random.default_rng(0)
images = rng.integers(0, 256, (WARMUP_SAMPLES, 28, 28), dtype=np.uint8)
labels = rng.integers(0, 10, WARMUP_SAMPLES)
net = make_network({network!r}, backend="numba")
start = time.perf_counter()
net.fit(images, labels, epochs=1)
first_fit_s = time.perf_counter() - start
compile_fit_s = net.compile_seconds_
net.predict(images[:16])
compile_predict_s = net.compile_seconds_ - compile_fit_s
""" + NUMBA_CACHE_COUNTS + """
print(json.dumps({{
    "compile_s": net.compile_seconds_, "compile_fit_s": compile_fit_s,
    "compile_predict_s": compile_predict_s, "first_fit_s": first_fit_s, "dtype": net.dtype,
    "numba_import_s": numba_import_s, "target_init_s": target_init_s,
    "import_fastnn_s": import_fastnn_s, "cache_hits": cache_hits, "cache_misses": cache_misses,
}}))
"""

SPREAD_SCRIPT = """
import json
from benchmarks.epochs import make_network, warm_up
from fastnn.datasets import load_mnist
(images, labels), _ = load_mnist(data_dir={data_dir!r}, download=False)
options = {options!r}
warm_up({network!r}, images, labels, **options)
net = make_network({network!r}, **options)
history = net.fit(images, labels, epochs=1).history
print(json.dumps({{"seconds": history["seconds"][0],
                   "samples_per_second": history["samples_per_second"][0]}}))
"""


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine_line() -> str:
    """``machine:`` and :func:`fastnn.machine.cpu_description`, with the L3 cache."""
    from fastnn.machine import cache_size, cpu_description

    l3 = cache_size(3)
    return f"machine: {cpu_description()}" + (f", L3 {l3 / 2**20:g} MiB" if l3 else "")


def median_of(figures, key):
    return statistics.median(f[key] for f in figures)


def measure_import(rounds: int) -> str:
    """``import fastnn`` in fresh processes."""
    figures = [run_python(IMPORT_SCRIPT) for _ in range(rounds)]
    loaded = any(f["numba_imported"] for f in figures)
    return ("### import fastnn\n\n"
            f"median {1000 * median_of(figures, 'seconds'):.1f} ms over {rounds} processes "
            f"(min {1000 * min(f['seconds'] for f in figures):.1f}, max "
            f"{1000 * max(f['seconds'] for f in figures):.1f}); Numba imported: "
            f"{'yes' if loaded else 'no'}")


def measure_compile(rounds: int) -> str:
    """Each network's first fit on numba, cold and from the cache, in fresh processes."""
    rows, setup = [], []
    for network in COMPILE_NETWORKS:
        script = COMPILE_SCRIPT.format(network=network)
        with tempfile.TemporaryDirectory(prefix="numba-cache-") as root:
            cold, cache_dir = [], None
            for k in range(rounds):
                cache_dir = Path(root) / f"cold-{k}"
                progress(f"compile {network}: cold {k + 1}/{rounds}")
                cold.append(run_python(script, cache_dir))
            cached = []
            for k in range(rounds):  # reusing the directory the last cold run filled
                progress(f"compile {network}: cached {k + 1}/{rounds}")
                cached.append(run_python(script, cache_dir))
        for mode, figures in (("cold", cold), ("cached", cached)):
            rows.append(
                f"| {network} | {figures[0]['dtype']} | {mode} | "
                f"**{median_of(figures, 'compile_s'):.3f}** | "
                f"{median_of(figures, 'compile_fit_s'):.3f} + "
                f"{median_of(figures, 'compile_predict_s'):.3f} | "
                f"{min(f['compile_s'] for f in figures):.3f}-"
                f"{max(f['compile_s'] for f in figures):.3f} | "
                f"{median_of(figures, 'first_fit_s'):.3f} | "
                f"{sum(f['cache_hits'] for f in figures)}/{sum(f['cache_misses'] for f in figures)} |")
            setup.extend(figures)
    header = ("| network | dtype | mode | compile s (median) | fit + predict kernels | min-max "
              "| first fit s (256 images) | cache hits/misses |\n|---|---|---|---|---|---|---|---|")
    return (f"### First fit and prediction on numba, in fresh processes ({rounds} per row)\n\n"
            f"{header}\n" + "\n".join(rows) + "\n\n"
            "- compile s: `net.compile_seconds_` after a first `fit` (256 images) and a first "
            "`predict`: the compilation (cold) or cache load (cached) of the training kernel, "
            "at the start of `fit`, plus the prediction kernel's, at the first prediction; "
            "split in the next column.\n"
            "- first fit s: the whole first `fit` on 256 images: the training kernel's "
            "compile s, input checks and the training itself.\n"
            "- cache hits/misses: as Numba counts them, summed over the row's processes: "
            "a cold run compiles (misses only), a cached one loads (hits only).\n"
            "- Not in any of these, paid once by every process before its first compilation "
            f"or cache load: `import numba` {median_of(setup, 'numba_import_s'):.3f} s and "
            f"Numba's CPU-target set-up {median_of(setup, 'target_init_s'):.3f} s (medians "
            f"of all {len(setup)} processes); importing fastnn's recipes and numba kernels "
            f"(which defines the loops, compiling nothing) {median_of(setup, 'import_fastnn_s'):.3f} s.")


def measure_memory(data_dir: str) -> str:
    """Peak memory of a full rashid-200 training run of the command line."""
    command = [sys.executable, "-m", "fastnn", *MEMORY_COMMAND]
    progress(f"memory: {' '.join(['fastnn', *MEMORY_COMMAND])}")
    start = time.perf_counter()
    run = run_with_peak_memory(command, FASTNN_DATA=data_dir)
    wall = time.perf_counter() - start
    if run.returncode != 0:
        raise SystemExit(f"fastnn train failed ({run.returncode}):\n{run.stderr}")
    peak_mb = run.max_rss_bytes / 1e6
    timing = re.search(r"^time: .*$", run.stdout, re.MULTILINE)
    accuracy = re.search(r"^test accuracy: .*$", run.stdout, re.MULTILINE)
    pixels_mb = MNIST_TRAIN_SAMPLES * 784 / 1e6
    return ("### Peak memory of a full training run\n\n"
            f"`FASTNN_DATA=... fastnn {' '.join(MEMORY_COMMAND)}`: peak resident memory "
            f"**{peak_mb:.0f} MB** ({run.max_rss_bytes / 2**20:.0f} MiB; budget "
            f"{MEMORY_BUDGET_MB} MB: {'within' if peak_mb < MEMORY_BUDGET_MB else 'OVER'}), "
            f"wall {wall:.1f} s. For scale: the 60,000 training images are "
            f"{pixels_mb:.0f} MB as uint8 pixels and {pixels_mb * 8:.0f} MB as float64 "
            "inputs.\n\n"
            f"    {accuracy.group(0) if accuracy else ''}\n    {timing.group(0) if timing else ''}")


def measure_spread(data_dir: str, processes: int) -> str:
    """One rashid-200 numba epoch in each of several fresh processes."""
    script = SPREAD_SCRIPT.format(data_dir=data_dir, options=SPREAD_OPTIONS,
                                  network=SPREAD_NETWORK)
    figures = []
    for k in range(processes):
        progress(f"spread: process {k + 1}/{processes}")
        figures.append(run_python(script))
    rates = [f["samples_per_second"] for f in figures]
    options = ", ".join(f"{key}={value}" for key, value in SPREAD_OPTIONS.items())
    return (f"### {SPREAD_NETWORK} ({options}): one epoch in each of {processes} fresh "
            "processes\n\n"
            f"samples/s: min {min(rates):,.0f}, median {statistics.median(rates):,.0f}, "
            f"max {max(rates):,.0f} (max/min {max(rates) / min(rates):.2f}); per process, "
            f"in order: {', '.join(f'{rate:,.0f}' for rate in rates)}. Seconds per epoch: "
            f"median {median_of(figures, 'seconds'):.3f}.")


def measure_bound(data_dir: str, processes: int) -> str:
    """rashid-200 against the update-only bound, as ``python -m benchmarks.bound`` does."""
    from benchmarks import bound

    figures = bound.measure([SPREAD_NETWORK], ["float64", "float32"], processes, data_dir)
    return (f"### {SPREAD_NETWORK} against the update-only bound ({processes} fresh processes "
            f"per row)\n\n{bound.table(figures)}\n\nSee `benchmarks/bound.py` for what the "
            "columns mean.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.measure",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3,
                        help="fresh processes per compile figure and for import (default 3)")
    parser.add_argument("--processes", type=int, default=5,
                        help="fresh processes of the epoch spread and per bound row (default 5)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS),
                        help="sections to run (default: all)")
    parser.add_argument("--data-dir", default=os.environ.get("FASTNN_DATA"),
                        help="MNIST directory for memory and spread (default: $FASTNN_DATA)")
    args = parser.parse_args(argv)
    needs_data = {"memory", "spread", "bound"} & set(args.only)
    if needs_data and not args.data_dir:
        parser.error(f"{' and '.join(sorted(needs_data))} need the MNIST files: set FASTNN_DATA "
                     "or pass --data-dir")
    data_dir = str(Path(args.data_dir).resolve()) if args.data_dir else None

    import numba
    import numpy

    header = ["## Fresh-process measurements",
              "`" + " ".join(["python -m benchmarks.measure", *(argv if argv is not None else sys.argv[1:])]) + "`",
              f"{machine_line()}; Python {sys.version.split()[0]}, numba {numba.__version__}, "
              f"numpy {numpy.__version__}"]
    print("\n\n".join(header), flush=True)
    sections = {
        "import": lambda: measure_import(max(args.rounds, 5)),
        "compile": lambda: measure_compile(args.rounds),
        "memory": lambda: measure_memory(data_dir),
        "spread": lambda: measure_spread(data_dir, args.processes),
        "bound": lambda: measure_bound(data_dir, args.processes),
    }
    for name in SECTIONS:  # each printed as soon as it is measured
        if name in args.only:
            print("\n" + sections[name](), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
