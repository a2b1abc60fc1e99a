"""``fastnn.sweep`` and ``fastnn sweep`` on the real MNIST files, with small runs.

The runs train on the first few hundred or thousand images with a small hidden layer,
so that each takes well under a second; the default pool's processes are real spawned
processes, and the interrupted sweeps are real ``fastnn sweep`` processes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import fastnn
from fastnn.cli import main
from fastnn.experiments import runner
import sweep_helpers
from sweep_helpers import CountingExecutor, FileWatchingExecutor

pytestmark = pytest.mark.realdata

GRID = {"learning_rate": [0.1, 0.3], "hidden": [8]}
LIMIT = 1500



def without_seconds(rows):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


def read_rows(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


@pytest.fixture(scope="module")
def pool_result(mnist_dir, tmp_path_factory):
    """A small sweep on the default pool of 2 spawned processes."""
    path = tmp_path_factory.mktemp("pool") / "results.jsonl"
    return fastnn.sweep("rashid", GRID, epochs=[1, 3], repeats=2, limit=LIMIT, results=path,
                        workers=2, data_dir=mnist_dir, progress=False)


def test_pool_rows_are_reproduced_by_single_fits(pool_result, mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert pool_result.failures == 0 and pool_result.trained == 4
    assert len(pool_result.rows) == 8
    assert len({row["seed"] for row in pool_result.rows}) == 4
    for row in pool_result.rows:
        net = fastnn.recipes.rashid(**row["params"], seed=row["seed"])
        history = net.fit(x_train[:LIMIT], y_train[:LIMIT], epochs=row["epoch"])
        test = net.evaluate(x_test, y_test)
        assert (row["test_accuracy"], row["test_loss"]) == (test["accuracy"], test["loss"])
        assert row["train_loss"] == history.history["loss"][-1]
        assert row["train_accuracy"] == history.history["accuracy"][-1]
        assert row["status"] == "ok" and row["error"] is None
        assert row["limit"] == LIMIT and row["fastnn_version"] == fastnn.__version__
    # The file holds exactly these rows (in the order the runs finished).
    assert sorted(map(json.dumps, read_rows(pool_result.path))) == \
           sorted(map(json.dumps, pool_result.rows))


def test_pool_reports_each_workers_overhead(pool_result):
    assert len(pool_result.workers) == 2
    assert len({w["pid"] for w in pool_result.workers} | {os.getpid()}) == 3
    for worker in pool_result.workers:
        for key in ("start_seconds", "import_seconds", "data_seconds", "compile_seconds"):
            assert 0 < worker[key] < 600


def test_results_do_not_depend_on_executor_or_workers(pool_result, mnist_dir, tmp_path):
    with CountingExecutor(workers=3) as threads:
        in_threads = fastnn.sweep("rashid", GRID, epochs=[1, 3], repeats=2, limit=LIMIT,
                                  executor=threads, data_dir=mnist_dir, progress=False)
    one_process = fastnn.sweep("rashid", GRID, epochs=[1, 3], repeats=2, limit=LIMIT,
                               workers=1, data_dir=mnist_dir, progress=False)
    assert without_seconds(in_threads.rows) == without_seconds(pool_result.rows)
    assert without_seconds(one_process.rows) == without_seconds(pool_result.rows)


def test_epoch_by_epoch_training_equals_a_fresh_fit(mnist):
    (x_train, y_train), _ = mnist
    # rashid in file order; nielsen shuffles every epoch from the network's generator.
    for recipe, overrides in (("rashid", {"hidden": 8}), ("nielsen", {"hidden": 8})):
        stepped = fastnn.recipes.make(recipe, **overrides, seed=3)
        for _ in range(3):
            stepped.fit(x_train[:500], y_train[:500], epochs=1)
        fresh = fastnn.recipes.make(recipe, **overrides, seed=3)
        fresh.fit(x_train[:500], y_train[:500], epochs=3)
        for a, b in zip(stepped.weights, fresh.weights):
            assert (a == b).all(), recipe


def test_each_row_is_on_disk_before_its_run_trains_on(mnist_dir, tmp_path):
    """A run is a chain of tasks: its row at epoch e is in the file before the task that
    trains it past e is submitted, whatever the executor (here a thread pool)."""
    path = tmp_path / "results.jsonl"
    with FileWatchingExecutor(path) as executor:
        result = fastnn.sweep("rashid", GRID, epochs=[1, 2, 4], repeats=2, limit=LIMIT,
                              results=path, executor=executor, data_dir=mnist_dir,
                              progress=False)
    assert result.failures == 0
    assert executor.submitted == 4 and executor.tasks == 4 * 3
    continuations = [(task, rows) for task, rows in executor.seen if task.state is not None]
    assert sorted((task.trained, task.target) for task, _ in continuations) == \
           [(1, 2)] * 4 + [(2, 4)] * 4
    for task, rows in continuations:
        rate = task.params["learning_rate"]
        assert (rate, task.repeat, task.trained) in rows
        assert (rate, task.repeat, task.target) not in rows
    # The chained run's last row equals that of a run trained to epoch 4 in one task.
    with CountingExecutor() as executor:
        straight = fastnn.sweep("rashid", GRID, epochs=4, repeats=2, limit=LIMIT,
                                executor=executor, data_dir=mnist_dir, progress=False)
        assert executor.tasks == 4
    assert without_seconds(straight.rows) == \
           without_seconds([row for row in result.rows if row["epoch"] == 4])


def test_resume_trains_nothing_again_and_a_bigger_grid_only_the_new_runs(mnist_dir, tmp_path):
    path = tmp_path / "results.jsonl"
    kwargs = dict(limit=LIMIT, results=path, data_dir=mnist_dir, progress=False)
    with CountingExecutor() as executor:
        first = fastnn.sweep("rashid", GRID, epochs=2, repeats=2, executor=executor, **kwargs)
        assert executor.submitted == executor.tasks == first.trained == 4
        lines = path.read_text()
        again = fastnn.sweep("rashid", GRID, epochs=2, repeats=2, executor=executor, **kwargs)
        assert executor.submitted == 4 and again.trained == 0
        assert path.read_text() == lines
        assert again.rows == first.rows
        bigger = fastnn.sweep("rashid", {"learning_rate": [0.1, 0.3, 0.5], "hidden": [8]},
                              epochs=2, repeats=3, executor=executor, **kwargs)
        assert executor.submitted == 4 + 5  # 0.5 x 3 repeats, and repeat 2 of 0.1 and 0.3
        assert len(bigger.rows) == 9
        assert [row for row in bigger.rows if row["params"]["learning_rate"] != 0.5
                and row["repeat"] < 2] == first.rows
    # More epochs of the same runs: each run trains again, and writes only the new rows.
    with CountingExecutor() as executor:
        more = fastnn.sweep("rashid", GRID, epochs=[2, 4], repeats=2, executor=executor, **kwargs)
        assert executor.submitted == executor.tasks == 4  # from scratch, straight to epoch 4
    epoch_2 = [row for row in more.rows if row["epoch"] == 2]
    assert epoch_2 == first.rows
    assert sum(1 for row in read_rows(path) if row["epoch"] == 2) == 3 * 3


def test_failures_are_rows_and_the_rest_goes_on(mnist_dir, tmp_path, monkeypatch):
    """A diverging run, a run that raises, and a worker process that dies, among good ones."""
    
    monkeypatch.setattr(runner, "RUN_TASK", sweep_helpers.run_task_with_faults)
    path = tmp_path / "results.jsonl"
    grid = {"learning_rate": [0.005, sweep_helpers.RAISE, sweep_helpers.DIE, 0.002, 5.0]}
    result = fastnn.sweep("linear", grid, epochs=[1, 2], limit=LIMIT, results=path, workers=2,
                          data_dir=mnist_dir, progress=False)
    by_rate = {}
    for row in result.rows:
        by_rate.setdefault(row["params"]["learning_rate"], []).append(row)
    assert [row["status"] for row in by_rate[5.0]] == ["failed"]
    assert by_rate[5.0][0]["epoch"] == 1
    assert by_rate[5.0][0]["error"].startswith("TrainingDivergedError: the training loss became")
    assert by_rate[sweep_helpers.RAISE][0]["error"] == (
        f"RuntimeError: injected failure for learning_rate={sweep_helpers.RAISE}")
    assert by_rate[sweep_helpers.DIE][0]["error"].startswith("BrokenProcessPool: the worker process")
    # A run in flight beside the dying one fails with it; the pool is rebuilt for the rest.
    good = [rate for rate in (0.005, 0.002) if by_rate[rate][-1]["status"] == "ok"]
    innocent = [rate for rate in (0.005, 0.002) if rate not in good]
    assert len(good) >= 1 and len(innocent) <= 1
    for rate in good:
        assert [row["epoch"] for row in by_rate[rate]] == [1, 2]
    for rate in innocent:  # its epoch 1 row may be in (ok) when it died at epoch 2
        assert by_rate[rate][-1]["error"].startswith("BrokenProcessPool")
    assert result.failures == 3 + len(innocent)
    assert len(read_rows(path)) == len(result.rows)

    # retry_failed reruns only the failed runs; without the faults, the injected ones pass.
    monkeypatch.setattr(runner, "RUN_TASK", runner.run_task)
    with CountingExecutor() as executor:
        retried = fastnn.sweep("linear", grid, epochs=[1, 2], limit=LIMIT, results=path,
                               executor=executor, data_dir=mnist_dir, progress=False,
                               retry_failed=True)
        assert executor.submitted == result.failures
    assert retried.failures == 1  # the diverging rate diverges again
    assert {row["params"]["learning_rate"] for row in retried.rows
            if row["status"] == "failed"} == {5.0}


def test_cli_exit_status_files_and_figures(mnist_dir, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["sweep", "--recipe", "linear", "--grid", "learning_rate=0.005,0.002,5",
            "--epochs", "1-2", "--limit", "600", "--out", str(out), "--workers", "1",
            "--data-dir", str(mnist_dir)]
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "1 run(s) failed" in captured.err
    assert "sweep: 3/3 runs, 1 failed" in captured.err
    assert "learning_rate  epoch    mean" in captured.out
    names = sorted(p.name for p in out.iterdir())
    assert names == ["epoch-by-learning_rate.png", "learning_rate-by-epoch.png", "results.jsonl",
                     "summary.csv"]
    assert all((out / n).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for n in names if n.endswith(".png"))
    summary = (out / "summary.csv").read_text().splitlines()
    assert summary[0] == "learning_rate,epoch,mean,std,count,min,max,failed"
    assert len(summary) == 1 + 2 * 2 + 1  # the diverging run has its failed row only
    assert summary[-1] == "5.0,1,nan,nan,0,nan,nan,1"
    # Again: every run is in the file (the failed one is not retried); nothing trains.
    assert main(args) == 1
    assert f"linear: 3 runs, 5 rows: 0 run(s) trained now in 0.0 s, 3 from " \
           f"{out / 'results.jsonl'}; 1 failed" in capsys.readouterr().out
    assert main(args[:-2] + ["--data-dir", str(mnist_dir), "--grid", "learning_rate=0.005"]) == 1
    assert "--grid learning_rate= is given twice" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["--recipe", "rashid", "--grid", "hiden=5"], "takes no keyword 'hiden'"),
    (["--recipe", "rashid", "--grid", "hidden=5,x"], "--grid hidden= takes int values, got 'x'"),
    (["--recipe", "rashid", "--grid", "hidden="], "has an empty value"),
    (["--recipe", "rashid", "--grid", "hidden=5", "--epochs", "0"], "epochs must be positive"),
    (["--recipe", "rashid", "--grid", "hidden=5", "--repeats", "0"], "--repeats must be at least 1, got 0"),
    (["--recipe", "mlp", "--grid", "hidden=5"], "recipe must be one of"),
    (["--preset", "rashid-depth"], "preset must be one of"),
    (["--preset", "rashid-hidden", "--grid", "hidden=5"], "--preset sets its own grid"),
])
def test_cli_bad_input(tmp_path, capsys, argv, message):
    assert main(["sweep", *argv, "--out", str(tmp_path / "out")]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def _start_cli_sweep(out, mnist_dir):
    command = [sys.executable, "-m", "fastnn", "sweep", "--recipe", "rashid",
               "--grid", "learning_rate=0.1,0.2,0.3", "--grid", "hidden=8", "--epochs", "1,2",
               "--repeats", "5", "--limit", "2000", "--workers", "1", "--out", str(out),
               "--data-dir", str(mnist_dir), "--quiet"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_cli_sweep_resumes(mnist_dir, tmp_path, how):
    out = tmp_path / "out"
    results = out / "results.jsonl"
    process = _start_cli_sweep(out, mnist_dir)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            if results.exists() and results.read_text().count("\n") >= 4:
                break
            time.sleep(0.02)
        process.send_signal(how)
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the pool's processes, if any are left
        except ProcessLookupError:
            pass
    assert code == (130 if how == signal.SIGINT else -signal.SIGKILL)
    lines = results.read_bytes().split(b"\n")
    complete = [json.loads(line) for line in lines[:-1]]  # every complete line is valid
    assert 4 <= len(complete) < 30
    held = {(r["params"]["learning_rate"], r["repeat"], r["epoch"]) for r in complete}
    done_runs = {(rate, repeat) for rate, repeat, epoch in held if epoch == 2
                 and (rate, repeat, 1) in held}

    with CountingExecutor() as executor:
        resumed = fastnn.sweep("rashid", {"learning_rate": [0.1, 0.2, 0.3], "hidden": [8]},
                               epochs=[1, 2], repeats=5, limit=2000, results=results,
                               executor=executor, data_dir=mnist_dir, progress=False)
        assert executor.submitted == 15 - len(done_runs)  # a run with epoch 1 only trains again
    with CountingExecutor() as executor:
        whole = fastnn.sweep("rashid", {"learning_rate": [0.1, 0.2, 0.3], "hidden": [8]},
                             epochs=[1, 2], repeats=5, limit=2000, executor=executor,
                             data_dir=mnist_dir, progress=False)
    assert without_seconds(resumed.rows) == without_seconds(whole.rows)
    assert len(read_rows(results)) == 30


WORKER_WARM_UP = """
import json
import fastnn
from fastnn.compilation import needs_compiling
from fastnn.datasets import load_mnist
from fastnn.experiments.worker import Task, prepare_worker

task = Task(recipe="linear", params={{}}, repeat=0, seed=1, epochs=(1,), limit=200)
(x_train, y_train), _ = prepare_worker(task)
# A per-sample linear run never calls the mini-batch loop; only fastnn.compile, which
# covers every loop of the recipe, can have put it in the cache.
batched = fastnn.recipes.linear(batch_size=10, dtype={dtype!r})
print(json.dumps({{"batch_needs_compiling": needs_compiling(batched, x_train[:10], y_train[:10]),
                   "float_needs_compiling": needs_compiling(
                       batched, x_train[:10].astype({dtype!r}) / 255, y_train[:10])}}))
"""


def test_worker_compiles_the_recipe_before_its_first_run(tmp_path, mnist_dir):
    """The worker's warm-up runs fastnn.compile for the run's recipe and dtype: on an
    empty cache, afterwards even loops that the run's own configuration never calls (the
    mini-batch loop, float inputs) are in Numba's cache."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba-cache"),
           "FASTNN_NUMBA_CACHE": "1", "FASTNN_DATA": str(mnist_dir)}
    env.pop("NUMBA_DISABLE_JIT", None)
    script = WORKER_WARM_UP.format(dtype="float64")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "batch_needs_compiling": False, "float_needs_compiling": False}
