"""The decorator that compiles every fastnn loop, with the settings of :mod:`fastnn.config`.

:func:`jit` wraps :func:`numba.njit`. Nothing compiles when a module is imported: Numba
compiles a loop on its first call, for the argument types of that call, and with
``cache=True`` later processes load the machine code from disk. Three things are added
to Numba's own behaviour, each explained where it is made:

* a constant argument of a compiled caller is typed as its plain type
  (:func:`_dispatcher_class`);
* a loop that only compiled code calls refuses Python calls (``internal=True``);
* the on-disk cache is fastnn's own choice of place, which works in an installation the
  user cannot write to, and its writes hold a lock between processes (:mod:`fastnn.cache`).
"""

from __future__ import annotations

import functools

from fastnn import config

__all__ = ["jit"]


def jit(function=None, *, inline: bool = False, internal: bool = False):
    """Compile ``function`` lazily with :func:`numba.njit` and fastnn's settings.

    Nothing is compiled here: Numba compiles on the first call, for the argument types
    of that call. The uncompiled function stays reachable as ``.py_func``; with
    ``NUMBA_DISABLE_JIT=1`` the function itself is returned. Under FASTMATH, or a
    forced VECTOR_WIDTH, the compiled function is a copy of ``function`` whose qualified
    name carries the setting, because Numba names its cache files after it.

    Parameters
    ----------
    function : callable, optional
        The loop; without it, ``jit(...)`` returns the decorator.
    inline : bool
        Numba inlines the function into its callers (for a short inner loop whose call
        would cost more than its work).
    internal : bool
        For a function that only compiled code calls: Numba then builds it without the
        wrappers that let Python (``no_cpython_wrapper``) and C (``no_cfunc_wrapper``)
        call it, code that every compilation of it would otherwise generate, optimise
        and cache for nothing. Calling such a function from Python is refused with a
        TypeError (its ``py_func`` stays callable).
    """
    import numba

    def decorate(func):
        if (config.FASTMATH or config.VECTOR_WIDTH is not None) and config.CACHE:
            func = _named_for_settings(func)
        dispatcher = numba.njit(**config.jit_options(inline, internal))(func)
        if not config.DISABLE_JIT:
            dispatcher.__class__ = _dispatcher_class(type(dispatcher), internal)
            if config.CACHE:
                from fastnn.cache import FastnnCache

                cache = FastnnCache(func)
                if cache is not None:  # else nowhere to read or write: compile every run
                    dispatcher._cache = cache
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


def _named_for_settings(func):
    """A copy of ``func`` named ``<qualname>.fastmath_<flags>`` (and, or
    ``.vector_width_<setting>``), for its own cache files."""
    import types

    copy = types.FunctionType(func.__code__, func.__globals__, func.__name__,
                              func.__defaults__, func.__closure__)
    functools.update_wrapper(copy, func)
    del copy.__wrapped__
    name = func.__qualname__
    if config.FASTMATH:
        name += f".fastmath_{'_'.join(sorted(config.FASTMATH))}"
    if config.VECTOR_WIDTH is not None:
        name += f".vector_width_{config.VECTOR_WIDTH or 'llvm'}"
    copy.__qualname__ = name
    return copy
