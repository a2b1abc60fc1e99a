"""One training epoch, this checkout against another one, in alternating fresh processes.

Usage::

    FASTNN_DATA=../shared/mnist python -m benchmarks.epoch_against --baseline /tmp/base \\
        [--pairs 4] [--network rashid-200] [--dtype float64]

Each checkout gets its own Numba cache directory, filled by a first untimed process;
then the checkouts alternate, ``--pairs`` pairs, each in the other order than the one
before (:func:`benchmarks.processes.pair_order`), each process training one epoch of the
network (``benchmarks.epochs.make_network``, seeded, 1 thread) on the 60,000 MNIST
images after a warm-up, as ``test_epochs_bench.py`` does. Prints samples/s per
checkout (median, best, all) and the ratios of the medians and of the bests: whether a
change to how the loops compile kept their speed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.epochs import NETWORKS
from benchmarks.measure import machine_line, progress
from benchmarks.processes import REPO_ROOT, pair_order

SCRIPT = """
import json
from fastnn import recipes
from fastnn.datasets import load_mnist
(images, labels), _ = load_mnist(download=False)
def make():
    return recipes.make({recipe!r}, seed=0, dtype={dtype!r}, threads=1, **{preset!r})
make().fit(images[:256], labels[:256], epochs=1)
history = make().fit(images, labels, epochs=1).history
print(json.dumps(history["samples_per_second"][0]))
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, type=Path)
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--network", default="rashid-200", choices=sorted(NETWORKS),
                        help="a network of benchmarks.epochs.NETWORKS (default rashid-200)")
    parser.add_argument("--dtype", default="float64", choices=("float64", "float32"))
    args = parser.parse_args(argv)
    if not (args.baseline / "fastnn" / "__init__.py").is_file():
        raise SystemExit(f"--baseline {str(args.baseline)!r} holds no fastnn package")
    checkouts = {"baseline": args.baseline.resolve(), "this": REPO_ROOT}
    recipe, preset = NETWORKS[args.network]
    script = SCRIPT.format(recipe=recipe, preset=preset, dtype=args.dtype)
    rates = {name: [] for name in checkouts}
    with tempfile.TemporaryDirectory(prefix="epoch-against-") as root:
        def run(name):
            env = {**os.environ, "PYTHONPATH": str(checkouts[name]),
                   "NUMBA_CACHE_DIR": str(Path(root) / name), "FASTNN_NUMBA_CACHE": "1"}
            env.pop("NUMBA_DISABLE_JIT", None)
            done = subprocess.run([sys.executable, "-c", script], env=env, cwd=root,
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{name} failed:\n{done.stderr}")
            return json.loads(done.stdout.splitlines()[-1])

        for name in checkouts:
            progress(f"filling the cache of {name}")
            run(name)
        for pair in range(args.pairs):
            for name in pair_order(checkouts, pair):
                progress(f"pair {pair + 1}/{args.pairs}: {name}")
                rates[name].append(run(name))
    print(f"## One {args.network} {args.dtype} epoch (1 thread), samples/s\n")
    print(f"{machine_line()}; {args.pairs} alternating pairs of fresh processes (A B, B A, ...)\n")
    print("| checkout | median | best | all |\n|---|---|---|---|")
    for name, values in rates.items():
        print(f"| {name} | **{statistics.median(values):,.0f}** | {max(values):,.0f} | "
              f"{', '.join(f'{v:,.0f}' for v in values)} |")
    base, this = rates["baseline"], rates["this"]
    print(f"\nthis / baseline: medians {statistics.median(this) / statistics.median(base):.3f}, "
          f"bests {max(this) / max(base):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
