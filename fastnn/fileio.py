"""Atomic file writing, shared by the dataset writers, the downloader and network saving."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write", "TEMP_SUFFIX"]

#: Suffix of the temporary files that :func:`atomic_write` creates beside its target.
TEMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Open a temporary file beside `path` for binary writing; move it onto `path` at the end.

    The temporary file ``.<name>.<random>.tmp`` lives in the same directory as `path`, so
    the final :func:`os.replace` is atomic: readers see either the old file or the complete
    new one. It is created with the usual permissions (0o666 less the umask). If the block
    raises, the temporary file is deleted and `path` is left as it was.

    Parameters
    ----------
    path : str or os.PathLike
        The file to create or replace. Its directory must exist.

    Yields
    ------
    BinaryIO
        The open temporary file.
    """
    path = Path(path)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
