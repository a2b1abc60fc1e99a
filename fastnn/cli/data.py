"""``fastnn data``: find, verify and describe the dataset; ``fastnn data export``: convert it.

::

    fastnn data [--data-dir DIR] [--no-download] [--fashion]
    fastnn data export --format {csv,csv.gz,npz,pkl} [--data-dir DIR] [--no-download] [--fashion] DIR
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_parser", "add_source_options"]


def add_source_options(parser: argparse.ArgumentParser, defaults: bool = True) -> None:
    """The options choosing the dataset; `defaults` False leaves the parent's values alone."""
    def default(value):
        return value if defaults else argparse.SUPPRESS

    parser.add_argument("--data-dir", metavar="DIR", default=default(None),
                        help="directory holding the dataset (default: $FASTNN_DATA, else "
                             "<checkout>/data, else ~/.cache/fastnn; for Fashion-MNIST its "
                             "fashion-mnist subfolder, then /usr/share/datasets/fashion-mnist)")
    parser.add_argument("--no-download", action="store_true", default=default(False),
                        help="fail instead of downloading missing files")
    parser.add_argument("--fashion", action="store_true", default=default(False),
                        help="Fashion-MNIST instead of MNIST")


def add_parser(subparsers) -> None:
    """Add the ``data`` command (with its ``export`` subcommand) to `subparsers`."""
    parser = subparsers.add_parser(
        "data",
        help="find, verify and describe the dataset; export it as CSV, NPZ or pickle",
        description="Say where the dataset is (directory, format, files), verify it "
                    "against the published checksums, and print its shapes, dtypes and "
                    "label counts. Downloads the files first if they are missing.",
    )
    add_source_options(parser, defaults=True)
    parser.set_defaults(func=run_info)
    actions = parser.add_subparsers(title="subcommands", metavar="SUBCOMMAND")
    export = actions.add_parser(
        "export",
        help="write the dataset as CSV (mnist_train.csv, mnist_test.csv), NPZ (mnist.npz) "
             "or Nielsen's pickle (mnist.pkl.gz)",
        description="Write the verified dataset into DIR as CSV files (one image a line: "
                    "label, then 784 pixels; csv.gz: gzip-compressed), a Keras-style NPZ "
                    "file, or Nielsen's mnist.pkl.gz (50,000 training, 10,000 validation "
                    "and 10,000 test images as float32 pixels / 256).",
    )
    export.add_argument("--format", choices=("csv", "csv.gz", "npz", "pkl"), required=True,
                        help="csv: mnist_train.csv and mnist_test.csv; csv.gz: the same "
                             "gzipped; npz: mnist.npz; pkl: mnist.pkl.gz")
    export.add_argument("directory", metavar="DIR", type=Path,
                        help="where to write (created if missing)")
    add_source_options(export, defaults=False)
    export.set_defaults(func=run_export)


def _find(args):
    from fastnn.datasets import find_dataset

    dataset = "fashion-mnist" if args.fashion else "mnist"
    return find_dataset(dataset, args.data_dir, download=not args.no_download)


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))]
    return ["  " + "  ".join(cell.rjust(width) if col else cell.ljust(width)
                             for col, (cell, width) in enumerate(zip(row, widths)))
            for row in rows]


def run_info(args) -> int:
    """Find and verify the dataset; print where it is, its shapes, dtypes and label counts."""
    import numpy as np

    found = _find(args)
    ((x_train, y_train), (x_test, y_test)), checks = found.load_verified()
    spec = found.spec
    print(f"{spec.title} in {found.directory} ({found.origin})")
    print(f"format: {found.format_description}")
    print("files:")
    print("\n".join(_table([[path.name, f"{path.stat().st_size:,} bytes"]
                            for path in found.paths])))
    print("verified:")
    print("\n".join(f"  {name}: {how}" for name, how in checks))
    for split, images, labels in (("train", x_train, y_train), ("test", x_test, y_test)):
        print(f"{split + ':':6} images {images.shape} {images.dtype}, "
              f"labels {labels.shape} {labels.dtype}")
    n_classes = len(spec.class_names)
    counts = [np.bincount(labels, minlength=n_classes) for labels in (y_train, y_test)]
    print("label counts:")
    rows = [["label", *map(str, range(n_classes))]]
    rows += [[name, *map(str, count)] for name, count in zip(("train", "test"), counts)]
    print("\n".join(_table(rows)))
    if spec.class_names != tuple(map(str, range(n_classes))):
        print("classes: " + ", ".join(f"{i} {name}" for i, name in enumerate(spec.class_names)))
    return 0


def run_export(args) -> int:
    """Write the verified dataset into ``args.directory`` as CSV, NPZ or pickle files."""
    from fastnn.datasets import to_nielsen, write_csv, write_nielsen_pickle, write_npz

    found = _find(args)
    train, test = found.load()
    directory = args.directory
    directory.mkdir(parents=True, exist_ok=True)
    spec = found.spec
    if args.format in ("csv", "csv.gz"):
        suffix = ".gz" if args.format == "csv.gz" else ""
        written = [directory / (name + suffix) for name in spec.csv_names]
        for path, (images, labels) in zip(written, (train, test)):
            write_csv(path, images, labels)
    elif args.format == "npz":
        written = [directory / spec.npz_name]
        write_npz(written[0], train, test)
    else:
        written = [directory / spec.pickle_name]
        write_nielsen_pickle(written[0], *to_nielsen(train, test))
    print(f"{spec.title} from {found.directory} ({found.format_description}) written to:")
    print("\n".join(_table([[str(path), f"{path.stat().st_size:,} bytes"] for path in written])))
    return 0
