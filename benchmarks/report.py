"""Markdown tables (and a chart) of speedups from pytest-benchmark JSON files.

Usage::

    python -m benchmarks.report [JSON ...] [--png PATH] [--baseline python|numpy]

Without JSON arguments the newest ``*.json`` under ``.benchmarks/`` is read. One table is
printed per ``benchmark.group``, one row per result, labelled by ``extra_info["backend"]``
plus whichever of ``dtype`` and ``threads`` differ within the group. Columns:

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
import sys
from dataclasses import dataclass
from pathlib import Path

BASELINES = ("python", "numpy")
BACKEND_ORDER = ("python", "numpy", "numba", "numba-raw")
#: extra_info keys that tell the rows of one group apart, after the backend.
DISTINGUISHING_KEYS = ("dtype", "threads")


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
    return "-" if ratio is None else f"{ratio:.3g}x"


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
    """One line on the libraries and threads the results were taken with."""
    keys = ("numba", "numpy", "threading_layer", "threads", "blas_threads", "fastmath")
    seen = {key: sorted({str(r.info[key]) for r in results if key in r.info}) for key in keys}
    return ", ".join(f"{key} {'/'.join(values)}" for key, values in seen.items() if values)


def report(results) -> str:
    """The whole markdown report."""
    parts = [runtime_summary(results)]
    for group, rows in by_group(results).items():
        parts.append(f"### {group}\n\n{group_table(rows)}")
    return "\n\n".join(parts) + "\n"


def plot_speedups(results, path, baseline: str = "python") -> None:
    """Write a bar chart of speedups vs ``baseline`` (log scale), one bar cluster per group."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    clusters = []  # (group, [(label, speedup)])
    for group, rows in by_group(results).items():
        bars = [(label, speedup(rows, row, baseline))
                for label, row in zip(row_labels(rows), rows) if row.backend != baseline]
        bars = [(label, value) for label, value in bars if value is not None]
        if bars:
            clusters.append((group, bars))
    if not clusters:
        raise SystemExit(f"no group has a {baseline!r} row to compare with")
    labels = list(dict.fromkeys(label for _, bars in clusters for label, _ in bars))
    height = 0.8 / len(labels)
    fig, ax = plt.subplots(figsize=(9, 1.0 + 0.25 * len(labels) * len(clusters)))
    for k, label in enumerate(labels):
        positions, values = [], []
        for g, (_, bars) in enumerate(clusters):
            value = dict(bars).get(label)
            if value is not None:
                positions.append(g + (k - (len(labels) - 1) / 2) * height)
                values.append(value)
        ax.barh(positions, values, height=height, label=label)
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(clusters)), [group for group, _ in clusters])
    ax.invert_yaxis()
    ax.set_xlabel(f"speedup vs {baseline} (median / median, log scale)")
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__.split("\n")[0])
    parser.add_argument("json", nargs="*", type=Path,
                        help="pytest-benchmark JSON files (default: the newest under .benchmarks/)")
    parser.add_argument("--png", type=Path, help="also write a bar chart of speedups here")
    parser.add_argument("--baseline", choices=BASELINES, default="python",
                        help="what the chart's speedups are relative to (default: python)")
    args = parser.parse_args(argv)
    paths = args.json or [newest_json()]
    results = load_results(paths)
    print(f"<!-- {', '.join(map(str, paths))} -->")
    print(report(results), end="")
    if args.png:
        plot_speedups(results, args.png, args.baseline)
        print(f"\nchart written to {args.png}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
