"""Where fastnn keeps its datasets: the data directory and how it was chosen."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["get_data_dir", "resolve_data_dir", "DATA_DIR_ENV"]

#: Environment variable naming the data directory.
DATA_DIR_ENV = "FASTNN_DATA"


def _checkout_data_dir() -> Path:
    """``<checkout>/data``: the ``data`` folder beside the ``fastnn`` package."""
    import fastnn

    return Path(fastnn.__file__).resolve().parents[1] / "data"


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> tuple[Path, str]:
    """The data directory and where that choice came from.

    The first of these wins:

    1. `data_dir`, when given;
    2. the ``FASTNN_DATA`` environment variable, when set and not empty;
    3. ``<checkout>/data`` when fastnn runs from a source checkout, i.e. when the folder
       ``data`` beside the ``fastnn`` package exists and contains ``README.md``;
    4. ``$XDG_CACHE_HOME/fastnn`` when ``XDG_CACHE_HOME`` is set to an absolute path,
       else ``~/.cache/fastnn``.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        An explicit directory.

    Returns
    -------
    path : pathlib.Path
        Absolute, with ``~`` expanded; it may not exist yet.
    origin : str
        Which rule chose it, for messages, e.g. ``"from FASTNN_DATA"``.
    """
    if data_dir is not None:
        return Path(data_dir).expanduser().absolute(), "from the data_dir argument"
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser().absolute(), f"from {DATA_DIR_ENV}"
    checkout = _checkout_data_dir()
    if (checkout / "README.md").is_file():
        return checkout, "the source checkout's data folder"
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "fastnn", "the user cache ($XDG_CACHE_HOME/fastnn)"
    return Path.home() / ".cache" / "fastnn", "the user cache (~/.cache/fastnn)"


def get_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The data directory: `data_dir`, else ``$FASTNN_DATA``, else the default cache.

    The default cache is ``<checkout>/data`` when fastnn runs from a source checkout
    (the folder ``data`` beside the ``fastnn`` package exists and contains ``README.md``),
    else ``$XDG_CACHE_HOME/fastnn`` (when set to an absolute path) or ``~/.cache/fastnn``.
    MNIST's files go directly in it; Fashion-MNIST's in its ``fashion-mnist`` subfolder.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        An explicit directory, returned as an absolute path.

    Returns
    -------
    pathlib.Path
        Absolute; the directory may not exist yet (it is created when files are
        downloaded into it).
    """
    return resolve_data_dir(data_dir)[0]
