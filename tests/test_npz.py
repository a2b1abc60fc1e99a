"""NPZ (Keras mnist.npz) reading and writing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fastnn.datasets import FormatError, read_npz, write_npz


def _split(n, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.uint8)


def test_round_trip(tmp_path):
    train, test = _split(6, 0), _split(3, 1)
    write_npz(tmp_path / "mnist.npz", train, test)
    back_train, back_test = read_npz(tmp_path / "mnist.npz")
    for written, read in zip((*train, *test), (*back_train, *back_test)):
        assert read.dtype == np.uint8 and read.shape == written.shape
        np.testing.assert_array_equal(read, written)


def test_keys_are_keras(tmp_path):
    write_npz(tmp_path / "mnist.npz", _split(2, 0), _split(1, 1))
    with np.load(tmp_path / "mnist.npz") as archive:
        assert sorted(archive.files) == ["x_test", "x_train", "y_test", "y_train"]


@settings(max_examples=25, deadline=None)
@given(
    shape=st.tuples(st.integers(0, 4), st.integers(1, 5), st.integers(1, 5)),
    n_test=st.integers(0, 3),
    data=st.data(),
)
def test_round_trip_is_exact_for_any_size(tmp_path_factory, shape, n_test, data):
    x_train = data.draw(hnp.arrays(np.uint8, shape))
    y_train = data.draw(hnp.arrays(np.uint8, shape[0], elements=st.integers(0, 9)))
    x_test = data.draw(hnp.arrays(np.uint8, (n_test, *shape[1:])))
    y_test = data.draw(hnp.arrays(np.uint8, n_test, elements=st.integers(0, 9)))
    path = tmp_path_factory.mktemp("npz") / "mnist.npz"
    write_npz(path, (x_train, y_train), (x_test, y_test))
    (a, b), (c, d) = read_npz(path)
    for written, read in zip((x_train, y_train, x_test, y_test), (a, b, c, d)):
        assert read.shape == written.shape and read.tobytes() == written.tobytes()


def test_accepts_other_integer_dtypes(tmp_path):
    x, y = _split(2, 0)
    np.savez(tmp_path / "m.npz", x_train=x.astype(np.int64), y_train=y.astype(np.int32),
             x_test=x, y_test=y)
    (x_train, y_train), _ = read_npz(tmp_path / "m.npz")
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8


def test_missing_key(tmp_path):
    x, y = _split(2, 0)
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=x, y_train=y, x_test=x)
    with pytest.raises(FormatError) as error:
        read_npz(path)
    message = str(error.value)
    assert str(path) in message and "no array named y_test" in message
    assert "holds x_train, y_train, x_test" in message


@pytest.mark.parametrize("content", [b"not a zip file at all", b"PK\x03\x04broken"])
def test_not_an_npz_file(tmp_path, content):
    path = tmp_path / "mnist.npz"
    path.write_bytes(content)
    with pytest.raises(FormatError, match=rf"{path}: not a readable NPZ file .*delete it"):
        read_npz(path)


def test_single_npy_array(tmp_path):
    path = tmp_path / "mnist.npz"
    with open(path, "wb") as file:
        np.save(file, np.zeros(3))
    with pytest.raises(FormatError, match="holds a single array"):
        read_npz(path)


def test_pickled_objects_are_refused(tmp_path):
    x, y = _split(2, 0)
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=np.array([object()] * 2, dtype=object), y_train=y, x_test=x, y_test=y)
    with pytest.raises(FormatError, match=rf"{path}: not a readable NPZ file .*pickle"):
        read_npz(path)


@pytest.mark.parametrize(
    "change, expected",
    [
        (dict(y_train=np.array([1, 2, 11], np.uint8)),
         r"\[y_train\]: label 11 at index 2 is outside 0-9"),
        (dict(y_train=np.array([1, 2], np.uint8)),
         r"\[x_train\] and .*\[y_train\]: 3 images but 2 labels"),
        (dict(x_test=np.zeros((3, 784), np.uint8)),
         r"\[x_test\]: images must have shape \(n, height, width\)"),
        (dict(y_test=np.eye(10, dtype=np.uint8)[:3]),
         r"\[y_test\]: labels must have shape \(n,\).*argmax"),
    ],
)
def test_bad_arrays_are_named(tmp_path, change, expected):
    x, y = _split(3, 0)
    arrays = dict(x_train=x, y_train=y, x_test=x, y_test=y) | change
    path = tmp_path / "mnist.npz"
    np.savez(path, **arrays)
    with pytest.raises(FormatError, match=expected) as error:
        read_npz(path)
    assert str(error.value).startswith(str(path))


def test_write_rejects_bad_data_and_writes_nothing(tmp_path):
    x, y = _split(3, 0)
    expected = r"write_npz\(.*mnist.npz\) \[y_test\]: label -1 at index 0"
    with pytest.raises(FormatError, match=expected):
        write_npz(tmp_path / "mnist.npz", (x, y), (x, np.array([-1, 0, 0])))
    assert list(tmp_path.iterdir()) == []
