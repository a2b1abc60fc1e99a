"""Figures that only a fresh process shows: first calls, imports, peak memory.

A warm process hides Numba's compilation (or cache load), the cost of ``import fastnn``
and where memory pages land, so these helpers run Python code in a new interpreter:

* :func:`run_python` runs a script and returns the JSON object it prints last;
* :data:`NUMBA_SETUP` is script code that imports Numba and sets up its CPU target,
  timing each (``numba_import_s``, ``target_init_s``), so that a script can time a
  first compilation without Numba's one-off start-up in the figure;
* :data:`NUMBA_CACHE_COUNTS` is script code that sums the cache hits and misses of
  every compiled loop of fastnn (:func:`fastnn.compilation.loop_functions`;
  ``cache_hits``, ``cache_misses``);
* :data:`IMPORT_SCRIPT` times ``import fastnn`` and says whether it loaded Numba;
* :func:`run_with_peak_memory` runs a command and returns its maximum resident set size.

Scripts run with the repository root as working directory and on ``PYTHONPATH``, so they
may import :mod:`benchmarks` modules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

NUMBA_SETUP = """
start = time.perf_counter()
import numba
from numba.core.registry import cpu_target
numba_import_s = time.perf_counter() - start
start = time.perf_counter()
cpu_target.typing_context.refresh()
cpu_target.target_context.refresh()
target_init_s = time.perf_counter() - start
"""

NUMBA_CACHE_COUNTS = """
from fastnn.compilation import loop_functions
_stats = [f.stats for f in loop_functions()]
cache_hits = sum(sum(s.cache_hits.values()) for s in _stats)
cache_misses = sum(sum(s.cache_misses.values()) for s in _stats)
"""

IMPORT_SCRIPT = """
import json, sys, time
start = time.perf_counter()
import fastnn
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "numba_imported": "numba" in sys.modules,
                  "numpy_imported": "numpy" in sys.modules}))
"""


def child_environment(cache_dir=None, **variables) -> dict:
    """This process's environment for a child: Numba's cache on, JIT on, repo importable.

    Parameters
    ----------
    cache_dir : path, optional
        Becomes ``NUMBA_CACHE_DIR``; by default Numba caches next to the sources.
    **variables : str
        Further environment variables to set.
    """
    env = {**os.environ, "FASTNN_NUMBA_CACHE": "1", **variables}
    env.pop("NUMBA_DISABLE_JIT", None)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = str(cache_dir)
    return env


def pair_order(names, pair):
    """``names`` in the order that alternating pair ``pair`` (from 0) runs them.

    Even pairs run them as given, odd pairs reversed (A B, B A, A B, ...): whatever the
    machine does to the second process of a pair (a warmer cache, a busier neighbour)
    falls on each checkout equally often. Run as A B A B, two identical checkouts of
    rashid's linear net measured 0.97 against each other on 8 pairs.
    """
    names = list(names)
    return names if pair % 2 == 0 else names[::-1]


def run_python(script: str, cache_dir=None, **variables) -> dict:
    """Run ``script`` in a fresh interpreter and return the JSON object it prints last.

    Parameters
    ----------
    script : str
        Python source, run with ``python -c`` from the repository root.
    cache_dir, **variables
        See :func:`child_environment`.

    Raises
    ------
    RuntimeError
        If the script fails; the message ends with its stderr.
    """
    completed = subprocess.run([sys.executable, "-c", script],
                               env=child_environment(cache_dir, **variables), cwd=REPO_ROOT,
                               capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"a fresh-process script exited with {completed.returncode}:\n"
                           f"{completed.stderr.strip()}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


@dataclass
class PeakMemoryRun:
    """A finished command: exit code, output and peak resident memory."""

    returncode: int
    stdout: str
    stderr: str
    max_rss_bytes: int


def run_with_peak_memory(command, **variables) -> PeakMemoryRun:
    """Run ``command`` and measure its maximum resident set size (``ru_maxrss``).

    The figure is that of the child alone: it comes from ``os.wait4`` on the child's
    process id, not from ``RUSAGE_CHILDREN``, which would be the maximum over every
    child this process has waited for.

    Parameters
    ----------
    command : list of str
    **variables : str
        Environment variables to set (see :func:`child_environment`).
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=REPO_ROOT,
                                   env=child_environment(**variables))
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # ru_maxrss is in kilobytes on Linux (bytes on macOS)
        scale = 1 if sys.platform == "darwin" else 1024
        return PeakMemoryRun(process.returncode, out.read(), err.read(), usage.ru_maxrss * scale)
