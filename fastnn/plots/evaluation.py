"""How a trained network does: its confusion matrix, its worst mistakes, one prediction.

matplotlib is imported inside the functions only (see :mod:`fastnn.plots._figure`).
"""

from __future__ import annotations

import numpy as np

from fastnn import metrics
from fastnn.plots._figure import (check_count, check_writable_path, figure_and_axes, finish,
                                  new_figure)
from fastnn.plots.images import WRONG_COLOR, as_images, image_grid

__all__ = ["confusion_matrix", "misclassified", "prediction", "NORMALIZE"]

#: ``normalize`` of :func:`confusion_matrix` -> the axis whose sums become 1 (None: all).
NORMALIZE = {"true": 1, "pred": 0, "all": None}


def normalized(counts, normalize):
    """``counts`` (n, n) as fractions of each true class, predicted class or the total.

    A row or column without any sample stays 0. ``normalize=None`` returns the counts.
    """
    if normalize is None:
        return counts
    if normalize not in NORMALIZE:
        raise ValueError(f"confusion_matrix: normalize must be None, 'true', 'pred' or 'all', "
                         f"got {normalize!r}")
    axis = NORMALIZE[normalize]
    totals = counts.sum() if axis is None else counts.sum(axis=axis, keepdims=True)
    return np.divide(counts, totals, out=np.zeros(counts.shape), where=totals != 0)


def confusion_matrix(y_true, y_pred, normalize=None, n_classes=10, title=None, ax=None,
                     path=None):
    """The confusion matrix as a heat map, the count or fraction written in each cell.

    Parameters
    ----------
    y_true, y_pred : array_like, shape (n,)
        True and predicted labels, 0..n_classes-1.
    normalize : {None, 'true', 'pred', 'all'}
        None writes counts; 'true' divides each row by its true class's size (the
        diagonal is each class's recall), 'pred' each column by its predicted class's
        size (precision), 'all' everything by n, as scikit-learn does.
    n_classes : int
    title : str, optional
        Put before the accuracy in the title.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of on a new figure.
    path : str or os.PathLike, optional
        Save the figure here as a PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
        Rows are the true class, columns the predicted one (see
        :func:`fastnn.metrics.confusion_matrix`); the title holds the accuracy.

    Raises
    ------
    ValueError
        For labels of different lengths or outside 0..n_classes-1, or another
        ``normalize``.
    """
    if path is not None:
        check_writable_path(path)
    counts = metrics.confusion_matrix(y_true, y_pred, n_classes)
    values = normalized(counts, normalize)
    total = int(counts.sum())
    correct = int(np.trace(counts))
    figure, ax = figure_and_axes(ax, 6.4, 5.6)
    top = float(values.max()) or 1.0
    image = ax.imshow(values, cmap="Blues", vmin=0, vmax=top, interpolation="nearest")
    bar = figure.colorbar(image, ax=ax, shrink=0.85)
    bar.set_label("images" if normalize is None else f"fraction (normalize={normalize!r})")
    fontsize = 8 if n_classes <= 10 else 6
    for (row, column), value in np.ndenumerate(values):
        text = f"{value}" if normalize is None else f"{value:.2f}"
        ax.text(column, row, text, ha="center", va="center", fontsize=fontsize,
                color="white" if value > top / 2 else "black")
    classes = np.arange(n_classes)
    ax.set_xticks(classes)
    ax.set_yticks(classes)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    accuracy = f"accuracy {100 * correct / total:.2f} % ({correct:,} / {total:,})" if total \
        else "no samples"
    ax.set_title(f"{title}\n{accuracy}" if title else accuracy)
    return finish(figure, path)


