"""Numba settings for every fastnn kernel, in one place.

Every compiled kernel in fastnn is made by :func:`jit` below, so the choices here apply
to all of them. They are read when :mod:`fastnn.kernels` is first imported (which
``import fastnn`` does not do), so set the environment variables before that.

Settings
--------
CACHE : bool
    ``cache=True``: compiled machine code is written next to the sources
    (``__pycache__``) so that a second process loads it instead of compiling.
    ``FASTNN_NUMBA_CACHE=0`` turns it off. Numba's cache does not key its entries on
    the fastmath flags, so kernels compiled with FASTMATH are cached under names of
    their own (``weighted_sum.fastmath_contract_reassoc``, see :func:`jit`): an exact
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
    with (:func:`vector_width`). ``None`` (``FASTNN_VECTOR_WIDTH=auto``, the default)
    chooses at run time from the CPU: 512 where it has AVX-512, else LLVM's own choice
    for the CPU. LLVM itself keeps to 256-bit vectors on AVX-512 CPUs, for the clock
    speed that the first of them lost on wide instructions. But fastnn's fused
    per-sample loop does five floating-point operations per weight where the update
    alone does three, and with 512-bit vectors it keeps up with the memory instead of
    the arithmetic units (``benchmarks/results/bound.md`` has the figures). The width
    changes no result: no operation is reordered. ``FASTNN_VECTOR_WIDTH=256`` (or
    ``512``) forces a width; compiled code of a forced width is cached under names of
    its own, as under FASTMATH.
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
    if value in ("256", "512"):
        return int(value)
    raise ValueError(f"FASTNN_VECTOR_WIDTH must be auto, 256 or 512, got {value!r}")


FASTMATH: bool | set = _env_fastmath()
VECTOR_WIDTH: int | None = _env_vector_width()
CACHE: bool = bool(_env_flag("FASTNN_NUMBA_CACHE", True))
ERROR_MODEL: str = "numpy"
BOUNDSCHECK: bool | None = _env_flag("FASTNN_BOUNDSCHECK", None)
DISABLE_JIT: bool = bool(_env_flag("NUMBA_DISABLE_JIT", False))


def jit_options(parallel: bool = False, inline: bool = False, internal: bool = False) -> dict:
    """The keyword arguments that every fastnn kernel is compiled with (see :func:`jit`)."""
    options = {
        "cache": CACHE,
        "fastmath": FASTMATH,
        "error_model": ERROR_MODEL,
        "nogil": True,
        # The loops never allocate: without Numba's reference-counted memory manager
        # they carry no reference counting of array views, less code to compile.
        "_nrt": False,
    }
    if BOUNDSCHECK is not None:
        options["boundscheck"] = BOUNDSCHECK
    if parallel:
        options["parallel"] = True
    if inline:
        options["inline"] = "always"
    if internal:
        options["no_cpython_wrapper"] = True
        options["no_cfunc_wrapper"] = True
    return options


def vector_width() -> int | None:
    """The SIMD width in bits that the per-sample loops are compiled for (see VECTOR_WIDTH).

    VECTOR_WIDTH when it is set; otherwise 512 when this CPU has AVX-512 (LLVM's host
    CPU features), else None: LLVM's own choice for the CPU.
    """
    if VECTOR_WIDTH is not None:
        return VECTOR_WIDTH
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


def jit(function=None, *, parallel: bool = False, inline: bool = False, internal: bool = False):
    """Compile ``function`` lazily with :func:`numba.njit` and fastnn's settings.

    Nothing is compiled here: Numba compiles on the first call, for the argument types
    of that call. The uncompiled function stays reachable as ``.py_func``; with
    ``NUMBA_DISABLE_JIT=1`` the function itself is returned. Under FASTMATH, or a
    forced VECTOR_WIDTH, the compiled function is a copy of ``function`` whose qualified
    name carries the setting, because Numba names its cache files after it. ``inline=True`` has Numba inline the
    function into its callers (for a short inner loop whose call would cost more than
    its work).

    ``internal=True`` is for a function that only compiled code calls: Numba then
    builds it without the wrappers that let Python (``no_cpython_wrapper``) and C
    (``no_cfunc_wrapper``) call it, code that every compilation of it would otherwise
    generate, optimise and cache for nothing. Calling such a function from Python is
    refused with a TypeError (its ``py_func`` stays callable).

    Two more changes apply to every compiled function: a constant argument of a
    compiled caller is typed as its plain type, so that each function compiles once per
    type and not once more per literal constant (see :func:`_dispatcher_class`); and
    cache writes are serialised between processes (see :func:`_locked_cache_class`).
    """
    import numba

    def decorate(func):
        if (FASTMATH or VECTOR_WIDTH) and CACHE:
            func = _named_for_settings(func)
        dispatcher = numba.njit(**jit_options(parallel, inline, internal))(func)
        if not DISABLE_JIT:
            dispatcher.__class__ = _dispatcher_class(type(dispatcher), internal)
            if CACHE:
                dispatcher._cache.__class__ = _locked_cache_class(type(dispatcher._cache))
        return dispatcher

    if function is None:
        return decorate
    return decorate(function)


_DISPATCHER_CLASSES: dict = {}


def _dispatcher_class(base, internal: bool):
    """Numba's dispatcher class ``base``, with fastnn's two changes.

    * A compiled caller's constant argument (a literal ``0``, typed
      ``Literal[int](0)``) is typed as its plain type (``int64``): the callee then
      compiles once for every call site instead of once more per constant, and the
      cache holds one entry for both.
    * ``internal``: Python calls are refused. Without its CPython wrapper a compiled
      function has no entry point for Python, and Numba would call a null pointer;
      compiled callers never go through ``__call__``.
    """
    key = (base, internal)
    if key not in _DISPATCHER_CLASSES:
        from numba.core import types

        def get_call_template(self, args, kws):
            return base.get_call_template(
                self, tuple(types.unliteral(a) for a in args),
                {name: types.unliteral(t) for name, t in kws.items()})

        namespace = {"get_call_template": get_call_template}
        if internal:
            def __call__(self, *args, **kwargs):
                raise TypeError(
                    f"{self.py_func.__qualname__} is compiled for fastnn's compiled loops "
                    "only (no CPython wrapper); call it from a jitted function, or call its "
                    ".py_func to run it uncompiled"
                )

            namespace["__call__"] = __call__
        name = f"{'Internal' if internal else 'Fastnn'}{base.__name__}"
        _DISPATCHER_CLASSES[key] = type(name, (base,), namespace)
    return _DISPATCHER_CLASSES[key]


_CACHE_CLASSES: dict = {}


def _locked_cache_class(base):
    """Numba's on-disk cache class ``base``, whose writes hold a lock between processes.

    Numba keeps one index file per function, listing its compiled types, and updates it
    by reading, adding and rewriting it, with no lock. Two processes that save types of
    one function at once (``fastnn compile`` runs several) could then both pick the same
    data file, and the index would point a type at another type's machine code. Here
    each save holds an exclusive ``fcntl`` lock on ``.fastnn.lock`` in the cache
    directory, so the index is read and rewritten by one process at a time. Loading
    needs no lock: Numba replaces files atomically. (Without ``fcntl``, on Windows,
    saves are not locked.)
    """
    if base not in _CACHE_CLASSES:
        def save_overload(self, sig, data):
            try:
                import fcntl
            except ImportError:  # pragma: no cover - Windows
                return base.save_overload(self, sig, data)
            os.makedirs(self._cache_path, exist_ok=True)
            with open(os.path.join(self._cache_path, ".fastnn.lock"), "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    return base.save_overload(self, sig, data)
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)

        _CACHE_CLASSES[base] = type(f"Locked{base.__name__}", (base,),
                                    {"save_overload": save_overload})
    return _CACHE_CLASSES[base]


def _named_for_settings(func):
    """A copy of ``func`` named ``<qualname>.fastmath_<flags>`` (and, or
    ``.vector_width_<bits>``), for its own cache files."""
    import types

    copy = types.FunctionType(func.__code__, func.__globals__, func.__name__,
                              func.__defaults__, func.__closure__)
    functools.update_wrapper(copy, func)
    del copy.__wrapped__
    name = func.__qualname__
    if FASTMATH:
        name += f".fastmath_{'_'.join(sorted(FASTMATH))}"
    if VECTOR_WIDTH:
        name += f".vector_width_{VECTOR_WIDTH}"
    copy.__qualname__ = name
    return copy


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
