"""``fastnn plot KIND``: draw digits, a confusion matrix, misclassified digits or weights.

::

    fastnn plot digits --index 0:25 --out digits.png
    fastnn plot digits --where wrong --model rashid.npz --out wrong.png
    fastnn plot confusion rashid.npz --out confusion.png --normalize true
    fastnn plot misclassified rashid.npz --out misclassified.png -n 25
    fastnn plot weights linear.npz --out weights.png --layer 0
    fastnn plot backquery rashid.npz --out backquery.png

Every picture but backquery's is of the test set. This module also writes the figures of
``fastnn train --plots DIR`` (:func:`check_plot_dir`, :func:`write_training_plots`).
matplotlib and NumPy are imported inside the functions only.
"""

from __future__ import annotations

import functools
from pathlib import Path

from fastnn import plots  # light: its pictures load matplotlib on first use
from fastnn.cli.common import add_source_options, load_dataset

__all__ = ["add_parser", "parse_index", "describe", "check_plot_dir", "write_training_plots",
           "TRAINING_PLOTS"]

#: The files ``fastnn train --plots DIR`` writes (the learning curve with --eval-every).
TRAINING_PLOTS = {"history": "history.png", "confusion": "confusion.png",
                  "misclassified": "misclassified.png", "learning_curve": "learning-curve.png"}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "plot", help="draw test digits, a confusion matrix, mistakes or weights as a PNG",
        description="Draw a picture of the test set or of a saved network into a PNG file "
                    "(needs matplotlib: pip install 'fastnn[plot]').")
    kinds = parser.add_subparsers(title="pictures", metavar="KIND", dest="kind", required=True)

    digits = kinds.add_parser("digits", help="a grid of test images with their labels",
                              description="A grid of test images titled with their labels "
                                          "(and a model's predictions, red where wrong).")
    chosen = digits.add_mutually_exclusive_group()
    chosen.add_argument("--index", default="0:25", metavar="I|START:STOP",
                        help="test image I, or images START to STOP-1 (default 0:25)")
    chosen.add_argument("--where", choices=("wrong",),
                        help="'wrong': the first -n test images that --model gets wrong")
    digits.add_argument("--model", metavar="PATH",
                        help="a .npz network file: title the images with its predictions")
    digits.add_argument("-n", type=int, default=25, help="images for --where wrong (default 25)")
    digits.add_argument("--ncols", type=int, default=10, help="images per row (default 10)")
    digits.set_defaults(func=run_digits)

    confusion = kinds.add_parser("confusion", help="a saved network's confusion matrix",
                                 description="The confusion matrix of a saved network on the "
                                             "test set, with its accuracy.")
    confusion.add_argument("--normalize", choices=("true", "pred", "all"),
                           help="fractions of each true class, predicted class or all")
    confusion.set_defaults(func=run_confusion)

    wrong = kinds.add_parser("misclassified",
                             help="the test images a network gets wrong most confidently",
                             description="The test images a saved network gets wrong with the "
                                         "highest output, titled with its prediction.")
    wrong.add_argument("-n", type=int, default=25, help="how many (default 25)")
    wrong.set_defaults(func=run_misclassified)

    weights = kinds.add_parser("weights", help="a layer's weights as 28x28 images",
                               description="Each unit's incoming weights of a layer with 784 "
                                           "inputs, as a 28x28 image on a diverging colour map.")
    weights.add_argument("--layer", type=int, default=0, help="layer index (default 0)")
    weights.add_argument("--vmax", type=float,
                         help="the colour scale's bound (default: the largest |weight|)")
    weights.set_defaults(func=run_weights)

    imagined = kinds.add_parser("backquery", help="what a sigmoid network imagines each digit as",
                                description="Run a saved sigmoid network backwards from each "
                                            "label's target (Rashid's backquery) and draw the "
                                            "ten input images it arrives at.")
    imagined.set_defaults(func=run_backquery)

    for kind in (confusion, wrong, weights, imagined):
        kind.add_argument("model", metavar="MODEL", help="a .npz network file written by fastnn")
    for kind in (digits, confusion, wrong, weights, imagined):
        kind.add_argument("--out", required=True, metavar="PNG", help="the PNG file to write")
        if kind not in (weights, imagined):
            add_source_options(kind)


