"""Checks that every command makes of its options and of the paths it will write, before
it loads data or compiles anything, so that a mistake never costs a run's work.

A path is tried, not guessed: a directory counts as writable once a file has been made
(and removed) in it, which also catches read-only mounts and ``/proc``, where permission
bits (and root, who passes every ``os.access`` test) say otherwise. Parent directories
are never made: a missing one is reported.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["output_file", "output_directory", "at_least", "thread_count"]


def _try_writing(option: str, shown, directory: Path) -> None:
    try:
        tempfile.TemporaryFile(dir=directory).close()
    except OSError as error:
        raise PermissionError(f"{option} {str(shown)!r}: cannot write in {str(directory)!r} "
                              f"({error.strerror or error}); choose another place") from error


def output_file(option: str, path) -> Path:
    """``path``, once a file can be written there: its directory exists and takes a file,
    and ``path`` is not a directory."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{option} {str(path)!r} is a directory; give a file name such "
                                f"as {str(path / 'net.npz')!r}")
    directory = path.parent
    if not directory.is_dir():
        raise FileNotFoundError(f"{option} {str(path)!r}: the directory {str(directory)!r} "
                                "does not exist; create it first")
    _try_writing(option, path, directory)
    return path


def output_directory(option: str, path) -> Path:
    """``path``, once files can be written in it: it is a writable directory, or it does
    not exist yet and its parent is one (the command makes it, not its parents)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"{option} {str(path)!r} is a file; give a directory")
    if path.is_dir():
        _try_writing(option, path, path)
        return path
    parent = path.parent
    if not parent.is_dir():
        raise FileNotFoundError(f"{option} {str(path)!r}: its parent {str(parent)!r} does not "
                                "exist; create it first")
    try:
        os.rmdir(tempfile.mkdtemp(dir=parent))
    except OSError as error:
        raise PermissionError(f"{option} {str(path)!r} cannot be made in {str(parent)!r} "
                              f"({error.strerror or error}); choose another place") from error
    return path


def at_least(option: str, value, minimum: int = 1):
    """``value`` (or None), once it is at least ``minimum``."""
    if value is not None and value < minimum:
        raise ValueError(f"{option} must be at least {minimum}, got {value}")
    return value


def thread_count(option: str, value):
    """``value`` (or None), once Numba can run that many threads here."""
    if value is None:
        return None
    at_least(option, value)
    import numba

    limit = numba.config.NUMBA_NUM_THREADS
    if value > limit:
        raise ValueError(f"{option} {value}: Numba runs at most {limit} thread(s) here (the "
                         f"CPUs it started with); give at most {limit}")
    return value
