"""``fastnn train``: train a recipe on the full dataset and time it.

::

    fastnn train --recipe rashid --hidden 200 --epochs 1 --save rashid.npz
    fastnn train --recipe linear --eval-every 10000
    fastnn train --recipe rashid --hidden 200 --epochs 5 --plots pictures/
    fastnn train --recipe rashid --hidden 200 --epochs 1 --benchmark

``--benchmark`` adds, after the run, its figures against the machine's update-only bound
and the other two backends (:mod:`fastnn.cli.benchmark`).
"""

from __future__ import annotations

import math
import time

from fastnn.cli.benchmark import BENCHMARK_STRETCH, overrides, print_benchmark
from fastnn.cli.checks import at_least, output_file, thread_count
from fastnn.cli.common import add_source_options, load_dataset
from fastnn.cli.plot import check_plot_dir, write_training_plots

__all__ = ["add_parser"]

RECIPES = ("linear", "grokking", "rashid", "nielsen", "keras")

#: The legend of the --plots history's val_ curves when they are of --validation-split.
VALIDATION_LABEL = "held-out"

#: Epochs each tutorial trains for, used when --epochs is not given.
DEFAULT_EPOCHS = {"linear": 1, "grokking": 5, "rashid": 5, "nielsen": 30, "keras": 5}

def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a tutorial network on MNIST, report test accuracy and timings",
        description="Train one of the tutorial recipes on the training set, with a "
                    "progress bar and a line per epoch, then print the test accuracy and "
                    "the time split into JIT compilation and training.",
    )
    parser.add_argument("--recipe", choices=RECIPES, required=True)
    parser.add_argument("--hidden", type=int, help="hidden layer size (rashid, nielsen, keras)")
    parser.add_argument("--epochs", type=int,
                        help="passes over the training set (default: the tutorial's: "
                             + ", ".join(f"{k} {v}" for k, v in DEFAULT_EPOCHS.items()) + ")")
    parser.add_argument("--lr", type=float, dest="learning_rate", help="learning rate (alpha)")
    parser.add_argument("--batch-size", type=int, help="1 trains per sample")
    parser.add_argument("--backend", choices=("numba", "numpy", "python"))
    parser.add_argument("--dtype", choices=("float64", "float32"))
    parser.add_argument("--threads", type=int, help="Numba threads")
    parser.add_argument("--seed", type=int, help="seed of the initial weights and shuffles")
    parser.add_argument("--limit", type=int, metavar="N", help="train on the first N images only")
    parser.add_argument("--validation-split", type=float, metavar="F", default=0.0,
                        help="hold out the last fraction F of the training images (after "
                             "--limit, before shuffling) and report val_loss and "
                             "val_accuracy on them every epoch, as Keras's validation_split")
    parser.add_argument("--rotations", type=float, metavar="DEG",
                        help="also train on each image rotated by +DEG and then -DEG degrees, "
                             "each a sample of its own, as Make Your Own Neural Network does "
                             "(needs fastnn[images])")
    parser.add_argument("--eval-every", type=int, metavar="N",
                        help="print the test accuracy after every N training images")
    parser.add_argument("--save", metavar="PATH", help="write the trained network here (.npz)")
    parser.add_argument("--plots", metavar="DIR",
                        help="write the history, confusion-matrix and misclassified figures "
                             "(and the learning curve with --eval-every) into DIR as PNGs; the "
                             "history's validation curves are of the --validation-split "
                             "part when given, else of the test set")
    parser.add_argument("--quiet", action="store_true", help="no progress bar (the epoch lines stay)")
    parser.add_argument("--benchmark", action="store_true",
                        help="also print seconds per epoch, samples/s and JIT time, and time the "
                             "same network on the other backends (NumPy on up to "
                             f"{BENCHMARK_STRETCH['numpy']:,} images, plain Python on "
                             f"{BENCHMARK_STRETCH['python']:,}, scaled) for the speedups")
    add_source_options(parser)
    parser.set_defaults(func=run)


def _check_options(args):
    """Every option of ``fastnn train`` and every path it writes, before data or compiling.

    Returns ``(network, epochs, plot directory or None, save path or None)``.
    """
    from fastnn import recipes
    from fastnn.inputs import validation_fraction

    for option, value in (("--epochs", args.epochs), ("--limit", args.limit),
                          ("--eval-every", args.eval_every)):
        at_least(option, value)
    thread_count("--threads", args.threads)
    validation_fraction(args.validation_split)  # fit's own check, quoting the value
    if args.rotations is not None and not (math.isfinite(args.rotations) and args.rotations > 0):
        raise ValueError(f"--rotations must be an angle > 0 in degrees (10 trains on +10 and "
                         f"-10), got {args.rotations:g}")
    if args.rotations and args.benchmark:
        raise ValueError("--rotations and --benchmark: the benchmark compares plain epochs over "
                         "the training set; drop one")
    if args.rotations:
        from fastnn.preprocessing import _scipy_ndimage

        _scipy_ndimage()  # SciPy is there, or the error names the extra
    if args.validation_split and args.benchmark:
        raise ValueError(f"--validation-split {args.validation_split:g} and --benchmark: the "
                         "benchmark times epochs over the whole training set; drop one")
    plot_dir = check_plot_dir(args.plots) if args.plots else None
    save_path = output_file("--save", args.save) if args.save else None
    net = recipes.make(args.recipe, **overrides(args))  # the recipe's own checks
    epochs = args.epochs if args.epochs is not None else DEFAULT_EPOCHS[args.recipe]
    return net, epochs, plot_dir, save_path