def parse_index(text, n):
    """``--index`` as a slice of ``range(n)``: ``"I"`` or ``"START:STOP"``.

    Raises
    ------
    ValueError
        For another form, or indices outside 0..n-1 (quoting the value).
    """
    parts = text.split(":")
    try:
        numbers = [int(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) not in (1, 2):
        raise ValueError(f"--index must be I or START:STOP (e.g. 0:25), got {text!r}")
    start, stop = (numbers[0], numbers[0] + 1) if len(numbers) == 1 else numbers
    if not 0 <= start < stop <= n:
        raise ValueError(f"--index {text!r} is outside the {n:,} test images: give 0 <= START "
                         f"< STOP <= {n}")
    return slice(start, stop)


def describe(net):
    """A short title for a network: its sizes and the epochs it was trained."""
    epochs = len(net.history_)
    return f"{net.sizes}, {epochs} epoch{'s' if epochs != 1 else ''}"


def _test_set(args):
    _, test = load_dataset(args)
    return test


def _draws(draw):
    """A command's ``func``: check that matplotlib is there and ``--out`` writable, load
    ``--model``/MODEL when given, call ``draw(args, net)``, and say what was written."""
    @functools.wraps(draw)
    def run(args) -> int:
        import fastnn
        from fastnn.plots._figure import check_can_draw

        check_can_draw(args.out)
        net = fastnn.load(args.model) if args.model else None
        draw(args, net)
        print(f"wrote {args.out}")
        return 0

    return run


@_draws
def run_digits(args, net):
    import numpy as np

    x_test, y_test = _test_set(args)
    if args.where == "wrong":
        if net is None:
            raise ValueError("--where wrong needs --model PATH, the network whose mistakes to draw")
        if args.n < 1:
            raise ValueError(f"-n must be >= 1, got {args.n}")
        every = net.predict(x_test)
        chosen = np.flatnonzero(every != y_test)[:args.n]
        if not len(chosen):
            raise ValueError(f"{args.model} gets every test image right: nothing to draw")
        predicted = every[chosen]
        title = f"test images {args.model} gets wrong (the first {len(chosen)})"
    else:
        rows = parse_index(args.index, len(x_test))
        chosen = np.arange(rows.start, rows.stop)
        predicted = net.predict(x_test[chosen]) if net is not None else None
        title = f"test images {rows.start} to {rows.stop - 1}"
    plots.digits(x_test[chosen], y_test[chosen], predicted, ncols=args.ncols, title=title,
                 path=args.out)


@_draws
def run_confusion(args, net):
    x_test, y_test = _test_set(args)
    plots.confusion_matrix(y_test, net.predict(x_test), normalize=args.normalize,
                           n_classes=net.sizes[-1],
                           title=f"{Path(args.model).name}: {describe(net)}", path=args.out)


@_draws
def run_misclassified(args, net):
    x_test, y_test = _test_set(args)
    plots.misclassified(net, x_test, y_test, n=args.n, path=args.out)


@_draws
def run_weights(args, net):
    plots.weights(net, layer=args.layer, vmax=args.vmax, path=args.out)


@_draws
def run_backquery(args, net):
    plots.backquery(net, title=f"{args.model}: what it imagines each digit as (backquery)",
                    path=args.out)


def check_plot_dir(directory):
    """Check, before training starts, that ``fastnn train --plots`` can write ``directory``.

    matplotlib must be there, and ``directory`` a writable directory or one that can be
    made in an existing parent (:func:`fastnn.cli.checks.output_directory`). It is made
    by :func:`write_training_plots`, after training, so a failed run leaves nothing.

    Raises
    ------
    ImportError
        Without matplotlib (naming the extra to install).
    OSError
        When ``directory`` is a file, its parent does not exist, or it cannot be written
        (quoting it).
    """
    from fastnn.cli.checks import output_directory
    from fastnn.plots._figure import require_matplotlib

    require_matplotlib()
    return output_directory("--plots", directory)


def write_training_plots(directory, name, net, history, x_test, y_test, curve=None,
                         reference=None, validation_label="test"):
    """The figures of ``fastnn train --plots DIR``; returns the paths written.

    Parameters
    ----------
    directory : pathlib.Path
        From :func:`check_plot_dir`; made here if it does not exist.
    name : str
        The recipe, for the titles.
    net : fastnn.Network
        The trained network.
    history : fastnn.training.History
        What its ``fit`` returned.
    x_test, y_test : ndarray
        The test set.
    curve : pair of sequences, optional
        (images seen, test accuracy) of ``--eval-every``: adds the learning curve.
    reference : pair of sequences, optional
        Published points for the learning curve.
    validation_label : str
        The legend of the history's ``val_`` curves: what they were measured on ('test'
        when the test set was the validation data).
    """
    directory.mkdir(exist_ok=True)  # its parent was checked before training
    title = f"{name} {describe(net)}"
    paths = [directory / TRAINING_PLOTS["history"], directory / TRAINING_PLOTS["confusion"],
             directory / TRAINING_PLOTS["misclassified"]]
    plots.history(history, validation_label=validation_label, title=title,
                  path=paths[0])
    plots.confusion_matrix(y_test, net.predict(x_test), n_classes=net.sizes[-1], title=title,
                           path=paths[1])
    plots.misclassified(net, x_test, y_test, path=paths[2])
    if curve is not None:
        paths.append(directory / TRAINING_PLOTS["learning_curve"])
        plots.learning_curve(*curve, reference=reference, label=f"fastnn {name}",
                             title=f"{title}: test accuracy against images seen",
                             path=paths[-1])
    return paths
