"""Pictures of digits from image files: what was read, what the network saw, its answer."""

from __future__ import annotations

import numpy as np

from fastnn.plots._figure import check_writable_path, finish, new_figure

__all__ = ["own_digits"]


def own_digits(originals, digits, outputs, names=None, path=None):
    """One row per image: the picture as read, the 28x28 digit the network saw, and the
    network's outputs as bars (the predicted digit highlighted).

    Parameters
    ----------
    originals : sequence of (H, W) arrays
        Grey levels 0..1, of any size (:func:`fastnn.images.read_grey`).
    digits : (n, 28, 28) uint8
        What :func:`fastnn.images.to_mnist` made of them.
    outputs : (n, n_classes) array
        ``net.predict_proba(digits)``.
    names : sequence of str, optional
        Row titles (the files' names).
    path : str or os.PathLike, optional
        Save the figure here as a PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
    """
    where = "own_digits"
    if path is not None:
        check_writable_path(path)
    digits, outputs = np.asarray(digits), np.asarray(outputs, dtype=np.float64)
    if not len(originals) == len(digits) == len(outputs) >= 1:
        raise ValueError(f"{where}: originals, digits and outputs must have one entry per image "
                         f"(at least one), got {len(originals)}, {len(digits)} and {len(outputs)}")
    names = list(names) if names is not None else [f"image {k}" for k in range(len(digits))]
    figure = new_figure(8.0, 2.4 * len(digits))
    rows = figure.subplots(len(digits), 3, squeeze=False, width_ratios=[1, 1, 1.8])
    for (original, seen, bars), image, digit, output, name in zip(rows, originals, digits,
                                                                   outputs, names):
        predicted = int(np.argmax(output))
        original.imshow(image, cmap="gray", vmin=0, vmax=1)
        original.set_title(str(name), fontsize=9)
        seen.imshow(digit, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
        seen.set_title("the 28x28 digit", fontsize=9)
        for ax in (original, seen):
            ax.set_xticks([])
            ax.set_yticks([])
        colors = ["tab:blue"] * len(output)
        colors[predicted] = "tab:green"
        bars.bar(np.arange(len(output)), output, color=colors)
        bars.set_xticks(np.arange(len(output)))
        bars.set_title(f"prediction {predicted} (output {output[predicted]:.3f})", fontsize=9)
    return finish(figure, path)
