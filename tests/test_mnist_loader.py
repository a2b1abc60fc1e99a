"""Finding, verifying and loading a dataset, on small synthetic "canonical" files."""

from __future__ import annotations

import dataclasses
import gzip
import os
from pathlib import Path

import numpy as np
import pytest

from fastnn.datasets import (ChecksumError, DatasetError, DatasetNotFoundError, FormatError,
                             find_dataset, get_data_dir, load_fashion_mnist, load_mnist,
                             write_csv, write_npz)
from fastnn.datasets import paths


def _assert_same(data, fake):
    (x_train, y_train), (x_test, y_test) = data
    for got, want in zip((x_train, y_train, x_test, y_test), fake.arrays.values()):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, want)


# --- the data directory ------------------------------------------------------------------

def test_data_dir_argument_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("FASTNN_DATA", str(tmp_path / "env"))
    assert get_data_dir(tmp_path / "arg") == tmp_path / "arg"


def test_env_var_next(monkeypatch, tmp_path):
    monkeypatch.setenv("FASTNN_DATA", str(tmp_path / "env"))
    assert get_data_dir() == tmp_path / "env"


def test_relative_paths_become_absolute(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FASTNN_DATA", "rel")
    assert get_data_dir() == tmp_path / "rel"


def test_checkout_data_folder_when_it_has_a_readme(no_data_env, monkeypatch):
    checkout = no_data_env / "checkout" / "data"
    checkout.mkdir(parents=True)
    monkeypatch.setattr(paths, "_checkout_data_dir", lambda: checkout)
    assert get_data_dir() == no_data_env / "xdg-cache" / "fastnn"  # no README.md yet
    (checkout / "README.md").write_text("cache")
    assert get_data_dir() == checkout


def test_the_real_checkout_is_detected(monkeypatch):
    import fastnn

    monkeypatch.delenv("FASTNN_DATA", raising=False)
    checkout_data = Path(fastnn.__file__).resolve().parents[1] / "data"
    if not (checkout_data / "README.md").is_file():
        pytest.skip("fastnn is not running from a source checkout")
    assert get_data_dir() == checkout_data


def test_user_cache_last(no_data_env, monkeypatch):
    assert get_data_dir() == no_data_env / "xdg-cache" / "fastnn"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert get_data_dir() == Path.home() / ".cache" / "fastnn"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/ignored")
    assert get_data_dir() == Path.home() / ".cache" / "fastnn"


# --- formats and their precedence --------------------------------------------------------

@pytest.mark.parametrize("compressed", [True, False])
def test_loads_idx_files(tmp_path, fake_mnist, compressed):
    fake_mnist.write(tmp_path, compressed=compressed)
    _assert_same(load_mnist(tmp_path, download=False), fake_mnist)
    found = find_dataset("mnist", tmp_path, download=False)
    assert found.format == "idx"
    expected = "IDX, gzip-compressed" if compressed else "IDX, uncompressed"
    assert found.format_description == expected


def test_loads_npz_and_csv(tmp_path, fake_mnist):
    (tmp_path / "npz").mkdir()
    write_npz(tmp_path / "npz" / "mnist.npz", fake_mnist.train, fake_mnist.test)
    _assert_same(load_mnist(tmp_path / "npz", download=False), fake_mnist)
    (tmp_path / "csv").mkdir()
    write_csv(tmp_path / "csv" / "mnist_train.csv", *fake_mnist.train)
    write_csv(tmp_path / "csv" / "mnist_test.csv", *fake_mnist.test)
    _assert_same(load_mnist(tmp_path / "csv", download=False), fake_mnist)
    assert find_dataset("mnist", tmp_path / "csv", download=False).format == "csv"


def test_precedence_idx_then_npz_then_csv(tmp_path, fake_mnist):
    write_csv(tmp_path / "mnist_train.csv", *fake_mnist.train)
    write_csv(tmp_path / "mnist_test.csv", *fake_mnist.test)
    assert find_dataset("mnist", tmp_path, download=False).format == "csv"
    write_npz(tmp_path / "mnist.npz", fake_mnist.train, fake_mnist.test)
    assert find_dataset("mnist", tmp_path, download=False).format == "npz"
    fake_mnist.write(tmp_path)
    found = find_dataset("mnist", tmp_path, download=False)
    assert found.format == "idx"
    assert [path.name for path in found.paths] == [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


def test_loads_gzipped_csv_and_prefers_the_plain_file(tmp_path, fake_mnist):
    write_csv(tmp_path / "mnist_train.csv.gz", *fake_mnist.train)
    write_csv(tmp_path / "mnist_test.csv.gz", *fake_mnist.test)
    found = find_dataset("mnist", tmp_path, download=False)
    assert found.format == "csv"
    assert [path.name for path in found.paths] == ["mnist_train.csv.gz", "mnist_test.csv.gz"]
    assert found.format_description == "CSV (label, then 784 pixels a line), gzip-compressed"
    data, checks = found.load_verified()
    _assert_same(data, fake_mnist)
    assert checks[3] == ("mnist_test.csv.gz (labels)",
                         "sha256 of the decoded content matches t10k-labels-idx1-ubyte")
    write_csv(tmp_path / "mnist_test.csv", *fake_mnist.test)     # a mixed pair is complete
    found = find_dataset("mnist", tmp_path, download=False)
    assert [path.name for path in found.paths] == ["mnist_train.csv.gz", "mnist_test.csv"]
    _assert_same(found.load(), fake_mnist)


def test_gzipped_csv_of_other_data_is_refused(tmp_path, fake_mnist):
    x_train, y_train = fake_mnist.train
    write_csv(tmp_path / "mnist_train.csv.gz", x_train, (y_train + 1) % 10)
    write_csv(tmp_path / "mnist_test.csv.gz", *fake_mnist.test)
    with pytest.raises(ChecksumError, match=r"mnist_train.csv.gz \(labels\) is not the genuine "
                                            "train-labels-idx1-ubyte"):
        load_mnist(tmp_path, download=False)


def test_only_one_csv_is_not_a_dataset_and_is_reported(tmp_path, fake_mnist):
    write_csv(tmp_path / "mnist_train.csv.gz", *fake_mnist.train)
    with pytest.raises(DatasetNotFoundError, match=r"has only mnist_train.csv.gz\n.*"
                                                   r"mnist_train.csv and mnist_test.csv \(each "
                                                   r"plain or .gz\); or mnist.pkl.gz"):
        load_mnist(tmp_path, download=False)


def test_partial_idx_set_falls_back_to_npz(tmp_path, fake_mnist):
    fake_mnist.write(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    write_npz(tmp_path / "mnist.npz", fake_mnist.train, fake_mnist.test)
    assert find_dataset("mnist", tmp_path, download=False).format == "npz"


def test_uses_env_var_by_default(monkeypatch, tmp_path, fake_mnist):
    fake_mnist.write(tmp_path)
    monkeypatch.setenv("FASTNN_DATA", str(tmp_path))
    found = find_dataset("mnist", download=False)
    assert found.directory == tmp_path and found.origin == "from FASTNN_DATA"


def test_returns_fresh_writable_arrays(tmp_path, fake_mnist):
    fake_mnist.write(tmp_path)
    (x_train, _), _ = load_mnist(tmp_path, download=False)
    x_train[:] = 0
    (x_again, _), _ = load_mnist(tmp_path, download=False)
    np.testing.assert_array_equal(x_again, fake_mnist.arrays["train_images"])


# --- verification ------------------------------------------------------------------------

def test_verification_is_reported(tmp_path, fake_mnist):
    fake_mnist.write(tmp_path)
    _, checks = find_dataset("mnist", tmp_path, download=False).load_verified()
    assert checks[0] == ("train-images-idx3-ubyte.gz", "md5 and sha256 of the published file match")
    fake_mnist.write(tmp_path / "raw", compressed=False)
    _, checks = find_dataset("mnist", tmp_path / "raw", download=False).load_verified()
    assert checks[0] == ("train-images-idx3-ubyte",
                         "sha256 of the decoded content matches train-images-idx3-ubyte")


def test_repacked_gzip_is_verified_by_content(tmp_path, fake_mnist):
    fake_mnist.write(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()), compresslevel=1, mtime=123))
    data, checks = find_dataset("mnist", tmp_path, download=False).load_verified()
    _assert_same(data, fake_mnist)
    assert "decoded content matches" in checks[0][1] and "repacked" in checks[0][1]


def test_corrupt_canonical_file_is_never_used(tmp_path, fake_mnist):
    fake_mnist.write(tmp_path)
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    labels = fake_mnist.arrays["train_labels"].copy()
    labels[0] = (labels[0] + 1) % 10
    path.write_bytes(gzip.compress(bytes.fromhex("00000801 0000000c") + labels.tobytes()))
    with pytest.raises(ChecksumError) as error:
        load_mnist(tmp_path, download=False)
    message = str(error.value)
    known = fake_mnist.files["train_labels"]
    assert str(path) in message
    assert f"expected md5    {known.md5}, got " in message
    assert f"expected sha256 {known.sha256}, got " in message
    assert f"expected content sha256 {known.content_sha256}" in message
    assert "Delete it and run again" in message
    assert "place the genuine file there by hand" in message


def test_truncated_canonical_file_is_a_checksum_error(tmp_path, fake_mnist):
    fake_mnist.write(tmp_path)
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(ChecksumError, match=r"cannot be decoded: .*gzip data ends early"):
        load_mnist(tmp_path, download=False)


def test_uncompressed_wrong_content(tmp_path, fake_mnist):
    fake_mnist.write(tmp_path, compressed=False)
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes()[:-1] + b"\x00")
    with pytest.raises(ChecksumError, match=rf"{path} is not the genuine t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path, download=False)


def test_npz_with_other_content_is_refused(tmp_path, fake_mnist):
    x_train, y_train = fake_mnist.train
    write_npz(tmp_path / "mnist.npz", (x_train, (y_train + 1) % 10), fake_mnist.test)
    with pytest.raises(ChecksumError, match=r"mnist.npz \[y_train\] is not the genuine train-lab"):
        load_mnist(tmp_path, download=False)


def test_bad_csv_line_is_named_by_the_loader(tmp_path, fake_mnist):
    write_csv(tmp_path / "mnist_train.csv", *fake_mnist.train)
    (tmp_path / "mnist_test.csv").write_text("1,2,3\n")
    with pytest.raises(FormatError, match=r"mnist_test.csv, line 1: 3 comma-separated fields"):
        load_mnist(tmp_path, download=False)


def test_file_changed_after_verification_is_verified_again(tmp_path, fake_mnist):
    fake_mnist.write(tmp_path)
    load_mnist(tmp_path, download=False)
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    blob = path.read_bytes()
    path.write_bytes(gzip.compress(gzip.decompress(blob)[:-1] + b"\x09"))
    os.utime(path, ns=(1, 1))
    with pytest.raises(ChecksumError):
        load_mnist(tmp_path, download=False)


# --- not found ---------------------------------------------------------------------------

def test_not_found_says_where_and_how(tmp_path, fake_mnist):
    name = "train-images-idx3-ubyte.gz"
    (tmp_path / name).write_bytes(fake_mnist.blobs[name])
    with pytest.raises(DatasetNotFoundError) as error:
        load_mnist(tmp_path, download=False)
    message = str(error.value)
    assert f"{tmp_path} (from the data_dir argument): has only {name}" in message
    assert "t10k-labels-idx1-ubyte.gz" in message and "mnist.npz" in message
    assert "mnist_train.csv and mnist_test.csv" in message
    assert "download=True" in message and "FASTNN_DATA" in message
    assert f"put the four files in {tmp_path} by hand" in message


def test_missing_directory(tmp_path):
    expected = r"nowhere \(from the data_dir argument\): does not exist"
    with pytest.raises(DatasetNotFoundError, match=expected):
        load_mnist(tmp_path / "nowhere", download=False)


def test_unknown_dataset():
    expected = "unknown dataset 'cifar'; choose one of mnist, fashion-mnist"
    with pytest.raises(DatasetError, match=expected):
        find_dataset("cifar")


# --- Fashion-MNIST -----------------------------------------------------------------------

def test_fashion_looks_in_subfolder_then_system_dir(no_data_env, monkeypatch):
    from fastnn.datasets import mnist as mnist_module

    system = no_data_env / "usr-share"
    monkeypatch.setitem(mnist_module.DATASETS, "fashion-mnist",
                        dataclasses.replace(mnist_module.FASHION_MNIST, system_dirs=(system,)))
    with pytest.raises(DatasetNotFoundError) as error:
        load_fashion_mnist(download=False)
    message = str(error.value)
    cache = no_data_env / "xdg-cache" / "fastnn" / "fashion-mnist"
    assert f"{cache} (the user cache ($XDG_CACHE_HOME/fastnn), subfolder fashion-mnist)" in message
    assert f"{system} (system-wide copy): does not exist" in message
    assert "apt-get install dataset-fashion-mnist" in message


def test_fashion_files_are_not_mnist(tmp_path, mnist_dir):
    """MNIST's files offered as Fashion-MNIST fail verification."""
    with pytest.raises(ChecksumError, match="is not the genuine train-images-idx3-ubyte"):
        load_fashion_mnist(mnist_dir, download=False)


test_fashion_files_are_not_mnist = pytest.mark.realdata(test_fashion_files_are_not_mnist)

DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.skipif(not (DEBIAN_FASHION / "train-images-idx3-ubyte.gz").is_file(),
                    reason="Debian's dataset-fashion-mnist is not installed "
                           "(apt-get install dataset-fashion-mnist)")
def test_debian_fashion_mnist(no_data_env):
    found = find_dataset("fashion-mnist", download=False)
    assert found.directory == DEBIAN_FASHION
    ((x_train, y_train), (x_test, y_test)), checks = found.load_verified()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert all("decoded content matches" in how or "published file" in how for _, how in checks)


@pytest.mark.skipif(not (DEBIAN_FASHION / "train-labels-idx1-ubyte.gz").is_file(),
                    reason="Debian's dataset-fashion-mnist is not installed")
@pytest.mark.parametrize("role, mtime", [("train_labels", 1504176606), ("test_labels", 1504176627)])
def test_debian_fashion_is_upstream_repacked(role, mtime):
    """Debian's gzip header + upstream's name and mtime = the published upstream file."""
    import struct

    from fastnn.datasets import FASHION_MNIST_FILES
    from fastnn.datasets.checksums import file_digests

    known = FASHION_MNIST_FILES[role]
    debian = (DEBIAN_FASHION / known.name).read_bytes()
    assert debian[3] == 0  # no FNAME field
    upstream = (b"\x1f\x8b\x08\x08" + struct.pack("<I", mtime) + b"\x00\x03"
                + known.raw_name.encode() + b"\x00" + debian[10:])
    assert file_digests(upstream) == (known.md5, known.sha256)


def test_a_verified_file_is_not_taken_for_another_dataset(tmp_path, fake_mnist):
    """The per-process record of verified files is per known file, not per path alone."""
    fake_mnist.write(tmp_path)
    load_mnist(tmp_path, download=False)
    with pytest.raises(ChecksumError, match="is not the genuine train-images-idx3-ubyte"):
        load_fashion_mnist(tmp_path, download=False)
