"""Markdown tables (and a chart) of speedups from pytest-benchmark JSON files.

Usage::

    python -m benchmarks.report [JSON ...] [--png PATH] [--baseline python|numpy]

Without JSON arguments the newest ``*.json`` under ``.benchmarks/`` is read.

Epoch results (those recording ``extra_info["epoch_seconds"]``, from
``test_epochs_bench.py``) make one table, network x backend x dtype x threads: seconds
per epoch of 60,000 images (scaled up, and marked so, when the epoch ran on a subset:
``extra_info["scaled_from"]``), samples/s, and the speedups against the plain-Python
float64 row of the same network (for float32 rows too: plain Python computes in Python
floats) and against the NumPy row of the same network and dtype; and, for per-sample
networks, each numba epoch as a fraction of the ``update-only`` row of the same network
and dtype (the update-only bound, :mod:`fastnn.calibration`), with the CPU it was
measured on. ``--png`` then charts the two speedups.

Any other results get one table per ``benchmark.group``, one row per result, labelled by
``extra_info["backend"]`` plus whichever of ``dtype`` and ``threads`` differ within the
group. Columns:

* median time, and ops/s (``1 / median``);
* samples/s (``extra_info["samples"] / median``) when results record ``samples``;
* ``measured``: ``extra_info["seconds"]``, a figure a benchmark measured itself (for
  example inside a subprocess), when results record it;
* speedup vs plain Python and vs NumPy: the baseline's median over the row's median,
  taken from the ``python`` / ``numpy`` row of the group with the most ``dtype`` and
  ``threads`` in common with the row.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from fastnn.plots._figure import figure_and_axes, new_figure, save_png

BASELINES = ("python", "numpy")
#: The backend name of the update-only pass's rows (``test_update_only_bound``).
BOUND = "update-only"
BACKEND_ORDER = ("python", "numpy", "numba", "numba-raw", BOUND)
#: extra_info keys that tell the rows of one group apart, after the backend.
DISTINGUISHING_KEYS = ("dtype", "threads")
DTYPE_ORDER = ("float64", "float32")
#: Images in a full MNIST training epoch, when a result does not say.
FULL_EPOCH_SAMPLES = 60_000


@dataclass
class Result:
    """One benchmark result: its group, backend, median seconds and extra_info."""

    group: str
    name: str
    median: float
    info: dict

    @property
    def backend(self) -> str:
        return str(self.info.get("backend", self.name))


def newest_json(root: Path = Path(".benchmarks")) -> Path:
    """The most recently modified ``*.json`` under ``root``."""
    files = sorted(root.rglob("*.json"), key=lambda path: path.stat().st_mtime)
    if not files:
        raise SystemExit(f"no pytest-benchmark JSON under {root}/; pass a file, or run the "
                         "suites with --benchmark-save=NAME first")
    return files[-1]


def load_results(paths) -> list[Result]:
    """All results of the JSON files, in file order."""
    results = []
    for path in paths:
        data = json.loads(Path(path).read_text())
        for bench in data["benchmarks"]:
            results.append(Result(
                group=bench.get("group") or bench["name"],
                name=bench["name"],
                median=bench["stats"]["median"],
                info=bench.get("extra_info") or {},
            ))
    return results


def machine_summary(paths) -> str:
    """One line per distinct machine and commit of the JSON files: CPU, cores, L2, Python."""
    lines = []
    for path in paths:
        data = json.loads(Path(path).read_text())
        machine = data.get("machine_info") or {}
        cpu = machine.get("cpu") or {}
        parts = [cpu.get("brand_raw") or machine.get("processor") or "unknown CPU"]
        if cpu.get("count"):
            parts.append(f"{cpu['count']} logical CPUs")
        if cpu.get("l2_cache_size"):
            parts.append(f"L2 {cpu['l2_cache_size'] / 2**20:g} MiB in all")
        parts.append(f"Python {machine.get('python_version', '?')} on {machine.get('system', '?')}")
        commit = data.get("commit_info") or {}
        if len(str(commit.get("id", ""))) == 40:  # pytest-benchmark says "unversioned" outside git
            parts.append(f"commit {commit['id'][:7]}{' (with uncommitted changes)' * bool(commit.get('dirty'))}")
        line = "machine: " + ", ".join(parts)
        if line not in lines:
            lines.append(line)
    return "\n".join(lines)


def by_group(results) -> dict[str, list[Result]]:
    """Results per group, in order of first appearance.

    Rows go by backend (:data:`BACKEND_ORDER` first, then others as they appear), then
    by the distinguishing extra_info keys.
    """
    backends = list(dict.fromkeys([*BACKEND_ORDER, *(r.backend for r in results)]))

    def row_order(row):
        return (backends.index(row.backend),
                *(str(row.info.get(key, "")) for key in DISTINGUISHING_KEYS))

    groups: dict[str, list[Result]] = {}
    for result in results:
        groups.setdefault(result.group, []).append(result)
    return {group: sorted(rows, key=row_order) for group, rows in groups.items()}


def row_labels(rows) -> list[str]:
    """Backend, plus the distinguishing extra_info values that vary in this group."""
    varying = [key for key in DISTINGUISHING_KEYS
               if len({str(row.info.get(key)) for row in rows}) > 1]
    labels = []
    for row in rows:
        parts = [row.backend]
        for key in varying:
            if key in row.info:
                value = row.info[key]
                parts.append(f"{value} thread{'s' * (value != 1)}" if key == "threads"
                             else str(value))
        labels.append(" ".join(parts))
    return labels


def find_baseline(rows, row: Result, backend: str) -> Result | None:
    """The ``backend`` row of the group sharing the most distinguishing keys with ``row``."""
    candidates = [other for other in rows if other.backend == backend]
    if not candidates:
        return None
    return max(candidates, key=lambda other: sum(
        other.info.get(key) == row.info.get(key) for key in DISTINGUISHING_KEYS))


def speedup(rows, row: Result, backend: str) -> float | None:
    """Baseline median / row median, or None without a baseline."""
    base = find_baseline(rows, row, backend)
    return None if base is None else base.median / row.median


def format_seconds(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def format_rate(rate: float) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if rate >= scale:
            return f"{rate / scale:.3g}{unit}"
    return f"{rate:.3g}"


def format_ratio(ratio: float | None) -> str:
    """``12.3x``, ``0.5x``; no exponent from 1,000 up: ``1,478x``."""
    if ratio is None:
        return "-"
    return f"{ratio:,.0f}x" if ratio >= 1000 else f"{ratio:.3g}x"


def group_table(rows) -> str:
    """The markdown table of one group."""
    with_samples = any("samples" in row.info for row in rows)
    with_measured = any("seconds" in row.info for row in rows)
    header = ["backend", "median", "ops/s"]
    header += ["samples/s"] * with_samples + ["measured"] * with_measured
    header += [f"vs {base}" for base in BASELINES]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, row in zip(row_labels(rows), rows):
        cells = [label, format_seconds(row.median), format_rate(1.0 / row.median)]
        if with_samples:
            samples = row.info.get("samples")
            cells.append(format_rate(samples / row.median) if samples else "-")
        if with_measured:
            seconds = row.info.get("seconds")
            cells.append(format_seconds(seconds) if seconds is not None else "-")
        cells += [format_ratio(speedup(rows, row, base)) for base in BASELINES]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def runtime_summary(results) -> str:
    """The libraries and threads the results were taken with, and NumPy's BLAS."""
    keys = ("numba", "numpy", "threading_layer", "threads", "fastmath")
    seen = {key: sorted({str(r.info[key]) for r in results if key in r.info}) for key in keys}
    line = ", ".join(f"{key} {'/'.join(values)}" for key, values in seen.items() if values)
    blas = sorted({str(r.info["blas"]) for r in results if "blas" in r.info})
    notes = sorted({str(r.info["blas_note"]) for r in results if "blas_note" in r.info})
    if blas:
        line += f". NumPy's BLAS: {'; '.join(blas)}"
    if notes:
        line += f" ({'; '.join(notes)})"
    return line


