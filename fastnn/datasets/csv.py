"""The CSV form of MNIST used by "Make Your Own Neural Network": one image a line.

Each line holds the label, then the image's pixel values row by row (784 for 28x28),
separated by commas, as in ``mnist_train.csv`` / ``mnist_test.csv`` and the tutorial's
subsets ``mnist_train_100.csv`` / ``mnist_test_10.csv``. A first line starting with
``label`` (the Kaggle files' header) is skipped. Lines may end in CRLF. A name ending in
``.gz`` (``mnist_train.csv.gz``) is read and written gzip-compressed.

Reading streams the file in blocks of whole lines (4 MB; through a streaming gzip
decoder for ``.gz``) and parses each block with one vectorised NumPy parse. Only when that
finds a problem does a line-by-line pass over the block run, to name the line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import FormatError
from .gzipfiles import (GZIP_MAGIC, LARGE_FILE_LEVEL, atomic_write_by_name,
                        gzip_errors, is_gzip_name, open_by_name)
from .validation import as_split

__all__ = ["read_csv", "write_csv"]

_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")
_ROWS_PER_CHUNK = 4096
#: Bytes read at a time (about 1,900 lines of MNIST): bounds the memory the parse needs.
_BLOCK_BYTES = 1 << 22

# Text of each byte value followed by a comma, as a (256, 4) byte table padded with
# zeros, the mask of its used bytes and its length: what the vectorised writer assembles.
_CELL_TEXT = np.zeros((256, 4), dtype=np.uint8)
for _value in range(256):
    _text = f"{_value},".encode("ascii")
    _CELL_TEXT[_value, : len(_text)] = np.frombuffer(_text, dtype=np.uint8)
_CELL_LENGTH = np.count_nonzero(_CELL_TEXT, axis=1)
_CELL_USED = np.arange(4) < _CELL_LENGTH[:, None]
del _value, _text


def _parse_text(lines: list[str], n_fields: int) -> np.ndarray | None:
    """All lines as an (n, n_fields) uint8 table, or None if any line is malformed.

    One vectorised NumPy parse; it takes what the line-by-line check of
    :func:`_line_error` accepts: spaces around fields, signs, CRLF ends.
    """
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
    return table.astype(np.uint8)


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


def _raise_first_error(path: Path, lines: list[str], first_lineno: int, n_fields: int) -> None:
    """Raise the error of the first bad line; `first_lineno` is the number of ``lines[0]``."""
    for index, line in enumerate(lines):
        line = line.rstrip("\r")
        try:  # a cheap check of the whole line first; the field-by-field one names the field
            values = np.fromstring(line, dtype=np.int64, sep=",")
            if (values.size == n_fields and line.count(",") == n_fields - 1
                    and 0 <= values[0] <= 9 and values.min() >= 0 and values.max() <= 255):
                continue
        except ValueError:
            pass
        error = _line_error(path, first_lineno + index, line, n_fields)
        if error is not None:
            raise error
    raise FormatError(f"{path}, lines {first_lineno}-{first_lineno + len(lines) - 1}: not valid "
                      "MNIST CSV (could not parse them)")


def _line_blocks(stream: BinaryIO) -> Iterator[bytes]:
    """The stream's bytes in blocks of whole lines, each ending in ``\n``.

    Blank lines at the end of a block are held back and put in front of the next one, so
    that blank lines at the end of the file (dropped) are told from blank lines between
    records (errors). A last line without ``\n`` gets one.
    """
    carry = b""
    while True:
        chunk = stream.read(_BLOCK_BYTES)
        if not chunk:
            break
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        if not cut:
            carry = data
            continue
        body, carry = data[:cut], data[cut:]
        records = body.rstrip()
        if not records:  # blank lines only: keep them until a record follows
            carry = body + carry
            continue
        cut = body.index(b"\n", len(records)) + 1
        body, carry = body[:cut], body[cut:] + carry
        yield body
    if carry.strip():
        yield carry if carry.endswith(b"\n") else carry + b"\n"


def _without_header(path: Path, block: bytes) -> tuple[bytes, int]:
    """The file's first block without its header line, and the header's line count (0/1)."""
    if block.startswith(GZIP_MAGIC) and not is_gzip_name(path):
        raise FormatError(f"{path}: holds gzip-compressed data; name it {path.name}.gz to "
                          "read it")
    end = block.index(b"\n") + 1
    if block[:end].lstrip().lower().startswith(b"label"):
        return block[end:], 1
    return block, 0


def read_csv(path: str | os.PathLike, image_shape: tuple[int, int] = (28, 28)
             ) -> tuple[np.ndarray, np.ndarray]:
    """Read images and labels from a CSV file of one image a line, label first.

    The file is read in blocks of lines, through a streaming gzip decoder when its name
    ends in ``.gz``: never whole in memory.

    Parameters
    ----------
    path : str or os.PathLike
        The file, e.g. ``mnist_train.csv``, ``mnist_train.csv.gz`` or the 100-line
        ``mnist_train_100.csv``.
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
        0-255; or bad or truncated gzip data (``.gz``), or gzip data in a file not named
        ``.gz``.
    OSError
        If the file cannot be read.
    """
    path = Path(path)
    height, width = image_shape
    n_fields = 1 + height * width
    tables = []
    lines_done = 0  # lines of the file before the current block

    def position():
        return f" after line {lines_done}"

    with open_by_name(path) as stream, gzip_errors(str(path), "CSV", position):
        for block in _line_blocks(stream):
            if not tables:
                block, lines_done = _without_header(path, block)
            lines = block.decode("latin-1").split("\n")[:-1]
            table = _parse_text(lines, n_fields)
            if table is None:
                _raise_first_error(path, lines, lines_done + 1, n_fields)
            tables.append(table)
            lines_done += block.count(b"\n")
    table = np.concatenate(tables) if tables else np.zeros((0, n_fields), dtype=np.uint8)
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
        The file to create or replace; its directory must exist. A name ending in
        ``.gz`` writes it gzip-compressed (level 6).
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
    with atomic_write_by_name(path, compresslevel=LARGE_FILE_LEVEL) as file:
        for start in range(0, len(table), _ROWS_PER_CHUNK):
            file.write(_format_rows(table[start : start + _ROWS_PER_CHUNK]))