def run(args) -> int:
    from fastnn.training import TrainingDivergedError

    net, epochs, plot_dir, save_path = _check_options(args)
    (x_train, y_train), (x_test, y_test) = load_dataset(args)
    if args.limit is not None:
        if args.limit > len(x_train):
            raise ValueError(f"--limit {args.limit} is more than the {len(x_train):,} training "
                             f"images; give at most {len(x_train)}, or leave --limit out to "
                             "train on all of them")
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    print(f"{args.recipe}: {net.sizes}, learning_rate={net.learning_rate:g}, "
          f"batch_size={net.batch_size}, backend={net.backend}, dtype={net.dtype}, "
          f"{len(x_train)} training images, {epochs} epoch(s)", flush=True)

    _say_if_compiling(net, x_train, y_train, x_test)

    # From here: --eval-every's first evaluation may compile the prediction kernel, which
    # compile_seconds_ counts, so the wall time must include it.
    start = time.perf_counter()
    callback = None
    curve = ([], [])  # (images seen, test accuracy) of --eval-every
    if args.eval_every is not None:
        def callback(network, epoch, seen):
            total = sum(record["samples"] for record in network.history_) + seen
            accuracy = network.score(x_test, y_test)
            curve[0].append(total)
            curve[1].append(accuracy)
            print(f"after {total:>7} images: test accuracy {accuracy:.4f}", flush=True)

        callback(net, 1, 0)

    # --plots draws validation curves: from the held-out split when there is one, else
    # from the test set.
    if args.validation_split:
        validation = {"validation_split": args.validation_split}
    else:
        validation = {"validation_data": (x_test, y_test) if plot_dir else None}
    try:
        rotations = (args.rotations, -args.rotations) if args.rotations else None
        history = net.fit(x_train, y_train, epochs=epochs, verbose=2 if args.quiet else 1,
                          callback=callback, callback_every=args.eval_every,
                          rotations=rotations, **validation)
    except TrainingDivergedError as error:
        raise ValueError(f"{error}{' Nothing was saved.' if args.save else ''}") from error
    except KeyboardInterrupt:
        return _interrupted(net, epochs, save_path)
    train_seconds = sum(history.history["seconds"])
    samples = sum(history.history["samples"])
    result = net.evaluate(x_test, y_test)
    # After the evaluation: its first prediction compiles the prediction kernel, which
    # compile_seconds_ counts.
    wall = time.perf_counter() - start
    print(f"test accuracy: {result['accuracy']:.4f} (loss {result['loss']:.4f}) on {len(x_test)} images")
    print(f"time: {wall:.2f} s = JIT compilation {net.compile_seconds_:.2f} s + training "
          f"{train_seconds:.2f} s ({samples / train_seconds:,.0f} samples/s, "
          f"{train_seconds / epochs:.3f} s per epoch) + evaluation and overhead "
          f"{wall - net.compile_seconds_ - train_seconds:.2f} s")
    if args.benchmark:
        print_benchmark(args, net, history, x_train, y_train)
    if save_path:
        print(f"saved to {net.save(save_path)}")
    if plot_dir:
        from fastnn.plots.curves import LINEAR_BLOG_POINTS

        reference = LINEAR_BLOG_POINTS if args.recipe == "linear" else None
        held_out = VALIDATION_LABEL if args.validation_split else "test"
        for path in write_training_plots(plot_dir, args.recipe, net, history, x_test, y_test,
                                         curve if curve[0] else None, reference,
                                         validation_label=held_out):
            print(f"wrote {path}")
    return 0


def _interrupted(net, epochs, save_path) -> int:
    """Ctrl-C during training: keep the finished epochs (``fit`` has put the network back
    as it was after the last of them), say so in one line, and exit with 130."""
    import sys

    finished = len(net.history_)
    if not finished:
        raise KeyboardInterrupt
    if save_path is None:
        print(f"fastnn train: interrupted after {finished} of {epochs} epoch(s); nothing was "
              "saved (no --save)", file=sys.stderr, flush=True)
        return 130
    net.save(save_path)
    print(f"fastnn train: interrupted in epoch {finished + 1} of {epochs}: saved the network as "
          f"it was after epoch {finished} to {save_path}", file=sys.stderr, flush=True)
    return 130


def _say_if_compiling(net, x_train, y_train, x_test) -> None:
    """Print one line when training or prediction will compile: nothing in the cache."""
    from fastnn import config
    from fastnn.cache import cache_plan
    from fastnn.compilation import FIRST_COMPILE, needs_compiling

    if needs_compiling(net, x_train[:1], y_train[:1]) or needs_compiling(net, x_test[:1]):
        if not config.CACHE:  # fastnn compile refuses then: it would keep nothing
            why = f"{FIRST_COMPILE}, on every run: FASTNN_NUMBA_CACHE=0 turns Numba's cache off"
        elif cache_plan().writable is None:
            why = f"{FIRST_COMPILE}, on every run: there is no writable place to keep them"
        else:
            why = (f"first run on this machine, {FIRST_COMPILE}; `fastnn compile` does this "
                   "ahead of time")
        print(f"compiling fastnn's kernels for {net.dtype} ({why})", flush=True)
