"""Grids of 28x28 pictures: digits as the network sees them, and a layer's weights.

matplotlib is imported inside the functions only (see :mod:`fastnn.plots._figure`).
"""

from __future__ import annotations

import math

import numpy as np

from fastnn.plots._figure import check_count, check_writable_path, finish, new_figure

__all__ = ["digits", "weights", "image_grid", "as_images", "IMAGE_SHAPE", "WRONG_COLOR"]

#: The height and width every picture of this module draws.
IMAGE_SHAPE = (28, 28)

#: The title colour of a digit whose prediction is not its label.
WRONG_COLOR = "tab:red"

#: Digits drawn at most in one figure; more would make cells too small to read.
MAX_IMAGES = 400

_PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]


def as_images(images, where="digits"):
    """``images`` as an (n, 28, 28) array with its display range ``(vmin, vmax)``.

    Parameters
    ----------
    images : array_like
        (n, 28, 28) or (n, 784): integer pixels 0-255 (e.g. uint8 from ``load_mnist``),
        or finite floats such as ``pixels / 255``.
    where : str
        The caller's name, which starts every error message.

    Returns
    -------
    images : numpy.ndarray, shape (n, 28, 28)
        A view of the input where possible, same dtype.
    vmin, vmax : float
        0 and 255 for integers; 0 and 1 for floats within [0, 1] (scaled pixels), 0 and
        255 for floats within [0, 255] (raw pixels), else their minimum and maximum.

    Raises
    ------
    ValueError
        For another shape (quoting it and naming the shapes needed), no images, integer
        pixels outside 0-255, or NaN/inf.
    """
    array = np.asarray(images)
    if array.ndim == 2 and array.shape[1] == _PIXELS:
        array = array.reshape(len(array), *IMAGE_SHAPE)
    if array.ndim != 3 or array.shape[1:] != IMAGE_SHAPE:
        hint = ""
        if array.shape in (IMAGE_SHAPE, (_PIXELS,)):
            hint = "; for a single image pass images[None] (a batch of one)"
        raise ValueError(f"{where}: images must have shape (n, 28, 28) or (n, 784), got shape "
                         f"{array.shape}{hint}")
    if len(array) == 0:
        raise ValueError(f"{where}: no images to draw (got shape {array.shape})")
    if array.dtype.kind in "iu":
        low, high = array.min(), array.max()
        if low < 0 or high > 255:
            bad = low if low < 0 else high
            raise ValueError(f"{where}: integer images are read as 0-255 pixels, but they hold "
                             f"{bad}; pass floats for other values")
        return array, (0.0, 255.0)
    if array.dtype.kind != "f":
        raise ValueError(f"{where}: images must hold numbers, got dtype {array.dtype}")
    if not np.all(np.isfinite(array)):
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise ValueError(f"{where}: images hold {array[index]} at index {index}; pixels must "
                         "be finite")
    low, high = float(array.min()), float(array.max())
    if low >= 0 and high <= 1:
        return array, (0.0, 1.0)
    if low >= 0 and high <= 255:
        return array, (0.0, 255.0)
    return array, (low, high if high > low else low + 1)


