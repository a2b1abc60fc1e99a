"""Trained weights, this checkout against another one: are they the same bits?

Usage::

    git archive HEAD | tar -x -C /tmp/base          # the checkout to compare with
    FASTNN_DATA=../shared/mnist python -m benchmarks.same_weights --baseline /tmp/base \\
        [--limit 3000] [--epochs 2]

Each checkout trains, in a fresh process of its own (``PYTHONPATH`` set to it, a Numba
cache directory of its own), every recipe in float64 and float32 with seed 0 on the
first ``--limit`` training images for ``--epochs`` epochs, on the numba backend (one
thread, and two threads for the per-sample recipes), on NumPy, and on plain Python
(float64, the first 100 images). Then every weight, bias and RMSprop array of every run
is compared bit for bit. Prints a table and exits with 1 if any run differs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.measure import machine_line, progress
from benchmarks.processes import REPO_ROOT

RECIPES = ("linear", "grokking", "rashid", "nielsen", "keras")
PER_SAMPLE = ("linear", "grokking", "rashid")
PYTHON_IMAGES = 100

SCRIPT = """
import json, sys
import numpy as np
from fastnn import recipes
from fastnn.datasets import load_mnist
(images, labels), _ = load_mnist(download=False)
out = sys.argv[1]
for case in json.loads(sys.argv[2]):
    name, recipe, options, count, epochs = case
    net = recipes.make(recipe, seed=0, **options)
    net.fit(images[:count], labels[:count], epochs=epochs)
    state = net._state
    arrays = {f"w{i}": np.ascontiguousarray(w) for i, w in enumerate(net.weights)}
    arrays.update({f"b{i}": b for i, b in enumerate(state.biases)})
    arrays.update({f"msw{i}": m for i, m in enumerate(state.mean_square_w)})
    arrays.update({f"msb{i}": m for i, m in enumerate(state.mean_square_b)})
    np.savez(f"{out}/{name}.npz", **arrays)
"""


def cases(limit: int, epochs: int) -> list:
    """``[name, recipe, options, images, epochs]`` for every run."""
    runs = []
    for recipe in RECIPES:
        for dtype in ("float64", "float32"):
            runs.append([f"{recipe}-numba-{dtype}", recipe,
                         {"backend": "numba", "dtype": dtype}, limit, epochs])
            if recipe in PER_SAMPLE:
                runs.append([f"{recipe}-numba-{dtype}-t2", recipe,
                             {"backend": "numba", "dtype": dtype, "threads": 2}, limit, epochs])
            runs.append([f"{recipe}-numpy-{dtype}", recipe,
                         {"backend": "numpy", "dtype": dtype}, limit, epochs])
        runs.append([f"{recipe}-python-float64", recipe,
                     {"backend": "python", "dtype": "float64"}, PYTHON_IMAGES, 1])
    return runs


def train(checkout: Path, runs: list, out: Path, cache: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(checkout), "NUMBA_CACHE_DIR": str(cache),
           "FASTNN_NUMBA_CACHE": "1"}
    env.pop("NUMBA_DISABLE_JIT", None)
    out.mkdir(parents=True)
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(out), json.dumps(runs)], env=env,
                          cwd=out, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"training with {checkout} failed:\n{done.stderr}")


def compare(a: Path, b: Path) -> tuple:
    """(identical, largest absolute difference) of two saved runs."""
    with np.load(a) as first, np.load(b) as second:
        if sorted(first.files) != sorted(second.files):
            return False, float("inf")
        identical, largest = True, 0.0
        for key in first.files:
            x, y = first[key], second[key]
            if x.dtype != y.dtype or x.shape != y.shape:
                return False, float("inf")
            if x.tobytes() != y.tobytes():
                identical = False
                largest = max(largest, float(np.max(np.abs(x.astype(np.float64) - y))))
        return identical, largest


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, type=Path,
                        help="the checkout to compare with (a directory holding fastnn/)")
    parser.add_argument("--limit", type=int, default=3000, help="training images (default 3000)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs (default 2)")
    args = parser.parse_args(argv)
    if not (args.baseline / "fastnn" / "__init__.py").is_file():
        raise SystemExit(f"--baseline {str(args.baseline)!r} holds no fastnn package")
    runs = cases(args.limit, args.epochs)
    checkouts = {"baseline": args.baseline.resolve(), "this": REPO_ROOT}
    with tempfile.TemporaryDirectory(prefix="same-weights-") as root:
        for name, checkout in checkouts.items():
            progress(f"training {len(runs)} runs with {name}")
            train(checkout, runs, Path(root) / name, Path(root) / f"cache-{name}")
        results = [(run[0], *compare(Path(root) / "baseline" / f"{run[0]}.npz",
                                     Path(root) / "this" / f"{run[0]}.npz")) for run in runs]
    print(f"## Trained weights, this checkout against {checkouts['baseline']}\n")
    print(f"{machine_line()}; seed 0, the first {args.limit} training images, {args.epochs} "
          f"epoch(s) (plain Python: {PYTHON_IMAGES} images, 1 epoch)\n")
    print("| run | bit for bit | largest difference |\n|---|---|---|")
    for name, identical, largest in results:
        print(f"| {name} | {'yes' if identical else '**NO**'} | {largest:.3g} |")
    differing = [name for name, identical, _ in results if not identical]
    print(f"\n{len(results) - len(differing)} of {len(results)} runs bit-identical"
          + (f"; differing: {', '.join(differing)}" if differing else ""))
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