def report(results, machine: str | None = None) -> str:
    """The whole markdown report: the epoch table, then one table per other group."""
    parts = [machine] if machine else []
    parts.append(runtime_summary(results))
    epochs = epoch_rows(results)
    if epochs:
        parts.append(f"### One epoch of MNIST training\n\n{epoch_table(epochs)}")
    others = [r for r in results if not is_epoch_result(r)]
    for group, rows in by_group(others).items():
        parts.append(f"### {group}\n\n{group_table(rows)}")
    return "\n\n".join(parts) + "\n"


def draw_bar_clusters(ax, clusters, xlabel: str, colors=None, legend: bool = True) -> None:
    """Horizontal bars on a log scale, one cluster per name, one colour per label.

    Parameters
    ----------
    ax : matplotlib Axes
    clusters : list of (name, [(label, value)])
    xlabel : str
    colors : dict, optional
        label -> colour, to keep colours the same across several axes.
    legend : bool
        Draw a legend on ``ax``.
    """
    labels = list(dict.fromkeys(label for _, bars in clusters for label, _ in bars))
    height = 0.8 / len(labels)
    for k, label in enumerate(labels):
        positions, values = [], []
        for g, (_, bars) in enumerate(clusters):
            value = dict(bars).get(label)
            if value is not None:
                positions.append(g + (k - (len(labels) - 1) / 2) * height)
                values.append(value)
        color = None if colors is None else colors.get(label)
        ax.barh(positions, values, height=height, label=label, color=color)
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(clusters)), [name for name, _ in clusters])
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    if legend:
        ax.legend(loc="best", fontsize="small")


