"""The sweep's grid, seeds, results file and bad input: nothing here trains a network."""

from __future__ import annotations

import json

import pytest

import fastnn
from fastnn.cli.sweep import parse_epochs, parse_grid
from fastnn.experiments import grid as grids
from fastnn.experiments.results import ResultsFile
from fastnn.experiments.worker import Task, result_row
from sweep_helpers import CountingExecutor



def test_seeds_depend_on_the_combination_and_repeat_not_on_order():
    forward = grids.expand({"learning_rate": [0.1, 0.2], "hidden": [5, 10]}, 3, seed=7)
    backward = grids.expand({"hidden": [10, 5], "learning_rate": [0.2, 0.1]}, 3, seed=7)
    assert {(grids.encode_params(r.params), r.repeat): r.seed for r in forward} == \
           {(grids.encode_params(r.params), r.repeat): r.seed for r in backward}
    assert len({r.seed for r in forward}) == len(forward) == 12
    other = grids.expand({"learning_rate": [0.1, 0.2], "hidden": [5, 10]}, 3, seed=8)
    assert not {r.seed for r in forward} & {r.seed for r in other}


def test_seed_is_a_seedsequence_of_the_encoded_combination():
    import hashlib

    import numpy as np

    params = {"learning_rate": 0.3, "hidden": 100}
    digest = hashlib.sha256(b'{"hidden":100,"learning_rate":0.3}').digest()
    words = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]
    expected = int(np.random.SeedSequence([5, 2, *words]).generate_state(1)[0])
    assert grids.derive_seed(5, params, 2) == expected


def test_grid_values_are_typed_by_the_recipe():
    grid = grids.check_grid("rashid", {"learning_rate": [1, 0.5], "hidden": [10],
                                       "dtype": ["float32"]})
    assert grid == {"learning_rate": [1.0, 0.5], "hidden": [10], "dtype": ["float32"]}
    assert isinstance(grid["learning_rate"][0], float)
    assert parse_grid("rashid", ["learning_rate=0.1,1", "hidden=5,10", "backend=numpy"]) == {
        "learning_rate": [0.1, 1.0], "hidden": [5, 10], "backend": ["numpy"]}
    assert parse_grid("keras", ["use_bias=false"]) == {"use_bias": [False]}


def test_epochs_forms():
    assert parse_epochs("5") == 5
    assert parse_epochs("1,2,3") == [1, 2, 3]
    assert parse_epochs("1-10") == list(range(1, 11))
    assert grids.check_epochs([3, 1, 3]) == (1, 3)
    for bad in ("", "a", "1-b", "1,,2"):
        with pytest.raises(ValueError, match="--epochs"):
            parse_epochs(bad)
    with pytest.raises(ValueError, match="backwards"):
        parse_epochs("5-2")


@pytest.mark.parametrize("kwargs, message", [
    (dict(recipe="resnet"), r"recipe must be one of .*got 'resnet'"),
    (dict(grid={"hiden": [5]}), r"takes no keyword 'hiden'; its keywords are .*hidden.*learning_rate"),
    (dict(recipe="linear", grid={"hidden": [5]}), r"'linear' takes no keyword 'hidden'"),
    (dict(grid={"seed": [1, 2]}), r"grid key 'seed' is not allowed.*seed="),
    (dict(grid={"hidden": []}), r"grid\['hidden'\] is an empty list"),
    (dict(grid={"hidden": 5}), r"grid\['hidden'\] must be a list of values, got 5"),
    (dict(grid={"hidden": [5.5]}), r"grid\['hidden'\] .* takes int values, got 5\.5"),
    (dict(grid={"learning_rate": ["fast"]}), r"takes float values, got 'fast'"),
    (dict(grid={"learning_rate": [True]}), r"takes float values, got True"),
    (dict(grid={"learning_rate": [-0.1]}), r"refuses the grid's combination .*learning_rate must be > 0, got -0\.1"),
    (dict(grid={"dtype": ["float16"]}), r"dtype must be one of .*got 'float16'"),
    (dict(grid={"hidden": [5, 5]}), r"lists a value twice"),
    (dict(repeats=0), r"repeats must be an integer >= 1, got 0"),
    (dict(repeats=2.0), r"repeats must be an integer >= 1, got 2\.0"),
    (dict(epochs=0), r"epochs must be positive integers, got 0"),
    (dict(epochs=[1, -2]), r"epochs must be positive integers, got -2"),
    (dict(epochs=1.5), r"epochs must be a positive integer or a list of them, got 1\.5"),
    (dict(epochs=[]), r"epochs is empty"),
    (dict(limit=0), r"limit must be an integer >= 1, got 0"),
    (dict(seed=-1), r"seed must be an integer >= 0, got -1"),
    (dict(workers=0), r"workers must be an integer >= 1, got 0"),
])
def test_bad_input_fails_before_any_training(tmp_path, kwargs, message):
    arguments = dict(recipe="rashid", grid={"hidden": [5]}, limit=100,
                     results=tmp_path / "out" / "results.jsonl")
    arguments.update(kwargs)
    recipe = arguments.pop("recipe")
    grid = arguments.pop("grid")
    with CountingExecutor() as executor:
        with pytest.raises(ValueError, match=message):
            fastnn.sweep(recipe, grid, executor=executor if "workers" not in kwargs else None,
                         progress=False, **arguments)
        assert executor.submitted == 0
    assert not (tmp_path / "out").exists()


