"""Helpers of the sweep tests, importable by the pool's spawned worker processes.

:class:`CountingExecutor` is a real thread pool that counts the runs it is given (their
first tasks) and all the tasks (a run's continuations too). :class:`FileWatchingExecutor`
also reads the results file at each submission.

:data:`fastnn.experiments.runner.RUN_TASK` is replaced by :func:`run_task_with_faults` in
a test: the run with learning rate :data:`DIE` ends its worker process with
``os._exit`` (a real process death: the pool breaks), the run with :data:`RAISE` raises
outside the run itself (so the error travels through the future); every other run is
the real :func:`fastnn.experiments.worker.run_task`.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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
    """A real thread pool that counts the runs (``submitted``) and tasks (``tasks``) given."""

    def __init__(self, workers=2):
        super().__init__(max_workers=workers)
        self.submitted = 0
        self.tasks = 0

    def submit(self, fn, task, *args, **kwargs):
        self.tasks += 1
        self.submitted += task.state is None
        return super().submit(fn, task, *args, **kwargs)


class FileWatchingExecutor(CountingExecutor):
    """A counting thread pool that notes, at each submission, the rows then in ``path``.

    ``seen`` holds one ``(task, rows)`` per submission, ``rows`` being the set of
    ``(learning_rate, repeat, epoch)`` of the file's complete lines at that moment.
    """

    def __init__(self, path, workers=2):
        super().__init__(workers)
        self.path, self.seen = Path(path), []

    def submit(self, fn, task, *args, **kwargs):
        lines = self.path.read_text().splitlines() if self.path.exists() else []
        rows = {(row["params"]["learning_rate"], row["repeat"], row["epoch"])
                for row in map(json.loads, lines)}
        self.seen.append((task, rows))
        return super().submit(fn, task, *args, **kwargs)
