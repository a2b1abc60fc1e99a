"""IDX reading and writing: exact round trips and errors that name the file and the fix."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fastnn.datasets import FormatError, read_idx, write_idx
from fastnn.datasets.idx import idx_content_sha256, idx_header

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@pytest.mark.parametrize("name", ["data.idx", "data.idx.gz"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_each_dtype(tmp_path, name, dtype):
    array = (np.arange(2 * 3 * 4) - 7).astype(dtype).reshape(2, 3, 4)
    write_idx(tmp_path / name, array)
    back = read_idx(tmp_path / name)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable


@settings(max_examples=60, deadline=None)
@given(
    array=hnp.arrays(
        dtype=st.sampled_from([np.dtype(d) for d in DTYPES]),
        shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=6),
        elements={"allow_nan": False},
    ),
    compressed=st.booleans(),
)
def test_round_trip_is_exact(tmp_path_factory, array, compressed):
    path = tmp_path_factory.mktemp("idx") / ("a.idx.gz" if compressed else "a.idx")
    write_idx(path, array)
    back = read_idx(path)
    assert back.shape == array.shape and back.dtype == array.dtype
    assert back.tobytes() == array.tobytes()


def test_writes_the_mnist_layout_big_endian(tmp_path):
    labels = np.array([5, 0, 4], dtype=np.uint8)
    write_idx(tmp_path / "labels", labels)
    assert (tmp_path / "labels").read_bytes() == bytes.fromhex("00000801 00000003 050004")
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    write_idx(tmp_path / "images", images)
    header = bytes.fromhex("00000803 00000002 0000001c 0000001c")
    assert (tmp_path / "images").read_bytes()[:16] == header
    write_idx(tmp_path / "ints", np.array([1, -2], dtype=np.int32))
    assert (tmp_path / "ints").read_bytes() == bytes.fromhex("00000c01 00000002 00000001 fffffffe")


def test_gz_name_means_gzip(tmp_path):
    write_idx(tmp_path / "a.gz", np.arange(5, dtype=np.uint8))
    content = gzip.decompress((tmp_path / "a.gz").read_bytes())
    assert content == idx_header((5,), np.uint8) + bytes(range(5))


def test_content_sha256_is_that_of_the_uncompressed_file(tmp_path):
    import hashlib

    array = np.arange(-3, 9, dtype=np.int16).reshape(3, 4)
    write_idx(tmp_path / "a", array)
    assert idx_content_sha256(array) == hashlib.sha256((tmp_path / "a").read_bytes()).hexdigest()


def test_write_rejects_unstorable_dtype_and_leaves_nothing(tmp_path):
    with pytest.raises(ValueError, match="IDX cannot store dtype complex128"):
        write_idx(tmp_path / "a.idx", np.zeros(3, dtype=complex))
    with pytest.raises(ValueError, match="1 to 255 dimensions"):
        write_idx(tmp_path / "a.idx", np.uint8(3))
    assert list(tmp_path.iterdir()) == []


def _idx_bytes(array) -> bytes:
    return idx_header(array.shape, array.dtype) + array.tobytes()


def test_wrong_magic_number(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"\x12\x34\x08\x03" + bytes(20))
    with pytest.raises(FormatError) as error:
        read_idx(path)
    message = str(error.value)
    assert str(path) in message
    assert "wrong IDX magic number 0x12340803" in message
    assert "0x00000803" in message and "0x00000801" in message


def test_unknown_type_code_is_a_wrong_magic(tmp_path):
    path = tmp_path / "x.idx"
    path.write_bytes(bytes.fromhex("00000701 00000001 00"))
    with pytest.raises(FormatError, match="magic number 0x00000701"):
        read_idx(path)


def test_gzip_bytes_without_gz_name_say_so(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(gzip.compress(_idx_bytes(np.arange(3, dtype=np.uint8))))
    with pytest.raises(FormatError, match=r"gzip-compressed: give the file a name ending in \.gz"):
        read_idx(path)


@pytest.mark.parametrize("name", ["t.idx", "t.idx.gz"])
def test_truncated_file(tmp_path, name):
    data = _idx_bytes(np.arange(100, dtype=np.uint8).reshape(4, 25))[:-10]
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    with pytest.raises(FormatError) as error:
        read_idx(path)
    message = str(error.value)
    assert str(path) in message and "truncated" in message
    assert "(4, 25)" in message and "100 data bytes" in message and "only 90" in message
    assert "delete it and get it again" in message


def test_truncated_header(tmp_path):
    path = tmp_path / "t.idx"
    path.write_bytes(bytes.fromhex("00000803 0000000a 0000"))
    with pytest.raises(FormatError, match=r"truncated IDX header.*3 dimension sizes"):
        read_idx(path)


@pytest.mark.parametrize("content", [b"", b"\x00\x00"])
def test_too_short(tmp_path, content):
    path = tmp_path / "empty.idx"
    path.write_bytes(content)
    with pytest.raises(FormatError, match=rf"{len(content)} bytes, too short for an IDX file"):
        read_idx(path)


@pytest.mark.parametrize("name", ["t.idx", "t.idx.gz"])
def test_trailing_bytes(tmp_path, name):
    data = _idx_bytes(np.arange(6, dtype=np.uint8)) + b"junk"
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    with pytest.raises(FormatError) as error:
        read_idx(path)
    assert str(path) in str(error.value)
    assert "4 unexpected bytes after the 6 data bytes" in str(error.value)


def test_absurd_header_is_reported_before_allocating(tmp_path):
    path = tmp_path / "huge.idx.gz"
    header = bytes.fromhex("00000803 ffffffff ffffffff 0000001c")
    path.write_bytes(gzip.compress(header + bytes(10)))
    with pytest.raises(FormatError, match="more than .* bytes of gzip data can hold"):
        read_idx(path)


def test_not_gzip_inside_gz(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(_idx_bytes(np.arange(3, dtype=np.uint8)))
    with pytest.raises(FormatError) as error:
        read_idx(path)
    message = str(error.value)
    assert str(path) in message and "not valid gzip data" in message
    assert "remove .gz from its name" in message


def test_cut_gzip_stream(tmp_path):
    path = tmp_path / "x.idx.gz"
    path.write_bytes(gzip.compress(_idx_bytes(np.arange(5000, dtype=np.int32)))[:-100])
    with pytest.raises(FormatError, match=r"gzip data ends early.*truncated"):
        read_idx(path)


def test_corrupt_gzip_checksum(tmp_path):
    blob = bytearray(gzip.compress(_idx_bytes(np.arange(50, dtype=np.uint8))))
    blob[-8] ^= 0xFF  # the CRC-32 in the gzip trailer
    path = tmp_path / "x.idx.gz"
    path.write_bytes(bytes(blob))
    with pytest.raises(FormatError, match=rf"{path}: not valid gzip data \(CRC check failed"):
        read_idx(path)
