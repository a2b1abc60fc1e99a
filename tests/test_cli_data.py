"""``fastnn data`` and ``fastnn data export``, run through ``main``."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from fastnn.cli import main
from fastnn.datasets import load_mnist, read_csv, read_npz


def test_describes_the_dataset(tmp_path, fake_mnist, capsys):
    fake_mnist.write(tmp_path)
    assert main(["data", "--data-dir", str(tmp_path), "--no-download"]) == 0
    out = capsys.readouterr().out
    assert f"MNIST in {tmp_path} (from the data_dir argument)" in out
    assert "format: IDX, gzip-compressed" in out
    assert "train-images-idx3-ubyte.gz: md5 and sha256 of the published file match" in out
    assert "train: images (12, 28, 28) uint8, labels (12,) uint8" in out
    assert "test:  images (5, 28, 28) uint8, labels (5,) uint8" in out


def test_label_count_table(tmp_path, fake_mnist, capsys):
    fake_mnist.write(tmp_path)
    main(["data", "--data-dir", str(tmp_path), "--no-download"])
    lines = capsys.readouterr().out.splitlines()
    header = lines.index("label counts:")
    assert lines[header + 1].split() == ["label", *map(str, range(10))]
    train_counts = np.bincount(fake_mnist.arrays["train_labels"], minlength=10)
    assert lines[header + 2].split() == ["train", *map(str, train_counts)]
    test_counts = np.bincount(fake_mnist.arrays["test_labels"], minlength=10)
    assert lines[header + 3].split() == ["test", *map(str, test_counts)]


def test_uses_fastnn_data(monkeypatch, tmp_path, fake_mnist, capsys):
    fake_mnist.write(tmp_path)
    monkeypatch.setenv("FASTNN_DATA", str(tmp_path))
    assert main(["data", "--no-download"]) == 0
    assert f"MNIST in {tmp_path} (from FASTNN_DATA)" in capsys.readouterr().out


def test_missing_data_is_an_error_without_traceback(tmp_path, capsys):
    assert main(["data", "--data-dir", str(tmp_path / "none"), "--no-download"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("fastnn data: error: MNIST not found")
    assert "Traceback" not in captured.err and "drop --no-download" in captured.err


def test_corrupt_file_is_an_error(tmp_path, fake_mnist, capsys):
    fake_mnist.write(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(b"garbage")
    assert main(["data", "--data-dir", str(tmp_path), "--no-download"]) == 1
    err = capsys.readouterr().err
    assert "train-labels-idx1-ubyte.gz is not the genuine train-labels-idx1-ubyte" in err
    assert "Delete it" in err


def test_traceback_option_reraises(tmp_path):
    from fastnn.datasets import DatasetNotFoundError

    with pytest.raises(DatasetNotFoundError):
        main(["--traceback", "data", "--data-dir", str(tmp_path), "--no-download"])


@pytest.mark.parametrize("options_first", [True, False])
def test_export_csv_round_trip(tmp_path, fake_mnist, capsys, options_first):
    fake_mnist.write(tmp_path / "src")
    source = ["--data-dir", str(tmp_path / "src"), "--no-download"]
    out_dir = tmp_path / "out" / "csv"
    argv = (["data", *source, "export", "--format", "csv", str(out_dir)] if options_first
            else ["data", "export", "--format", "csv", str(out_dir), *source])
    assert main(argv) == 0
    assert sorted(p.name for p in out_dir.iterdir()) == ["mnist_test.csv", "mnist_train.csv"]
    assert str(out_dir / "mnist_train.csv") in capsys.readouterr().out
    images, labels = read_csv(out_dir / "mnist_train.csv")
    np.testing.assert_array_equal(images, fake_mnist.arrays["train_images"])
    np.testing.assert_array_equal(labels, fake_mnist.arrays["train_labels"])
    # and the export is itself a dataset directory that verifies
    assert main(["data", "--data-dir", str(out_dir), "--no-download"]) == 0
    assert "format: CSV" in capsys.readouterr().out


def test_export_npz_round_trip(tmp_path, fake_mnist, capsys):
    fake_mnist.write(tmp_path / "src")
    out_dir = tmp_path / "npz"
    assert main(["data", "export", "--format", "npz", str(out_dir),
                 "--data-dir", str(tmp_path / "src"), "--no-download"]) == 0
    (x_train, y_train), (x_test, y_test) = read_npz(out_dir / "mnist.npz")
    np.testing.assert_array_equal(x_test, fake_mnist.arrays["test_images"])
    data = load_mnist(out_dir, download=False)
    np.testing.assert_array_equal(data[1][1], fake_mnist.arrays["test_labels"])


def test_export_needs_a_format(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["data", "export", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "--format" in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "data" in capsys.readouterr().err


def test_python_m_fastnn_help_is_fast_and_numba_free():
    code = ("import sys, runpy; sys.argv = ['fastnn', '--help']\n"
            "try:\n    runpy.run_module('fastnn', run_name='__main__')\n"
            "except SystemExit as e:\n    assert e.code == 0\n"
            "print('numba' in sys.modules, 'numpy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert "data" in result.stdout
    assert result.stdout.strip().endswith("False False")


@pytest.mark.realdata
def test_real_data(mnist_dir, capsys):
    assert main(["data", "--data-dir", str(mnist_dir), "--no-download"]) == 0
    out = capsys.readouterr().out
    assert "train: images (60000, 28, 28) uint8, labels (60000,) uint8" in out
    assert "train  5923  6742  5958  6131  5842  5421  5918  6265  5851  5949" in out
    assert "t10k-labels-idx1-ubyte.gz: md5 and sha256 of the published file match" in out


@pytest.mark.realdata
def test_real_data_exported_as_gzipped_csv_loads_verified(mnist_dir, mnist, tmp_path, capsys):
    out_dir = tmp_path / "csv-gz"
    assert main(["data", "export", "--format", "csv.gz", str(out_dir), "--data-dir",
                 str(mnist_dir), "--no-download"]) == 0
    assert sorted(p.name for p in out_dir.iterdir()) == ["mnist_test.csv.gz", "mnist_train.csv.gz"]
    data = load_mnist(out_dir, download=False)
    for got, expected in zip((*data[0], *data[1]), (*mnist[0], *mnist[1]), strict=True):
        np.testing.assert_array_equal(got, expected)