def plot_speedups(results, path, baseline: str = "python") -> None:
    """Write a bar chart of speedups vs ``baseline`` (log scale), one bar cluster per group."""
    clusters = []  # (group, [(label, speedup)])
    for group, rows in by_group(results).items():
        bars = [(label, speedup(rows, row, baseline))
                for label, row in zip(row_labels(rows), rows) if row.backend != baseline]
        bars = [(label, value) for label, value in bars if value is not None]
        if bars:
            clusters.append((group, bars))
    if not clusters:
        raise SystemExit(f"no group has a {baseline!r} row to compare with")
    n_labels = len({label for _, bars in clusters for label, _ in bars})
    fig, ax = figure_and_axes(width=9, height=1.0 + 0.25 * n_labels * len(clusters))
    draw_bar_clusters(ax, clusters, f"speedup vs {baseline} (median / median, log scale)")
    save_png(fig, path, dpi=120)


# ---------------------------------------------------------------------------------------
# epoch results
# ---------------------------------------------------------------------------------------
@dataclass
class EpochRow:
    """One timed epoch configuration (a result with ``extra_info["epoch_seconds"]``)."""

    result: Result

    @property
    def network(self) -> str:
        return self.result.group

    @property
    def backend(self) -> str:
        return self.result.backend

    @property
    def dtype(self) -> str:
        return str(self.result.info.get("dtype", ""))

    @property
    def threads(self):
        """Numba's thread count during the epoch, or NumPy's BLAS threads; None for the
        other backends."""
        if self.backend.startswith("numba"):
            return self.result.info.get("threads")
        if self.backend == "numpy":
            return self.result.info.get("blas_threads_used")
        return None

    @property
    def samples(self) -> int:
        """Images in the timed epoch."""
        return int(self.result.info["samples"])

    @property
    def scaled_from(self):
        """The subset size when the epoch ran on a subset, else None."""
        return self.result.info.get("scaled_from")

    @property
    def measured_seconds(self) -> float:
        """Median engine seconds of the timed epoch (of ``samples`` images)."""
        return float(self.result.info["epoch_seconds"])

    @property
    def seconds(self) -> float:
        """Seconds per epoch of the full training set (scaled when timed on a subset)."""
        full = self.result.info.get("full_epoch_samples") or FULL_EPOCH_SAMPLES
        return self.measured_seconds * full / self.samples

    @property
    def samples_per_second(self) -> float:
        return self.samples / self.measured_seconds

    @property
    def label(self) -> str:
        """``numba float32 2 threads``, ``numpy float64``."""
        label = f"{self.backend} {self.dtype}"
        if self.threads is not None:
            label += f" {self.threads} thread{'s' * (self.threads != 1)}"
        return label


def is_epoch_result(result: Result) -> bool:
    return "epoch_seconds" in result.info


