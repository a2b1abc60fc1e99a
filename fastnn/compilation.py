"""Fill Numba's on-disk cache ahead of time, and tell whether a run will compile.

fastnn's compiled loops are compiled by Numba on their first call for the argument types
of that call, and cached on disk (``cache=True``, see :mod:`fastnn.config`): the first run
on a machine compiles for many seconds, every later process loads the machine code in a
fraction of a second. :func:`compile` (``fastnn compile``) pays that first cost ahead of
time, for every recipe; :func:`needs_compiling` tells, without compiling, whether a
network's training or prediction is in the cache yet.

What a recipe needs, per dtype, is three compiled loops (per-sample training, mini-batch
training, prediction), each for uint8 pixels and for float inputs. Their types depend on
the dtype and the number of layers only, so recipes of the same depth share them, and
the functions the loops call are shared more widely. The work goes out in groups, one
per dtype (and per depth when there are enough processes), a process per group, so no
function is compiled twice for one type. Processes save to the cache under a lock (see
:func:`fastnn.config.jit`). Recipes are compiled with their default layer sizes and one
thread; ``threads=2`` and other depths compile on their first run.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

__all__ = ["compile", "needs_compiling", "cache_location", "CompileResult", "DTYPES"]

DTYPES = ("float64", "float32")

#: How long a first run compiles, for the line ``fastnn train`` prints before it does.
FIRST_COMPILE = "about 5-15 s"

#: Batch size used to reach the mini-batch training loop (any size above 1 does).
_MINI_BATCH = 2


@dataclass
class CompileResult:
    """What :func:`compile` did for one recipe in one dtype.

    Attributes
    ----------
    recipe, dtype : str
    seconds : float
        Time spent compiling or loading this recipe's loops.
    compiled : int
        Loops compiled (Numba's cache did not have them).
    loaded : int
        Loops loaded from Numba's cache.
    in_memory : int
        Loops another recipe of the same group had already compiled or loaded.
    functions : int
        Functions Numba compiled in all (the loops and every function they call).
    process : int
        Id of the process that did the work.
    """

    recipe: str
    dtype: str
    seconds: float
    compiled: int
    loaded: int
    in_memory: int
    functions: int
    process: int

    def describe(self) -> str:
        parts = []
        if self.compiled:
            parts.append(f"compiled {self.compiled} loop(s) ({self.functions} functions)")
        if self.loaded:
            parts.append(f"loaded {self.loaded} from the cache")
        if self.in_memory:
            parts.append(f"{self.in_memory} shared with a recipe above")
        return (f"{self.recipe:<9} {self.dtype}: {', '.join(parts)} in {self.seconds:.2f} s "
                f"(process {self.process})")


def _check_names(values, allowed, what, option):
    if values is None:
        return list(allowed)
    if isinstance(values, str):
        values = [values]
    values = list(values)
    for value in values:
        if value not in allowed:
            raise ValueError(f"{what} must be one of {', '.join(map(repr, allowed))}, got "
                             f"{value!r} ({option})")
    if not values:
        raise ValueError(f"{option} is empty: name at least one {what}, or leave it out for all")
    return list(dict.fromkeys(values))


def _counts(kernel):
    """Numba's (cache hits, cache misses) of one compiled function, over all its types."""
    return sum(kernel.stats.cache_hits.values()), sum(kernel.stats.cache_misses.values())


def _functions_compiled():
    """Numba's cache misses (functions compiled) over all of fastnn's loops."""
    return sum(_counts(f)[1] for f in loop_functions())


def loop_functions():
    """Every compiled loop of :data:`fastnn.kernels.plain.LOOP_MODULES`, once each."""
    import importlib

    from fastnn.kernels.plain import LOOP_MODULES

    found = {}
    for name in LOOP_MODULES:
        for value in vars(importlib.import_module(name)).values():
            if hasattr(value, "stats"):
                found[id(value)] = value
    return list(found.values())


def _sample_data():
    """Two uint8 images and their labels: the input types (floats are made from them)."""
    import numpy as np

    images = np.random.default_rng(0).integers(0, 256, (2, 28, 28), dtype=np.uint8)
    return images, np.arange(2)


def _networks(recipe: str, dtype: str):
    """The networks whose training reaches each training loop of ``recipe``."""
    from fastnn import recipes

    nets = [recipes.make(recipe, dtype=dtype, backend="numba", batch_size=_MINI_BATCH)]
    per_sample = recipes.make(recipe, dtype=dtype, backend="numba", batch_size=1)
    if per_sample._state.per_sample:  # not RMSprop, which always takes mini-batches
        nets.insert(0, per_sample)
    return nets


def _compile_recipe(recipe: str, dtype: str) -> CompileResult:
    """Compile (or load) every loop ``recipe`` needs in ``dtype``, in this process."""
    images, labels = _sample_data()
    start = time.perf_counter()
    functions = _functions_compiled()
    calls = []  # (network, inputs, targets, labels); targets None for prediction
    for net in _networks(recipe, dtype):
        for x in (images, images.astype(dtype) / 255):
            X, T, y = net._prepare_xy(x, labels)
            calls.append((net, X, T, y))
            calls.append((net, X, None, None))  # per sample or by blocks, as it trains
    compiled = loaded = in_memory = 0
    for net, X, T, y in calls:
        kernel, _ = net._engine.kernel_call(net._state, X, T, y)
        before = _counts(kernel)
        net._engine.compile(net._state, X, T, y)
        hits, misses = (after - earlier for after, earlier in zip(_counts(kernel), before))
        compiled += misses > 0
        loaded += hits > 0 and not misses
        in_memory += not hits and not misses
    return CompileResult(recipe, dtype, time.perf_counter() - start, compiled, loaded,
                         in_memory, _functions_compiled() - functions, os.getpid())


def _compile_group(group):
    """:func:`_compile_recipe` for each (recipe, dtype) of ``group``, in order."""
    return [_compile_recipe(recipe, dtype) for recipe, dtype in group]


def _groups(recipes, dtypes, workers):
    """The (recipe, dtype) pairs as groups of work, one process each, largest first.

    A group is one dtype: its recipes share their compiled functions (the loops and
    their callees, typed by the dtype), which a process then compiles once. With more
    processes than dtypes, each dtype splits further by the networks' depth (recipes of
    one depth share their loops; of two depths, only the small callees).
    """
    from fastnn.recipes import make

    by_depth = workers > len(dtypes)
    groups: dict = {}
    for dtype in dtypes:
        for recipe in recipes:
            key = (dtype, len(make(recipe).sizes) if by_depth else 0)
            groups.setdefault(key, []).append((recipe, dtype))
    return sorted(groups.values(), key=len, reverse=True)


def compile(recipes=None, dtypes=None, *, processes=None, verbose=True):
    """Compile fastnn's loops for ``recipes`` and ``dtypes`` into Numba's on-disk cache.

    Afterwards, a new process trains and predicts with these recipes without compiling:
    it loads the machine code from the cache. What is in the cache already is loaded,
    not compiled again, so a second call is quick and says so.

    Parameters
    ----------
    recipes : list of str, optional
        Recipe names (``fastnn.recipes.RECIPES``); all of them by default.
    dtypes : list of str, optional
        'float64' and/or 'float32'; both by default.
    processes : int, optional
        Processes that compile at once (Numba compiles under one lock per process).
        ``None``: one per CPU it may run on (:func:`fastnn.machine.usable_cpus`, as a
        sweep's pool), never more than there are groups of work. ``1``: in this
        process, which then has the loops loaded (a sweep worker's warm-up before its
        first run).
    verbose : bool
        Print a line per recipe and dtype, and a summary.

    Returns
    -------
    list of CompileResult
        One per recipe and dtype, in the order done.

    Raises
    ------
    ValueError
        For an unknown recipe or dtype, a bad ``processes``, or when Numba's JIT or
        fastnn's use of its cache is switched off.
    """
    from fastnn import config
    from fastnn.machine import usable_cpus
    from fastnn.recipes import RECIPES

    recipes = _check_names(recipes, tuple(RECIPES), "recipe", "recipes")
    dtypes = _check_names(dtypes, DTYPES, "dtype", "dtypes")
    if processes is not None and (isinstance(processes, bool) or not isinstance(processes, int)
                                  or processes < 1):
        raise ValueError(f"processes must be None or an integer >= 1, got {processes!r}")
    if config.DISABLE_JIT:
        raise ValueError("NUMBA_DISABLE_JIT=1 is set: there is nothing to compile; unset it")
    from fastnn.cache import cache_plan

    if config.CACHE and cache_plan().writable is None:
        raise ValueError("there is no writable place for Numba's cache (see the line above), "
                         "so compiling ahead of time would keep nothing; set NUMBA_CACHE_DIR "
                         "to a writable directory, or use fastnn compile --cache-dir DIR")
    if not config.CACHE:
        raise ValueError("FASTNN_NUMBA_CACHE=0 turns Numba's cache off, so compiling ahead "
                         "of time would keep nothing; unset it")
    workers = processes or usable_cpus()
    groups = _groups(recipes, dtypes, workers)
    workers = min(workers, len(groups))
    say = print if verbose else (lambda *args, **kwargs: None)
    say(f"fastnn compile: {len(recipes)} recipe(s) x {len(dtypes)} dtype(s) in "
        f"{len(groups)} group(s), on {workers} process(es)", flush=True)
    start = time.perf_counter()
    results = []
    if workers == 1:
        for group in groups:
            for recipe, dtype in group:
                results.append(_compile_recipe(recipe, dtype))
                say(f"  {results[-1].describe()}", flush=True)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        context = multiprocessing.get_context("spawn")  # no Numba state copied by fork
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(_compile_group, group) for group in groups]
            for future in as_completed(futures):
                for result in future.result():
                    results.append(result)
                    say(f"  {result.describe()}", flush=True)
    seconds = time.perf_counter() - start
    compiled = sum(r.compiled for r in results)
    loaded = sum(r.loaded for r in results)
    if compiled:
        summary = f"compiled {compiled} loop(s), loaded {loaded} from the cache"
    else:
        summary = f"everything was in the cache already: loaded {loaded} loop(s), compiled none"
    say(f"done in {seconds:.1f} s: {summary}; cache: {cache_location()}", flush=True)
    return results


