"""``fastnn train``: train a recipe on the full dataset and time it.

::

    fastnn train --recipe rashid --hidden 200 --epochs 1 --save rashid.npz
    fastnn train --recipe linear --eval-every 10000
"""

from __future__ import annotations

import time

from fastnn.cli.common import add_source_options, load_dataset

__all__ = ["add_parser"]

RECIPES = ("linear", "grokking", "rashid", "nielsen", "keras")

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
    parser.add_argument("--eval-every", type=int, metavar="N",
                        help="print the test accuracy after every N training images")
    parser.add_argument("--save", metavar="PATH", help="write the trained network here (.npz)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar (the epoch lines stay)")
    add_source_options(parser)
    parser.set_defaults(func=run)


def _overrides(args):
    names = ("hidden", "learning_rate", "batch_size", "backend", "dtype", "threads", "seed")
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def run(args) -> int:
    from fastnn import recipes
    from fastnn.training import TrainingDivergedError

    (x_train, y_train), (x_test, y_test) = load_dataset(args)
    if args.limit is not None:
        if args.limit < 1:
            raise ValueError(f"--limit must be >= 1, got {args.limit}")
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    net = recipes.make(args.recipe, **_overrides(args))
    epochs = args.epochs if args.epochs is not None else DEFAULT_EPOCHS[args.recipe]
    print(f"{args.recipe}: {net.sizes}, learning_rate={net.learning_rate:g}, "
          f"batch_size={net.batch_size}, backend={net.backend}, dtype={net.dtype}, "
          f"{len(x_train)} training images, {epochs} epoch(s)", flush=True)

    callback = None
    if args.eval_every is not None:
        print(f"after {0:>7} images: test accuracy {net.score(x_test, y_test):.4f}", flush=True)

        def callback(network, epoch, seen):
            total = (epoch - 1) * len(x_train) + seen
            print(f"after {total:>7} images: test accuracy {network.score(x_test, y_test):.4f}",
                  flush=True)

    start = time.perf_counter()
    try:
        history = net.fit(x_train, y_train, epochs=epochs, verbose=2 if args.quiet else 1,
                          callback=callback, callback_every=args.eval_every)
    except TrainingDivergedError as error:
        raise ValueError(f"{error}{' Nothing was saved.' if args.save else ''}") from error
    wall = time.perf_counter() - start
    train_seconds = sum(history.history["seconds"])
    samples = sum(history.history["samples"])
    result = net.evaluate(x_test, y_test)
    print(f"test accuracy: {result['accuracy']:.4f} (loss {result['loss']:.4f}) on {len(x_test)} images")
    print(f"time: {wall:.2f} s = JIT compilation {net.compile_seconds_:.2f} s + training "
          f"{train_seconds:.2f} s ({samples / train_seconds:,.0f} samples/s, "
          f"{train_seconds / epochs:.3f} s per epoch) + evaluation and overhead "
          f"{wall - net.compile_seconds_ - train_seconds:.2f} s")
    if args.save:
        path = net.save(args.save)
        print(f"saved to {path}")
    return 0
