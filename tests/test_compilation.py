"""``fastnn compile`` and the cold-cache notice of ``fastnn train``, in fresh processes.

One Numba cache directory, empty at first, goes through a user's story in order: a
first ``fastnn train`` (which says it compiles), ``fastnn compile`` (which compiles what
is left and loads the rest), a second ``fastnn compile`` (everything cached), then a new
process's fit and predict, which compiles nothing, and a ``fastnn train`` without the
notice. Numba's own cache hit and miss counters are the evidence.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

import fastnn
from fastnn.compilation import FIRST_COMPILE

RECIPE, DTYPE = "linear", "float32"
NOTICE = f"compiling fastnn's kernels for {DTYPE} (first run on this machine, {FIRST_COMPILE}"

FIT_AND_PREDICT = """
import json
import numpy as np
import fastnn
from fastnn.compilation import loop_functions
rng = np.random.default_rng(0)
images = rng.integers(0, 256, (20, 28, 28), dtype=np.uint8)
labels = rng.integers(0, 10, 20)
for batch_size in (1, 4):
    net = fastnn.recipes.make({recipe!r}, dtype={dtype!r}, batch_size=batch_size)
    for x in (images, images.astype({dtype!r}) / 255):
        net.fit(x, labels, epochs=1)
        net.predict(x)
stats = [f.stats for f in loop_functions()]
print(json.dumps({{"hits": sum(sum(s.cache_hits.values()) for s in stats),
                   "misses": sum(sum(s.cache_misses.values()) for s in stats)}}))
"""


def run(args, cache_dir, data_dir=None):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir), "FASTNN_NUMBA_CACHE": "1"}
    env.pop("NUMBA_DISABLE_JIT", None)
    if data_dir is not None:
        env["FASTNN_DATA"] = str(data_dir)
    result = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def train(cache_dir, data_dir):
    return run(["-m", "fastnn", "train", "--recipe", RECIPE, "--dtype", DTYPE, "--limit", "50",
                "--quiet"], cache_dir, data_dir)


@pytest.fixture(scope="module")
def story(tmp_path_factory, mnist_dir):
    """The outputs of each step, on one cache directory that starts empty."""
    cache_dir = tmp_path_factory.mktemp("numba-cache")
    compile_command = ["-m", "fastnn", "compile", "--recipe", RECIPE, "--recipe", "keras",
                       "--dtype", DTYPE, "--processes", "2"]
    steps = {"first_train": train(cache_dir, mnist_dir)}
    steps["compile"] = run(compile_command, cache_dir)
    steps["compile_again"] = run(compile_command, cache_dir)
    script = FIT_AND_PREDICT.format(recipe=RECIPE, dtype=DTYPE)
    steps["fit_and_predict"] = json.loads(run(["-c", script], cache_dir).splitlines()[-1])
    steps["second_train"] = train(cache_dir, mnist_dir)
    return steps


def recipe_line(output, recipe):
    return next(line for line in output.splitlines() if line.strip().startswith(f"{recipe} "))


def test_a_first_train_says_it_compiles_before_it_starts(story):
    lines = story["first_train"].splitlines()
    assert lines[1].startswith(NOTICE), lines[:3]
    assert "`fastnn compile` does this ahead of time" in lines[1]
    assert re.search(r"JIT compilation [\d.]+ s \+ training", story["first_train"])


def test_compile_compiles_what_is_missing_and_loads_what_train_cached(story):
    out = story["compile"]
    # train compiled per-sample training and prediction on uint8 pixels: loaded now;
    # the float-input loops and the mini-batch training and prediction are new.
    assert re.search(r"linear +float32: compiled 6 loop\(s\) \(\d+ functions\), loaded 2 "
                     r"from the cache", recipe_line(out, "linear")), out
    assert re.search(r"keras +float32: compiled \d loop\(s\)", recipe_line(out, "keras")), out
    processes = {re.search(r"\(process (\d+)\)", recipe_line(out, r)).group(1)
                 for r in ("linear", "keras")}
    assert len(processes) == 2, out  # a 1-layer and a 2-layer group, one process each


def test_a_second_compile_loads_everything_from_the_cache(story):
    out = story["compile_again"]
    assert "compiled none" in out and "compiled " not in out.replace("compiled none", ""), out
    assert re.search(r"linear +float32: loaded 8 from the cache", out), out
    assert re.search(r"keras +float32: loaded 4 from the cache", out), out


def test_after_compile_a_new_process_compiles_nothing(story):
    counts = story["fit_and_predict"]
    assert counts["misses"] == 0 and counts["hits"] > 0, counts


def test_a_train_after_compile_says_nothing_about_compiling(story):
    assert "compiling fastnn's kernels" not in story["second_train"]
    assert "test accuracy:" in story["second_train"]


@pytest.mark.parametrize("kwargs, message", [
    ({"recipes": ["rashid", "lenet"]}, "recipe must be one of 'linear', .* got 'lenet'"),
    ({"recipes": "resnet"}, "got 'resnet'"),
    ({"dtypes": ["float16"]}, "dtype must be one of 'float64', 'float32', got 'float16'"),
    ({"dtypes": []}, "dtypes is empty"),
    ({"processes": 0}, "processes must be None or an integer >= 1, got 0"),
])
def test_bad_names_are_refused_before_anything_compiles(kwargs, message):
    with pytest.raises(ValueError, match=message):
        fastnn.compile(**kwargs)


def test_the_command_refuses_an_unknown_recipe(capsys):
    from fastnn.cli import main

    with pytest.raises(SystemExit) as raised:
        main(["compile", "--recipe", "lenet"])
    assert raised.value.code == 2
    assert "invalid choice: 'lenet'" in capsys.readouterr().err


def test_internal_loops_refuse_python_calls():
    """A loop built without its CPython wrapper says so instead of crashing."""
    import numpy as np

    from fastnn import config
    from fastnn.kernels import steps

    if config.DISABLE_JIT:
        pytest.skip("NUMBA_DISABLE_JIT=1: the loops are plain Python")
    with pytest.raises(TypeError, match="fill_zero is compiled for fastnn's compiled loops only"):
        steps.fill_zero(np.ones(3))
    v = np.ones(3)
    steps.fill_zero.py_func(v)
    assert not v.any()


SAY_IF_COMPILING = """
import numpy as np
import fastnn
from fastnn.cli.train import _say_if_compiling

images = np.zeros((2, 28, 28), dtype=np.uint8)
_say_if_compiling(fastnn.recipes.linear(dtype={dtype!r}), images, np.arange(2), images)
"""


def test_without_the_cache_the_notice_does_not_offer_fastnn_compile(tmp_path):
    """With FASTNN_NUMBA_CACHE=0 every run compiles and ``fastnn compile`` refuses, so
    the notice says why instead of sending the user to it."""
    env = {**os.environ, "FASTNN_NUMBA_CACHE": "0", "NUMBA_CACHE_DIR": str(tmp_path)}
    env.pop("NUMBA_DISABLE_JIT", None)
    result = subprocess.run([sys.executable, "-c", SAY_IF_COMPILING.format(dtype=DTYPE)],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"compiling fastnn's kernels for {DTYPE} ({FIRST_COMPILE}, on every run: "
        "FASTNN_NUMBA_CACHE=0 turns Numba's cache off)"]
