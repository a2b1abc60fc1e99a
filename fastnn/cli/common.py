"""What the training and inference commands share: choosing and loading the dataset."""

from __future__ import annotations

from fastnn.cli.data import _add_source_options


def add_source_options(parser) -> None:
    """``--data-dir``, ``--no-download`` and ``--fashion``, as ``fastnn data`` has them."""
    _add_source_options(parser, defaults=True)


def load_dataset(args):
    """``((x_train, y_train), (x_test, y_test))`` as the source options choose."""
    from fastnn.datasets import load_fashion_mnist, load_mnist

    loader = load_fashion_mnist if args.fashion else load_mnist
    return loader(data_dir=args.data_dir, download=not args.no_download)
