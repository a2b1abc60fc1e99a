"""Which BLAS a NumPy baseline ran on, and an environment that gives it the CPU's own.

Some machines set ``OPENBLAS_CORETYPE`` (to ``Haswell``, say, on a CPU with AVX-512) to
avoid old OpenBLAS bugs. That forces OpenBLAS onto an older kernel and slows NumPy, so a
"fastnn over NumPy" ratio measured under it flatters fastnn. A NumPy baseline therefore
runs in a process of its own, started with :func:`numpy_environment`: without a forced
kernel and with as many BLAS threads as fastnn uses; and every report names what the
baseline ran on (:func:`blas_description`, from threadpoolctl). ``fastnn train
--benchmark`` and the benchmark suites use these.
"""

from __future__ import annotations

import os

__all__ = ["blas_info", "blas_description", "numpy_environment", "forced_kernel_note"]

#: The variables that set the number of BLAS threads, for every BLAS NumPy may use.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                    "BLIS_NUM_THREADS")


def numpy_environment(threads: int, base=None) -> dict:
    """``base`` (this process's environment) for a NumPy baseline's process: no
    ``OPENBLAS_CORETYPE``, so OpenBLAS picks the CPU's own kernel, and ``threads`` BLAS
    threads."""
    env = dict(os.environ if base is None else base)
    env.pop("OPENBLAS_CORETYPE", None)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    return env


def blas_info() -> list:
    """threadpoolctl's description of NumPy's BLAS in this process: dicts with
    ``internal_api``, ``version``, ``architecture``, ``num_threads`` and ``filepath``.

    SciPy ships an OpenBLAS of its own, which threadpoolctl lists too once SciPy is
    imported. A library inside NumPy's installation (a wheel's ``numpy.libs``) is NumPy's,
    and then only it is returned; where none is (NumPy linked to a system BLAS), every
    BLAS loaded is.
    """
    import numpy
    from threadpoolctl import threadpool_info

    loaded = [info for info in threadpool_info() if info.get("user_api") == "blas"]
    numpy_prefix = os.path.dirname(os.path.realpath(numpy.__file__))  # also numpy.libs
    own = [info for info in loaded
           if os.path.realpath(info.get("filepath", "")).startswith(numpy_prefix)]
    return own or loaded


def blas_description(infos=None) -> str:
    """``'openblas 0.3.31 (kernel SkylakeX, 1 thread)'`` for each BLAS of :func:`blas_info`."""
    infos = blas_info() if infos is None else infos
    if not infos:
        return "no BLAS found by threadpoolctl"
    return "; ".join(
        f"{info.get('internal_api', '?')} {info.get('version', '?')} (kernel "
        f"{info.get('architecture', '?')}, {info.get('num_threads', '?')} thread"
        f"{'' if info.get('num_threads') == 1 else 's'})" for info in infos)


def forced_kernel_note(environ=None) -> str:
    """One sentence on ``OPENBLAS_CORETYPE`` in ``environ``: set or not, and what the
    baseline did about it."""
    value = (os.environ if environ is None else environ).get("OPENBLAS_CORETYPE")
    if not value:
        return "OPENBLAS_CORETYPE is not set here"
    return (f"OPENBLAS_CORETYPE={value} is set here; the NumPy baseline ran without it, in a "
            "process of its own, on the kernel OpenBLAS picks for the CPU")
