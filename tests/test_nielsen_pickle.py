"""Nielsen's mnist.pkl.gz: round trips, the loader, every bad file, and hostile pickles."""

from __future__ import annotations

import builtins
import gzip
import os
import pickle
import pickletools

import numpy as np
import pytest

from fastnn.cli import main
from fastnn.datasets import (ChecksumError, DatasetError, FormatError, find_dataset, from_nielsen,
                             load_mnist, read_nielsen_pickle, to_nielsen, write_nielsen_pickle)
from fastnn.datasets.nielsen_pickle import ALLOWED_GLOBALS


def synthetic_parts(sizes=(10, 4, 3), seed=0):
    """Three (images, labels) pairs as Nielsen's file holds them: float32 pixels / 256, int64."""
    rng = np.random.default_rng(seed)
    return tuple((rng.integers(0, 256, (n, 784)).astype(np.float32) / np.float32(256),
                  rng.integers(0, 10, n).astype(np.int64)) for n in sizes)


def write_pickle(path, obj, protocol):
    """``obj`` pickled as it is, gzipped when the name ends in .gz (no checks: test input)."""
    data = pickle.dumps(obj, protocol=protocol)
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def globals_named(path):
    with gzip.open(path) as file:
        data = file.read()
    return {arg for op, arg, _ in pickletools.genops(data) if op.name == "GLOBAL"}


# --- round trips ---------------------------------------------------------------------------

def test_round_trip_keeps_values_dtypes_and_shapes(tmp_path):
    parts = synthetic_parts()
    path = tmp_path / "mnist.pkl.gz"
    write_nielsen_pickle(path, *parts)
    back = read_nielsen_pickle(path)
    for (images, labels), (back_images, back_labels) in zip(parts, back, strict=True):
        assert back_images.dtype == np.float32 and back_labels.dtype == np.int64
        np.testing.assert_array_equal(back_images, images)
        np.testing.assert_array_equal(back_labels, labels)
    assert os.listdir(tmp_path) == ["mnist.pkl.gz"]


def test_written_file_is_a_protocol_2_gzip_pickle_naming_only_numpy_arrays(tmp_path):
    path = tmp_path / "mnist.pkl.gz"
    write_nielsen_pickle(path, *synthetic_parts())
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    with gzip.open(path) as file:
        assert file.read(2) == b"\x80\x02"     # PROTO 2
    named = {tuple(name.split(" ")) for name in globals_named(path)}
    assert named <= set(ALLOWED_GLOBALS)
    assert ("numpy", "ndarray") in named and ("numpy", "dtype") in named
    # ... and plain pickle (any Python 3, Nielsen's loader with encoding="latin1") reads it too
    with gzip.open(path) as file:
        plain = pickle.load(file, encoding="latin1")
    np.testing.assert_array_equal(plain[2][0], read_nielsen_pickle(path)[2][0])


def test_reads_numpy_1_module_names_and_newer_protocols(tmp_path):
    """The original file (NumPy 1, Python 2) names numpy.core.multiarray._reconstruct;
    pickle.dump with protocol 4 stores the arrays' bytes as bytes. Both are read."""
    parts = synthetic_parts()
    write_nielsen_pickle(tmp_path / "new.pkl.gz", *parts)
    raw = gzip.decompress((tmp_path / "new.pkl.gz").read_bytes())
    old_name = raw.replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")
    assert old_name != raw
    (tmp_path / "old.pkl").write_bytes(old_name)
    np.testing.assert_array_equal(read_nielsen_pickle(tmp_path / "old.pkl")[1][0], parts[1][0])
    path = write_pickle(tmp_path / "mnist.pkl.gz", parts, protocol=4)
    np.testing.assert_array_equal(read_nielsen_pickle(path)[0][0], parts[0][0])


def test_to_and_from_nielsen_are_exact_inverses():
    rng = np.random.default_rng(2)
    train = rng.integers(0, 256, (12, 28, 28), dtype=np.uint8), rng.integers(0, 10, 12, dtype=np.uint8)
    test = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8), rng.integers(0, 10, 5, dtype=np.uint8)
    training, validation, testing = to_nielsen(train, test)
    assert [len(part[0]) for part in (training, validation, testing)] == [10, 2, 5]
    assert training[0].dtype == np.float32 and training[1].dtype == np.int64
    np.testing.assert_array_equal(training[0] * 256, train[0][:10].reshape(10, 784))
    (x_train, y_train), (x_test, y_test) = from_nielsen(training, validation, testing)
    for got, expected in ((x_train, train[0]), (y_train, train[1]), (x_test, test[0]), (y_test, test[1])):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, expected)


