"""The real MNIST from FASTNN_DATA (e.g. FASTNN_DATA=../shared/mnist): its known facts."""

from __future__ import annotations

import numpy as np
import pytest

from fastnn.datasets import MNIST_FILES, find_dataset
from fastnn.datasets.checksums import file_digests

pytestmark = pytest.mark.realdata


def test_shapes_and_dtypes(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
    assert y_test.shape == (10000,) and y_test.dtype == np.uint8


def test_train_label_counts(mnist):
    (_, y_train), _ = mnist
    assert np.bincount(y_train, minlength=10).tolist() == [
        5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def test_first_labels(mnist):
    (_, y_train), _ = mnist
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]


def test_mean_training_pixel(mnist):
    (x_train, _), _ = mnist
    assert round(float(x_train.mean()), 3) == 33.318


def test_pixel_and_label_ranges(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.min() == 0 and x_train.max() == 255 and x_test.max() == 255
    assert set(np.unique(y_test).tolist()) == set(range(10))


@pytest.mark.parametrize("role", list(MNIST_FILES))
def test_shared_files_match_the_published_checksums(mnist_dir, role):
    known = MNIST_FILES[role]
    md5, sha256 = file_digests((mnist_dir / known.name).read_bytes())
    assert (md5, sha256) == (known.md5, known.sha256)


def test_loader_reports_verification_by_checksum(mnist_dir):
    found = find_dataset("mnist", mnist_dir, download=False)
    assert found.format == "idx"
    _, checks = found.load_verified()
    assert [how for _, how in checks] == ["md5 and sha256 of the published file match"] * 4
