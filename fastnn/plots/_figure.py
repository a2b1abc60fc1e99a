"""What every fastnn picture shares: matplotlib on demand, a new Figure, an atomic PNG save.

matplotlib is an optional extra (``pip install 'fastnn[plot]'``). It is imported here,
when a picture is asked for, never at ``import fastnn``. Pictures are drawn on
:class:`matplotlib.figure.Figure` objects made directly, not through pyplot, so nothing
registers with pyplot's global figure manager, nothing opens a window and nothing leaks;
``matplotlib.use()`` is never called. In Jupyter they show as images all the same.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastnn.fileio import atomic_write

__all__ = ["require_matplotlib", "new_figure", "figure_and_axes", "check_writable_path",
           "check_can_draw", "check_count", "save_png", "finish"]

#: What to tell a user who asks for a picture without matplotlib.
INSTALL_HINT = "pip install 'fastnn[plot]'"


def require_matplotlib():
    """Import and return :mod:`matplotlib`, or say which extra to install.

    Raises
    ------
    ImportError
        When matplotlib is not installed; the message names the ``plot`` extra.
    """
    try:
        import matplotlib
        import matplotlib.figure  # noqa: F401  (the Figure class every picture uses)
    except ImportError as exc:
        raise ImportError(
            f"fastnn's pictures need matplotlib, which is not installed: {INSTALL_HINT} "
            f"(or pip install matplotlib). The import failed with: {exc}"
        ) from exc
    return matplotlib


def new_figure(width=6.4, height=4.8, dpi=100):
    """A new :class:`matplotlib.figure.Figure` of ``width`` x ``height`` inches, outside
    pyplot; Jupyter shows it as an image (:class:`fastnn.plots._notebook.NotebookFigure`)."""
    require_matplotlib()
    from fastnn.plots._notebook import NotebookFigure

    return NotebookFigure(figsize=(width, height), dpi=dpi, layout="constrained")


def figure_and_axes(ax=None, width=6.4, height=4.8):
    """``(figure, axes)``: ``ax`` and its figure when given, else a new figure with one axes."""
    if ax is not None:
        return ax.get_figure(), ax
    figure = new_figure(width, height)
    return figure, figure.add_subplot()


def check_writable_path(path):
    """``path`` as a :class:`~pathlib.Path` once its directory is known to be writable.

    Raises
    ------
    ValueError
        When ``path`` is empty or names a directory.
    OSError
        When its directory does not exist, is a file or cannot be written; the message
        quotes it.
    """
    if path is None or str(path) == "":
        raise ValueError(f"path must name a PNG file, got {path!r}")
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"path {str(path)!r} is a directory; give a file name such as "
                         f"{str(path / 'figure.png')!r}")
    directory = path.parent if str(path.parent) else Path(".")
    if directory.exists() and not directory.is_dir():
        raise NotADirectoryError(f"cannot write {str(path)!r}: {str(directory)!r} is a file, "
                                 "not a directory; choose another output path")
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot write {str(path)!r}: the directory {str(directory)!r} "
                                "does not exist; create it first")
    try:  # tried, not guessed: root passes os.access everywhere, a read-only mount does not
        tempfile.TemporaryFile(dir=directory).close()
    except OSError as error:
        raise PermissionError(f"cannot write {str(path)!r}: the directory {str(directory)!r} "
                              f"is not writable ({error.strerror or error}); choose another "
                              "output path") from error
    return path


def check_can_draw(path):
    """Before a long computation whose picture goes to ``path``: matplotlib is there and
    ``path`` can be written (see :func:`require_matplotlib`, :func:`check_writable_path`).

    Returns
    -------
    pathlib.Path
    """
    require_matplotlib()
    return check_writable_path(path)


def check_count(where, name, value, minimum=1):
    """``value`` as an int once it is known to be an integer >= ``minimum``.

    Raises
    ------
    ValueError
        Otherwise, quoting the value; the message starts with ``where``.
    """
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{where}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def save_png(figure, path, dpi=None):
    """Write ``figure`` to ``path`` as a PNG, atomically: the file is complete or not there.

    The PNG is rendered into a temporary file by :func:`fastnn.fileio.atomic_write`, so a
    failure at any point leaves no partial file.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    path : str or os.PathLike
        The PNG file to create or replace; its directory must exist and be writable.
    dpi : float, optional
        Resolution (default: the figure's own).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = check_writable_path(path)
    with atomic_write(path) as file:
        figure.savefig(file, format="png", dpi=dpi)
    return path


def finish(figure, path):
    """``figure``, saved first with :func:`save_png` when ``path`` is given."""
    if path is not None:
        save_png(figure, path)
    return figure
