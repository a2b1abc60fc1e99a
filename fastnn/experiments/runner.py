"""``fastnn.sweep``: run a grid of training runs with repeats, resumably, anywhere.

The runner checks everything first, reads the results file, and submits only the runs
that lack rows. A run is a chain of tasks, one per epoch that it records (see
:mod:`fastnn.experiments.worker`): each task's row is appended to the file, flushed and
fsynced as soon as it arrives, and only then is the run's next task submitted, with the
network's state. A failed run (divergence, an exception, a worker that died) gets a
``failed`` row; the others go on.

Resuming a run that has some of its rows but not all (a sweep killed mid-run, or more
epochs asked for) trains it again from its seed and writes only the missing rows: no
network state is kept on disk, and the rows equal those of a fresh fit either way.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, CancelledError, wait

from fastnn.experiments import executors, grid as grids
from fastnn.experiments.results import ResultsFile, row_key
from fastnn.experiments.worker import Task, result_row, run_task

__all__ = ["sweep"]

#: The function the executors run for each task (a module attribute, so that a test can
#: substitute a function that kills its worker process).
RUN_TASK = run_task


def _plan(runs, epochs, rows, retry_failed, recipe, limit, data_dir, download):
    """The first tasks of the runs still to train: each skips the epochs the file holds."""
    tasks = []
    for run in runs:
        held = {epoch: rows.get((*run.key, epoch)) for epoch in epochs}
        failed = any(row is not None and row["status"] == "failed" for row in held.values())
        if failed and not retry_failed:
            continue
        ok = tuple(e for e, row in held.items() if row is not None and row["status"] == "ok")
        if len(ok) == len(epochs):
            continue
        tasks.append(Task(recipe, run.params, run.repeat, run.seed, epochs, limit,
                          None if data_dir is None else str(data_dir), download, skip=ok))
    return tasks


def _format_seconds(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class _Progress:
    """One line on stderr per finished run (its last row): runs done/total, failures,
    time left."""

    def __init__(self, total, skipped, enabled):
        self.total, self.done, self.failed = total, skipped, 0
        self.new_done, self.start, self.enabled = 0, time.perf_counter(), enabled
        if enabled and skipped:
            print(f"sweep: {skipped} of {total} runs already in the results file", file=sys.stderr,
                  flush=True)

    def update(self, task, rows):
        self.done += 1
        self.new_done += 1
        failed = rows[-1]["status"] == "failed"
        self.failed += failed
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.start
        left = elapsed / self.new_done * (self.total - self.done)
        params = " ".join(f"{k}={v}" for k, v in task.params.items())
        last = rows[-1]
        outcome = (f"FAILED: {last['error']}" if failed
                   else f"test accuracy {last['test_accuracy']:.4f} at epoch {last['epoch']}")
        print(f"sweep: {self.done}/{self.total} runs, {self.failed} failed, "
              f"{_format_seconds(left)} left | {params} repeat {task.repeat}: {outcome}",
              file=sys.stderr, flush=True)


def _died_rows(task, exc):
    """The failed row of a task whose worker or executor failed it (not the run itself)."""
    if isinstance(exc, BrokenExecutor):
        message = (f"{type(exc).__name__}: the worker process running it died ({exc}); every "
                   "run in flight then is failed too; rerun with retry_failed=True "
                   "(--retry-failed)")
    else:
        message = f"{type(exc).__name__}: {exc}"
    return [result_row(task, task.target, error=message)]


def _execute(tasks, executor, make_pool, window, on_result):
    """Run ``tasks`` and their continuations on ``executor``, at most ``window`` at a time.

    A result (or the failure of its future) goes to ``on_result(task, result)`` as soon
    as it arrives; then the run's next task (``result["next"]``), if any, is submitted
    before any new run. When ``make_pool`` is given, a broken pool (a worker process
    died) is replaced by ``make_pool()`` for the tasks not yet submitted; those in flight
    in the broken pool are failed. Returns the executor in use at the end.
    """
    pending, in_flight = deque(tasks), {}
    while pending or in_flight:
        while pending and len(in_flight) < window:
            task = pending.popleft()
            try:
                in_flight[executor.submit(RUN_TASK, task)] = (task, executor)
            except BrokenExecutor as exc:
                if make_pool is None:
                    on_result(task, {"rows": _died_rows(task, exc), "next": None,
                                     "worker": None})
                else:
                    pending.appendleft(task)
                    executor = _renew(executor, make_pool)
        done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
        for future in done:
            task, owner = in_flight.pop(future)
            try:
                result = future.result()
            except (Exception, CancelledError) as exc:  # noqa: BLE001 - the run's failure
                result = {"rows": _died_rows(task, exc), "next": None, "worker": None}
                if isinstance(exc, BrokenExecutor) and make_pool is not None and owner is executor:
                    executor = _renew(executor, make_pool)
            on_result(task, result)
            if result["next"] is not None:
                pending.appendleft(result["next"])
    return executor


def _renew(broken, make_pool):
    """Shut the broken pool down without waiting; a new one from ``make_pool()``."""
    broken.shutdown(wait=False)
    return make_pool()


def sweep(recipe, grid, *, epochs=1, repeats=1, seed=0, limit=None, results=None, workers=None,
          executor=None, scheduler=None, resume=True, retry_failed=False, data_dir=None,
          download=True, progress=True):
    """Train every combination of ``grid`` ``repeats`` times and record the test accuracy.

    Parameters
    ----------
    recipe : str
        'linear', 'grokking', 'rashid', 'nielsen' or 'keras'.
    grid : dict
        The recipe's keyword (``learning_rate``, ``hidden``, ``batch_size``, ``dtype``,
        ``backend``, ...) -> list of values. A run is one combination times one repeat.
    epochs : int or list of int
        Each run trains once, to the largest value, and records a row after each listed
        epoch, written as soon as it is known; a row at epoch e equals what a fresh run
        trained for e epochs gives.
    repeats : int
        Runs per combination.
    seed : int
        Each run's seed is derived from ``(seed, combination, repeat)`` (see
        :func:`fastnn.experiments.grid.derive_seed`) and recorded in its rows.
    limit : int, optional
        Train on the first ``limit`` training images; rows are always scored on the
        whole test set.
    results : str or os.PathLike, optional
        The JSON Lines results file (see :mod:`fastnn.experiments.results`). Missing
        directories are created. None keeps the rows in memory only.
    workers : int, optional
        Processes of the default local pool (default: the cores available).
    executor : concurrent.futures.Executor, optional
        Run the tasks there instead (it is not shut down).
    scheduler : str, optional
        A Dask scheduler's address, e.g. ``"tcp://127.0.0.1:8786"``: the runs go to its
        cluster through ``distributed.Client(address).get_executor()``.
    resume : bool
        Skip the runs whose rows are in ``results``; a run with only some of its rows
        trains again from its seed and writes the missing ones. False replaces the file.
    retry_failed : bool
        Run again the runs whose rows in ``results`` say ``failed``.
    data_dir : str or os.PathLike, optional
        The data directory every worker loads from (default: each worker's own, see
        :func:`fastnn.datasets.get_data_dir`).
    download : bool
        Whether workers may download a missing dataset.
    progress : bool
        A line on stderr per finished run.

    Returns
    -------
    SweepResult
        The rows of this sweep's runs (from the file and new), in grid order.

    Raises
    ------
    ValueError
        Bad input (recipe, grid key or value, repeats, epochs, limit, workers, a results
        file of another sweep), before any training.
    ConnectionError
        ``scheduler`` does not answer.
    ImportError
        ``scheduler`` is given but Dask is not installed.
    """
    from fastnn.experiments.result import SweepResult

    grid = grids.check_grid(recipe, grid)
    epochs = grids.check_epochs(epochs)
    repeats = grids.check_positive_int("repeats", repeats)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    if limit is not None:
        limit = grids.check_positive_int("limit", limit)
    if sum(option is not None for option in (workers, executor, scheduler)) > 1:
        raise ValueError("give at most one of workers=, executor= and scheduler=")
    if workers is not None:
        workers = grids.check_positive_int("workers", workers)
    runs = grids.expand(grid, repeats, seed)

    # The scheduler first: an unreachable one fails before the results file is created
    # or, with resume=False, emptied.
    client = executors.connect_dask(scheduler) if scheduler is not None else None
    file = None
    try:
        file = ResultsFile(results, recipe, limit, resume) if results is not None else None
        held = dict(file.rows) if file is not None else {}
        tasks = _plan(runs, epochs, held, retry_failed, recipe, limit, data_dir, download)
        progress_line = _Progress(len(runs), len(runs) - len(tasks), progress)
        overheads = []
        new_rows = {}

        def on_result(task, result):
            for row in result["rows"]:
                if file is not None:
                    file.append(row)
                new_rows[row_key(row)] = row
            if result["worker"] is not None:
                overheads.append(result["worker"])
            if result["next"] is None:
                progress_line.update(task, result["rows"])

        start = time.perf_counter()
        if client is not None:
            executor = client.get_executor(pure=False)
        if not tasks:
            pass
        elif executor is not None:
            _execute(tasks, executor, None, len(tasks), on_result)
        else:
            workers = min(workers or executors.default_workers(), len(tasks))
            make_pool = lambda: executors.local_pool(workers)  # noqa: E731
            pool = make_pool()
            try:
                pool = _execute(tasks, pool, make_pool, workers, on_result)
            except BaseException:
                executors.terminate_pool(pool)
                raise
            pool.shutdown(wait=True)
    finally:
        if client is not None:
            client.close()
        if file is not None:
            file.close()
    wall = time.perf_counter() - start

    rows = []
    for run in runs:
        for epoch in epochs:
            key = (*run.key, epoch)
            row = new_rows.get(key, held.get(key))
            if row is not None:
                rows.append(row)
    return SweepResult(recipe=recipe, grid=grid, epochs=epochs, repeats=repeats, rows=rows,
                       trained=len(tasks), wall_seconds=wall, workers=overheads,
                       path=None if file is None else file.path)
