"""``fastnn predict MODEL [IMAGE ...] [--index I] [--out PNG]``: what the network says.

::

    fastnn predict rashid.npz seven.png three.jpg        # your own handwriting
    fastnn predict rashid.npz --index 0                  # a test image, drawn as text
    fastnn predict rashid.npz seven.png --out seven-prediction.png

Each image file is made an MNIST-style digit (:func:`fastnn.images.read_digit`) and gets
one line: its path, the predicted digit with the network's output for it, then the next
two candidates. A file that cannot be read gets a line saying why, the others go on, and
the command exits with 1. ``--index I`` draws test image I as text art and prints the
output vector. ``--out`` draws, for image files, the picture, the 28x28 digit and the
outputs as bars (for ``--index``, the image beside its outputs), into a PNG.
"""

from __future__ import annotations

import sys

from fastnn.cli.common import add_source_options, load_dataset

__all__ = ["add_parser", "text_art", "candidates"]

#: From dark to bright.
SHADES = " .:-=+*#%@"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "predict", help="what a saved network says of image files or a test image",
        description="Predict the digit in each IMAGE file (PNG, JPEG, BMP, GIF: made an "
                    "MNIST-style 28x28 digit first), or in test image I (--index).")
    parser.add_argument("path", metavar="MODEL", help="a .npz file written by fastnn")
    parser.add_argument("images", metavar="IMAGE", nargs="*",
                        help="image files of one digit each (needs fastnn[images])")
    parser.add_argument("--index", type=int, metavar="I", help="a test image's index")
    ink = parser.add_mutually_exclusive_group()
    ink.add_argument("--invert", dest="invert", action="store_true", default=None,
                     help="the images are dark ink on light (default: told from each image)")
    ink.add_argument("--no-invert", dest="invert", action="store_false",
                     help="the images are light ink on dark")
    parser.add_argument("--out", metavar="PNG",
                        help="also draw the images (or test image I) and the outputs into PNG")
    add_source_options(parser)
    parser.set_defaults(func=run)


def text_art(image) -> str:
    """An (h, w) uint8 image as h lines of w characters, darker to brighter."""
    steps = len(SHADES) - 1
    return "\n".join("".join(SHADES[int(p) * steps // 255] for p in row) for row in image)


def candidates(output, n=3) -> list:
    """The ``n`` classes with the largest outputs, largest first: ``[(class, output), ...]``."""
    import numpy as np

    order = np.argsort(-np.asarray(output), kind="stable")[:n]
    return [(int(k), float(output[k])) for k in order]


def run(args) -> int:
    import fastnn

    if not args.images and args.index is None:
        raise ValueError("give IMAGE files to predict, or --index I for a test image")
    if args.images and args.index is not None and args.out:
        raise ValueError("--out draws either the IMAGE files or --index I: give one of them")
    if args.out:
        from fastnn.plots._figure import check_can_draw

        check_can_draw(args.out)
    if args.images:
        from fastnn.images import require_pillow

        require_pillow()  # before anything is loaded
    net = fastnn.load(args.path)
    failed = _predict_files(args, net) if args.images else 0
    if args.index is not None:
        _predict_test_image(args, net)
    return 1 if failed else 0


def _predict_files(args, net) -> int:
    """One line per image file; returns how many could not be read."""
    import numpy as np

    from fastnn.images import ImageError, read_grey, to_mnist

    originals, digits, names, failed = [], [], [], 0
    for name in args.images:
        try:
            grey = read_grey(name)
            digit = to_mnist(grey, invert=args.invert, name=name)
        except ImageError as error:
            print(f"fastnn predict: error: {error}", file=sys.stderr, flush=True)
            failed += 1
            continue
        output = net.predict_proba(digit[None])[0]
        (best, value), *others = candidates(output)
        print(f"{name}: {best} ({value:.3f}); then " +
              ", ".join(f"{k} ({v:.3f})" for k, v in others), flush=True)
        originals.append(grey)
        digits.append(digit)
        names.append(name)
    if args.out and digits:
        from fastnn import plots

        digits = np.stack(digits)
        plots.own_digits(originals, digits, net.predict_proba(digits), names, path=args.out)
        print(f"wrote {args.out}")
    return failed


def _predict_test_image(args, net) -> None:
    import numpy as np

    _, (x_test, y_test) = load_dataset(args)
    if not 0 <= args.index < len(x_test):
        raise ValueError(f"--index must be from 0 to {len(x_test) - 1}, got {args.index}")
    image = x_test[args.index]
    output = net.predict_proba(image[None])[0]
    print(text_art(image))
    print(f"test image {args.index}: label {y_test[args.index]}, "
          f"prediction {int(np.argmax(output))}")
    print("output: " + "  ".join(f"{k}:{value:.3f}" for k, value in enumerate(output)))
    if args.out:
        from fastnn import plots

        plots.prediction(image, output, label=int(y_test[args.index]),
                         title=f"{args.path}: test image {args.index}", path=args.out)
        print(f"wrote {args.out}")
