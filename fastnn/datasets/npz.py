"""The NPZ form of MNIST that Keras downloads as ``mnist.npz``.

Four arrays under the keys ``x_train``, ``y_train``, ``x_test`` and ``y_test``: images
uint8 (n, 28, 28) and labels uint8 (n,). Files are read without allowing pickles.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .errors import FormatError
from fastnn.fileio import atomic_write
from .validation import as_split

__all__ = ["read_npz", "write_npz", "NPZ_KEYS"]

#: The keys of a Keras-style MNIST NPZ file, in the order of the loaders' result.
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")

Split = tuple[np.ndarray, np.ndarray]


def _checked_split(images, labels, where: str, image_key: str, label_key: str) -> Split:
    return as_split(images, labels, f"{where} [{image_key}]", f"{where} [{label_key}]")


def read_npz(path: str | os.PathLike) -> tuple[Split, Split]:
    """Read a Keras-style MNIST NPZ file.

    Parameters
    ----------
    path : str or os.PathLike
        The file, e.g. ``mnist.npz``.

    Returns
    -------
    ((x_train, y_train), (x_test, y_test))
        Images uint8 (n, height, width) and labels uint8 (n,).

    Raises
    ------
    FormatError
        If the file is not an NPZ (zip) file, lacks one of the keys, holds pickled
        objects, or an array has the wrong shape, dtype or values.
    OSError
        If the file cannot be read.
    """
    path = Path(path)
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise FormatError(
                f"{path}: holds a single array, not an NPZ archive of {', '.join(NPZ_KEYS)}"
            )
        with archive:
            missing = [key for key in NPZ_KEYS if key not in archive.files]
            if missing:
                held = ", ".join(archive.files) or "nothing"
                raise FormatError(
                    f"{path}: no array named {', '.join(missing)}; an MNIST NPZ file holds "
                    f"{', '.join(NPZ_KEYS)} (this one holds {held})"
                )
            x_train, y_train, x_test, y_test = (archive[key] for key in NPZ_KEYS)
    except FormatError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise FormatError(
            f"{path}: not a readable NPZ file ({exc}); delete it and export or download it again"
        ) from None
    return (
        _checked_split(x_train, y_train, str(path), "x_train", "y_train"),
        _checked_split(x_test, y_test, str(path), "x_test", "y_test"),
    )


def write_npz(path: str | os.PathLike, train: Split, test: Split) -> None:
    """Write a Keras-style MNIST NPZ file (zip-compressed); atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The file to create or replace; its directory must exist.
    train, test : (images, labels)
        Images integer 0-255 of shape (n, height, width) and labels integer 0-9 of shape
        (n,); stored as uint8 under ``x_train``, ``y_train``, ``x_test``, ``y_test``.

    Raises
    ------
    FormatError
        For arrays of the wrong shape or values, or counts that differ; nothing is
        written then.
    """
    path = Path(path)
    where = f"write_npz({path})"
    x_train, y_train = _checked_split(*train, where, "x_train", "y_train")
    x_test, y_test = _checked_split(*test, where, "x_test", "y_test")
    with atomic_write(path) as file:
        np.savez_compressed(file, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
