"""The update-only bound (fastnn.calibration) and the machine description (fastnn.machine)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from fastnn import calibration, machine
from fastnn.kernels.fast import input_major
from fastnn.kernels.plain import plain


@pytest.mark.bitwise
def test_update_only_epoch_is_repeated_outer_updates():
    """The compiled pass, 3 times, against NumPy's ``WT -= lr * outer(x, d)`` 3 times."""
    weights_t, inputs, deltas, lr = calibration.update_only_operands((7, 5, 3), "float64", seed=2)
    expected = [w.copy() for w in weights_t]
    for _ in range(3):
        for w, x, d in zip(expected, inputs, deltas):
            w -= lr * np.outer(x, d)
    calibration.update_only_epoch(weights_t, inputs, deltas, lr, 3)
    for got, want in zip(weights_t, expected):
        np.testing.assert_array_equal(got, want)
    lists = [w.tolist() for w in calibration.update_only_operands((7, 5, 3), seed=2)[0]]
    for _ in range(3):  # the pass's loop, uncompiled, on lists
        for w, x, d in zip(lists, inputs, deltas):
            plain(input_major).update_weights(w, d.tolist(), x.tolist(), float(lr))
    for got, want in zip(lists, expected):
        np.testing.assert_array_equal(np.array(got), want)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_bound_times_the_pass_and_keeps_every_repeat(dtype):
    bound = calibration.update_only_bound([20, 8, 4], dtype, samples=50, repeats=3)
    assert bound.sizes == (20, 8, 4) and bound.dtype == dtype and bound.samples == 50
    assert len(bound.rates) == 3 and all(rate > 0 for rate in bound.rates)
    assert bound.samples_per_second == max(bound.rates)
    assert bound.fraction(bound.samples_per_second / 4) == pytest.approx(0.25)


def test_operands_are_seeded_and_of_the_dtype():
    first = calibration.update_only_operands((6, 4, 2), "float32", seed=1)
    second = calibration.update_only_operands((6, 4, 2), "float32", seed=1)
    for a, b in zip(first[:3], second[:3]):
        for x, y in zip(a, b):
            assert x.dtype == np.float32
            np.testing.assert_array_equal(x, y)
    assert [w.shape for w in first[0]] == [(6, 4), (4, 2)]
    assert first[3].dtype == np.float32


@pytest.mark.parametrize("arguments, message", [
    (dict(sizes=(784,)), r"at least two layer sizes >= 1, got \(784,\)"),
    (dict(sizes=(784, 0)), r"got \(784, 0\)"),
    (dict(sizes=(4, 2), dtype="int64"), r"float64 or float32, got 'int64'"),
    (dict(sizes=(4, 2), samples=0), r"samples and repeats must be >= 1, got 0 and 5"),
])
def test_bad_arguments_are_named(arguments, message):
    with pytest.raises(ValueError, match=message):
        calibration.update_only_bound(**arguments)


def test_cache_size_reads_a_sysfs_tree(tmp_path):
    for index, (level, kind, size) in enumerate([(1, "Data", "48K"), (1, "Instruction", "32K"),
                                                 (2, "Unified", "2048K"), (3, "Unified", "300M")]):
        folder = tmp_path / f"index{index}"
        folder.mkdir()
        (folder / "level").write_text(f"{level}\n")
        (folder / "type").write_text(f"{kind}\n")
        (folder / "size").write_text(f"{size}\n")
    assert machine.cache_size(1, tmp_path) == 48 * 1024
    assert machine.cache_size(2, tmp_path) == 2 * 2**20
    assert machine.cache_size(3, tmp_path) == 300 * 2**20
    assert machine.cache_size(4, tmp_path) is None


def test_parse_size_quotes_what_it_cannot_read():
    assert machine._parse_size("512") == 512
    with pytest.raises(ValueError, match="'2 MB'"):
        machine._parse_size("2 MB")


def test_cpu_description_names_the_cpu():
    description = machine.cpu_description()
    assert description.startswith(machine.cpu_name())
    assert "logical CPUs" in description


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="no CPU affinity here")
def test_usable_cpus_follow_the_affinity_mask():
    """A process limited to one CPU (``taskset``-style) counts one, as its pools should."""
    code = ("import os; from fastnn.machine import usable_cpus; "
            "os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); print(usable_cpus())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "1"
    assert machine.usable_cpus() == len(os.sched_getaffinity(0))


WITHOUT_THE_JIT = """
import fastnn
from fastnn import calibration
from fastnn.cli.benchmark import _print_bound

_print_bound(fastnn.recipes.linear(sizes=[6, 3]), 1000.0)
try:
    calibration.update_only_bound((6, 3))
except ValueError as error:
    print(f"refused: {error}")
"""


def test_without_the_jit_there_is_no_bound():
    """Under NUMBA_DISABLE_JIT=1 the pass would be plain Python (hours at a network's
    sizes): ``--benchmark`` says there is no bound, and the function refuses."""
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    result = subprocess.run([sys.executable, "-c", WITHOUT_THE_JIT], capture_output=True,
                            text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "benchmark: no update-only bound: it times the compiled pass, and NUMBA_DISABLE_JIT=1 "
        "is set",
        "refused: the update-only bound times the compiled pass, and NUMBA_DISABLE_JIT=1 is "
        "set; unset it to measure the bound",
    ]
