"""``benchmarks.report`` on made-up pytest-benchmark JSON: epoch table, scaling, speedups."""

from __future__ import annotations

import json

import pytest

# benchmarks/ is importable from the checkout's root, as `python -m pytest` runs there
report = pytest.importorskip("benchmarks.report", reason="run `python -m pytest` from the checkout")


def epoch_benchmark(network, backend, dtype, epoch_seconds, samples=60_000, scaled_from=None,
                    threads=2):
    return {
        "name": f"test_epoch[{network}-{backend}-{dtype}]", "group": network,
        "stats": {"median": epoch_seconds * 1.1},  # fit() does a little more than the epoch
        "extra_info": {"backend": backend, "dtype": dtype, "threads": threads,
                       "samples": samples, "scaled_from": scaled_from,
                       "full_epoch_samples": 60_000, "epoch_seconds": epoch_seconds,
                       "epoch_seconds_rounds": [epoch_seconds]},
    }


@pytest.fixture
def epoch_json(tmp_path):
    benchmarks = [
        epoch_benchmark("rashid-200", "python", "float64", 50.0, samples=2_000, scaled_from=2_000),
        epoch_benchmark("rashid-200", "numba", "float32", 1.0, threads=2),
        epoch_benchmark("rashid-200", "numpy", "float64", 30.0),
        epoch_benchmark("rashid-200", "numpy", "float32", 20.0),
        epoch_benchmark("rashid-200", "numba", "float64", 2.5, threads=1),
        epoch_benchmark("linear", "python", "float64", 40.0),
        epoch_benchmark("linear", "numba", "float64", 0.1, threads=1),
        {**epoch_benchmark("rashid-200", "update-only", "float64", 2.0, threads=None),
         "extra_info": {**epoch_benchmark("rashid-200", "update-only", "float64", 2.0)[
             "extra_info"], "threads": None, "cpu": "Test CPU, L2 2 MiB per core"}},
        {"name": "test_kernel[sigmoid]", "group": "sigmoid 784", "stats": {"median": 1e-6},
         "extra_info": {"backend": "numba", "dtype": "float64"}},
    ]
    path = tmp_path / "epochs.json"
    path.write_text(json.dumps({"machine_info": {"cpu": {"brand_raw": "Test CPU", "count": 2,
                                                         "l2_cache_size": 4 * 2**20}},
                                "benchmarks": benchmarks}))
    return path


def rows_by_label(epoch_json):
    rows = report.epoch_rows(report.load_results([epoch_json]))
    return rows, {(row.network, row.label): row for row in rows}


def test_subset_rows_are_scaled_to_a_full_epoch(epoch_json):
    rows, by_label = rows_by_label(epoch_json)
    python = by_label["rashid-200", "python float64"]
    assert python.seconds == pytest.approx(50.0 * 30)
    assert python.samples_per_second == pytest.approx(40.0)
    assert by_label["linear", "python float64"].seconds == pytest.approx(40.0)


def test_speedups_use_the_float64_python_row_and_the_same_dtype_numpy_row(epoch_json):
    rows, by_label = rows_by_label(epoch_json)
    numba32 = by_label["rashid-200", "numba float32 2 threads"]
    assert report.epoch_speedup(rows, numba32, "python") == pytest.approx(1500.0)
    assert report.epoch_speedup(rows, numba32, "numpy") == pytest.approx(20.0)
    numba64 = by_label["rashid-200", "numba float64 1 thread"]
    assert report.epoch_speedup(rows, numba64, "numpy") == pytest.approx(12.0)
    assert report.epoch_speedup(rows, by_label["linear", "numba float64 1 thread"],
                                "numpy") is None


def test_rows_go_by_network_backend_dtype(epoch_json):
    rows, _ = rows_by_label(epoch_json)
    assert [(row.network, row.label) for row in rows] == [
        ("rashid-200", "python float64"), ("rashid-200", "numpy float64"),
        ("rashid-200", "numpy float32"), ("rashid-200", "numba float64 1 thread"),
        ("rashid-200", "numba float32 2 threads"), ("rashid-200", "update-only float64"),
        ("linear", "python float64"), ("linear", "numba float64 1 thread"),
    ]


def test_markdown_marks_scaled_rows_and_keeps_kernel_tables(epoch_json):
    results = report.load_results([epoch_json])
    text = report.report(results, report.machine_summary([epoch_json]))
    assert "machine: Test CPU, 2 logical CPUs, L2 4 MiB in all" in text
    assert "| rashid-200 | python | float64 | - | 1,500 (scaled from 2,000) | 40 | 1x |" in text
    assert "| rashid-200 | numba | float32 | 2 | 1.00 | 60,000 | 1,500x * | 20x |" in text
    assert "| linear | numba | float64 | 1 | 0.100 | 600,000 | 400x | - | - |" in text
    # per-sample numba epochs as a fraction of the update-only row of their dtype, if any
    assert "| rashid-200 | numba | float64 | 1 | 2.50 | 24,000 | 600x * | 12x | **0.80** |" in text
    assert "| rashid-200 | numba | float32 | 2 | 1.00 | 60,000 | 1,500x * | 20x | - |" in text
    assert "| rashid-200 | update-only | float64 | - | 2.00 | 30,000 |" in text
    assert "| the bound |" in text and "on this CPU: Test CPU, L2 2 MiB per core." in text
    assert "### sigmoid 784" in text


def test_chart_is_written(epoch_json, tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "epochs.png"
    assert report.main([str(epoch_json), "--png", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
