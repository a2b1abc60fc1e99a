"""``fastnn compile``: fill Numba's cache with the compiled loops of the recipes.

::

    fastnn compile                                   # every recipe, float64 and float32
    fastnn compile --recipe rashid --dtype float64   # only what this run needs

A process per CPU compiles; a second run finds everything in the cache and says so.
See :func:`fastnn.compilation.compile`.
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
    parser.set_defaults(func=run)


def run(args) -> int:
    from fastnn.compilation import compile

    compile(args.recipes, args.dtypes, processes=args.processes)
    return 0
