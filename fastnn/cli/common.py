"""What the training and inference commands share: the dataset options and loading."""

from __future__ import annotations

from fastnn.cli.data import add_source_options

__all__ = ["add_source_options", "load_dataset"]


def load_dataset(args):
    """``((x_train, y_train), (x_test, y_test))`` as the source options choose."""
    from fastnn.datasets import load_fashion_mnist, load_mnist

    loader = load_fashion_mnist if args.fashion else load_mnist
    return loader(data_dir=args.data_dir, download=not args.no_download)
