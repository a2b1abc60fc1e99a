"""CSV reading and writing: exact round trips, the tutorial's files, errors naming the line."""

from __future__ import annotations

import gzip
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fastnn.datasets import FormatError, read_csv, write_csv


def _line(label, pixels) -> str:
    return ",".join(map(str, [label, *pixels]))


def _write_lines(path, lines, end="\n"):
    path.write_text("".join(line + end for line in lines))
    return path


@pytest.fixture
def sample():
    rng = np.random.default_rng(1)
    return rng.integers(0, 256, (7, 28, 28), dtype=np.uint8), rng.integers(0, 10, 7, dtype=np.uint8)


def test_round_trip(tmp_path, sample):
    images, labels = sample
    write_csv(tmp_path / "mnist_test.csv", images, labels)
    back_images, back_labels = read_csv(tmp_path / "mnist_test.csv")
    assert back_images.dtype == np.uint8 and back_labels.dtype == np.uint8
    assert back_images.shape == (7, 28, 28) and back_labels.shape == (7,)
    np.testing.assert_array_equal(back_images, images)
    np.testing.assert_array_equal(back_labels, labels)


def test_written_text_is_the_tutorial_layout(tmp_path):
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    images[0, 0, :3] = [0, 18, 255]
    write_csv(tmp_path / "a.csv", images, [5, 0])
    lines = (tmp_path / "a.csv").read_text().split("\n")
    assert lines[0] == "5,0,18,255" + ",0" * 781
    assert lines[1] == "0" + ",0" * 784
    assert lines[2] == "" and len(lines) == 3


@settings(max_examples=40, deadline=None)
@given(
    images=hnp.arrays(np.uint8, st.tuples(st.integers(0, 5), st.integers(1, 4), st.integers(1, 4))),
    data=st.data(),
)
def test_round_trip_is_exact_for_any_size(tmp_path_factory, images, data):
    labels = data.draw(hnp.arrays(np.uint8, len(images), elements=st.integers(0, 9)))
    path = tmp_path_factory.mktemp("csv") / "a.csv"
    write_csv(path, images, labels)
    back_images, back_labels = read_csv(path, image_shape=images.shape[1:])
    assert back_images.shape == images.shape
    np.testing.assert_array_equal(back_images, images)
    np.testing.assert_array_equal(back_labels, labels)


def test_reads_partial_tutorial_files(tmp_path, sample):
    images, labels = sample
    write_csv(tmp_path / "mnist_test_10.csv", images[:3], labels[:3])
    back_images, back_labels = read_csv(tmp_path / "mnist_test_10.csv")
    assert back_images.shape == (3, 28, 28)
    np.testing.assert_array_equal(back_labels, labels[:3])


def test_header_crlf_and_trailing_blank_lines(tmp_path, sample):
    images, labels = sample
    rows = [_line(label, image.ravel()) for image, label in zip(images, labels)]
    header = "label," + ",".join(f"pixel{i}" for i in range(784))
    path = tmp_path / "kaggle.csv"
    path.write_text("\r\n".join([header, *rows]) + "\r\n\r\n")
    back_images, back_labels = read_csv(path)
    np.testing.assert_array_equal(back_images, images)
    np.testing.assert_array_equal(back_labels, labels)


def test_empty_file(tmp_path):
    (tmp_path / "e.csv").write_text("")
    images, labels = read_csv(tmp_path / "e.csv")
    assert images.shape == (0, 28, 28) and labels.shape == (0,)


def _bad_file(tmp_path, bad_line: str, at: int = 3):
    rows = [_line(i % 10, [i] * 784) for i in range(5)]
    rows[at - 1] = bad_line
    return _write_lines(tmp_path / "mnist_train.csv", rows)


@pytest.mark.parametrize(
    "bad_line, expected",
    [
        (_line(1, [0] * 783), r"line 3: 784 comma-separated fields, expected 785 .*cut short"),
        (_line(1, [0] * 785), r"line 3: 786 comma-separated fields, expected 785"),
        ("", r"line 3: 1 comma-separated fields, expected 785 .*blank"),
        (_line(1, [0] * 10 + ["3.5"] + [0] * 773),
         r"line 3, field 12 \(pixel 10\): '3.5' is not an integer 0-255"),
        (_line(1, [0] * 783 + ["x"]), r"line 3, field 785 \(pixel 783\): 'x' is not an integer"),
        (_line(1, [256] + [0] * 783), r"line 3, field 2 \(pixel 0\): '256' is not an integer"),
        (_line(1, [0, -1] + [0] * 782), r"line 3, field 3 \(pixel 1\): '-1' is not an integer"),
        (_line(1, [0, ""] + [0] * 782), r"line 3, field 3 \(pixel 1\): '' is not an integer 0-255"),
        (_line(10, [0] * 784), r"line 3: the label '10' is not an integer 0-9"),
        (_line("seven", [0] * 784), r"line 3: the label 'seven' is not an integer 0-9"),
    ],
)
def test_bad_lines_are_named(tmp_path, bad_line, expected):
    path = _bad_file(tmp_path, bad_line)
    with pytest.raises(FormatError) as error:
        read_csv(path)
    message = str(error.value)
    assert message.startswith(f"{path}, line 3")
    assert re.search(expected, message), message