# --- the loader ----------------------------------------------------------------------------

def test_loader_finds_the_pickle_last_and_verifies_it(tmp_path, fake_mnist):
    write_nielsen_pickle(tmp_path / "mnist.pkl.gz", *to_nielsen(fake_mnist.train, fake_mnist.test))
    found = find_dataset("mnist", tmp_path, download=False)
    assert found.format == "pkl" and found.paths == (tmp_path / "mnist.pkl.gz",)
    ((x_train, y_train), (x_test, y_test)), checks = found.load_verified()
    np.testing.assert_array_equal(x_train, fake_mnist.arrays["train_images"])
    np.testing.assert_array_equal(y_test, fake_mnist.arrays["test_labels"])
    assert x_train.dtype == y_train.dtype == np.uint8 and x_test.shape == (5, 28, 28)
    assert checks[0] == ("mnist.pkl.gz (training and validation images)",
                         "sha256 of the decoded content matches train-images-idx3-ubyte")
    fake_mnist.write(tmp_path)   # IDX, then NPZ and CSV, come first
    assert find_dataset("mnist", tmp_path, download=False).format == "idx"


def test_a_pickle_of_other_data_is_never_used(tmp_path, fake_mnist):
    training, validation, test = to_nielsen(fake_mnist.train, fake_mnist.test)
    images = test[0].copy()
    images[0, 0] = 1 / 256 if images[0, 0] == 0 else 0.0
    write_nielsen_pickle(tmp_path / "mnist.pkl.gz", training, validation, (images, test[1]))
    with pytest.raises(ChecksumError, match=r"mnist.pkl.gz \(test images\) is not the genuine "
                                            r"t10k-images-idx3-ubyte"):
        load_mnist(tmp_path, download=False)


def test_pixels_divided_by_255_are_not_taken_for_the_real_file(tmp_path, fake_mnist):
    training, validation, test = to_nielsen(fake_mnist.train, fake_mnist.test)
    rescaled = [(images * np.float32(256 / 255), labels) for images, labels in (training, validation, test)]
    write_nielsen_pickle(tmp_path / "mnist.pkl.gz", *[(np.minimum(i, np.float32(0.999)), l) for i, l in rescaled])
    with pytest.raises(ChecksumError, match="is not the genuine train-images-idx3-ubyte"):
        load_mnist(tmp_path, download=False)


def test_export_pkl_round_trip(tmp_path, fake_mnist, capsys):
    fake_mnist.write(tmp_path / "src")
    out_dir = tmp_path / "pkl"
    assert main(["data", "export", "--format", "pkl", str(out_dir),
                 "--data-dir", str(tmp_path / "src"), "--no-download"]) == 0
    assert os.listdir(out_dir) == ["mnist.pkl.gz"]
    assert str(out_dir / "mnist.pkl.gz") in capsys.readouterr().out
    assert main(["data", "--data-dir", str(out_dir), "--no-download"]) == 0
    out = capsys.readouterr().out
    assert "format: Nielsen's pickle" in out
    assert "mnist.pkl.gz (test labels): sha256 of the decoded content matches" in out


# --- hostile pickles: refused, and nothing in them runs -------------------------------------

