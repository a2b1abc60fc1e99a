"""One training epoch over the 60,000 MNIST training images, per network and backend.

Networks (:data:`benchmarks.epochs.NETWORKS`, one ``benchmark.group`` each): linear,
grokking (on the full set), rashid-100, rashid-200, rashid-200-b128 (Rashid's network in
mini-batches of 128, shuffled), nielsen and keras. Backends and dtypes:

* ``python`` (float64 only): the same loops uncompiled, on Python lists. linear runs on
  all 60,000 images; the other networks on the first :data:`PYTHON_SUBSET` images,
  recorded as ``scaled_from``, and the report scales their time to 60,000 images and
  says so. ``--python-full`` runs them all on the full set (about 45 minutes more);
* ``numpy``: vectorised NumPy, float64 and float32, its BLAS on 1 and on 2 threads
  (``threadpoolctl``), to match Numba's, on the CPU's own OpenBLAS kernel (see
  ``benchmarks/conftest.py``: a forced ``OPENBLAS_CORETYPE`` is left out);
* ``numba``: the compiled loops, float64 and float32, with 1 and 2 Numba threads
  (``Network(threads=n)``); ``extra_info["threads"]`` is the count Numba reported
  during the epoch.

Every round trains a fresh network (built, untimed, by ``benchmark.pedantic``'s
setup), as training changes the weights. Before the rounds, a throw-away network of the
same configuration is fitted on 256 images, so Numba's compilation (or cache load) is
not timed. ``fit`` gets the uint8 images and integer labels of ``load_mnist``.

The figure the report compares is the engine's time for the epoch
(``History.history["seconds"]``, median over rounds: ``extra_info["epoch_seconds"]``);
the benchmark's own statistics time the whole ``fit`` call, which adds what ``fit`` does
once per call: input checks and conversion, target encoding.
Rounds: 5 for numba, 3 for NumPy mini-batch networks, 1 for NumPy per-sample networks
(3-40 s an epoch) and for plain Python. ``extra_info["other_processes_cores"]`` is how
many cores other processes kept busy meanwhile (:class:`benchmarks.conftest.OtherLoad`):
the machine is shared, and a busy neighbour slows NumPy's BLAS threads most.

The per-sample networks (linear, grokking, rashid-100, rashid-200) also get an
``update-only`` row per dtype: :func:`fastnn.calibration.update_only_epoch`, the
update-only pass (``W -= lr * outer(delta, x)`` over every layer, a plain compiled loop,
on weights of the network's shapes, see :mod:`fastnn.calibration`) run 60,000 times.
Per-sample SGD cannot do less, so its rate is this machine's bound, measured in the same
run; the report shows each numba per-sample epoch as a fraction of it, with the CPU
(``extra_info["cpu"]``).

Select cases by id, e.g. ``-k rashid-200-numba-float64-t1`` or ``-k "keras and numba"``,
``-k update-only``.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import pytest

from benchmarks.conftest import OtherLoad
from benchmarks.epochs import (MNIST_TRAIN_SAMPLES, NETWORKS, WARMUP_SAMPLES, make_network,
                               warm_up)

PYTHON_SUBSET = 2_000
#: Networks whose plain-Python epoch runs on the full set even without --python-full.
PYTHON_FULL_BY_DEFAULT = ("linear",)

NUMBA_ROUNDS = 5
NUMPY_BATCH_ROUNDS = 3
SLOW_ROUNDS = 1

#: (backend, dtype, Numba threads or NumPy's BLAS threads, or None), in report order.
CONFIGURATIONS = [
    ("python", "float64", None),
    ("numpy", "float64", 1),
    ("numpy", "float64", 2),
    ("numpy", "float32", 1),
    ("numpy", "float32", 2),
    ("numba", "float64", 1),
    ("numba", "float64", 2),
    ("numba", "float32", 1),
    ("numba", "float32", 2),
]


def case_id(network: str, backend: str, dtype: str, threads) -> str:
    """``rashid-200-numba-float64-t1``, ``linear-python-float64``."""
    return f"{network}-{backend}-{dtype}" + (f"-t{threads}" if threads else "")


CASES = [
    pytest.param(network, backend, dtype, threads, id=case_id(network, backend, dtype, threads))
    for network in NETWORKS
    for backend, dtype, threads in CONFIGURATIONS
]


def rounds_for(backend: str, batch_size: int) -> int:
    """Timed rounds: numba 5, NumPy mini-batch 3, NumPy per-sample and Python 1."""
    if backend == "numba":
        return NUMBA_ROUNDS
    if backend == "numpy" and batch_size > 1:
        return NUMPY_BATCH_ROUNDS
    return SLOW_ROUNDS


@pytest.mark.parametrize("network, backend, dtype, threads", CASES)
def test_epoch(benchmark, record_info, mnist_train, python_full, network, backend, dtype,
               threads):
    import numba

    if threads is not None and threads > numba.config.NUMBA_NUM_THREADS:
        pytest.skip(f"Numba has {numba.config.NUMBA_NUM_THREADS} thread(s) here")
    if backend == "numpy":  # NumPy's BLAS gets the threads, as Numba does in its rows
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=threads, user_api="blas"):
            return time_epoch(benchmark, record_info, mnist_train, python_full, network,
                              backend, dtype, None, blas_threads=threads)
    return time_epoch(benchmark, record_info, mnist_train, python_full, network, backend, dtype,
                      threads)


def time_epoch(benchmark, record_info, mnist_train, python_full, network, backend, dtype,
               threads, blas_threads=None):
    """Time one epoch of ``network`` (see the module's docstring)."""
    import numba

    options = dict(backend=backend, dtype=dtype, threads=threads)
    settings = make_network(network, **options)  # read for its batch size; never trained
    images, labels = mnist_train
    scaled_from = None
    if backend == "python" and not python_full and network not in PYTHON_FULL_BY_DEFAULT:
        scaled_from = PYTHON_SUBSET
        images, labels = images[:PYTHON_SUBSET], labels[:PYTHON_SUBSET]
    samples = len(images)
    if backend != "python":  # nothing to compile in plain Python
        warm_up(network, images, labels, **options)

    histories, threads_seen = [], set()

    def note_threads(net, epoch, seen):
        threads_seen.add(numba.get_num_threads())

    def fresh_network():
        return (make_network(network, **options),), {}

    def train_one_epoch(net):
        histories.append(net.fit(images, labels, epochs=1, callback=note_threads).history)

    recipe, preset = NETWORKS[network]
    record_info(  # before the timing: pytest-benchmark takes the group when it starts
        network, backend, dtype,
        recipe=recipe, hidden=preset.get("hidden"), batch_size=settings.batch_size,
        samples=samples, scaled_from=scaled_from, full_epoch_samples=MNIST_TRAIN_SAMPLES,
        threads_requested=threads, blas_threads_used=blas_threads,
    )
    rounds = rounds_for(backend, settings.batch_size)
    with OtherLoad() as others:
        benchmark.pedantic(train_one_epoch, setup=fresh_network, rounds=rounds, iterations=1)

    epoch_seconds = [history["seconds"][0] for history in histories]
    median = statistics.median(epoch_seconds)
    benchmark.extra_info.update(epoch_seconds=median, epoch_seconds_rounds=epoch_seconds,
                                samples_per_second=samples / median,
                                other_processes_cores=others.cores)
    seen = sorted(threads_seen)
    benchmark.extra_info["threads"] = seen[0] if len(seen) == 1 else seen
    assert all(history["samples"] == [samples] for history in histories)
    assert all(np.isfinite(history["loss"][0]) for history in histories)
    if threads is not None:
        assert seen == [threads]


#: The per-sample networks: the update-only pass bounds their epochs.
BOUND_NETWORKS = ("linear", "grokking", "rashid-100", "rashid-200")


@pytest.mark.parametrize("network, dtype", [
    pytest.param(network, dtype, id=case_id(network, "update-only", dtype, None))
    for network in BOUND_NETWORKS for dtype in ("float64", "float32")])
def test_update_only_bound(benchmark, record_info, network, dtype):
    from fastnn.calibration import update_only_epoch, update_only_operands
    from fastnn.machine import cpu_description

    net = make_network(network, dtype=dtype)  # for its sizes; never trained
    assert net.batch_size == 1 and net.optimizer == "sgd", "the bound is for per-sample SGD"
    operands = update_only_operands(net.sizes, dtype)
    update_only_epoch(*operands, WARMUP_SAMPLES)  # compiles (or loads) untimed
    seconds = []

    def one_epoch():
        start = time.perf_counter()
        update_only_epoch(*operands, MNIST_TRAIN_SAMPLES)
        seconds.append(time.perf_counter() - start)

    recipe, preset = NETWORKS[network]
    record_info(network, "update-only", dtype, recipe=recipe, hidden=preset.get("hidden"),
                batch_size=1, sizes=net.sizes, samples=MNIST_TRAIN_SAMPLES,
                full_epoch_samples=MNIST_TRAIN_SAMPLES, cpu=cpu_description())
    with OtherLoad() as others:
        benchmark.pedantic(one_epoch, rounds=NUMBA_ROUNDS, iterations=1)
    median = statistics.median(seconds)
    benchmark.extra_info.update(epoch_seconds=median, epoch_seconds_rounds=seconds,
                                samples_per_second=MNIST_TRAIN_SAMPLES / median,
                                other_processes_cores=others.cores)
    assert all(np.isfinite(w).all() for w in operands[0])
