"""Numba settings for every fastnn kernel, in one place.

Every compiled loop in fastnn is made by :func:`fastnn.jit.jit`, which applies the
choices here to all of them. They are read when :mod:`fastnn.kernels` is first imported (which
``import fastnn`` does not do), so set the environment variables before that.

Settings
--------
CACHE : bool
    Compiled machine code is kept on disk, so that a second process loads it instead
    of compiling: beside the sources (``__pycache__``), in ``NUMBA_CACHE_DIR``, or, where
    neither can be written, in a per-user directory (:mod:`fastnn.cache` chooses).
    ``FASTNN_NUMBA_CACHE=0`` turns it off. Numba's cache does not key its entries on
    the fastmath flags, so kernels compiled with FASTMATH are cached under names of
    their own (``weighted_sum.fastmath_contract_reassoc``, see :func:`fastnn.jit.jit`): an exact
    run never loads fastmath code, nor the other way round.
FASTMATH : bool or set of str
    ``False`` by default. fastnn's loops are written so that they vectorise without
    reassociation: the weights are stored input-major (``W.T``), which makes the hot
    loops ``y[:] += x[i] * row[:]`` over contiguous memory, and the reductions that
    remain are short. Without fastmath, the compiled kernels do exactly the IEEE
    operations of the plain-Python loops in the same order, so the Numba backend
    reproduces the plain-Python reference bit for bit in float64. Set
    ``FASTNN_FASTMATH`` to a comma-separated list of LLVM flags (for example
    ``contract,reassoc``) to trade that for speed; ``nnan`` and ``ninf`` are refused,
    because fastnn relies on NaN and inf to detect a diverging run. With ``reassoc``
    the dot products (``weighted_sum``, ``vector_matrix_multiply``) are summed in
    vector lanes, and ``contract`` fuses multiply-adds: results then differ from the
    plain-Python loops by rounding (the kernel tests' tolerance still holds), and
    runs are repeatable on one machine but no longer bitwise equal to the reference.
NRT : off
    Numba's memory manager is off (``_nrt=False``): the loops write into buffers they
    are given and never allocate, so views of those arrays need no reference counts,
    and a loop that allocated would fail to compile instead of slowing down.
ERROR_MODEL : str
    ``"numpy"``: a division by zero gives inf or NaN, as NumPy does, instead of raising
    ``ZeroDivisionError``; this keeps the checks out of the hot loops.
BOUNDSCHECK : bool or None
    ``FASTNN_BOUNDSCHECK=1`` compiles every kernel with index checks, for debugging.
    ``None`` (the default) defers to Numba's own ``NUMBA_BOUNDSCHECK``.
VECTOR_WIDTH : int or None
    The SIMD width, in bits, that the per-sample training loops ask LLVM to vectorise
    with (:func:`vector_width`; :mod:`fastnn.kernels.fast.vector_width` says why).
    ``None`` (``FASTNN_VECTOR_WIDTH=auto``, the default) chooses at run time from the
    CPU: 512 where it has AVX-512, else LLVM's own choice for the CPU. The width changes
    no result: no operation is reordered. ``FASTNN_VECTOR_WIDTH=256`` (or ``512``) forces
    a width, and ``llvm`` (stored as 0) always leaves it to LLVM; compiled code of such a
    setting is cached under names of its own, as under FASTMATH.
DISABLE_JIT : bool
    True when ``NUMBA_DISABLE_JIT=1`` is set: every kernel then runs as the plain
    Python it is written in, which is how the loop code itself is covered by tests.

Threads go through :func:`threads`, a context manager that restores the previous
count.
"""

from __future__ import annotations

import contextlib
import functools
import os

__all__ = [
    "CACHE",
    "FASTMATH",
    "ERROR_MODEL",
    "BOUNDSCHECK",
    "VECTOR_WIDTH",
    "DISABLE_JIT",
    "jit",
    "jit_options",
    "vector_width",
    "vector_width_description",
    "threads",
    "get_threads",
]

_FORBIDDEN_FASTMATH = {"nnan", "ninf", "fast"}


def _env_flag(name: str, default: bool | None) -> bool | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be 0 or 1, got {value!r}")