class _Call:
    """Pickles as a call of ``function(*args)``: what a hostile file does."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


@pytest.mark.parametrize("make_call,refused", [
    (lambda target: _Call(os.system, f"touch {target}"), f"{os.system.__module__}.system"),
    (lambda target: _Call(builtins.eval, f"open({str(target)!r}, 'w').close()"), "builtins.eval"),
    (lambda target: _Call(builtins.open, str(target), "w"), f"{builtins.open.__module__}.open"),
    (lambda target: _Call(builtins.exec, f"open({str(target)!r}, 'w').close()"), "builtins.exec"),
])
@pytest.mark.parametrize("where", ["whole", "inside"])
def test_hostile_pickle_is_refused_and_runs_nothing(tmp_path, make_call, refused, where):
    target = tmp_path / "pwned"
    call = make_call(target)
    training, validation, test = synthetic_parts()
    payload = call if where == "whole" else (training, (validation[0], call), test)
    path = write_pickle(tmp_path / "mnist.pkl.gz", payload, protocol=4)
    with pytest.raises(DatasetError) as error:
        read_nielsen_pickle(path)
    message = str(error.value)
    assert message.startswith(f"{path}: refused to load the global {refused}: "), message
    assert "Nothing in the file was run" in message
    assert not target.exists()
    # the same file really does run its code under a plain pickle.load
    with gzip.open(path) as file:
        pickle.load(file)
    assert target.exists()


def test_handwritten_protocol_0_exploit_is_refused(tmp_path):
    """The classic hand-made payload: GLOBAL builtins.eval, a string, REDUCE."""
    target = tmp_path / "pwned"
    code = f"open({str(target)!r}, 'w').close()".encode()
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(gzip.compress(b"cbuiltins\neval\n(V" + code + b"\ntR."))
    with pytest.raises(FormatError, match=r"refused to load the global builtins\.eval"):
        read_nielsen_pickle(path)
    assert not target.exists()


def test_loader_refuses_a_hostile_pickle(tmp_path):
    target = tmp_path / "pwned"
    write_pickle(tmp_path / "mnist.pkl.gz", _Call(os.system, f"touch {target}"), protocol=4)
    with pytest.raises(DatasetError, match=rf"{tmp_path / 'mnist.pkl.gz'}: refused to load the "
                                           r"global \w+\.system"):
        load_mnist(tmp_path, download=False)
    assert not target.exists()


def test_other_numpy_globals_are_refused_too(tmp_path):
    path = write_pickle(tmp_path / "mnist.pkl.gz", _Call(np.load, "x.npy"), protocol=4)
    with pytest.raises(FormatError, match=r"refused to load the global numpy.load"):
        read_nielsen_pickle(path)


@pytest.mark.parametrize("payload,refused", [
    # 5.7 TiB: a few bytes of pickle must not make the reader allocate what they ask for
    (_Call(np.ndarray, (10**9, 784), np.dtype("f8")), r"the call numpy\.ndarray\(\(1000000000, 784\)"),
    (_Call(np.empty(0).__reduce__()[0], np.ndarray, (10**9, 784), np.dtype("f8")),
     r"the call _reconstruct\(numpy\.ndarray, \(1000000000, 784\), \.\.\.\)"),
    (_Call(np.empty(0).__reduce__()[0], np.dtype, (0,), "b"), r"the call _reconstruct\(<class"),
])
def test_numpy_globals_only_as_numpy_pickles_use_them(tmp_path, payload, refused):
    path = write_pickle(tmp_path / "mnist.pkl.gz", payload, protocol=2)
    assert len(path.read_bytes()) < 200
    with pytest.raises(FormatError, match=rf"{path}: refused {refused}.* Nothing was allocated"):
        read_nielsen_pickle(path)


# --- bad files -----------------------------------------------------------------------------

def test_not_gzip(tmp_path):
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(pickle.dumps(synthetic_parts(), protocol=2))
    with pytest.raises(FormatError, match=rf"{path}: not valid gzip data \(.*\)\. If it holds "
                                          r"plain pickle bytes, remove \.gz from its name"):
        read_nielsen_pickle(path)


@pytest.mark.parametrize("content", [b"label,pixel0\n1,2\n", b"\x00\x01 binary", b"\x80\x02K\x05"])
def test_not_a_pickle(tmp_path, content):
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(gzip.compress(content))
    with pytest.raises(FormatError, match=rf"{path}: (not a readable pickle \(.+\); it is corrupt "
                                          r"or another kind of file|the pickle ends early)"):
        read_nielsen_pickle(path)


@pytest.mark.parametrize("cut", ["gzip", "pickle"])
def test_truncated_file(tmp_path, cut):
    full = tmp_path / "full.pkl.gz"
    write_nielsen_pickle(full, *synthetic_parts())
    path = tmp_path / "mnist.pkl.gz"
    if cut == "gzip":   # the download stopped half-way
        path.write_bytes(full.read_bytes()[: len(full.read_bytes()) // 2])
    else:               # complete gzip data of half a pickle
        path.write_bytes(gzip.compress(gzip.decompress(full.read_bytes())[:5000]))
    with pytest.raises(FormatError, match=rf"{path}: the (gzip data|pickle) ends early.*truncated"):
        read_nielsen_pickle(path)


def _structure(parts, change):
    training, validation, test = (list(pair) for pair in parts)
    return change(training, validation, test)


@pytest.mark.parametrize("change,expected", [
    (lambda tr, va, te: {"training": tr}, r"holds a value of type dict, expected a tuple \(training, "
                                          r"validation, test\) of \(images, labels\) pairs"),
    (lambda tr, va, te: (tr, va), r"holds a tuple of length 2, expected a tuple \(training"),
    (lambda tr, va, te: (tr, va, te[0]), r"\[test\]: holds a value of type ndarray, expected a pair"),
    (lambda tr, va, te: (tr, (va[0],), te), r"\[validation\]: holds a tuple of length 1"),
    (lambda tr, va, te: (tr, va, (te[0].tolist(), te[1])),
     r"\[test\]: the images are a list, expected a NumPy array"),
    (lambda tr, va, te: ((tr[0].reshape(-1, 28, 28), tr[1]), va, te),
     r"\[training\]: images have shape \(10, 28, 28\), expected \(n, 784\)"),
    (lambda tr, va, te: ((tr[0][:, :700], tr[1]), va, te),
     r"\[training\]: images have shape \(10, 700\), expected \(n, 784\)"),
    (lambda tr, va, te: (tr, (va[0], va[1][:3]), te),
     r"\[validation\]: labels have shape \(3,\), expected \(4,\), one per image"),
    (lambda tr, va, te: ((tr[0] * 256, tr[1]), va, te),
     r"\[training\]: image value np.float32\(\d+\.0\) at index \(\d+, \d+\) is outside \[0, 1\)"),
    (lambda tr, va, te: (tr, va, (np.where(te[0] == te[0].max(), 1.0, te[0]).astype(np.float32), te[1])),
     r"\[test\]: image value np.float32\(1\.0\) at index \(\d+, \d+\) is outside \[0, 1\)"),
    (lambda tr, va, te: ((np.full((10, 784), np.nan, np.float32), tr[1]), va, te),
     r"image value np.float32\(nan\) at index \(0, 0\) is outside \[0, 1\)"),
    (lambda tr, va, te: ((tr[0], tr[1] + 10), va, te), r"\[training\]: label 1\d at index 0 is outside 0-9"),
    (lambda tr, va, te: ((tr[0].astype(np.uint8), tr[1]), va, te),
     r"images have dtype uint8, expected float32 values pixels / 256"),
    (lambda tr, va, te: (tr, (va[0], va[1].astype(np.float64)), te),
     r"\[validation\]: labels have dtype float64, expected int64"),
])
def test_wrong_structure_shapes_and_values(tmp_path, change, expected):
    path = write_pickle(tmp_path / "mnist.pkl.gz", _structure(synthetic_parts(), change), protocol=4)
    with pytest.raises(FormatError) as error:
        read_nielsen_pickle(path)
    assert str(error.value).startswith(str(path)), str(error.value)
    assert __import__("re").search(expected, str(error.value)), str(error.value)


def test_writer_checks_the_same_and_writes_nothing(tmp_path):
    training, validation, test = synthetic_parts()
    path = tmp_path / "mnist.pkl.gz"
    with pytest.raises(FormatError, match=rf"write_nielsen_pickle\({path}\) \[test\]: image value "
                                          r"np.float32\(2\.0\) at index \(0, 0\)"):
        write_nielsen_pickle(path, training, validation, (np.full((3, 784), 2.0, np.float32), test[1]))
    assert os.listdir(tmp_path) == []


# --- the real MNIST ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_pickle_dir(mnist_dir, tmp_path_factory):
    """`fastnn data export --format pkl` of the real MNIST (about 15 s: gzip of 222 MB)."""
    directory = tmp_path_factory.mktemp("nielsen")
    assert main(["data", "export", "--format", "pkl", str(directory), "--data-dir",
                 str(mnist_dir), "--no-download"]) == 0
    return directory


@pytest.mark.realdata
def test_real_pickle_has_nielsens_layout(real_pickle_dir, mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    training, validation, test = read_nielsen_pickle(real_pickle_dir / "mnist.pkl.gz")
    assert [part[0].shape for part in (training, validation, test)] == [(50000, 784), (10000, 784), (10000, 784)]
    assert training[0].dtype == np.float32 and training[1].dtype == np.int64
    assert 0 <= training[0].min() and training[0].max() == 255 / 256
    np.testing.assert_array_equal(validation[0][0], x_train[50000].reshape(784) / np.float32(256))
    np.testing.assert_array_equal(test[1], y_test)
    assert training[1][:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]


@pytest.mark.realdata
def test_real_pickle_loads_exactly_and_verified(real_pickle_dir, mnist):
    data, checks = find_dataset("mnist", real_pickle_dir, download=False).load_verified()
    for got, expected in zip((*data[0], *data[1]), (*mnist[0], *mnist[1]), strict=True):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, expected)
    assert [how for _, how in checks] == [
        f"sha256 of the decoded content matches {name}" for name in (
            "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte")]
