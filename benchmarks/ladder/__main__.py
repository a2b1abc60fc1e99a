"""``python -m benchmarks.ladder``: from the tutorial's code to today's engine, one step a rung.

Usage::

    FASTNN_DATA=../shared/mnist python -m benchmarks.ladder [--quick] [--json FILE]
        [--markdown benchmarks/results/ladder.md] [--png benchmarks/results/ladder.png]

Rashid's 784-200-10 network, per sample, float64, learning rate 0.1, from the same
initial weights (seed 0), on the first training images:

0. the pure-list tutorial's style (:mod:`benchmarks.ladder.pure_lists`);
1. Rashid's NumPy class (:mod:`benchmarks.ladder.rashid_numpy`), one BLAS thread;
2. :mod:`fastnn.kernels.tutorial` as plain Python;
3. the same, compiled by Numba;
4. to 8. one step of :mod:`fastnn.kernels.fast` added per rung;
9. today's engine, as ``Network.fit`` runs it (one thread).

Each rung reports samples/s, its speedup over the rung before and over rung 0, its
fraction of the update-only bound (:mod:`fastnn.calibration`, timed in the rung's own
process), and the largest absolute difference of its weights from the rung before's
after the same first samples: 0 where the rung claims the bits of the one before.

The rungs run in three fresh processes (:data:`benchmarks.ladder.rungs.GROUPS`): the
references with NumPy on one BLAS thread and the CPU's own OpenBLAS kernel; the loops
before the vector-width step with ``FASTNN_VECTOR_WIDTH=llvm``; the rest as a user runs
them. ``--quick`` times fewer samples (about 2 minutes on 2 vCPUs).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from fastnn.blas import blas_description, forced_kernel_note, numpy_environment
from benchmarks.ladder.rungs import GROUPS, HIDDEN, ladder
from benchmarks.measure import progress
from benchmarks.processes import REPO_ROOT

RESULTS = REPO_ROOT / "benchmarks" / "results"


def group_environment(group: str) -> dict:
    env = numpy_environment(1) if group == "reference" else dict(os.environ)
    for name, value in GROUPS[group].items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    env.pop("NUMBA_DISABLE_JIT", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


BLAS_SCRIPT = ("import json; from fastnn.blas import blas_info; "
               "print(json.dumps(blas_info()))")


def run_groups(out_dir: Path, quick: bool) -> tuple:
    """Every group's JSON report, and the BLAS the reference group's NumPy used."""
    reports = {}
    for group in GROUPS:
        progress(f"ladder: rungs of group {group!r}")
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.ladder.rungs", group, str(out_dir),
             *(["--quick"] if quick else [])],
            env=group_environment(group), cwd=REPO_ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"the rungs of group {group!r} failed:\n{done.stderr}")
        reports[group] = json.loads(done.stdout.splitlines()[-1])
    blas = subprocess.run([sys.executable, "-c", BLAS_SCRIPT], env=group_environment("reference"),
                          cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return reports, json.loads(blas.stdout)


def largest_difference(out_dir: Path, index: int) -> float | None:
    """The largest |difference| of rung ``index``'s compared weights from rung index - 1's."""
    if index == 0:
        return None
    with np.load(out_dir / f"{index}.npz") as now, np.load(out_dir / f"{index - 1}.npz") as before:
        return max(float(np.max(np.abs(now[key] - before[key]))) for key in now.files)


def collect(reports: dict, out_dir: Path) -> dict:
    """The JSON of ``--json``: cpu, bound and one entry per rung, in order."""
    from fastnn.machine import cpu_description

    rows = sorted((dict(rung, bound=report["bound_samples_per_s"], group=report["group"])
                   for report in reports.values() for rung in report["rungs"]),
                  key=lambda rung: rung["index"])
    first = rows[0]["samples_per_s"]
    rungs = []
    for position, row in enumerate(rows):
        previous = rows[position - 1]["samples_per_s"] if position else None
        rungs.append({
            "name": row["name"],
            "samples_per_s": row["samples_per_s"],
            "speedup_vs_previous": row["samples_per_s"] / previous if previous else None,
            "speedup_vs_first": row["samples_per_s"] / first,
            "fraction_of_bound": row["samples_per_s"] / row["bound"],
            "max_abs_diff_vs_previous": largest_difference(out_dir, row["index"]),
            "bitwise": row["bitwise"],
            "samples_timed": row["samples"],
            "seconds": row["seconds"],
            "process": row["group"],
            "process_bound_samples_per_s": row["bound"],
        })
    return {"cpu": cpu_description(), "network": [784, HIDDEN, 10], "dtype": "float64",
            "bound_samples_per_s": reports["engine"]["bound_samples_per_s"], "rungs": rungs}


def rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def markdown(result: dict, blas: list, quick: bool, seconds: float) -> str:
    lines = [
        f"## The ladder: Rashid's 784-{HIDDEN}-10, per sample, float64",
        "",
        f"`python -m benchmarks.ladder{' --quick' if quick else ''}`, {time.strftime('%Y-%m-%d')}, "
        f"{seconds / 60:.1f} minutes. CPU: {result['cpu']}. NumPy's BLAS (rung 1): "
        f"{blas_description(blas)}; {forced_kernel_note()}.",
        "",
        "| rung | samples/s | timings' range | x previous | x rung 0 | of the bound | max abs diff vs previous | bitwise claim |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for index, rung in enumerate(result["rungs"]):
        previous = rung["speedup_vs_previous"]
        diff = rung["max_abs_diff_vs_previous"]
        claim = ("yes, holds" if diff == 0 else "**yes, BROKEN**") if rung["bitwise"] else "no"
        timed = "" if rung["samples_timed"] >= 60_000 else f" (timed on {rung['samples_timed']:,})"
        rates = [rung["samples_timed"] / s for s in rung["seconds"]]
        spread = f"{rate(min(rates))}-{rate(max(rates))}" if len(rates) > 1 else "one timing"
        lines.append(
            f"| {index}. {rung['name']}{timed} | {rate(rung['samples_per_s'])} | {spread} | "
            f"{'' if previous is None else f'{previous:.2f}x'} | {rung['speedup_vs_first']:,.0f}x | "
            f"{rung['fraction_of_bound']:.2f} | {'' if diff is None else f'{diff:.3g}'} | {claim} |")
    lines += [
        "",
        f"- Update-only bound (one `W -= lr * outer(delta, x)` pass per layer, best of 5 "
        f"repeats before and after the rungs, in each rung's own process): "
        f"{rate(result['bound_samples_per_s'])} samples/s in the engine's process.",
        "- A rung timed on fewer than 60,000 images trains the first N and its rate is "
        "N / seconds; an epoch of 60,000 scales from it. Rungs timed on 20,000 images or more: "
        "median of 5 timings (3 with --quick), taken in turns with the other rungs of their "
        "process; the others, one.",
        "- max abs diff: the largest difference of the weights from the rung before's, "
        "both trained on the first images from the same initial weights.",
        "- Rungs 3-7 ran with `FASTNN_VECTOR_WIDTH=llvm` (LLVM's own vector width), 8-9 "
        "with the CPU's (`fastnn.config.vector_width`); 0-2 with NumPy on 1 BLAS thread.",
    ]
    return "\n".join(lines) + "\n"


def bar_chart(result: dict, path: Path) -> None:
    from matplotlib.figure import Figure

    names = [f"{i}. {r['name']}" for i, r in enumerate(result["rungs"])]
    rates = [r["samples_per_s"] for r in result["rungs"]]
    figure = Figure(figsize=(8, 4.8), layout="constrained")
    axes = figure.subplots()
    axes.barh(names[::-1], rates[::-1], color="tab:blue")
    axes.axvline(result["bound_samples_per_s"], color="tab:red", linestyle="--",
                 label=f"update-only bound ({rate(result['bound_samples_per_s'])} samples/s)")
    axes.set_xscale("log")
    axes.set_xlabel("samples per second (log scale)")
    axes.set_title(f"Rashid 784-{HIDDEN}-10, per sample, float64\n{result['cpu']}", fontsize=9)
    axes.legend(loc="upper right", fontsize=8)
    figure.savefig(path, dpi=110)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="time fewer samples (~2 minutes)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    parser.add_argument("--markdown", type=Path, default=RESULTS / "ladder.md",
                        help="the table (default benchmarks/results/ladder.md)")
    parser.add_argument("--png", type=Path, default=RESULTS / "ladder.png",
                        help="the bar chart (default benchmarks/results/ladder.png)")
    args = parser.parse_args(argv)
    assert len(ladder()) == 10
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ladder-") as root:
        reports, blas = run_groups(Path(root), args.quick)
        result = collect(reports, Path(root))
    result["blas"] = blas
    text = markdown(result, blas, args.quick, time.perf_counter() - start)
    print(text)
    args.markdown.parent.mkdir(parents=True, exist_ok=True)
    args.markdown.write_text(text)
    bar_chart(result, args.png)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    broken = [r["name"] for r in result["rungs"]
              if r["bitwise"] and r["max_abs_diff_vs_previous"] != 0]
    if broken:
        print(f"bitwise claim broken: {', '.join(broken)}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
