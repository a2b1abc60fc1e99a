"""``fastnn compile``: fill Numba's cache with the compiled loops of the recipes.

::

    fastnn compile                                   # every recipe, float64 and float32
    fastnn compile --recipe rashid --dtype float64   # only what this run needs
    fastnn compile --cache-dir /opt/fastnn-cache     # a cache other users can read

A process per CPU compiles; a second run finds everything in the cache and says so.
``--cache-dir DIR`` compiles into DIR, as ``NUMBA_CACHE_DIR=DIR`` does; users who set
``NUMBA_CACHE_DIR=DIR`` load from it even when they cannot write to it (see
:mod:`fastnn.cache`). See :func:`fastnn.compilation.compile`.
"""

from __future__ import annotations

from fastnn.cli.train import RECIPES
from fastnn.compilation import DTYPES

__all__ = ["add_parser"]


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "compile",
        help="compile the kernels ahead of time into Numba's cache (once per machine)",
        description="Compile the loops every recipe needs (per-sample and mini-batch "
                    "training, prediction; uint8 and float inputs) into Numba's on-disk "
                    "cache, so that later runs load them instead of compiling.",
    )
    parser.add_argument("--recipe", action="append", choices=RECIPES, dest="recipes",
                        help="a recipe to compile for (repeat for more; default: all)")
    parser.add_argument("--dtype", action="append", choices=DTYPES, dest="dtypes",
                        help="a dtype to compile for (repeat for both; default: both)")
    parser.add_argument("--processes", type=int,
                        help="processes compiling at once (default: one per CPU)")
    parser.add_argument("--cache-dir", metavar="DIR",
                        help="compile into DIR (as NUMBA_CACHE_DIR=DIR does), e.g. a "
                             "directory that other users then read through NUMBA_CACHE_DIR")
    parser.set_defaults(func=run)


def run(args) -> int:
    import os
    import sys

    if args.processes is not None and args.processes < 1:
        raise ValueError(f"--processes must be >= 1, got {args.processes}")
    if args.cache_dir is not None:
        directory = os.path.abspath(args.cache_dir)
        try:
            os.makedirs(directory, exist_ok=True)
        except OSError as error:
            raise OSError(f"--cache-dir {args.cache_dir!r} cannot be made: {error.strerror}; "
                          "choose a directory you can write") from error
        if not os.access(directory, os.W_OK | os.X_OK):
            raise PermissionError(f"--cache-dir {args.cache_dir!r} is not writable; choose a "
                                  "directory you can write")
        if "fastnn.cache" in sys.modules:  # pragma: no cover - the CLI imports it later
            raise ValueError("--cache-dir must be set before fastnn's loops are imported")
        os.environ["NUMBA_CACHE_DIR"] = directory  # this process and its workers
    from fastnn.compilation import compile

    compile(args.recipes, args.dtypes, processes=args.processes)
    return 0
