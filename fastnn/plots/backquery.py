"""The ten images a network imagines, by running it backwards (:meth:`Network.backquery`)."""

from __future__ import annotations

import numpy as np

from fastnn.plots._figure import check_writable_path, finish
from fastnn.plots.images import image_grid

__all__ = ["backquery"]


def backquery(net, title=None, path=None):
    """What ``net`` imagines each class as, one 28x28 image per class, dark where the
    network wants ink, as the book draws them (see :meth:`fastnn.Network.backquery`).

    Parameters
    ----------
    net : fastnn.Network
        A sigmoid network of 784 inputs (Rashid's, say).
    title : str, optional
    path : str or os.PathLike, optional
        Save the figure here as a PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per class, in order.
    """
    if path is not None:
        check_writable_path(path)
    side = int(round(np.sqrt(net.sizes[0])))
    if side * side != net.sizes[0]:
        raise ValueError(f"backquery draws square images, but the network has {net.sizes[0]} "
                         "inputs")
    images = net.backquery().reshape(-1, side, side)
    figure, _ = image_grid(images, 5, [f"{k}" for k in range(len(images))], cmap="Greys",
                           vmin=0.01, vmax=0.99, cell_inches=1.3,
                           title=title or "what the network imagines each digit as (backquery)")
    return finish(figure, path)
