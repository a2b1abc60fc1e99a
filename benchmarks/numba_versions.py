"""Per-sample training speed across Numba releases, side by side on one machine.

Usage::

    FASTNN_DATA=../shared/mnist python -m benchmarks.numba_versions \\
        --versions 0.59.1 0.60.0 0.61.2 0.62.1 0.68.1 [--rounds 3] [--python python3.11] \\
        [--venvs /tmp/numba-venvs] > benchmarks/results/numba-versions.md

Each version gets a virtual environment of its own (made once, kept in ``--venvs``) with
``numba==VERSION`` and the NumPy that pip chooses for it; this checkout runs in it through
``PYTHONPATH``, with a Numba cache directory of its own. Each round runs every version
once, in turn, in a fresh process: Rashid's 784-200-10 network, one thread, float64 and
float32, trains one epoch on the 60,000 MNIST images after a warm-up, and the update-only
bound is timed in the same process. Prints the best and median samples/s per version
and the fraction of the bound, and the environments' numba, llvmlite and NumPy versions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks.measure import machine_line, progress
from benchmarks.processes import REPO_ROOT

SCRIPT = """
import json, sys
import llvmlite, numba, numpy
from fastnn import recipes
from fastnn.calibration import update_only_bound
from fastnn.datasets import load_mnist
(images, labels), _ = load_mnist(download=False)
result = {"numba": numba.__version__, "llvmlite": llvmlite.__version__,
          "numpy": numpy.__version__, "python": sys.version.split()[0]}
for dtype in ("float64", "float32"):
    def make():
        return recipes.rashid(hidden=200, seed=0, dtype=dtype, threads=1)
    make().fit(images[:256], labels[:256])
    net = make()
    history = net.fit(images, labels)
    bound = update_only_bound(net.sizes, dtype)
    result[dtype] = {"samples_per_s": history.history["samples_per_second"][0],
                     "bound": bound.samples_per_second,
                     "accuracy": net.score(images[:10000], labels[:10000])}
print(json.dumps(result))
"""


def environment(venvs: Path, python: str, version: str) -> Path:
    """The virtual environment of numba ``version`` (made on first use)."""
    venv = venvs / f"numba-{version}-{Path(python).name}"
    executable = venv / "bin" / "python"
    if not executable.exists():
        progress(f"making {venv}")
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(executable), "-m", "pip", "install", "--quiet",
                        f"numba=={version}", "tqdm"], check=True)
    return executable


def run(executable: Path, cache: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "NUMBA_CACHE_DIR": str(cache),
           "FASTNN_NUMBA_CACHE": "1"}
    env.pop("NUMBA_DISABLE_JIT", None)
    done = subprocess.run([str(executable), "-c", SCRIPT], env=env, capture_output=True,
                          text=True, cwd=cache.parent)
    if done.returncode != 0:
        raise SystemExit(f"{executable} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", nargs="+", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--venvs", type=Path, default=Path("/tmp/numba-venvs"))
    args = parser.parse_args(argv)
    args.venvs.mkdir(parents=True, exist_ok=True)
    executables = {v: environment(args.venvs, args.python, v) for v in args.versions}
    results = {v: [] for v in args.versions}
    for version, executable in executables.items():  # fill each cache, untimed
        progress(f"compiling with numba {version}")
        run(executable, args.venvs / f"cache-{version}")
    for round_ in range(args.rounds):
        for version, executable in executables.items():
            progress(f"round {round_ + 1}/{args.rounds}: numba {version}")
            results[version].append(run(executable, args.venvs / f"cache-{version}"))
    print("## Rashid 784-200-10 per sample, one thread, across Numba releases\n")
    print(f"`python -m benchmarks.numba_versions --versions {' '.join(args.versions)} "
          f"--rounds {args.rounds}`; {machine_line()}; each round runs every version once, "
          "in turn, in a fresh process; one epoch of the 60,000 images.\n")
    print("| numba | llvmlite | NumPy | Python | float64 samples/s, best (median) | of the bound "
          "| float32 samples/s, best (median) | of the bound | accuracy (10,000 training images) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for version, runs in results.items():
        first = runs[0]
        cells = []
        for dtype in ("float64", "float32"):
            rates = [r[dtype]["samples_per_s"] for r in runs]
            fractions = [r[dtype]["samples_per_s"] / r[dtype]["bound"] for r in runs]
            cells.append(f"{max(rates):,.0f} ({statistics.median(rates):,.0f}) | "
                         f"{statistics.median(fractions):.2f}")
        print(f"| {first['numba']} | {first['llvmlite']} | {first['numpy']} | {first['python']} "
              f"| {' | '.join(cells)} | {first['float64']['accuracy']:.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