def _env_fastmath() -> bool | set:
    value = os.environ.get("FASTNN_FASTMATH", "").strip()
    if value in ("", "0", "false", "off"):
        return False
    flags = {flag.strip() for flag in value.split(",") if flag.strip()}
    bad = flags & _FORBIDDEN_FASTMATH
    if bad:
        raise ValueError(
            f"FASTNN_FASTMATH may not contain {sorted(bad)}: fastnn needs NaN and inf to "
            "detect a diverging run; use flags such as 'contract,reassoc,arcp,nsz,afn'"
        )
    return flags


def _env_vector_width() -> int | None:
    value = os.environ.get("FASTNN_VECTOR_WIDTH", "").strip().lower()
    if value in ("", "auto"):
        return None
    if value == "llvm":
        return 0
    if value in ("256", "512"):
        return int(value)
    raise ValueError(f"FASTNN_VECTOR_WIDTH must be auto, llvm, 256 or 512, got {value!r}")


FASTMATH: bool | set = _env_fastmath()
VECTOR_WIDTH: int | None = _env_vector_width()
CACHE: bool = bool(_env_flag("FASTNN_NUMBA_CACHE", True))
ERROR_MODEL: str = "numpy"
BOUNDSCHECK: bool | None = _env_flag("FASTNN_BOUNDSCHECK", None)
DISABLE_JIT: bool = bool(_env_flag("NUMBA_DISABLE_JIT", False))


def jit_options(inline: bool = False, internal: bool = False) -> dict:
    """The keyword arguments of :func:`numba.njit` for every fastnn loop (see
    :func:`fastnn.jit.jit`, which applies them). Caching is not among them: when CACHE is
    on, :mod:`fastnn.cache` gives each loop its cache, in a place it chooses."""
    options = {
        "fastmath": FASTMATH,
        "error_model": ERROR_MODEL,
        "nogil": True,
        # The loops never allocate: without Numba's reference-counted memory manager
        # they carry no reference counting of array views, less code to compile.
        "_nrt": False,
    }
    if BOUNDSCHECK is not None:
        options["boundscheck"] = BOUNDSCHECK
    if inline:
        options["inline"] = "always"
    if internal:
        options["no_cpython_wrapper"] = True
        options["no_cfunc_wrapper"] = True
    return options


def vector_width() -> int | None:
    """The SIMD width in bits that the per-sample loops are compiled for (see VECTOR_WIDTH).

    VECTOR_WIDTH when it forces a width; None when it is ``llvm``; otherwise 512 when
    this CPU has AVX-512 (LLVM's host CPU features), else None: LLVM's own choice.
    """
    if VECTOR_WIDTH is not None:
        return VECTOR_WIDTH or None
    return _host_vector_width()


def vector_width_description() -> str:
    """``'512-bit vectors'``, or ``"LLVM's vector width for the CPU"`` (for reports)."""
    width = vector_width()
    return f"{width}-bit vectors" if width else "LLVM's vector width for the CPU"


@functools.lru_cache(maxsize=None)
def _host_vector_width() -> int | None:
    """512 when LLVM's host CPU features include AVX-512F (read once per process)."""
    import llvmlite.binding as llvm

    return 512 if llvm.get_host_cpu_features().get("avx512f", False) else None


def get_threads() -> int:
    """The number of threads Numba's parallel kernels use now."""
    import numba

    return numba.get_num_threads()


@contextlib.contextmanager
def threads(n: int | None):
    """Run the body with ``n`` Numba threads, then restore the previous count.

    Parameters
    ----------
    n : int or None
        Threads to use, from 1 to ``numba.config.NUMBA_NUM_THREADS`` (the cores Numba
        started with). ``None`` leaves the count as it is.
    """
    if n is None:
        yield
        return
    import numba

    limit = numba.config.NUMBA_NUM_THREADS
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= limit:
        raise ValueError(f"threads must be an integer from 1 to {limit}, got {n!r}")
    previous = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def __getattr__(name: str):
    """``config.jit`` is :func:`fastnn.jit.jit` (the decorator lives in its own module)."""
    if name == "jit":
        from fastnn.jit import jit

        return jit
    raise AttributeError(f"module 'fastnn.config' has no attribute {name!r}")
