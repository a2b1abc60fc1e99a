"""The ``fastnn`` command line: ``fastnn COMMAND [options]``.

Each command lives in its own module of this package, listed in :data:`COMMANDS`. Such a
module defines ``add_parser(subparsers)``, which adds the command's parser with
``subparsers.add_parser(...)`` and sets ``func`` (via ``set_defaults``) to a function
``func(args) -> int`` returning the exit code. Adding a command is one line in
:data:`COMMANDS`.

The command modules are imported to build the parser, so they import NumPy, Numba and
the like inside ``func`` only: ``fastnn --help`` stays fast.

A ``func`` reports a user's mistake or a bad file by raising ValueError (which covers
:class:`fastnn.datasets.DatasetError`) or OSError, and a missing optional extra by
ImportError naming it: :func:`main` prints the message without a traceback
(``--traceback`` shows it) and returns 1.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

__all__ = ["main", "build_parser", "COMMANDS"]

#: Command modules, in the order ``fastnn --help`` lists them.
COMMANDS = [
    "fastnn.cli.data",
    "fastnn.cli.train",
    "fastnn.cli.evaluate",
    "fastnn.cli.predict",
    "fastnn.cli.plot",
    "fastnn.cli.sweep",
    "fastnn.cli.compile",
]


def build_parser() -> argparse.ArgumentParser:
    """The ``fastnn`` argument parser with every command of :data:`COMMANDS`."""
    from fastnn import __version__

    parser = argparse.ArgumentParser(
        prog="fastnn",
        description="The classic from-scratch MNIST networks on loop-level kernels.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--traceback", action="store_true",
                        help="on an error, show the Python traceback too")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command")
    for module_name in COMMANDS:
        importlib.import_module(module_name).add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``fastnn`` command line.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0 on success, 1 on an error (message on stderr), 2 on a usage
        error (argparse exits with 2 itself), 130 when interrupted.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("fastnn: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `fastnn data | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (ValueError, OSError, ImportError) as exc:
        if args.traceback:
            raise
        print(f"fastnn {args.command}: error: {exc}", file=sys.stderr)
        return 1