def test_results_paths(tmp_path):
    nested = tmp_path / "a" / "b" / "results.jsonl"
    ResultsFile(nested, "rashid", None).close()
    assert nested.exists()
    with pytest.raises(IsADirectoryError, match="is a directory"):
        ResultsFile(tmp_path, "rashid", None)
    (tmp_path / "file").write_text("x")
    with pytest.raises(OSError, match="cannot create the directory .*file"):
        ResultsFile(tmp_path / "file" / "results.jsonl", "rashid", None)


def test_unwritable_results_directory_fails_at_once(tmp_path):
    import os

    if os.geteuid() == 0:
        pytest.skip("root may write anywhere: a read-only directory does not stop it")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(PermissionError, match="not writable"):
        ResultsFile(locked / "results.jsonl", "rashid", None)


def _row(epoch, accuracy=0.5, status="ok", recipe="rashid", limit=100, repeat=0):
    task = Task(recipe, {"hidden": 5}, repeat, 11, (1, 2), limit)
    if status == "failed":
        return result_row(task, epoch, error="boom")
    return result_row(task, epoch, metrics={"test_accuracy": accuracy})


def test_results_file_reads_rows_and_cuts_a_torn_last_line(tmp_path):
    path = tmp_path / "results.jsonl"
    lines = [json.dumps(_row(1, 0.4)), json.dumps(_row(2, 0.6))]
    path.write_text(lines[0] + "\n" + lines[1] + "\n" + lines[1][:25])
    with ResultsFile(path, "rashid", 100) as results:
        assert results.torn_line
        assert [row["test_accuracy"] for row in results.rows.values()] == [0.4, 0.6]
        results.append(_row(1, 0.9))
    assert path.read_text().splitlines() == [*lines, json.dumps(_row(1, 0.9))]
    with ResultsFile(path, "rashid", 100) as again:  # the later row wins
        assert not again.torn_line
        assert [row["test_accuracy"] for row in again.rows.values()] == [0.9, 0.6]


def test_results_file_refuses_another_sweep_and_a_broken_middle_line(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps(_row(1)) + "\n")
    with pytest.raises(ValueError, match=r"results of another sweep .*recipe 'rashid', limit 100.*"
                                         r"this sweep is recipe 'rashid', limit 200"):
        ResultsFile(path, "rashid", 200)
    with pytest.raises(ValueError, match="recipe 'nielsen'"):
        ResultsFile(path, "nielsen", 100)
    ResultsFile(path, "nielsen", 100, resume=False).close()  # replaces it
    assert path.read_text() == ""
    path.write_text("{not json\n" + json.dumps(_row(1)) + "\n")
    with pytest.raises(ValueError, match="line 1 is not a sweep result row"):
        ResultsFile(path, "rashid", 100)


def test_a_results_file_in_use_by_another_sweep_is_refused(tmp_path):
    """Two sweeps appending to one file would interleave rows and cut each other's
    lines; the second is refused until the first closes the file."""
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps(_row(1)) + "\n")
    with ResultsFile(path, "rashid", 100) as first:
        for resume in (True, False):
            with pytest.raises(ValueError, match="another running sweep is writing the "
                                                 "results file"):
                ResultsFile(path, "rashid", 100, resume=resume)
        first.append(_row(2))
    assert [json.loads(line)["epoch"] for line in path.read_text().splitlines()] == [1, 2]
    with ResultsFile(path, "rashid", 100) as second:
        assert len(second.rows) == 2


def test_summary_statistics_over_repeats():
    from fastnn.experiments import SweepResult

    rows = [_row(1, 0.5, repeat=0), _row(1, 0.7, repeat=1), _row(1, status="failed", repeat=2)]
    result = SweepResult("rashid", {"hidden": [5]}, (1,), 3, rows)
    [group] = result.summary()
    assert group["hidden"] == 5 and group["epoch"] == 1
    assert group["mean"] == pytest.approx(0.6)
    assert group["std"] == pytest.approx(0.1414213562)
    assert (group["count"], group["min"], group["max"], group["failed"]) == (2, 0.5, 0.7, 1)
    assert result.failures == 1
    text = result.to_csv()
    assert text.splitlines()[0] == "hidden,epoch,mean,std,count,min,max,failed"
    with pytest.raises(ValueError, match="'learning_rate' is neither"):
        result.summary(by=["learning_rate"])


def test_lazy_exports_keep_import_cheap():
    import subprocess
    import sys

    code = ("import sys, fastnn; fastnn.sweep; fastnn.SweepResult; import fastnn.plots; "
            "print(sorted(m for m in ('numpy', 'numba', 'matplotlib', 'distributed') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