def cache_location() -> str:
    """Where fastnn writes its compiled loops (see :func:`fastnn.cache.cache_plan`)."""
    from fastnn.cache import cache_plan

    return cache_plan().describe()


def _is_available(kernel, args) -> bool:
    """True when ``kernel`` for the types of ``args`` is compiled in this process or in
    Numba's cache on disk (its index lists it): calling it would not compile."""
    signature = tuple(kernel.typeof_pyval(a) for a in args)
    if signature in kernel.overloads:
        return True
    cache = getattr(kernel, "_cache", None)
    try:
        return cache.has(signature, kernel.targetctx.codegen())
    except AttributeError:  # caching off, or another Numba version's internals
        return False


def needs_compiling(net, x, y=None) -> bool:
    """True when ``net.fit(x, y)`` (``net.predict(x)`` when y is None) must compile.

    That is, when the numba backend's loop for these input types is neither compiled
    in this process nor in Numba's on-disk cache. Nothing is compiled or loaded; only
    the cache's index is read. Other backends never compile.

    Parameters
    ----------
    net : fastnn.Network
    x, y : array-like
        Inputs (and targets) as ``fit`` takes them; only their types matter, so one
        sample is enough.
    """
    if net.backend != "numba":
        return False
    from fastnn import config

    if config.DISABLE_JIT:
        return False
    if y is None:
        X, T, labels = net._prepare_x(x), None, None
    else:
        X, T, labels = net._prepare_xy(x, y)
    return not _is_available(*net._engine.kernel_call(net._state, X, T, labels))