def epoch_rows(results) -> list[EpochRow]:
    """The epoch results, by network (first appearance), backend, dtype and threads."""
    rows = [EpochRow(r) for r in results if is_epoch_result(r)]
    networks = list(dict.fromkeys(row.network for row in rows))
    backends = list(dict.fromkeys([*BACKEND_ORDER, *(row.backend for row in rows)]))
    dtypes = list(dict.fromkeys([*DTYPE_ORDER, *(row.dtype for row in rows)]))
    return sorted(rows, key=lambda row: (
        networks.index(row.network), backends.index(row.backend), dtypes.index(row.dtype),
        str(row.threads)))


def epoch_baseline(rows, row: EpochRow, backend: str) -> EpochRow | None:
    """The row ``row`` is compared with: same network, on ``backend``.

    Against ``python`` that is the float64 row whatever ``row``'s dtype (plain Python
    computes in Python floats); against ``numpy``, the row of the same dtype whose BLAS ran
    on as many threads as ``row`` (else any of that dtype).
    """
    dtype = "float64" if backend == "python" else row.dtype
    found = [other for other in rows
             if other.network == row.network and other.backend == backend and other.dtype == dtype]
    if backend == "numpy":
        same_threads = [other for other in found if other.threads == (row.threads or 1)]
        found = same_threads or found
    return found[0] if found else None


def epoch_speedup(rows, row: EpochRow, backend: str) -> float | None:
    """Baseline seconds per epoch / row seconds per epoch, or None without a baseline."""
    base = epoch_baseline(rows, row, backend)
    return None if base is None else base.seconds / row.seconds


def fraction_of_bound(rows, row: EpochRow) -> float | None:
    """A numba row's samples/s over the update-only row's of the same network and dtype."""
    if not row.backend.startswith("numba"):
        return None
    bound = epoch_baseline(rows, row, BOUND)
    return None if bound is None else row.samples_per_second / bound.samples_per_second


def format_epoch_seconds(seconds: float) -> str:
    """Three significant digits, without an exponent: ``0.352``, ``36.1``, ``1,478``."""
    decimals = max(0, 2 - math.floor(math.log10(seconds))) if seconds > 0 else 0
    return f"{seconds:,.{decimals}f}"


def format_load(cores) -> str:
    return "-" if cores is None else f"{cores:.2f}"


