"""The IDX format of the MNIST files: reading, writing, and the hash of the decoded bytes.

An IDX file is a big-endian header followed by the raw values in C order:

* magic number, 4 bytes: ``0x00``, ``0x00``, a data-type code (0x08 uint8, 0x09 int8,
  0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64) and the number of dimensions;
* each dimension's size as an unsigned 32-bit integer;
* the values, big-endian for the multi-byte types.

MNIST's images are ``0x00000803`` (uint8, 3 dimensions: count, rows, columns) and its
labels ``0x00000801`` (uint8, 1 dimension). A file whose name ends in ``.gz`` is read and
written gzip-compressed.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import FormatError
from .gzipfiles import GZIP_MAGIC, atomic_write_by_name, gzip_errors, is_gzip_name

__all__ = ["read_idx", "write_idx", "decode_idx", "idx_header", "idx_content_sha256", "IDX_DTYPES"]

#: IDX data-type code -> NumPy dtype of the stored (big-endian) values.
IDX_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dtype.newbyteorder("="): code for code, dtype in IDX_DTYPES.items()}
#: Upper bound of deflate's compression ratio, to reject absurd sizes before allocating.
_MAX_DEFLATE_RATIO = 1032


def _type_list() -> str:
    return ", ".join(f"0x{code:02X} {dtype.name}" for code, dtype in IDX_DTYPES.items())


def idx_header(shape: tuple[int, ...], dtype) -> bytes:
    """The IDX header (magic number and sizes) for an array of `shape` and `dtype`.

    Raises
    ------
    ValueError
        If IDX cannot store the dtype, or `shape` has no dimension, more than 255, or a
        size of 2**32 or more.
    """
    dtype = np.dtype(dtype)
    code = _CODES.get(dtype.newbyteorder("="))
    if code is None:
        raise ValueError(f"IDX cannot store dtype {dtype}; it stores {_type_list()}")
    if not 1 <= len(shape) <= 255:
        raise ValueError(f"IDX stores 1 to 255 dimensions; got shape {shape}")
    if any(not 0 <= size < 2**32 for size in shape):
        raise ValueError(f"IDX dimension sizes must be 0 to 2**32 - 1; got shape {shape}")
    return struct.pack(f">BBBB{len(shape)}I", 0, 0, code, len(shape), *shape)


def idx_content_sha256(array: np.ndarray) -> str:
    """SHA-256 (hex) of the uncompressed IDX bytes that encode `array`.

    This is the hash of a canonical file's decompressed content, so it verifies data
    whatever its container (repacked gzip, uncompressed IDX, NPZ, CSV).
    """
    array = np.asarray(array)
    digest = hashlib.sha256(idx_header(array.shape, array.dtype))
    stored = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder(">"))
    digest.update(stored.reshape(-1).view(np.uint8))
    return digest.hexdigest()


def _read_up_to(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    return data if data is not None else b""


def _readinto_full(stream: BinaryIO, buffer: memoryview) -> int:
    """Fill `buffer` from `stream` until full or end of stream; return the bytes read."""
    filled = 0
    while filled < len(buffer):
        count = stream.readinto(buffer[filled:])
        if not count:
            break
        filled += count
    return filled


def _decode(stream: BinaryIO, source: str, size: int | None, compressed: bool) -> np.ndarray:
    """Decode from `stream` (of `size` bytes, if known, before decompression)."""
    magic = _read_up_to(stream, 4)
    if len(magic) < 4:
        raise FormatError(
            f"{source}: {len(magic)} bytes, too short for an IDX file (the header alone is at "
            "least 8 bytes); the file is truncated or empty: delete it and get it again"
        )
    zero, zero2, code, ndim = magic
    if zero or zero2 or code not in IDX_DTYPES or ndim == 0:
        value = int.from_bytes(magic, "big")
        hint = ""
        if magic.startswith(GZIP_MAGIC):
            hint = " The bytes are gzip-compressed: give the file a name ending in .gz."
        raise FormatError(
            f"{source}: wrong IDX magic number 0x{value:08X}. An IDX file starts with 0x0000, "
            f"a data-type byte ({_type_list()}) and the number of dimensions: MNIST images "
            f"are 0x00000803, labels 0x00000801.{hint}"
        )
    sizes = _read_up_to(stream, 4 * ndim)
    if len(sizes) < 4 * ndim:
        raise FormatError(
            f"{source}: truncated IDX header: magic 0x{int.from_bytes(magic, 'big'):08X} "
            f"announces {ndim} dimension sizes ({4 * ndim} bytes) but only {len(sizes)} "
            "bytes follow; delete the file and get it again"
        )
    shape = struct.unpack(f">{ndim}I", sizes)
    dtype = IDX_DTYPES[code]
    expected = int(np.prod(shape, dtype=object)) * dtype.itemsize
    announced = f"the header announces shape {shape} of {dtype.name}, {expected} data bytes"
    if size is not None and not compressed and expected > size - 4 - 4 * ndim:
        raise FormatError(
            f"{source}: truncated: {announced}, but the file holds only "
            f"{size - 4 - 4 * ndim}; delete it and get it again"
        )
    if size is not None and compressed and expected > size * _MAX_DEFLATE_RATIO:
        raise FormatError(
            f"{source}: {announced}, more than {size} bytes of gzip data can hold; the file "
            "is truncated or corrupt: delete it and get it again"
        )
    array = np.empty(shape, dtype=dtype)
    got = _readinto_full(stream, memoryview(array.reshape(-1).view(np.uint8)))
    if got < expected:
        raise FormatError(
            f"{source}: truncated: {announced}, but the file holds only {got}; delete it and "
            "get it again"
        )
    extra = len(stream.read())
    if extra:
        raise FormatError(
            f"{source}: {extra} unexpected bytes after the {expected} data bytes that the "
            f"header announces (shape {shape}); the file is corrupt: delete it and get it again"
        )
    return array if dtype.isnative else array.astype(dtype.newbyteorder("="))


def decode_idx(stream: BinaryIO, source: str, compressed: bool = False,
               size: int | None = None) -> np.ndarray:
    """Decode one IDX file from an open binary stream.

    Parameters
    ----------
    stream : BinaryIO
        Positioned at the start of the file.
    source : str
        Name of the file, for error messages.
    compressed : bool, default False
        Whether the stream holds gzip-compressed bytes.
    size : int, optional
        Number of bytes in the stream (compressed bytes if `compressed`). When given, a
        header announcing more data than that can hold is reported before allocating.

    Returns
    -------
    numpy.ndarray
        Shape from the header, native-endian dtype from the data-type code; writable.

    Raises
    ------
    FormatError
        Bad gzip data, wrong magic number, or a length disagreeing with the header
        (truncated file or trailing bytes).
    """
    if not compressed:
        return _decode(stream, source, size, compressed=False)
    with gzip_errors(source, "IDX"), gzip.GzipFile(fileobj=stream, mode="rb") as unzipped:
        return _decode(unzipped, source, size, compressed=True)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file, gzip-compressed when its name ends in ``.gz``.

    Parameters
    ----------
    path : str or os.PathLike
        The file.

    Returns
    -------
    numpy.ndarray
        Shape from the header (e.g. (60000, 28, 28) uint8 for MNIST training images),
        native-endian dtype from the data-type code; writable.

    Raises
    ------
    FormatError
        Bad gzip data, wrong magic number, truncated file or trailing bytes.
    OSError
        If the file cannot be opened.
    """
    path = Path(path)
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        return decode_idx(file, str(path), compressed=is_gzip_name(path), size=size)


def write_idx(path: str | os.PathLike, array) -> None:
    """Write `array` as an IDX file, gzip-compressed when `path` ends in ``.gz``; atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The file to create or replace; its directory must exist.
    array : array_like
        Any shape with 1 to 255 dimensions; dtype uint8, int8, int16, int32, float32 or
        float64 (stored big-endian). ``read_idx`` gives it back exactly.

    Raises
    ------
    ValueError
        If IDX cannot store the dtype or shape; nothing is written then.
    """
    path = Path(path)
    array = np.asarray(array)
    header = idx_header(array.shape, array.dtype)
    stored = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder(">"))
    data = memoryview(stored.reshape(-1).view(np.uint8))
    with atomic_write_by_name(path) as file:
        file.write(header)
        file.write(data)