def misclassified(net, x, y, n=25, ncols=5, title=None, path=None):
    """The ``n`` images the network gets wrong with the highest output for its prediction.

    Parameters
    ----------
    net : fastnn.Network
        Its ``predict_proba`` gives the outputs (for the linear net, raw outputs).
    x : array_like, (m, 28, 28) or (m, 784)
        Images as the network takes them (e.g. uint8 test images).
    y : array_like, shape (m,)
        Their labels.
    n : int
        How many to draw at most; fewer when the network gets fewer wrong.
    ncols : int
        Images per row.
    title : str, optional
        The figure's title (default: how many of the m images are wrong).
    path : str or os.PathLike, optional
        Save the figure here as a PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per image, most confident mistake first (ties in image order), titled
        ``pred p (true t)`` and ``output v``, the prediction's output value. When the
        network gets every image right, a single axes says so.

    Raises
    ------
    ValueError
        For images that are not 28x28, labels of another length or outside the
        network's classes, ``n`` < 1.
    """
    where = "misclassified"
    if path is not None:
        check_writable_path(path)
    n = check_count(where, "n", n)
    ncols = check_count(where, "ncols", ncols)
    images, (vmin, vmax) = as_images(x, where)
    if np.ndim(y) == 1 and len(y) != len(images):   # before predicting them all
        raise ValueError(f"{where}: y has {len(y)} labels but x has {len(images)} images; "
                         "give one label per image")
    outputs = net.predict_proba(x)
    predicted = np.argmax(outputs, axis=1)
    labels, predicted = metrics.check_label_pair(y, predicted, outputs.shape[1], where)
    confidence = outputs[np.arange(len(outputs)), predicted]
    wrong = np.flatnonzero(predicted != labels)
    chosen = wrong[np.argsort(-confidence[wrong], kind="stable")][:n]
    summary = f"{len(wrong):,} of {len(labels):,} images misclassified"
    if title is None:
        title = summary + (f"; the {len(chosen)} with the highest output" if len(chosen) else "")
    if not len(chosen):
        figure = new_figure(5.0, 2.0)
        ax = figure.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"all {len(labels):,} images are classified correctly",
                ha="center", va="center")
        figure.suptitle(title)
        return finish(figure, path)
    titles = [f"pred {predicted[i]} (true {labels[i]})\noutput {confidence[i]:.3f}"
              for i in chosen]
    figure, _ = image_grid(images[chosen], ncols, titles, [WRONG_COLOR] * len(chosen),
                           vmin=vmin, vmax=vmax, cell_inches=1.25, title=title)
    return finish(figure, path)


def prediction(image, output, label=None, title=None, path=None):
    """One image beside the network's output vector as a bar chart.

    Parameters
    ----------
    image : array_like, (28, 28) or (784,)
        uint8 pixels or scaled floats.
    output : array_like, shape (n_classes,)
        The network's outputs for the image, e.g. ``net.predict_proba(image[None])[0]``.
    label : int, optional
        The true class, marked on the chart and in the title.
    title : str, optional
        The figure's title.
    path : str or os.PathLike, optional
        Save the figure here as a PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the image, titled with the prediction (and label), and the bars, the
        predicted class's highlighted.
    """
    where = "prediction"
    if path is not None:
        check_writable_path(path)
    images, (vmin, vmax) = as_images(np.asarray(image)[None], where)
    output = np.asarray(output, dtype=np.float64)
    if output.ndim != 1 or len(output) < 2 or not np.all(np.isfinite(output)):
        raise ValueError(f"{where}: output must be a finite vector of one value per class, got "
                         f"shape {output.shape}")
    predicted = int(np.argmax(output))
    if label is not None:
        label = int(metrics.check_label_pair([label], [predicted], len(output), where)[0][0])
    figure = new_figure(8.0, 3.4)
    picture, bars = figure.subplots(1, 2, width_ratios=[1, 1.8])
    picture.imshow(images[0], cmap="Greys", vmin=vmin, vmax=vmax, interpolation="nearest")
    picture.set_xticks([])
    picture.set_yticks([])
    wrong = label is not None and label != predicted
    heading = f"prediction {predicted}" + ("" if label is None else f" (true {label})")
    picture.set_title(heading, color=WRONG_COLOR if wrong else "black")
    classes = np.arange(len(output))
    colors = ["tab:blue"] * len(output)
    colors[predicted] = WRONG_COLOR if wrong else "tab:green"
    bars.bar(classes, output, color=colors)
    if label is not None:
        bars.bar(label, output[label], fill=False, edgecolor="black", linewidth=1.5,
                 label=f"true class {label}")
        bars.legend(loc="best", fontsize=8)
    bars.set_xticks(classes)
    bars.set_xlabel("class")
    bars.set_ylabel("output")
    bars.set_title("output vector")
    bars.axhline(0, color="black", linewidth=0.8)
    if title:
        figure.suptitle(title)
    return finish(figure, path)
