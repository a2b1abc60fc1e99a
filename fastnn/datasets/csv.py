"""The CSV form of MNIST used by "Make Your Own Neural Network": one image a line.

Each line holds the label, then the image's pixel values row by row (784 for 28x28),
separated by commas, as in ``mnist_train.csv`` / ``mnist_test.csv`` and the tutorial's
subsets ``mnist_train_100.csv`` / ``mnist_test_10.csv``. A first line starting with
``label`` (the Kaggle files' header) is skipped. Lines may end in CRLF.

Reading is vectorised: one NumPy parse of the whole text (about 2 s for the 60,000-line
file). Only when that finds a problem does a line-by-line pass run, to name the line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from .errors import FormatError
from fastnn.fileio import atomic_write
from .validation import as_split

__all__ = ["read_csv", "write_csv"]

_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")
_ROWS_PER_CHUNK = 4096

# Text of each byte value followed by a comma, as a (256, 4) byte table padded with
# zeros, the mask of its used bytes and its length: what the vectorised writer assembles.
_CELL_TEXT = np.zeros((256, 4), dtype=np.uint8)
for _value in range(256):
    _text = f"{_value},".encode("ascii")
    _CELL_TEXT[_value, : len(_text)] = np.frombuffer(_text, dtype=np.uint8)
_CELL_LENGTH = np.count_nonzero(_CELL_TEXT, axis=1)
_CELL_USED = np.arange(4) < _CELL_LENGTH[:, None]
del _value, _text


def _split_lines(text: str) -> tuple[list[str], int]:
    """Lines of `text` without trailing blank lines, and the number of header lines (0/1)."""
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    header = int(bool(lines) and lines[0].lstrip().lower().startswith("label"))
    return lines, header


def _parse_fast(lines: list[str], n_fields: int) -> np.ndarray | None:
    """All lines as an (n, n_fields) int64 table, or None if any line is malformed."""
    if any(line.count(",") != n_fields - 1 for line in lines):
        return None
    try:
        values = np.fromstring(",".join(lines), dtype=np.int64, sep=",")
    except ValueError:
        return None
    if values.size != len(lines) * n_fields:
        return None
    table = values.reshape(len(lines), n_fields)
    if table.size and (table.min() < 0 or table[:, 0].max() > 9 or table.max() > 255):
        return None
    return table


def _line_error(path: Path, lineno: int, line: str, n_fields: int) -> FormatError | None:
    """The error in one line (numbered from 1), or None if it is valid."""
    fields = line.split(",")
    where = f"{path}, line {lineno}"
    if len(fields) != n_fields:
        return FormatError(
            f"{where}: {len(fields)} comma-separated fields, expected {n_fields} (the label, "
            f"then {n_fields - 1} pixel values); the line is "
            + ("blank" if not line.strip() else "cut short or merged with another")
        )
    for column, field in enumerate(fields):
        valid = _INTEGER.fullmatch(field) is not None
        if column == 0:
            if not valid or not 0 <= int(field) <= 9:
                return FormatError(f"{where}: the label {field.strip()!r} is not an integer 0-9")
        elif not valid or not 0 <= int(field) <= 255:
            return FormatError(
                f"{where}, field {column + 1} (pixel {column - 1}): {field.strip()!r} is not "
                "an integer 0-255"
            )
    return None


def _raise_first_error(path: Path, lines: list[str], header: int, n_fields: int) -> None:
    for index in range(header, len(lines)):
        line = lines[index].rstrip("\r")
        try:  # a cheap check of the whole line first; the field-by-field one names the field
            values = np.fromstring(line, dtype=np.int64, sep=",")
            if (values.size == n_fields and line.count(",") == n_fields - 1
                    and 0 <= values[0] <= 9 and values.min() >= 0 and values.max() <= 255):
                continue
        except ValueError:
            pass
        error = _line_error(path, index + 1, line, n_fields)
        if error is not None:
            raise error
    raise FormatError(f"{path}: not a valid MNIST CSV file (could not parse it)")


def read_csv(path: str | os.PathLike, image_shape: tuple[int, int] = (28, 28)
             ) -> tuple[np.ndarray, np.ndarray]:
    """Read images and labels from a CSV file of one image a line, label first.

    Parameters
    ----------
    path : str or os.PathLike
        The file, e.g. ``mnist_train.csv`` or the 100-line ``mnist_train_100.csv``.
    image_shape : (int, int), default (28, 28)
        Height and width of an image; each line holds ``1 + height * width`` values.

    Returns
    -------
    images : numpy.ndarray, uint8, shape (n, height, width)
    labels : numpy.ndarray, uint8, shape (n,)

    Raises
    ------
    FormatError
        Naming the file and line (numbered from 1, the header included): a wrong number
        of fields, a label that is not an integer 0-9, or a pixel that is not an integer
        0-255.
    OSError
        If the file cannot be read.
    """
    path = Path(path)
    height, width = image_shape
    n_fields = 1 + height * width
    lines, header = _split_lines(path.read_bytes().decode("latin-1"))
    table = _parse_fast(lines[header:], n_fields)
    if table is None:
        _raise_first_error(path, lines, header, n_fields)
    table = table.astype(np.uint8)
    return table[:, 1:].reshape(-1, height, width), table[:, 0].copy()


def _format_rows(table: np.ndarray) -> bytes:
    """CSV text of a uint8 table: values comma-separated, one row a line."""
    used = _CELL_USED[table]
    text = _CELL_TEXT[table][used]
    row_ends = np.cumsum(_CELL_LENGTH[table].sum(axis=1)) - 1
    text[row_ends] = ord("\n")  # the comma after each row's last value
    return text.tobytes()


def write_csv(path: str | os.PathLike, images, labels) -> None:
    """Write images and labels as CSV, one image a line, label first; atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The file to create or replace; its directory must exist.
    images : array_like, integer 0-255, shape (n, height, width)
    labels : array_like, integer 0-9, shape (n,)

    Raises
    ------
    FormatError
        For images or labels of the wrong shape or values, or counts that differ;
        nothing is written then.
    """
    path = Path(path)
    images, labels = as_split(images, labels, f"write_csv({path})", f"write_csv({path})")
    n, height, width = images.shape
    table = np.column_stack([labels, images.reshape(n, height * width)])
    with atomic_write(path) as file:
        for start in range(0, len(table), _ROWS_PER_CHUNK):
            file.write(_format_rows(table[start : start + _ROWS_PER_CHUNK]))
