"""``fastnn sweep``: a grid of training runs with repeats, or one of Rashid's experiments.

::

    fastnn sweep --recipe rashid --grid learning_rate=0.01,0.1,0.2,0.3,0.6 --grid hidden=100 \\
        --epochs 1 --repeats 5 --out DIR
    fastnn sweep --preset rashid-hidden --out DIR

DIR receives ``results.jsonl`` (one row per run and epoch, resumed by the next call),
``summary.csv`` (mean, std, count, min and max of the test accuracy per group) and the
figures: one PNG per varying parameter, or per pair of them (a preset draws its own,
with the book's published points). Exits with 1 when a run failed, after all the others.
"""

from __future__ import annotations

import math
import sys

__all__ = ["add_parser", "parse_epochs", "parse_grid"]


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="train a grid of runs with repeats (local processes or Dask), resumably",
        description="Train every combination of --grid values --repeats times, on a pool "
                    "of local processes or a Dask cluster, write every run's rows to "
                    "DIR/results.jsonl as they arrive (a second call resumes), then "
                    "DIR/summary.csv and a figure per varying parameter.",
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--recipe", help="linear, grokking, rashid, nielsen or keras")
    what.add_argument("--preset", help="rashid-learning-rate, rashid-epochs, rashid-hidden or "
                                       "rashid-rotations "
                                       "(the book's experiments; 5 repeats by default)")
    parser.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2",
                        help="a recipe keyword and its values, e.g. learning_rate=0.1,0.2 "
                             "(repeat the option for more keywords)")
    parser.add_argument("--epochs", metavar="E", help="5, 1,2,3 or 1-10: the epochs to record "
                                                      "(each run trains once, to the largest)")
    parser.add_argument("--repeats", type=int, help="runs per combination (default 1; 5 for a preset)")
    parser.add_argument("--out", required=True, metavar="DIR", help="the output directory")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N",
                       help="local worker processes (default: the cores available)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="a Dask scheduler, e.g. tcp://127.0.0.1:8786")
    parser.add_argument("--limit", type=int, metavar="N", help="train on the first N images only")
    parser.add_argument("--seed", type=int, default=0, help="the sweep's seed (default 0)")
    parser.add_argument("--no-resume", dest="resume", action="store_false",
                        help="replace DIR/results.jsonl instead of resuming from it")
    parser.add_argument("--retry-failed", action="store_true", help="run the failed runs again")
    parser.add_argument("--quiet", action="store_true", help="no line per finished run")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="the data directory every worker loads from (default: each "
                             "worker's own: $FASTNN_DATA, else <checkout>/data, else ~/.cache/fastnn)")
    parser.add_argument("--no-download", action="store_true",
                        help="workers fail instead of downloading missing files")
    parser.set_defaults(func=run)


def parse_epochs(text):
    """``"5"`` -> 5, ``"1,2,3"`` -> [1, 2, 3], ``"1-10"`` -> [1, ..., 10]."""
    def number(part):
        try:
            return int(part)
        except ValueError:
            raise ValueError(f"--epochs takes 5, 1,2,3 or 1-10 (positive integers), got "
                             f"{text!r}") from None
    text = text.strip()
    if "-" in text.lstrip("-") and "," not in text:
        first, last = (number(part) for part in text.split("-", 1))
        if first > last:
            raise ValueError(f"--epochs range {text!r} runs backwards; write {last}-{first}")
        return list(range(first, last + 1))
    if "," in text:
        return [number(part) for part in text.split(",")]
    return number(text)


def _typed_value(key, text, kind):
    if kind is bool:
        if text.lower() in ("true", "1", "yes"):
            return True
        if text.lower() in ("false", "0", "no"):
            return False
    elif kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    else:  # str, or a per-layer list given as one name
        return text
    raise ValueError(f"--grid {key}= takes {kind.__name__} values, got {text!r}")


def parse_grid(recipe, options):
    """``["learning_rate=0.1,0.2", "hidden=100"]`` -> a grid typed by the recipe's keywords."""
    from fastnn.experiments.grid import parameter_types

    types = parameter_types(recipe)
    grid = {}
    for option in options:
        key, sep, values = option.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"--grid takes KEY=V1,V2,..., e.g. learning_rate=0.1,0.2; got {option!r}")
        if key in grid:
            raise ValueError(f"--grid {key}= is given twice; list all its values in one option")
        if key not in types:
            return {**grid, key: [values]}  # sweep() names the key and lists the valid ones
        parts = [part.strip() for part in values.split(",")]
        if not values.strip() or "" in parts:
            raise ValueError(f"--grid {option!r} has an empty value; write {key}=V1,V2,...")
        grid[key] = [_typed_value(key, part, types[key]) for part in parts]
    return grid


