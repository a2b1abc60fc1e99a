"""``fastnn evaluate PATH``: the test loss and accuracy of a saved network."""

from __future__ import annotations

from fastnn.cli.common import add_source_options, load_dataset

__all__ = ["add_parser"]


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("evaluate", help="evaluate a saved network on the test set",
                                   description="Load a network saved by `fastnn train --save` "
                                               "and print its loss and accuracy on the test set.")
    parser.add_argument("path", metavar="PATH", help="a .npz file written by fastnn")
    add_source_options(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    import fastnn

    net = fastnn.load(args.path)
    _, (x_test, y_test) = load_dataset(args)
    result = net.evaluate(x_test, y_test)
    print(f"{args.path}: {net.sizes}, {len(net.history_)} epoch(s) trained")
    print(f"test loss {result['loss']:.4f}, test accuracy {result['accuracy']:.4f} "
          f"on {len(x_test)} images")
    return 0
