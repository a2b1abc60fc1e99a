"""The Figure class of fastnn's pictures: shown as an image by Jupyter, with no pyplot.

Jupyter shows an object by asking it for a representation. A Figure made outside pyplot
has none but its text (``<Figure size 640x480 with 1 Axes>``) until ``%matplotlib
inline`` registers a PNG printer, through pyplot's machinery that fastnn keeps out of.
:class:`NotebookFigure` renders itself to PNG (``_repr_png_``, IPython's protocol)
whenever it is a cell's last expression or passed to ``display()``. Everywhere else it is
a plain :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

__all__ = ["NotebookFigure"]


class NotebookFigure(Figure):
    """A :class:`matplotlib.figure.Figure` that Jupyter shows as a PNG image."""

    def _repr_png_(self):
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()
