"""Weight storage in 2 MB-aligned memory that the kernel may back with huge pages.

The 784-200-10 weights (1.25 MB in float64) nearly fill a core's L2 cache. Where their
4 KB pages land decides how many L2 sets they contend for, and a process keeps that
placement for its life: the same code ran at about 23,000 samples/s in some processes
and 29,500 in others. One 2 MB huge page gives every process the same, contiguous
placement. Transparent huge pages are requested with ``madvise(MADV_HUGEPAGE)``, which
works when ``/sys/kernel/mm/transparent_hugepage/enabled`` says ``madvise`` or
``always``; elsewhere the memory is merely aligned.
"""

from __future__ import annotations

import mmap

import numpy as np

HUGE_PAGE = 2 * 1024 * 1024

#: Arrays smaller than this are allocated by NumPy as usual.
MIN_BYTES = 256 * 1024


def aligned_empty(shape, dtype) -> np.ndarray:
    """An uninitialised C-contiguous array, 2 MB-aligned and advised for huge pages.

    Small arrays (under MIN_BYTES) come from :func:`numpy.empty`.
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if nbytes < MIN_BYTES:
        return np.empty(shape, dtype=dtype)
    size = -(-nbytes // HUGE_PAGE) * HUGE_PAGE + HUGE_PAGE
    buffer = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS,
                       prot=mmap.PROT_READ | mmap.PROT_WRITE)
    raw = np.frombuffer(buffer, dtype=np.uint8)
    offset = -raw.ctypes.data % HUGE_PAGE
    if hasattr(mmap, "MADV_HUGEPAGE"):
        try:
            buffer.madvise(mmap.MADV_HUGEPAGE)
        except OSError:  # not supported here: aligned memory is still a fine place
            pass
    return raw[offset:offset + nbytes].view(dtype).reshape(shape)


CACHE_LINE = 64


def cache_aligned_zeros(shape, dtype) -> np.ndarray:
    """A zeroed C-contiguous array whose start is on a 64-byte cache line.

    Threads that write neighbouring slices of one buffer then share no cache line, as
    long as the slices start at multiples of 64 bytes.
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = np.zeros(nbytes + CACHE_LINE, dtype=np.uint8)
    offset = -raw.ctypes.data % CACHE_LINE
    return raw[offset:offset + nbytes].view(dtype).reshape(shape)


def aligned_copy(array, dtype=None) -> np.ndarray:
    """A C-contiguous copy of ``array`` (cast to ``dtype``) in :func:`aligned_empty` memory."""
    array = np.asarray(array)
    out = aligned_empty(array.shape, dtype or array.dtype)
    out[...] = array
    return out
