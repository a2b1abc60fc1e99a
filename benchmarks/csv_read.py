"""Reading MNIST's 60,000-line training CSV, plain and gzipped, in alternating fresh processes.

::

    FASTNN_DATA=../shared/mnist python -m benchmarks.csv_read [--rounds 7]

Writes ``mnist_train.csv`` and ``mnist_train.csv.gz`` (with :func:`fastnn.datasets.write_csv`)
into a temporary directory, then times :func:`fastnn.datasets.read_csv` on each, one
fresh process per read, alternating plain and gzipped so that the machine's changing load
falls on both alike. Prints, for wall time and for the process's CPU time (which other
jobs on a busy machine disturb less), the medians, spreads and the ratio gz / plain (of
the medians, and the median of each round's ratio), and the largest peak resident memory
of a reading process, as Markdown.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.measure import machine_line, progress
from benchmarks.processes import run_python

READ_SCRIPT = """
import json, resource, time
from fastnn.datasets import read_csv
start, cpu_start = time.perf_counter(), time.process_time()
images, labels = read_csv({path!r})
print(json.dumps({{"seconds": time.perf_counter() - start,
                   "cpu_seconds": time.process_time() - cpu_start, "rows": len(labels),
                   "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

NAMES = ("mnist_train.csv", "mnist_train.csv.gz")
#: What each read reports, and its column title.
KINDS = {"seconds": "wall seconds per read", "cpu_seconds": "CPU seconds per read"}


def spread(values) -> str:
    return (f"median {statistics.median(values):.3f} s (min {min(values):.3f}, "
            f"max {max(values):.3f})")


def ratio_line(kind, times) -> str:
    plain, zipped = (times[name, kind] for name in NAMES)
    ratios = [z / p for p, z in zip(plain, zipped)]
    return (f"- {KINDS[kind].split(' per')[0]}: gz / plain "
            f"{statistics.median(zipped) / statistics.median(plain):.2f} (ratio of the medians); "
            f"per round: median {statistics.median(ratios):.2f}, min {min(ratios):.2f}, "
            f"max {max(ratios):.2f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.csv_read",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7,
                        help="reads of each file, alternating (default 7)")
    parser.add_argument("--data-dir", default=os.environ.get("FASTNN_DATA"),
                        help="MNIST directory (default: $FASTNN_DATA)")
    args = parser.parse_args(argv)
    if not args.data_dir:
        parser.error("needs the MNIST files: set FASTNN_DATA or pass --data-dir")

    from fastnn.datasets import load_mnist, write_csv

    (images, labels), _ = load_mnist(args.data_dir, download=False)
    with tempfile.TemporaryDirectory(prefix="fastnn-csv-") as directory:
        paths = [Path(directory) / name for name in NAMES]
        for path in paths:
            progress(f"writing {path.name}")
            write_csv(path, images, labels)
        times = {(name, kind): [] for name in NAMES for kind in KINDS}
        peaks = {name: [] for name in NAMES}
        for round_ in range(args.rounds):
            progress(f"round {round_ + 1}/{args.rounds}")
            for path in paths if round_ % 2 == 0 else paths[::-1]:
                figures = run_python(READ_SCRIPT.format(path=str(path)))
                assert figures["rows"] == len(labels)
                for kind in KINDS:
                    times[path.name, kind].append(figures[kind])
                peaks[path.name].append(figures["peak_mb"])
        sizes = {path.name: path.stat().st_size for path in paths}
    import numpy

    table = ["| file | bytes | " + " | ".join(KINDS.values()) + " | peak RSS of the process |",
             "|---|---|---|---|---|"]
    table += [f"| {name} | {sizes[name]:,} | "
              + " | ".join(spread(times[name, kind]) for kind in KINDS)
              + f" | {max(peaks[name]):.0f} MB |" for name in NAMES]

    print("\n\n".join([
        "## read_csv: plain and gzipped MNIST training CSV (60,000 lines)",
        "`" + " ".join(["python -m benchmarks.csv_read", *(argv if argv is not None else sys.argv[1:])]) + "`",
        f"{machine_line()}; Python {sys.version.split()[0]}, numpy {numpy.__version__}; "
        f"{args.rounds} fresh processes per file, alternating",
        "\n".join(table),
        "\n".join(ratio_line(kind, times) for kind in KINDS),
    ]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
