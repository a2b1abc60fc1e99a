"""A first run on an empty Numba cache, this checkout against another one.

Usage::

    git archive e4a8b26 | tar -x -C /tmp/base        # the checkout to compare with
    FASTNN_DATA=../shared/mnist python -m benchmarks.cold_compile --baseline /tmp/base \\
        [--pairs 3] [--recipe rashid --hidden 200 --limit 2000 --seed 0]

Each run is a fresh ``python -m fastnn train ... --quiet --save PATH`` process with
``PYTHONPATH`` set to one checkout and ``NUMBA_CACHE_DIR`` set to a new, empty directory,
so that everything it runs is compiled. The two checkouts alternate, ``--pairs`` times, each
pair in the other order than the one before (:func:`benchmarks.processes.pair_order`),
so that a change in the machine's load hits both alike.
The figure is the process's wall time, from start to exit: what a user waits for.

Prints the CPU, each run's seconds, the median and range per checkout, the ratio of the
medians (this / baseline), and whether every run saved the same weights, bit for bit.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.measure import machine_line, progress
from benchmarks.processes import REPO_ROOT, pair_order


def run_train(checkout: Path, train_args: list[str], workdir: Path, label: str) -> tuple:
    """One cold ``fastnn train`` run of ``checkout``.

    Returns (wall seconds, CPU seconds of the child, saved weights by name).
    """
    cache_dir = Path(tempfile.mkdtemp(prefix="numba-cache-", dir=workdir))
    saved = workdir / f"{label}.npz"
    env = {**os.environ, "PYTHONPATH": str(checkout), "NUMBA_CACHE_DIR": str(cache_dir),
           "FASTNN_NUMBA_CACHE": "1"}
    env.pop("NUMBA_DISABLE_JIT", None)
    command = [sys.executable, "-m", "fastnn", "train", *train_args, "--quiet",
               "--save", str(saved)]
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, env=env, cwd=workdir, stdout=subprocess.DEVNULL,
                                   stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(command)} in {checkout} failed:\n{err.read()}")
    with np.load(saved) as archive:
        weights = {name: archive[name] for name in archive.files
                   if name.startswith(("weights_", "biases_"))}
    return seconds, usage.ru_utime + usage.ru_stime, weights


def same_bits(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        a[k].dtype == b[k].dtype and a[k].tobytes() == b[k].tobytes() for k in a)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, type=Path,
                        help="the checkout to compare with (a directory holding fastnn/)")
    parser.add_argument("--pairs", type=int, default=3)
    args, train_args = parser.parse_known_args(argv)
    if not (args.baseline / "fastnn" / "__init__.py").is_file():
        raise SystemExit(f"--baseline {str(args.baseline)!r} holds no fastnn package")
    train_args = train_args or ["--recipe", "rashid", "--hidden", "200", "--limit", "2000",
                                "--seed", "0"]
    checkouts = {"baseline": args.baseline.resolve(), "this": REPO_ROOT}
    seconds = {name: [] for name in checkouts}
    cpu = {name: [] for name in checkouts}
    weights = []
    with tempfile.TemporaryDirectory(prefix="cold-compile-") as root:
        for pair in range(args.pairs):
            for name in pair_order(checkouts, pair):
                checkout = checkouts[name]
                progress(f"pair {pair + 1}/{args.pairs}: {name}")
                s, c, w = run_train(checkout, train_args, Path(root), f"{name}-{pair}")
                seconds[name].append(s)
                cpu[name].append(c)
                weights.append(w)
    identical = all(same_bits(weights[0], w) for w in weights[1:])
    print(f"## First `fastnn train {' '.join(train_args)}` on an empty Numba cache\n")
    print(f"{machine_line()}; Python {sys.version.split()[0]}\n")
    print(f"baseline {checkouts['baseline']} against this checkout {REPO_ROOT}, "
          f"{args.pairs} alternating pairs of fresh processes (A B, B A, ...). Wall: the process's seconds "
          "from start to exit; CPU: its user + system seconds, which another process's "
          "load on the machine changes less.\n")
    print("| checkout | wall s, median | min-max | CPU s, median | min-max |\n|---|---|---|---|---|")
    for name in checkouts:
        w, c = seconds[name], cpu[name]
        print(f"| {name} | **{statistics.median(w):.2f}** | {min(w):.2f}-{max(w):.2f} "
              f"| **{statistics.median(c):.2f}** | {min(c):.2f}-{max(c):.2f} |")
    for label, figures in (("wall", seconds), ("CPU", cpu)):
        base, this = (figures[n] for n in checkouts)
        print(f"\n{label}: ratio of the medians, this / baseline: "
              f"**{statistics.median(this) / statistics.median(base):.3f}**; per pair: "
              + ", ".join(f"{t / b:.3f}" for b, t in zip(base, this)))
    print(f"\nsaved weights bit-identical across all {len(weights)} runs: "
          f"{'yes' if identical else 'NO'}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
