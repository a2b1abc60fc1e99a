"""Exceptions raised by :mod:`fastnn.datasets`.

Every error is a :class:`DatasetError`, itself a :class:`ValueError`, so callers can catch
one class. Messages name the file (and the line for CSV), quote the bad value and say how
to fix the problem.
"""

from __future__ import annotations

__all__ = [
    "DatasetError",
    "FormatError",
    "ChecksumError",
    "DatasetNotFoundError",
    "DownloadError",
]


class DatasetError(ValueError):
    """Base class of every error about data files or their contents."""


class FormatError(DatasetError):
    """A file's bytes do not follow its format (IDX, gzip, CSV, NPZ) or hold bad values."""


class ChecksumError(DatasetError):
    """A canonical dataset file does not match its published checksum."""


class DatasetNotFoundError(DatasetError):
    """No complete copy of a dataset was found and downloading was not allowed."""


class DownloadError(DatasetError):
    """Every mirror failed to deliver a verified copy of a file."""
