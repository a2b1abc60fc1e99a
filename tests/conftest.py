"""Shared fixtures: the real MNIST (through FASTNN_DATA) and small synthetic stand-ins."""

from __future__ import annotations

import gzip
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from fastnn.datasets import MNIST_FILES, KnownFile
from fastnn.datasets.checksums import forget_verifications
from fastnn.datasets.idx import idx_content_sha256, idx_header
from fastnn.datasets.mnist import ROLES


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The directory named by FASTNN_DATA; skips the test when the variable is not set."""
    data_dir = os.environ.get("FASTNN_DATA")
    if not data_dir:
        pytest.skip(
            "FASTNN_DATA is not set: point it at a directory holding the four MNIST files, "
            "e.g. FASTNN_DATA=../shared/mnist python -m pytest"
        )
    return Path(data_dir)


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    """The real MNIST, ``((x_train, y_train), (x_test, y_test))``, loaded from FASTNN_DATA."""
    from fastnn.datasets import load_mnist

    return load_mnist(data_dir=mnist_dir, download=False)


@pytest.fixture(scope="session")
def tiny_data():
    """Synthetic uint8 'images' whose label is encoded in which block is bright."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 300)
    images = rng.integers(0, 60, (300, 28, 28)).astype(np.uint8)
    for k, label in enumerate(labels):
        images[k, 2 * label:2 * label + 3, :] = 250
    return images, labels


@dataclass
class FakeMnist:
    """A tiny MNIST stand-in whose checksums replace the real ones in MNIST_FILES."""

    arrays: dict[str, np.ndarray]  # by role
    blobs: dict[str, bytes]  # gzip file content, by file name
    files: dict[str, KnownFile]  # by role

    @property
    def train(self):
        return self.arrays["train_images"], self.arrays["train_labels"]

    @property
    def test(self):
        return self.arrays["test_images"], self.arrays["test_labels"]

    def write(self, directory: Path, compressed: bool = True) -> Path:
        """Put the four canonical files (gzip or not) into `directory`."""
        directory.mkdir(parents=True, exist_ok=True)
        for role, known in self.files.items():
            if compressed:
                (directory / known.name).write_bytes(self.blobs[known.name])
            else:
                (directory / known.raw_name).write_bytes(gzip.decompress(self.blobs[known.name]))
        return directory


def make_fake_mnist(n_train: int = 12, n_test: int = 5, seed: int = 0) -> FakeMnist:
    rng = np.random.default_rng(seed)
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, n_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    blobs, files = {}, {}
    for role in ROLES:
        array = arrays[role]
        name = MNIST_FILES[role].name
        blob = gzip.compress(idx_header(array.shape, array.dtype) + array.tobytes(), mtime=0)
        blobs[name] = blob
        files[role] = KnownFile(
            name,
            md5=hashlib.md5(blob).hexdigest(),
            sha256=hashlib.sha256(blob).hexdigest(),
            content_sha256=idx_content_sha256(array),
        )
    return FakeMnist(arrays, blobs, files)


@pytest.fixture
def fake_mnist(monkeypatch) -> FakeMnist:
    """Small synthetic MNIST files, made the canonical ones for the test's duration."""
    fake = make_fake_mnist()
    for role, known in fake.files.items():
        monkeypatch.setitem(MNIST_FILES, role, known)
    forget_verifications()
    yield fake
    forget_verifications()


@pytest.fixture(scope="session")
def read_png():
    """``read_png(path, figure=None)``: a saved picture's RGBA pixels, once it is known to be
    a complete PNG (of the figure's size in pixels, when given) that is not blank."""
    import struct

    import matplotlib.image

    from fastnn.fileio import TEMP_SUFFIX

    def read(path, figure=None):
        data = Path(path).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is no PNG"
        assert data[-12:-4] == b"\x00\x00\x00\x00IEND", f"{path} is cut short"
        width, height = struct.unpack(">II", data[16:24])
        if figure is not None:
            expected = tuple(int(round(v)) for v in figure.get_size_inches() * figure.dpi)
            assert (width, height) == expected
        pixels = matplotlib.image.imread(path)
        assert pixels.shape[:2] == (height, width)
        distinct = len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0))
        assert distinct > 20, f"{path} looks blank: {distinct} distinct pixel values"
        assert not [p for p in Path(path).parent.iterdir() if p.name.endswith(TEMP_SUFFIX)]
        return pixels

    return read


@pytest.fixture
def no_data_env(monkeypatch, tmp_path):
    """No FASTNN_DATA, and a cache and checkout folder that point into tmp_path."""
    from fastnn.datasets import paths

    monkeypatch.delenv("FASTNN_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setattr(paths, "_checkout_data_dir", lambda: tmp_path / "no-checkout" / "data")
    return tmp_path


def pytest_collection_modifyitems(config, items):
    """Skip the ``bitwise`` tests when FASTNN_FASTMATH lets LLVM change the rounding."""
    from fastnn import config as fastnn_config

    if not fastnn_config.FASTMATH:
        return
    skip = pytest.mark.skip(
        reason=f"FASTNN_FASTMATH={','.join(sorted(fastnn_config.FASTMATH))} changes the "
        "compiled loops' rounding; bit-for-bit comparisons hold only without it"
    )
    for item in items:
        if "bitwise" in item.keywords:
            item.add_marker(skip)
