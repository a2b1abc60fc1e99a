"""What runs in a sweep's worker process: one segment of a training run -> its row.

A run is a chain of tasks, one per epoch that it records: each task trains the run's
network from where the previous one stopped to its next recorded epoch, and returns that
epoch's row with the network's complete training state (weights, biases, RMSprop's mean
squares, history and the generator's state, as :func:`fastnn.persistence.to_bytes`
serialises them), which the sweep sends on in the run's next task. So a row reaches the
results file while the run goes on, and the rows equal those of one long fit.

A worker process loads the dataset once, from its own data directory, and keeps it for
every run it is given; it runs Numba on one thread; before its first run of a network
configuration it compiles that configuration's kernels (or loads them from Numba's
cache), so that compilation never counts in a run's ``seconds``. Nothing but a
:class:`Task` (with the network's state after the run's first segment) travels to the
worker and a row back: neither the dataset nor a compiled function is sent.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from dataclasses import dataclass, field, replace

__all__ = ["Task", "init_process", "prepare_worker", "run_task", "result_row"]

#: Training images the warm-up fits on (at least two batches of the run's network).
WARMUP_SAMPLES = 16

_lock = threading.Lock()
_datasets = {}  # (data_dir, download) -> ((x_train, y_train), (x_test, y_test))
_warm = set()  # configurations whose kernels are compiled or loaded in this process
_compiled = set()  # (recipe, dtype) that fastnn.compile has done in this process
_overhead = {}  # this process's start-up figures, returned with its first result
_reported = False


@dataclass(frozen=True)
class Task:
    """One segment of a run, as sent to a worker: from epoch ``trained`` to :attr:`target`.

    Attributes
    ----------
    recipe : str
    params : dict
        The grid's values for the run.
    repeat, seed : int
    epochs : tuple of int
        The epochs after which a row is recorded (sorted); training goes to the last.
    limit : int or None
        Train on ``x_train[:limit]``.
    data_dir : str or None
        None: the worker's own data directory (its FASTNN_DATA, checkout or cache).
    download : bool
        Whether the worker may download a missing dataset.
    skip : tuple of int
        Listed epochs whose rows the results file already holds (not recorded again).
    trained : int
        The epochs that the network in ``state`` has trained (0 for a run's first task).
    state : bytes or None
        The network after ``trained`` epochs (:func:`fastnn.persistence.to_bytes`);
        None: the task builds it from the recipe, ``params`` and ``seed``.
    """

    recipe: str
    params: dict
    repeat: int
    seed: int
    epochs: tuple
    limit: int | None = None
    data_dir: str | None = None
    download: bool = True
    skip: tuple = field(default=())
    trained: int = 0
    state: bytes | None = field(default=None, repr=False)

    @property
    def to_record(self):
        """The listed epochs after ``trained`` whose rows are still to be written."""
        return tuple(e for e in self.epochs if e > self.trained and e not in self.skip)

    @property
    def target(self):
        """The epoch this task trains to: the first of :attr:`to_record`."""
        return self.to_record[0]


def init_process(created_at=None):
    """Initializer of the local pool's processes: one Numba thread, the start-up time.

    Runs before anything imports Numba, so ``NUMBA_NUM_THREADS=1`` takes effect.
    ``created_at`` is the parent's :func:`time.time` when it made the pool.
    """
    os.environ["NUMBA_NUM_THREADS"] = "1"
    if created_at is not None:
        _overhead["start_seconds"] = time.time() - created_at


def _one_numba_thread():
    """Numba on one thread here, whoever started the process (e.g. a Dask worker)."""
    if "numba" not in sys.modules:
        os.environ["NUMBA_NUM_THREADS"] = "1"
        return
    import numba

    numba.set_num_threads(1)


def _load(task):
    from fastnn.datasets import load_mnist

    key = (task.data_dir, task.download)
    if key not in _datasets:
        start = time.perf_counter()
        _datasets[key] = load_mnist(data_dir=task.data_dir, download=task.download,
                                    progress=False)
        _overhead.setdefault("data_seconds", time.perf_counter() - start)
    return _datasets[key]


def _warm_up(task, data):
    """Compile (or load from the cache) the kernels of the task's network configuration.

    First :func:`fastnn.compile` for the task's recipe and dtype, in this process: every
    loop the recipe trains and predicts with, per sample and in mini-batches, is then
    compiled into Numba's cache or loaded from it. Then a fit of the run's own
    configuration on :data:`WARMUP_SAMPLES` images and one prediction, which load what
    ``fastnn.compile`` does not cover (another depth, or more than one thread); they
    find everything else loaded already.
    """
    from fastnn import config, recipes
    from fastnn.compilation import compile as compile_kernels
    from fastnn.experiments.grid import encode_params, split_params
    from fastnn.training import TrainingDivergedError

    key = (task.recipe, encode_params(task.params))
    if key in _warm:
        return
    (x_train, y_train), (x_test, _) = data
    start = time.perf_counter()
    params, fit_options = split_params(task.params)
    net = recipes.make(task.recipe, **params, seed=0)
    # fastnn.compile fills Numba's cache: nothing to do without the JIT, its cache, or for
    # the python and numpy backends.
    cacheable = net.backend == "numba" and not config.DISABLE_JIT and config.CACHE
    if cacheable and (task.recipe, net.dtype) not in _compiled:
        compile_kernels(recipes=[task.recipe], dtypes=[net.dtype], processes=1, verbose=False)
        _compiled.add((task.recipe, net.dtype))
    n = max(WARMUP_SAMPLES, 2 * net.batch_size)
    try:
        net.fit(x_train[:n], y_train[:n], epochs=1, **fit_options)
    except TrainingDivergedError:
        pass  # the kernels ran, and so are compiled
    net.predict(x_test[:n])
    _overhead.setdefault("compile_seconds", time.perf_counter() - start)
    _warm.add(key)


def prepare_worker(task):
    """Make this process ready for ``task``: one Numba thread, the dataset, warm kernels.

    Returns the dataset, ``((x_train, y_train), (x_test, y_test))``, loaded once per
    process and data directory.
    """
    with _lock:
        _one_numba_thread()
        if "import_seconds" not in _overhead:
            start = time.perf_counter()
            import numba  # noqa: F401
            import fastnn.network  # noqa: F401
            _overhead["import_seconds"] = time.perf_counter() - start
        data = _load(task)
        _warm_up(task, data)
        return data


def _take_overhead():
    """This process's start-up figures, the first time only (None afterwards)."""
    global _reported
    with _lock:
        if _reported or "compile_seconds" not in _overhead:
            return None
        _reported = True
        return {"pid": os.getpid(), "host": socket.gethostname(), **_overhead}


def result_row(task, epoch, *, metrics=None, error=None):
    """A results-file row of ``task`` at ``epoch``: ``metrics`` (ok) or ``error`` (failed)."""
    from fastnn import __version__

    metrics = metrics or {}
    return {
        "recipe": task.recipe, "params": task.params, "repeat": task.repeat,
        "seed": task.seed, "epoch": epoch, "limit": task.limit,
        "test_accuracy": metrics.get("test_accuracy"), "test_loss": metrics.get("test_loss"),
        "train_loss": metrics.get("train_loss"), "train_accuracy": metrics.get("train_accuracy"),
        "seconds": metrics.get("seconds"),
        "status": "failed" if error is not None else "ok", "error": error,
        "fastnn_version": __version__,
    }


def _train(task, data):
    """Train the task's segment; returns its row and the network (at ``task.target``)."""
    from fastnn import recipes
    from fastnn.experiments.grid import split_params
    from fastnn.persistence import from_bytes

    (x_train, y_train), (x_test, y_test) = data
    if task.limit is not None:
        if task.limit > len(x_train):
            raise ValueError(f"limit={task.limit} is more than the {len(x_train)} training images")
        x_train, y_train = x_train[:task.limit], y_train[:task.limit]
    params, fit_options = split_params(task.params)
    if task.state is None:
        net = recipes.make(task.recipe, **params, seed=task.seed)
    else:
        net = from_bytes(task.state)
    net.fit(x_train, y_train, epochs=task.target, initial_epoch=task.trained, **fit_options)
    test = net.evaluate(x_test, y_test)
    last = net.history_[-1]
    return result_row(task, task.target, metrics={
        "test_accuracy": test["accuracy"], "test_loss": test["loss"],
        "train_loss": last["loss"], "train_accuracy": last["accuracy"],
        "seconds": sum(epoch["seconds"] for epoch in net.history_)}), net


def run_task(task):
    """Run one task (one segment of a run) in this process; what the executors call.

    Returns
    -------
    dict
        ``rows``: a list of one row, at ``task.target``: ``ok``, or ``failed`` when the
        segment raised (divergence included); ``next``: the run's next task, carrying
        the network's state, or None when the run is over (its last row, or a failure);
        ``worker``: this process's start-up figures with its first result, else None.
    """
    from fastnn.persistence import to_bytes

    following = None
    try:
        data = prepare_worker(task)
        row, net = _train(task, data)
        if len(task.to_record) > 1:
            following = replace(task, trained=task.target, state=to_bytes(net))
    except Exception as exc:  # noqa: BLE001 - any failure of a run is that run's row
        row = result_row(task, task.target, error=f"{type(exc).__name__}: {exc}")
    return {"rows": [row], "next": following, "worker": _take_overhead()}
