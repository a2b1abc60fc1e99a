"""Helpers of the sweep tests, importable by the pool's spawned worker processes.

:class:`CountingExecutor` is a real thread pool that counts the runs it is given.

:data:`fastnn.experiments.runner.RUN_TASK` is replaced by :func:`run_task_with_faults` in
a test: the run with learning rate :data:`DIE` ends its worker process with
``os._exit`` (a real process death: the pool breaks), the run with :data:`RAISE` raises
outside the run itself (so the error travels through the future); every other run is
the real :func:`fastnn.experiments.worker.run_task`.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from fastnn.experiments.worker import run_task

DIE = 0.0041
RAISE = 0.0031


def run_task_with_faults(task):
    rate = task.params.get("learning_rate")
    if rate == DIE:
        os._exit(13)
    if rate == RAISE:
        raise RuntimeError(f"injected failure for learning_rate={rate}")
    return run_task(task)


class CountingExecutor(ThreadPoolExecutor):
    """A real thread pool that counts the runs it is given."""

    def __init__(self, workers=2):
        super().__init__(max_workers=workers)
        self.submitted = 0

    def submit(self, *args, **kwargs):
        self.submitted += 1
        return super().submit(*args, **kwargs)
