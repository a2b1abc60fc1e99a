"""Pictures of data, networks and experiments, drawn with matplotlib (``fastnn[plot]``).

Each public function returns a :class:`matplotlib.figure.Figure` made outside pyplot's
global state and, given ``path=``, saves it as a PNG atomically. matplotlib is imported
only when a picture is drawn: ``import fastnn.plots`` does not import it.
"""

from __future__ import annotations

__all__: list[str] = []
