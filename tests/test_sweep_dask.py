"""``fastnn.sweep(scheduler=...)`` on a real Dask cluster of 2 worker processes on 127.0.0.1."""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

import pytest

import fastnn
from fastnn.experiments import executors

distributed = pytest.importorskip("distributed", reason="needs fastnn[dask]")

GRID = {"learning_rate": [0.1, 0.3], "hidden": [8]}
LIMIT = 1500


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 worker processes (one thread each) that can import fastnn."""
    root = str(Path(fastnn.__file__).resolve().parent.parent)
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, previous) if p)
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      host="127.0.0.1", dashboard_address=None,
                                      silence_logs=logging.ERROR) as local_cluster:
            yield local_cluster
    finally:
        if previous is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = previous


def without_seconds(rows):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


@pytest.mark.realdata
def test_cluster_and_pool_give_identical_rows(cluster, mnist_dir, tmp_path):
    kwargs = dict(epochs=[1, 2], repeats=2, limit=LIMIT, data_dir=mnist_dir, progress=False)
    on_cluster = fastnn.sweep("rashid", GRID, scheduler=cluster.scheduler_address,
                              results=tmp_path / "dask.jsonl", **kwargs)
    on_pool = fastnn.sweep("rashid", GRID, workers=2, results=tmp_path / "pool.jsonl", **kwargs)
    assert on_cluster.failures == 0 and len(on_cluster.rows) == 8
    assert without_seconds(on_cluster.rows) == without_seconds(on_pool.rows)
    # The runs ran in the cluster's worker processes, each preparing itself once.
    with distributed.Client(cluster) as client:
        worker_pids = set(client.run(os.getpid).values())
    pids = [w["pid"] for w in on_cluster.workers]
    assert len(set(pids)) == len(pids) and set(pids) <= worker_pids and os.getpid() not in pids
    # Resuming through the cluster trains nothing.
    again = fastnn.sweep("rashid", GRID, scheduler=cluster.scheduler_address,
                         results=tmp_path / "dask.jsonl", **kwargs)
    assert again.trained == 0 and again.rows == on_cluster.rows


def _free_port():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


def test_unreachable_scheduler_is_named(monkeypatch, tmp_path):
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 1)
    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(ConnectionError, match=f"cannot reach the Dask scheduler at '{address}' "
                                              "within 1 s"):
        fastnn.sweep("rashid", GRID, limit=LIMIT, scheduler=address, progress=False)


def test_cli_unreachable_scheduler(monkeypatch, tmp_path, capsys):
    from fastnn.cli import main

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 1)
    address = f"tcp://127.0.0.1:{_free_port()}"
    assert main(["sweep", "--recipe", "rashid", "--grid", "hidden=8", "--limit", "100",
                 "--scheduler", address, "--out", str(tmp_path / "out"), "--quiet"]) == 1
    assert f"cannot reach the Dask scheduler at '{address}'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_unreachable_scheduler_leaves_the_results_file_alone(monkeypatch, tmp_path):
    """--no-resume replaces the results file only once the sweep can run: a scheduler
    that does not answer fails before the file is touched."""
    from fastnn.cli import main

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 1)
    results = tmp_path / "out" / "results.jsonl"
    results.parent.mkdir()
    results.write_text('{"an earlier sweep": "its rows"}\n')
    address = f"tcp://127.0.0.1:{_free_port()}"
    assert main(["sweep", "--recipe", "rashid", "--grid", "hidden=8", "--limit", "100",
                 "--scheduler", address, "--out", str(results.parent), "--no-resume",
                 "--quiet"]) == 1
    assert results.read_text() == '{"an earlier sweep": "its rows"}\n'


def test_without_dask_the_error_says_how_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    with pytest.raises(ImportError, match=r"pip install 'fastnn\[dask\]'"):
        executors.connect_dask("tcp://127.0.0.1:1")
