"""The ladder's rungs (benchmarks.ladder) train the same network: each rung that claims
the bits of the rung before gives them, and the others agree to rounding."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.ladder import rungs
from benchmarks.ladder.__main__ import collect, markdown


def small_problem(n=12, hidden=20, seed=0):
    """Rashid-like weights (20 hidden units), inputs in 0.01..1.0, 0.01/0.99 targets, and
    the uint8 images and labels the inputs are made from."""
    from fastnn import recipes

    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    images[rng.uniform(size=images.shape) < 0.6] = 0
    labels = rng.integers(0, 10, n)
    net = recipes.rashid(hidden=hidden, seed=seed)
    X = net._prepare_x(images).scaled(slice(None), np.dtype(np.float64))
    T = np.where(np.eye(10)[labels] > 0, 0.99, 0.01)
    return [np.array(w, order="C") for w in net.weights], X, T, images, labels


@pytest.mark.bitwise
def test_every_rung_trains_the_same_network():
    (weights_ih, weights_ho), X, T, images, labels = small_problem()
    trained = []
    for step in rungs.ladder():
        extra = (images, labels) if issubclass(step.rung, rungs.EngineLoop) else ()
        rung = step.rung(weights_ih, weights_ho, X, T, 0.1, *extra)
        rung.train(0, len(X))
        trained.append([np.asarray(w, dtype=np.float64) for w in rung.trained_weights()])
    for index, step in enumerate(rungs.ladder()[1:], start=1):
        for now, before in zip(trained[index], trained[index - 1]):
            if step.bitwise:
                np.testing.assert_array_equal(now, before, err_msg=step.rung.name)
            else:
                np.testing.assert_allclose(now, before, rtol=0, atol=1e-12, err_msg=step.rung.name)
    first = trained[0][0]
    assert not np.array_equal(first, weights_ih), "the rungs trained"


def test_the_report_has_the_issue_s_fields(tmp_path):
    """collect() turns the processes' reports into the JSON of --json; markdown() the table."""
    steps = rungs.ladder()
    reports = {}
    for index, step in enumerate(steps):
        np.savez(tmp_path / f"{index}.npz", np.full((2, 2), 1.0 if index < 3 else 2.0))
        report = reports.setdefault(step.group, {"group": step.group, "rungs": [],
                                                 "bound_samples_per_s": 1000.0})
        report["rungs"].append({"index": index, "name": step.name or step.rung.name,
                                "samples": 60_000, "seconds": [1.0], "bitwise": step.bitwise,
                                "samples_per_s": 10.0 * (index + 1)})
    result = collect(reports, tmp_path)
    assert result["bound_samples_per_s"] == 1000.0 and result["cpu"]
    first, second, fourth = result["rungs"][0], result["rungs"][1], result["rungs"][3]
    assert set(first) >= {"name", "samples_per_s", "speedup_vs_previous", "speedup_vs_first",
                          "fraction_of_bound", "max_abs_diff_vs_previous", "bitwise"}
    assert first["speedup_vs_previous"] is None and first["max_abs_diff_vs_previous"] is None
    assert second["speedup_vs_previous"] == pytest.approx(2.0)
    assert fourth["speedup_vs_first"] == pytest.approx(4.0)
    assert fourth["fraction_of_bound"] == pytest.approx(0.04)
    assert fourth["max_abs_diff_vs_previous"] == 1.0  # rung 3 claims rung 2's bits: broken
    table = markdown(result, [], quick=True, seconds=60.0)
    assert "**yes, BROKEN**" in table and "| 9. today's engine, fit | 100 | one timing |" in table