def image_grid(images, ncols, titles=None, title_colors=None, cmap="Greys", vmin=0.0,
               vmax=255.0, cell_inches=1.0, title=None):
    """A new Figure with ``images`` in a grid, one axes each, without ticks.

    Parameters
    ----------
    images : numpy.ndarray, shape (n, h, w)
    ncols : int
        Images per row (fewer when there are fewer images).
    titles, title_colors : sequence of str, optional
        One per image.
    cmap, vmin, vmax
        The colour map and the values at its two ends, the same for every image.
    cell_inches : float
        Width of one cell; its height adds room for a title.
    title : str, optional
        The figure's title.

    Returns
    -------
    figure : matplotlib.figure.Figure
    axes : list of matplotlib.axes.Axes
        One per image, in order; the grid's cells beyond the last image are removed.
    """
    n = len(images)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    title_lines = max((t.count("\n") + 1 for t in titles), default=0) if titles else 0
    height = nrows * (cell_inches + 0.16 * title_lines) + (0.35 if title else 0.0)
    figure = new_figure(max(ncols * cell_inches, 2.5), height)
    grid = figure.subplots(nrows, ncols, squeeze=False)
    axes = list(grid.ravel())
    for index, ax in enumerate(axes):
        if index >= n:
            ax.remove()
            continue
        ax.imshow(images[index], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        if titles:
            color = title_colors[index] if title_colors else "black"
            ax.set_title(titles[index], fontsize=8, color=color, pad=2)
    if title:
        figure.suptitle(title)
    return figure, axes[:n]


def _checked_labels(values, n, name, where):
    if values is None:
        return None
    array = np.asarray(values)
    if array.shape != (n,):
        raise ValueError(f"{where}: {name} must have one value per image, shape ({n},); got "
                         f"shape {array.shape}")
    return array


def digits(images, labels=None, predictions=None, ncols=10, title=None, path=None):
    """A grid of digits, titled with their labels, or predictions where those differ.

    Parameters
    ----------
    images : array_like, (n, 28, 28) or (n, 784)
        uint8 pixels 0-255 as :func:`fastnn.load_mnist` returns them, or scaled floats
        (see :func:`as_images`). Drawn dark on light, at most 400 of them.
    labels, predictions : array_like, shape (n,), optional
        Each cell is titled with its label; where a prediction differs from the label,
        ``pred p (true t)`` in red. Predictions alone are titled ``pred p``.
    ncols : int
        Images per row.
    title : str, optional
        The figure's title.
    path : str or os.PathLike, optional
        Save the figure here as a PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per image, in order.

    Raises
    ------
    ValueError
        For images of another shape, more than 400 images, labels or predictions of
        another length, or ``ncols`` < 1; see also :func:`as_images`.
    """
    where = "digits"
    if path is not None:
        check_writable_path(path)
    ncols = check_count(where, "ncols", ncols)
    array, (vmin, vmax) = as_images(images, where)
    if len(array) > MAX_IMAGES:
        raise ValueError(f"{where}: {len(array)} images are too many for one figure (at most "
                         f"{MAX_IMAGES}); pass a slice such as images[:100]")
    labels = _checked_labels(labels, len(array), "labels", where)
    predictions = _checked_labels(predictions, len(array), "predictions", where)
    titles = colors = None
    if labels is not None or predictions is not None:
        titles, colors = [], []
        for index in range(len(array)):
            label = None if labels is None else labels[index]
            predicted = None if predictions is None else predictions[index]
            if predicted is None or (label is not None and predicted == label):
                titles.append(f"{label}")
                colors.append("black")
            elif label is None:
                titles.append(f"pred {predicted}")
                colors.append("black")
            else:
                titles.append(f"pred {predicted} (true {label})")
                colors.append(WRONG_COLOR)
    cell = 1.15 if predictions is not None and labels is not None else 0.9
    figure, _ = image_grid(array, ncols, titles, colors, vmin=vmin, vmax=vmax,
                           cell_inches=cell, title=title)
    return finish(figure, path)


def weights(net, layer=0, ncols=None, vmax=None, title=None, path=None):
    """Each unit's incoming weights of a 784-input layer as a 28x28 image.

    The colour map diverges from white at zero (red positive, blue negative), on one
    scale for the whole layer, ``-max|W|`` to ``+max|W|``. For the linear net (784 -> 10)
    this draws the ten digit templates.

    Parameters
    ----------
    net : fastnn.Network
        Its ``weights[layer]``, shape (n_out, 784), is drawn; nothing is modified.
    layer : int
        0 is the layer fed by the pixels.
    ncols : int, optional
        Units per row (default: 5 up to 10 units, 10 up to 20, else about twice as many
        columns as rows).
    vmax : float, optional
        The colour scale runs from ``-vmax`` to ``+vmax`` (default ``max|W|``); larger
        weights take the end colours.
    title : str, optional
        The figure's title (default: the layer and its shape).
    path : str or os.PathLike, optional
        Save the figure here as a PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per unit, titled with the digit on an output layer of 10 units and with
        the unit's index on other layers of up to 50 units, and a colour bar.

    Raises
    ------
    ValueError
        For a layer index out of range, or a layer whose inputs are not 784 = 28 x 28.
    """
    where = "weights"
    if path is not None:
        check_writable_path(path)
    n_layers = len(net.sizes) - 1
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) \
            or not 0 <= layer < n_layers:
        raise ValueError(f"{where}: layer must be 0..{n_layers - 1} for a network of sizes "
                         f"{net.sizes}, got {layer!r}")
    matrix = np.asarray(net.weights[layer], dtype=np.float64)
    n_out, n_in = matrix.shape
    if n_in != _PIXELS:
        raise ValueError(f"{where}: layer {layer} has {n_in} inputs, not 784 = 28 x 28, so its "
                         f"weights are no images; only layer 0 of a network of sizes "
                         f"{net.sizes} takes the pixels")
    if ncols is None:
        ncols = 5 if n_out <= 10 else 10 if n_out <= 20 else math.ceil(math.sqrt(2 * n_out))
    ncols = check_count(where, "ncols", ncols)
    is_output = layer == n_layers - 1
    titles = None
    if is_output and n_out == 10:
        titles = [f"{unit}" for unit in range(n_out)]
    elif n_out <= 50:
        titles = [f"unit {unit}" for unit in range(n_out)]
    if vmax is not None and not (np.isfinite(vmax) and vmax > 0):
        raise ValueError(f"{where}: vmax must be a finite number > 0, got {vmax!r}")
    bound = float(vmax) if vmax is not None else float(np.max(np.abs(matrix))) or 1.0
    if title is None:
        kind = "output" if is_output else "hidden"
        title = f"layer {layer} weights ({kind}): {n_out} units x {n_in} inputs"
    cell = 1.3 if n_out <= 10 else 1.0 if n_out <= 20 else 0.55
    figure, axes = image_grid(matrix.reshape(n_out, *IMAGE_SHAPE), ncols, titles,
                              cmap="RdBu_r", vmin=-bound, vmax=bound, cell_inches=cell,
                              title=title)
    bar = figure.colorbar(axes[0].images[0], ax=axes, shrink=0.8, aspect=30, pad=0.01)
    bar.set_label("weight")
    return finish(figure, path)