def epoch_table(rows) -> str:
    """The markdown table of the epoch results, with its notes."""
    header = ["network", "backend", "dtype", "threads", "s/epoch (60,000 images)",
              "samples/s", "vs Python", "vs NumPy", "of the bound", "rounds", "others' load"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        seconds = format_epoch_seconds(row.seconds)
        if row.scaled_from:
            seconds += f" (scaled from {row.scaled_from:,})"
        python_base = epoch_baseline(rows, row, "python")
        vs_python = format_ratio(epoch_speedup(rows, row, "python"))
        if python_base is not None and python_base.scaled_from and row is not python_base:
            vs_python += " *"
        fraction = fraction_of_bound(rows, row)
        of_bound = ("the bound" if row.backend == BOUND
                    else "-" if fraction is None else f"**{fraction:.2f}**")
        lines.append("| " + " | ".join([
            row.network, row.backend, row.dtype, "-" if row.threads is None else str(row.threads),
            seconds, f"{row.samples_per_second:,.0f}", vs_python,
            format_ratio(epoch_speedup(rows, row, "numpy")), of_bound,
            str(len(row.result.info.get("epoch_seconds_rounds", [])) or "?"),
            format_load(row.result.info.get("other_processes_cores")),
        ]) + " |")
    notes = [
        "Seconds per epoch: the engine's time for one pass over the images "
        "(`History.history['seconds']`), median over the rounds; compilation excluded.",
        "samples/s: images timed / that median.",
        "vs Python: the plain-Python float64 epoch of the same network / this row's "
        "(plain Python computes in Python floats, so float32 rows are compared with it too); "
        "vs NumPy: the NumPy epoch of the same network and dtype, its BLAS on as many threads "
        "as the row's (the threads column), on the CPU's own BLAS kernel / this row's.",
    ]
    if any(row.scaled_from for row in rows):
        notes.append("Rows 'scaled from N' ran on the first N images and are scaled "
                     "linearly to 60,000; ratios against such a row are marked *.")
    notes.append("threads: Numba's thread count during the epoch (numba rows), NumPy's BLAS "
                 "threads (numpy rows).")
    cpus = sorted({str(row.result.info["cpu"]) for row in rows if row.backend == BOUND
                   and "cpu" in row.result.info})
    if cpus:
        notes.append(
            f"of the bound: the numba epoch's samples/s over the {BOUND} row's, of the same "
            "network and dtype: one pass of `W -= lr * outer(delta, x)` over every layer per "
            "sample, a plain compiled loop timed in the same run, the least work per-sample "
            "SGD can do, on this CPU: " + "; ".join(cpus) + ". The fraction means the same "
            "on any CPU; the seconds and samples/s are this machine's. linear and grokking "
            "skip zero pixels, which the bound's dense inputs do not have, so they can pass "
            "1.")
    notes.append("others' load: cores that other processes kept busy, on average, while the "
                 "row was measured (from /proc/stat); where it is high, the row is suspect.")
    return "\n".join(lines) + "\n\n" + "\n".join(f"- {note}" for note in notes)


def plot_epoch_speedups(rows, path) -> None:
    """Write two bar charts (log scale): speedups vs plain Python and vs NumPy, per network."""
    panels = []
    for baseline, title in (("python", "plain Python (float64)"), ("numpy", "NumPy (same dtype)")):
        clusters = []
        for network in dict.fromkeys(row.network for row in rows):
            bars = [(row.label, epoch_speedup(rows, row, baseline))
                    for row in rows if row.network == network
                    and row.backend not in (baseline, BOUND)
                    and (baseline != "numpy" or row.backend != "python")]
            bars = [(label, value) for label, value in bars if value is not None]
            if bars:
                clusters.append((network, bars))
        if clusters:
            panels.append((title, clusters))
    if not panels:
        raise SystemExit("no epoch results with a python or numpy row to compare with")
    labels = list(dict.fromkeys(label for _, clusters in panels for _, bars in clusters
                                for label, _ in bars))
    from matplotlib import colormaps
    from matplotlib.patches import Rectangle

    palette = colormaps["tab10"].colors
    colors = {label: palette[k % len(palette)] for k, label in enumerate(labels)}
    n_networks = max(len(clusters) for _, clusters in panels)
    fig = new_figure(7 * len(panels), 2.0 + 0.2 * len(labels) * n_networks)
    axes = fig.subplots(1, len(panels), squeeze=False)
    scaled = {row.network for row in rows if row.backend == "python" and row.scaled_from}
    for ax, (title, clusters) in zip(axes[0], panels):
        xlabel = "speedup (seconds per epoch / seconds per epoch), log scale"
        if title.startswith("plain Python") and scaled:
            clusters = [(f"{name} *" if name in scaled else name, bars) for name, bars in clusters]
            xlabel += "\n* plain Python timed on a subset, scaled to 60,000 images"
        draw_bar_clusters(ax, clusters, xlabel, colors=colors, legend=False)
        ax.set_title(f"one MNIST epoch: speedup vs {title}")
        ax.grid(axis="x", which="both", alpha=0.3)
    handles = [Rectangle((0, 0), 1, 1, color=colors[label]) for label in labels]
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 6),
               fontsize="small")
    save_png(fig, path, dpi=120)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__.split("\n")[0])
    parser.add_argument("json", nargs="*", type=Path,
                        help="pytest-benchmark JSON files (default: the newest under .benchmarks/)")
    parser.add_argument("--png", type=Path,
                        help="also write a bar chart of speedups here (for epoch results: "
                             "vs plain Python and vs NumPy, side by side)")
    parser.add_argument("--baseline", choices=BASELINES, default="python",
                        help="what the kernel chart's speedups are relative to (default: "
                             "python)")
    args = parser.parse_args(argv)
    paths = args.json or [newest_json()]
    results = load_results(paths)
    print(f"<!-- {', '.join(map(str, paths))} -->")
    print(report(results, machine_summary(paths)), end="")
    if args.png:
        epochs = epoch_rows(results)
        if epochs:
            plot_epoch_speedups(epochs, args.png)
        else:
            plot_speedups(results, args.png, args.baseline)
        print(f"\nchart written to {args.png}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
