"""The loops as plain Python: :func:`plain` gives a module's functions uncompiled.

Every loop is compiled by :func:`fastnn.jit.jit`, which keeps the Python function as
``.py_func``. But a ``py_func`` still calls the *compiled* loops it names. :func:`plain`
rebuilds every function of fastnn's loop modules with globals in which each loop it
calls is the plain version too, so that nothing reached from it runs compiled code. The
compiled-only parts have plain twins: the vector-width hint does nothing, and the threads'
atomics are ordinary reads and writes (plain Python runs one thread).
"""

from __future__ import annotations

import functools
import importlib
import types

__all__ = ["plain", "LOOP_MODULES"]

#: The modules that hold fastnn's loops.
LOOP_MODULES = (
    "fastnn.kernels.tutorial",
    "fastnn.kernels.fast.input_major",
    "fastnn.kernels.fast.four_rows",
    "fastnn.kernels.fast.zero_inputs",
    "fastnn.kernels.fast.fused_update",
    "fastnn.kernels.fast.vector_width",
    "fastnn.kernels.fast.threads",
    "fastnn.kernels.fast.batch_blocks",
    "fastnn.kernels.steps",
    "fastnn.kernels.per_sample",
    "fastnn.kernels.mini_batch",
)


def plain(module) -> types.SimpleNamespace:
    """The names of ``module`` (one of :data:`LOOP_MODULES`), its loops uncompiled."""
    return _plain_namespaces()[module.__name__]


@functools.lru_cache(maxsize=None)
def _plain_namespaces() -> dict:
    from fastnn.kernels.fast import threads, vector_width

    modules = [importlib.import_module(name) for name in LOOP_MODULES]
    scopes = {module.__name__: dict(vars(module)) for module in modules}
    twins = {}
    for module in modules:
        scope = scopes[module.__name__]
        for value in vars(module).values():
            function = getattr(value, "py_func", value)
            if (isinstance(function, types.FunctionType)
                    and function.__module__ == module.__name__):
                twin = types.FunctionType(function.__code__, scope, function.__name__,
                                          function.__defaults__, function.__closure__)
                twin.__doc__ = function.__doc__
                twins[id(value)] = twin
    # what is compiled-only (or differs) has a plain twin of its own
    twins.update({id(vector_width.vector_width_hint): vector_width.plain_vector_width_hint,
                  id(threads.atomic_load): threads._plain_atomic_load,
                  id(threads.atomic_increment): threads._plain_atomic_increment})
    for scope in scopes.values():
        for name, value in scope.items():
            if id(value) in twins:
                scope[name] = twins[id(value)]
    return {name: types.SimpleNamespace(**scope) for name, scope in scopes.items()}
