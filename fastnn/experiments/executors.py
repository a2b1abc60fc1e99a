"""Where a sweep's runs execute: a local process pool, any Executor, or a Dask cluster.

Every choice ends up as a :class:`concurrent.futures.Executor` whose ``submit`` takes
:func:`fastnn.experiments.worker.run_task` and a task.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

__all__ = ["local_pool", "connect_dask", "default_workers", "terminate_pool",
           "DASK_INSTALL_HINT", "CONNECT_TIMEOUT"]

#: What to tell a user who names a scheduler without Dask installed.
DASK_INSTALL_HINT = "pip install 'fastnn[dask]'"

#: Seconds to wait for a Dask scheduler to answer.
CONNECT_TIMEOUT = 10


def default_workers():
    """The default pool size: the CPUs this process may run on."""
    from fastnn.machine import usable_cpus

    return usable_cpus()


def local_pool(workers):
    """A pool of ``workers`` fresh processes (spawned: nothing inherited from this one).

    Each process starts with :func:`~fastnn.experiments.worker.init_process`, which sets
    Numba to one thread and notes how long the process took to start.
    """
    from fastnn.experiments.worker import init_process

    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"),
                               initializer=init_process, initargs=(time.time(),))


def terminate_pool(pool):
    """Stop a local pool now, killing the runs in its processes (on Ctrl-C)."""
    pool.shutdown(wait=False, cancel_futures=True)
    terminate = getattr(pool, "terminate_workers", None)  # Python >= 3.14
    if terminate is not None:
        terminate()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()


def connect_dask(address, timeout=None):
    """A :class:`distributed.Client` connected to the scheduler at ``address``.

    Raises
    ------
    ImportError
        Dask's distributed package is not installed; the message says how to install it.
    ConnectionError
        No scheduler answered at ``address`` within ``timeout`` seconds (default
        :data:`CONNECT_TIMEOUT`); the message names the address.
    """
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    try:
        from distributed import Client
    except ImportError as exc:
        raise ImportError(f"scheduler={address!r} needs Dask's distributed package, which is "
                          f"not installed: {DASK_INSTALL_HINT}. The import failed with: {exc}"
                          ) from exc
    if not isinstance(address, str) or not address:
        raise ValueError(f"scheduler must be an address such as 'tcp://127.0.0.1:8786', "
                         f"got {address!r}")
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConnectionError(f"cannot reach the Dask scheduler at {address!r} within "
                              f"{timeout} s ({type(exc).__name__}: {exc}); check the address "
                              "and that `dask scheduler` runs there") from exc
