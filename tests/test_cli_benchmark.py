"""``fastnn train --benchmark``: its figures are printed, and agree with each other."""

from __future__ import annotations

import re

import pytest

from fastnn import config
from fastnn.cli import main
from fastnn.cli import train as train_command
from fastnn.machine import cpu_name

pytestmark = pytest.mark.realdata

LIMIT = 500
MAIN_LINE = re.compile(
    r"^benchmark: (?P<backend>\w+): (?P<seconds>[\d.e+-]+) s per epoch \(median of "
    r"(?P<epochs>\d+) epoch\(s\)\), (?P<rate>[\d,.e+-]+) samples/s, JIT compilation "
    r"(?P<jit>[\d.e+-]+) s$", re.MULTILINE)
COMPARISON_LINE = re.compile(
    r"^benchmark: (?P<backend>\w+): (?P<seconds>[\d.e+-]+) s per epoch \((?P<details>[^)]*)\), "
    r"(?P<rate>[\d,.e+-]+) samples/s; speedup of (?P<main>\w+) over (?P=backend): "
    r"(?P<ratio>[\d.e+-]+)x$", re.MULTILINE)


BLAS_LINE = re.compile(
    r"^benchmark: NumPy's BLAS: (?P<library>\w+) (?P<version>[\w.]+) \(kernel (?P<kernel>\w+), "
    r"(?P<threads>\d+ threads?)\), in a process of its own; (?P<note>.+)$", re.MULTILINE)
BOUND_LINE = re.compile(
    r"^benchmark: update-only bound on (?P<cpu>.+): (?P<bound>[\d,.e+-]+) samples/s \(one W -= "
    r"lr \* outer\(delta, x\) pass per layer, plain compiled loop, best of \d+\); "
    r"(?P<backend>\w+) per-sample training \((?P<vectors>\d+-bit vectors|LLVM's vector width "
    r"for the CPU)\) at (?P<fraction>[\d.]+) of it$", re.MULTILINE)


def number(text: str) -> float:
    return float(text.replace(",", ""))


def assert_close(printed: float, computed: float, digits: int = 4):
    """``printed`` is ``computed`` rounded to ``digits`` significant digits (or nearly)."""
    assert printed == pytest.approx(computed, rel=3 * 10.0 ** -(digits - 1))


def run_benchmark(mnist_dir, capsys, *options):
    code = main(["train", "--recipe", "linear", "--limit", str(LIMIT), "--quiet", "--benchmark",
                 "--data-dir", str(mnist_dir), *options])
    assert code == 0
    return capsys.readouterr().out


def test_benchmark_prints_consistent_figures(mnist_dir, capsys, monkeypatch):
    # a plain-Python stretch shorter than the run, so that its scaling is exercised too
    monkeypatch.setitem(train_command.BENCHMARK_STRETCH, "python", 200)
    out = run_benchmark(mnist_dir, capsys, "--epochs", "2")

    assert re.search(r"^benchmark: linear \[784, 10\], batch_size=1, float64, 1 thread\(s\), 500 "
                     r"images per epoch; engine time, JIT compilation excluded$", out, re.MULTILINE)
    blas = BLAS_LINE.search(out)
    assert blas and blas["threads"] == "1 thread", out
    main_run = MAIN_LINE.search(out)
    assert main_run, out
    assert main_run["backend"] == "numba" and main_run["epochs"] == "2"
    main_seconds = number(main_run["seconds"])
    assert main_seconds > 0 and number(main_run["jit"]) >= 0
    assert_close(number(main_run["rate"]) * main_seconds, LIMIT, digits=3)

    bound = BOUND_LINE.search(out)
    assert bound, out
    assert bound["backend"] == "numba" and bound["cpu"].startswith(cpu_name())
    assert bound["vectors"] == config.vector_width_description()
    assert_close(number(bound["fraction"]), number(main_run["rate"]) / number(bound["bound"]),
                 digits=2)

    comparisons = {m["backend"]: m for m in COMPARISON_LINE.finditer(out)}
    assert set(comparisons) == {"numpy", "python"}, out
    assert comparisons["numpy"]["details"] == "all 500 images"
    assert comparisons["python"]["details"] == "scaled from 200 images"
    for line in comparisons.values():
        seconds, ratio = number(line["seconds"]), number(line["ratio"])
        assert line["main"] == "numba"
        assert_close(ratio, seconds / main_seconds)
        # seconds per epoch of all 500 images, samples/s of the images actually timed
        assert_close(number(line["rate"]) * seconds, LIMIT, digits=3)


