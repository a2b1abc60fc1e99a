"""Pictures of data, networks and experiments, drawn with matplotlib (``fastnn[plot]``).

Each public function returns a :class:`matplotlib.figure.Figure` made outside pyplot's
global state and, given ``path=``, saves it as a PNG atomically. matplotlib is imported
only when a picture is drawn: ``import fastnn.plots`` does not import it, and the names
below load their module on first use (PEP 562).

- :mod:`fastnn.plots.images`: ``digits``, ``weights`` (grids of 28x28 pictures);
- :mod:`fastnn.plots.evaluation`: ``confusion_matrix``, ``misclassified``, ``prediction``;
- :mod:`fastnn.plots.curves`: ``history``, ``learning_curve``, ``LINEAR_BLOG_POINTS``;
- :mod:`fastnn.plots.own_digits`: ``own_digits`` (image files, what the network saw);
- :mod:`fastnn.plots.backquery`: ``backquery`` (what a network imagines each digit as).
"""

from __future__ import annotations

import importlib

#: Public name -> the submodule that defines it, imported on first use.
_LAZY = {
    "digits": "fastnn.plots.images",
    "weights": "fastnn.plots.images",
    "confusion_matrix": "fastnn.plots.evaluation",
    "misclassified": "fastnn.plots.evaluation",
    "prediction": "fastnn.plots.evaluation",
    "own_digits": "fastnn.plots.own_digits",
    "backquery": "fastnn.plots.backquery",
    "history": "fastnn.plots.curves",
    "learning_curve": "fastnn.plots.curves",
    "LINEAR_BLOG_POINTS": "fastnn.plots.curves",
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    try:
        module_name = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'fastnn.plots' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
