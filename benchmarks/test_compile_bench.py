"""Numba's compile time, cold and from its cache, and the cost of ``import fastnn``.

Each figure comes from a fresh process (``python -c``), timed inside that process around
the measured step only, so interpreter start-up and ``import numba`` are not in it:

* ``numba-cold``: the first call of a kernel with ``NUMBA_CACHE_DIR`` pointing at a new,
  empty directory, so everything it needs is compiled;
* ``numba-cached``: the first call in a new process after a cold run has filled that
  directory, so the machine code is loaded from disk;
* ``import fastnn``: which must stay under :data:`IMPORT_BUDGET_S` and load no Numba.

Numba sets up its CPU target lazily, on the first compilation or cache load of a
process (with SciPy installed that includes ``import scipy.linalg``). That one-off cost
is the same for every kernel, so the subprocess pays it first, timed on its own as
``extra_info["target_init_s"]``; ``first_call_total_s`` is what a user's first call
costs, the set-up included.

The in-process figure (median over the rounds) is ``extra_info["seconds"]``, shown by
the report as ``measured``; the benchmark's own statistics are the whole process's wall
time. Cache hits and misses, as Numba counts them, are recorded to show that the cold
run compiled and the cached run did not.
"""

from __future__ import annotations

import statistics

import pytest

from benchmarks.processes import IMPORT_SCRIPT, NUMBA_CACHE_COUNTS, NUMBA_SETUP, run_python

ROUNDS = 3
IMPORT_BUDGET_S = 0.3

#: Kernel call made in the subprocess, by benchmark group.
FIRST_CALLS = {
    "vector_matrix_multiply 10x784": "K.vector_matrix_multiply(np.ones(784), np.ones((10, 784)))",
    "update_weights 10x784": "K.update_weights(np.ones((10, 784)), np.ones(10), np.ones(784), 1e-9)",
    "sigmoid 784": "K.sigmoid(np.ones(784))",
}

FIRST_CALL_SCRIPT = """
import json, time
import numpy as np
""" + NUMBA_SETUP + """
start = time.perf_counter()
from fastnn.kernels import numba as K
imported = time.perf_counter() - start
start = time.perf_counter()
{call}
first = time.perf_counter() - start
start = time.perf_counter()
{call}
second = time.perf_counter() - start
""" + NUMBA_CACHE_COUNTS + """
print(json.dumps({{
    "seconds": first, "second_call_s": second, "import_kernels_s": imported,
    "target_init_s": target_init_s, "first_call_total_s": target_init_s + first,
    "cache_hits": cache_hits, "cache_misses": cache_misses,
}}))
"""


def timed_runs(benchmark, script: str, cache_dir_for_round) -> list[dict]:
    """Run ``script`` for :data:`ROUNDS` rounds under ``benchmark.pedantic``.

    ``cache_dir_for_round()`` is called, untimed, before each round.
    """
    figures: list[dict] = []

    def setup():
        return (cache_dir_for_round(),), {}

    def target(cache_dir):
        figures.append(run_python(script, cache_dir))

    benchmark.pedantic(target, setup=setup, rounds=ROUNDS, iterations=1)
    return figures


def summarise(figures: list[dict]) -> dict:
    """The median over the rounds of every figure, and every round's figures."""
    medians = {key: statistics.median(f[key] for f in figures)
               for key, value in figures[0].items() if isinstance(value, float)}
    return {**medians, "rounds": figures}


@pytest.mark.parametrize("mode", ["cold", "cached"])
@pytest.mark.parametrize("group", list(FIRST_CALLS))
def test_first_call(benchmark, record_info, tmp_path_factory, group, mode):
    script = FIRST_CALL_SCRIPT.format(call=FIRST_CALLS[group])
    if mode == "cold":
        def cache_dir_for_round():
            return tmp_path_factory.mktemp("numba-cache-cold")
    else:
        filled = tmp_path_factory.mktemp("numba-cache-filled")
        run_python(script, filled)  # the cold run that fills the cache, untimed

        def cache_dir_for_round():
            return filled

    record_info(f"first call {group}", f"numba-{mode}", "float64")
    figures = timed_runs(benchmark, script, cache_dir_for_round)
    summary = summarise(figures)
    benchmark.extra_info.update(summary)
    print(f"\n{group}, {mode}: first call {summary['seconds']:.3f} s after Numba's "
          f"{summary['target_init_s']:.3f} s set-up (medians of {ROUNDS})")
    if mode == "cold":
        assert all(f["cache_misses"] > 0 and f["cache_hits"] == 0 for f in figures)
    else:
        assert all(f["cache_hits"] > 0 and f["cache_misses"] == 0 for f in figures)


def test_import_fastnn(benchmark, record_info):
    record_info("import fastnn", "import", budget_s=IMPORT_BUDGET_S)
    figures = timed_runs(benchmark, IMPORT_SCRIPT, lambda: None)
    summary = summarise(figures)
    benchmark.extra_info.update(summary)
    print(f"\nimport fastnn: {summary['seconds']:.4f} s (median of {ROUNDS})")
    assert not any(f["numba_imported"] for f in figures), "import fastnn imported numba"
    assert summary["seconds"] < IMPORT_BUDGET_S