def test_benchmark_from_another_backend_compares_with_numba(mnist_dir, capsys):
    out = run_benchmark(mnist_dir, capsys, "--backend", "numpy", "--dtype", "float32")
    main_run = MAIN_LINE.search(out)
    assert main_run and main_run["backend"] == "numpy"
    comparisons = {m["backend"]: m for m in COMPARISON_LINE.finditer(out)}
    assert set(comparisons) == {"numba", "python"}, out
    assert comparisons["numba"]["details"] == "all 500 images"
    assert comparisons["python"]["details"] == "all 500 images, float64"
    for line in comparisons.values():
        assert line["main"] == "numpy"
        assert_close(number(line["ratio"]), number(line["seconds"]) / number(main_run["seconds"]))


def test_without_benchmark_no_benchmark_lines(mnist_dir, capsys):
    code = main(["train", "--recipe", "linear", "--limit", "100", "--quiet",
                 "--data-dir", str(mnist_dir)])
    assert code == 0
    assert "benchmark:" not in capsys.readouterr().out


def test_mini_batch_benchmark_says_the_bound_does_not_apply(mnist_dir, capsys, monkeypatch):
    monkeypatch.setitem(train_command.BENCHMARK_STRETCH, "python", 50)
    code = main(["train", "--recipe", "nielsen", "--limit", "200", "--epochs", "1", "--quiet",
                 "--benchmark", "--data-dir", str(mnist_dir)])
    assert code == 0
    out = capsys.readouterr().out
    assert not BOUND_LINE.search(out)
    assert re.search(r"^benchmark: no update-only bound: it bounds per-sample SGD, and this run "
                     r"trains in mini-batches of 10 \(sgd\)$", out, re.MULTILINE), out


def kernel_of_a_fresh_numpy(**env):
    """The OpenBLAS kernel that a new process picks, with ``env`` on top of ours."""
    import json
    import os
    import subprocess
    import sys

    script = "import json; from fastnn.blas import blas_info; print(json.dumps(blas_info()))"
    environment = {**os.environ, **env}
    if "OPENBLAS_CORETYPE" not in env:
        environment.pop("OPENBLAS_CORETYPE", None)
    done = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout)[0]["architecture"]


def test_the_numpy_baseline_runs_on_the_cpu_s_own_kernel(mnist_dir, capsys, monkeypatch):
    """With OPENBLAS_CORETYPE forcing an old kernel, the NumPy comparison still runs on the
    kernel OpenBLAS picks for the CPU, in a process of its own, with fastnn's threads, and
    the report says so."""
    own = kernel_of_a_fresh_numpy()
    forced = "Haswell" if own != "Haswell" else "Sandybridge"
    assert kernel_of_a_fresh_numpy(OPENBLAS_CORETYPE=forced) == forced  # the variable bites
    monkeypatch.setenv("OPENBLAS_CORETYPE", forced)
    monkeypatch.setitem(train_command.BENCHMARK_STRETCH, "python", 50)
    out = run_benchmark(mnist_dir, capsys, "--threads", "2")  # linear's 10 columns: 1 thread
    blas = BLAS_LINE.search(out)
    assert blas, out
    assert blas["kernel"] == own and blas["threads"] == "1 thread"
    assert ", float64, 1 thread(s), 500 images per epoch" in out
    assert blas["note"] == (f"OPENBLAS_CORETYPE={forced} is set here; the NumPy baseline ran "
                            "without it, in a process of its own, on the kernel OpenBLAS picks "
                            "for the CPU")
