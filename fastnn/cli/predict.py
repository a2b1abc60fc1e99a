"""``fastnn predict PATH --index I [--out PNG]``: draw test image I and what the network says.

The image is drawn as text art; ``--out`` also draws it, beside the output vector as a bar
chart, into a PNG (needs matplotlib).
"""

from __future__ import annotations

from fastnn.cli.common import add_source_options, load_dataset

__all__ = ["add_parser", "text_art"]

#: From dark to bright.
SHADES = " .:-=+*#%@"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("predict", help="draw a test image and its prediction",
                                   description="Draw test image I as text, then print the "
                                               "network's prediction and output vector.")
    parser.add_argument("path", metavar="PATH", help="a .npz file written by fastnn")
    parser.add_argument("--index", type=int, required=True, metavar="I", help="test image index")
    parser.add_argument("--out", metavar="PNG",
                        help="also draw the image and the output vector as a bar chart into PNG")
    add_source_options(parser)
    parser.set_defaults(func=run)


def text_art(image) -> str:
    """An (h, w) uint8 image as h lines of w characters, darker to brighter."""
    steps = len(SHADES) - 1
    return "\n".join("".join(SHADES[int(p) * steps // 255] for p in row) for row in image)


def run(args) -> int:
    import numpy as np

    import fastnn

    if args.out:
        from fastnn.plots._figure import check_can_draw

        check_can_draw(args.out)
    net = fastnn.load(args.path)
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
    return 0