def _figures(result, out, preset):
    """The PNGs: a preset's own, else one per varying parameter or pair of them."""
    if preset is not None:
        path = out / f"{preset.name}.png"
        result.plot(preset.x, preset.hue, path, reference=preset.reference,
                    xscale=preset.xscale, title=f"{preset.description}\nmean and standard "
                                                f"deviation over {result.repeats} repeats")
        return [path]
    varying = [name for name, values in result.grid.items() if len(values) > 1]
    if len(result.epochs) > 1:
        varying.append("epoch")
    if len(varying) == 1:
        pairs = [(varying[0], None)]
    elif len(varying) == 2:
        pairs = [(varying[0], varying[1]), (varying[1], varying[0])]
    else:
        if varying:
            print(f"sweep: no figure: {len(varying)} parameters vary ({', '.join(varying)}); "
                  "a figure shows two", file=sys.stderr)
        return []
    paths = []
    for x, hue in pairs:
        if x == "epoch" or all(isinstance(v, (int, float)) for v in result.grid.get(x, [])):
            path = out / (f"{x}.png" if hue is None else f"{x}-by-{hue}.png")
            result.plot(x, hue, path)
            paths.append(path)
    return paths


def _print_table(table):
    columns = list(table[0])
    cells = [[_cell(row[c]) if c in ("mean", "std", "min", "max") else str(row[c])
              for c in columns] for row in table]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths)))
    for row in cells:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths)))


def _cell(value):
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4f}"
    return str(value)


def run(args) -> int:
    import statistics

    from fastnn.experiments import get_preset, sweep
    from fastnn.experiments.presets import DEFAULT_REPEATS

    from fastnn.cli.checks import at_least, output_directory
    from fastnn.recipes import RECIPES

    if args.recipe is not None and args.recipe not in RECIPES:
        raise ValueError(f"--recipe must be one of {', '.join(RECIPES)}, got {args.recipe!r}")
    for option, value in (("--repeats", args.repeats), ("--workers", args.workers),
                          ("--limit", args.limit)):
        at_least(option, value)
    preset = get_preset(args.preset) if args.preset else None
    if preset is not None:
        if args.grid or args.epochs:
            raise ValueError("--preset sets its own grid and epochs; drop --grid and --epochs, "
                             "or use --recipe")
        recipe, grid, epochs = preset.recipe, preset.grid, preset.epochs
        repeats = args.repeats if args.repeats is not None else DEFAULT_REPEATS
    else:
        if not args.grid:
            raise ValueError("give at least one --grid KEY=V1,V2,... with --recipe")
        recipe = args.recipe
        grid = parse_grid(recipe, args.grid)
        epochs = parse_epochs(args.epochs) if args.epochs else 1
        repeats = args.repeats if args.repeats is not None else 1
    out = output_directory("--out", args.out)
    result = sweep(recipe, grid, epochs=epochs, repeats=repeats, seed=args.seed,
                   limit=args.limit, results=out / "results.jsonl", workers=args.workers,
                   scheduler=args.scheduler, resume=args.resume, retry_failed=args.retry_failed,
                   data_dir=args.data_dir, download=not args.no_download,
                   progress=not args.quiet)
    result.to_csv(out / "summary.csv")
    figures = _figures(result, out, preset) if any(r["status"] == "ok" for r in result.rows) else []

    runs = math.prod(len(values) for values in result.grid.values()) * result.repeats
    print(f"{recipe}: {runs} runs, {len(result.rows)} rows: {result.trained} run(s) trained "
          f"now in {result.wall_seconds:.1f} s, {runs - result.trained} from "
          f"{out / 'results.jsonl'}; {result.failures} failed")
    if result.workers:
        keys = ("start_seconds", "import_seconds", "data_seconds", "compile_seconds")
        medians = {k: statistics.median(w[k] for w in result.workers if k in w)
                   for k in keys if any(k in w for w in result.workers)}
        print(f"per worker ({len(result.workers)} processes, median): "
              + ", ".join(f"{k.removesuffix('_seconds')} {v:.2f} s" for k, v in medians.items()))
    _print_table(result.summary())
    print(f"wrote {out / 'results.jsonl'}, {out / 'summary.csv'}"
          + "".join(f", {path}" for path in figures))
    if result.failures:
        print(f"fastnn sweep: {result.failures} run(s) failed; see the 'error' of their rows in "
              f"{out / 'results.jsonl'} (--retry-failed runs them again)", file=sys.stderr)
        return 1
    return 0
