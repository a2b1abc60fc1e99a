"""Progress bars where someone watches them: a terminal, or a Jupyter notebook.

``fit(verbose=1)`` shows a bar per epoch. Where stderr is neither a terminal nor a
notebook's (a log file, a pipe, CI), there is no one to watch it, and a bar's ``\\r``
frames would only fill the log: then no bar is made, and the per-epoch lines alone are
printed, as Keras does. In a notebook the bar is tqdm's widget when ipywidgets is
installed, else its text bar, which Jupyter redraws in place (never tqdm's warning that
IProgress is missing).
"""

from __future__ import annotations

import sys

__all__ = ["where_shown", "progress_bar"]


def where_shown() -> str | None:
    """``'notebook'`` in a Jupyter kernel, ``'terminal'`` when stderr is a terminal, else
    None (a file, a pipe: nobody watches a bar there)."""
    shell = sys.modules.get("IPython") and _ipython_shell()
    if shell is not None and type(shell).__name__ == "ZMQInteractiveShell":
        return "notebook"
    stream = sys.stderr
    try:
        return "terminal" if stream is not None and stream.isatty() else None
    except (AttributeError, ValueError):  # a closed or unusual stream
        return None


def _ipython_shell():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython was in sys.modules
        return None
    return get_ipython()


class _NoBar:
    """What :func:`progress_bar` returns when nothing is shown: every call does nothing."""

    def update(self, n=1):
        pass

    def set_postfix(self, **kwargs):
        pass

    def close(self):
        pass


def progress_bar(total, desc, unit="img", show=True):
    """A tqdm bar of ``total`` on stderr if ``show`` and :func:`where_shown`, else a bar
    that does nothing."""
    where = where_shown() if show else None
    if where is None:
        return _NoBar()
    if where == "notebook" and _has_widgets():
        from tqdm.notebook import tqdm
    else:
        from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=True, leave=False,
                file=sys.stderr, dynamic_ncols=True)


def _has_widgets() -> bool:
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True