def test_misaligned_rows_that_add_up(tmp_path):
    """784 + 786 fields total the right count: still line 2 is reported."""
    rows = [_line(0, [0] * 784), _line(1, [0] * 783), _line(2, [0] * 785)]
    path = _write_lines(tmp_path / "a.csv", rows)
    with pytest.raises(FormatError, match=r"line 2: 784 comma-separated fields"):
        read_csv(path)


def test_line_numbers_count_the_header(tmp_path):
    rows = ["label," + ",".join(["p"] * 784), _line(0, [0] * 784), _line(1, [999] + [0] * 783)]
    path = _write_lines(tmp_path / "a.csv", rows)
    with pytest.raises(FormatError, match=r"line 3, field 2 \(pixel 0\): '999'"):
        read_csv(path)


def test_error_on_last_line_of_a_large_file(tmp_path):
    rows = [_line(i % 10, [i % 256] * 784) for i in range(2000)] + [_line(3, [0] * 783 + ["1e3"])]
    path = _write_lines(tmp_path / "a.csv", rows)
    with pytest.raises(FormatError, match=r"line 2001, field 785 \(pixel 783\): '1e3'"):
        read_csv(path)


@pytest.mark.parametrize(
    "images, labels, expected",
    [
        (np.zeros((2, 784), np.uint8), [1, 2],
         r"images must have shape \(n, height, width\); got shape \(2, 784\)"),
        (np.zeros((2, 28, 28)), [1, 2], r"integer pixel values 0-255; got dtype float64"),
        (np.full((2, 28, 28), 300), [1, 2], r"pixel value 300 at index \(0, 0, 0\) is outside"),
        (np.zeros((2, 28, 28), np.uint8), [1, 12], r"label 12 at index 1 is outside 0-9"),
        (np.zeros((2, 28, 28), np.uint8), [1, 2, 3], r"2 images but 3 labels"),
    ],
)
def test_write_rejects_bad_data_and_writes_nothing(tmp_path, images, labels, expected):
    path = tmp_path / "out.csv"
    with pytest.raises(FormatError, match=expected) as error:
        write_csv(path, images, labels)
    assert str(path) in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_real_tutorial_subsets(tmp_path, mnist):
    """mnist_train_100.csv / mnist_test_10.csv: the first 100 / 10 records of each set."""
    (x_train, y_train), (x_test, y_test) = mnist
    write_csv(tmp_path / "mnist_train_100.csv", x_train[:100], y_train[:100])
    write_csv(tmp_path / "mnist_test_10.csv", x_test[:10], y_test[:10])
    images, labels = read_csv(tmp_path / "mnist_train_100.csv")
    np.testing.assert_array_equal(images, x_train[:100])
    assert labels[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    images, labels = read_csv(tmp_path / "mnist_test_10.csv")
    np.testing.assert_array_equal(images, x_test[:10])
    assert labels.tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


test_real_tutorial_subsets = pytest.mark.realdata(test_real_tutorial_subsets)


# --- gzipped CSV -----------------------------------------------------------------------------

def _gzip_copy(path):
    """`path` gzipped beside it, as `name.gz` (by gzip itself, not by fastnn)."""
    zipped = path.with_name(path.name + ".gz")
    zipped.write_bytes(gzip.compress(path.read_bytes()))
    return zipped


def test_gz_round_trip_is_gzip_and_reproducible(tmp_path, sample):
    images, labels = sample
    path = tmp_path / "mnist_test.csv.gz"
    write_csv(path, images, labels)
    write_csv(tmp_path / "plain.csv", images, labels)
    assert gzip.decompress(path.read_bytes()) == (tmp_path / "plain.csv").read_bytes()
    first = path.read_bytes()
    write_csv(path, images, labels)
    assert path.read_bytes() == first          # no time stamp in the gzip header
    back_images, back_labels = read_csv(path)
    np.testing.assert_array_equal(back_images, images)
    np.testing.assert_array_equal(back_labels, labels)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mnist_test.csv.gz", "plain.csv"]


def test_gz_with_header_and_crlf(tmp_path, sample):
    images, labels = sample
    rows = [_line(label, image.ravel()) for image, label in zip(images, labels)]
    header = "label," + ",".join(f"pixel{i}" for i in range(784))
    path = tmp_path / "train.csv.gz"
    path.write_bytes(gzip.compress(("\r\n".join([header, *rows]) + "\r\n").encode()))
    back_images, back_labels = read_csv(path)
    np.testing.assert_array_equal(back_images, images)
    np.testing.assert_array_equal(back_labels, labels)


@pytest.mark.parametrize("bad_line, expected", [
    (_line(1, [0] * 783), r"line 3: 784 comma-separated fields, expected 785"),
    (_line(1, [0, 300] + [0] * 782), r"line 3, field 3 \(pixel 1\): '300' is not an integer 0-255"),
    ("", r"line 3: 1 comma-separated fields, expected 785 .*blank"),
])
def test_gz_bad_lines_are_named_as_in_plain_files(tmp_path, bad_line, expected):
    path = _gzip_copy(_bad_file(tmp_path, bad_line))
    with pytest.raises(FormatError) as error:
        read_csv(path)
    assert str(error.value).startswith(f"{path}, line 3")
    assert re.search(expected, str(error.value))


def test_gz_truncated(tmp_path, sample):
    images, labels = sample
    full = tmp_path / "full.csv.gz"
    write_csv(full, np.repeat(images, 20, axis=0), np.repeat(labels, 20))
    path = tmp_path / "mnist_train.csv.gz"
    path.write_bytes(full.read_bytes()[:len(full.read_bytes()) // 2])
    with pytest.raises(FormatError, match=rf"{path}: the gzip data ends early after line \d+ "
                                          r"\(.*\); the file is truncated"):
        read_csv(path)


def test_gz_name_on_a_plain_file_and_the_reverse(tmp_path, sample):
    plain = tmp_path / "mnist_test.csv"
    write_csv(plain, *sample)
    misnamed = tmp_path / "plain.csv.gz"
    misnamed.write_bytes(plain.read_bytes())
    with pytest.raises(FormatError, match=rf"{misnamed}: not valid gzip data \(.*\)\. If it "
                                          r"holds plain CSV bytes, remove \.gz from its name"):
        read_csv(misnamed)
    zipped = _gzip_copy(plain)
    hidden = tmp_path / "zipped.csv"
    hidden.write_bytes(zipped.read_bytes())
    with pytest.raises(FormatError, match=rf"{hidden}: holds gzip-compressed data; name it "
                                          r"zipped\.csv\.gz to read it"):
        read_csv(hidden)


def test_gz_corrupt_data(tmp_path, sample):
    path = tmp_path / "mnist_test.csv.gz"
    write_csv(path, *sample)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(FormatError, match=rf"{path}: (not valid gzip data|.*line)"):
        read_csv(path)


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_small_blocks_split_lines_anywhere_and_give_the_same_result(tmp_path, monkeypatch, suffix):
    """Blocks of 1,000 bytes (a line is 1,600-3,000): lines, the header and blank lines
    cross block ends; results and line numbers are those of one big block."""
    from fastnn.datasets import csv as csv_module

    rng = np.random.default_rng(5)
    images = rng.integers(0, 256, (9, 28, 28), dtype=np.uint8)
    images[::2] = 0                           # short lines too
    labels = rng.integers(0, 10, 9, dtype=np.uint8)
    rows = [_line(label, image.ravel()) for image, label in zip(images, labels)]
    text = "label," + ",".join(["p"] * 784) + "\n" + "\n".join(rows) + "\n\n \n\n"
    path = tmp_path / f"a.csv{suffix}"
    path.write_bytes(gzip.compress(text.encode()) if suffix else text.encode())
    expected = read_csv(path)
    monkeypatch.setattr(csv_module, "_BLOCK_BYTES", 1000)
    got = read_csv(path)
    np.testing.assert_array_equal(got[0], images)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], labels)
    # a blank line between records is an error, with its number, across block ends
    text_gap = text.replace(rows[5] + "\n", rows[5] + "\n\n\n")
    path.write_bytes(gzip.compress(text_gap.encode()) if suffix else text_gap.encode())
    with pytest.raises(FormatError, match=r"line 8: 1 comma-separated fields, expected 785 .*blank"):
        read_csv(path)
    bad = text.replace(rows[7], rows[7][:-1] + "x")
    path.write_bytes(gzip.compress(bad.encode()) if suffix else bad.encode())
    with pytest.raises(FormatError, match=r"line 9, field 785 \(pixel 783\)"):
        read_csv(path)


def test_real_data_gz_matches_plain(tmp_path, mnist):
    (x_train, y_train), _ = mnist
    write_csv(tmp_path / "part.csv.gz", x_train[:3000], y_train[:3000])
    write_csv(tmp_path / "part.csv", x_train[:3000], y_train[:3000])
    zipped, plain = read_csv(tmp_path / "part.csv.gz"), read_csv(tmp_path / "part.csv")
    np.testing.assert_array_equal(zipped[0], x_train[:3000])
    np.testing.assert_array_equal(zipped[0], plain[0])
    np.testing.assert_array_equal(zipped[1], y_train[:3000])


test_real_data_gz_matches_plain = pytest.mark.realdata(test_real_data_gz_matches_plain)
