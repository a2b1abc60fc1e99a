"""Damaged network files: every problem is one NetworkFileError, naming the file; a file
that loads is a whole, valid network (fastnn.network_file)."""

from __future__ import annotations

import collections
import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import fastnn
from fastnn import recipes
from fastnn.network_file import NetworkFileError

MUTATIONS = 420


@pytest.fixture(scope="module")
def saved(tmp_path_factory, tiny_data):
    """A trained keras network (RMSprop state included) and its file's bytes."""
    x, y = tiny_data
    net = recipes.keras(hidden=12, seed=3)
    net.fit(x[:64], y[:64], epochs=1)
    path = net.save(tmp_path_factory.mktemp("saved") / "net.npz")
    return net, path.read_bytes()


def members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename[:-4]: archive.read(info.filename) for info in archive.infolist()}


def archive(entries):
    """An .npz of ``entries`` (name -> array, or raw .npy bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, value in entries.items():
            if not isinstance(value, bytes):
                raw = io.BytesIO()
                np.lib.format.write_array(raw, np.asanyarray(value), allow_pickle=False)
                value = raw.getvalue()
            out.writestr(f"{name}.npy", value)
    return buffer.getvalue()


def pickled_member():
    """The .npy bytes of an object array: a pickle, which loading would run."""
    raw = io.BytesIO()
    np.lib.format.write_array(raw, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return raw.getvalue()


def replaced(data, rng):
    """The archive with one member replaced by something wrong: another shape or dtype,
    NaN, a string, bad JSON, an object array's header, or left out or added."""
    entries = members(data)
    key = str(rng.choice(sorted(entries)))
    numeric = str(rng.choice(sorted(k for k in entries if k.startswith(("weights", "biases",
                                                                         "mean")))))
    params = json.loads(str(np.load(io.BytesIO(entries["params"]))))
    choice = int(rng.integers(12))
    if choice == 0:
        entries[key] = np.zeros((3, 5))
    elif choice == 1:
        entries[numeric] = np.load(io.BytesIO(entries[numeric])).astype(np.float16)
    elif choice == 2:
        array = np.load(io.BytesIO(entries[numeric])).copy()
        array.flat[int(rng.integers(array.size))] = rng.choice([np.nan, np.inf, -np.inf])
        entries[numeric] = array
    elif choice == 3:
        entries[key] = np.array("a string, not the array")
    elif choice == 4:
        entries[str(rng.choice(["params", "history", "rng_state"]))] = np.array("{not json")
    elif choice == 5:
        field = str(rng.choice(["sizes", "dtype", "activations", "learning_rate", "loss"]))
        params[field] = [[], "float16", -1, None, [784, "x", 10]][int(rng.integers(5))]
        entries["params"] = np.array(json.dumps(params))
    elif choice == 6:
        del entries[key]
    elif choice == 7:
        entries["surprise"] = np.arange(3)
    elif choice == 8:  # a header that announces a pickled object array
        entries[key] = pickled_member()
    elif choice == 9:
        entries["rng_state"] = np.array(json.dumps({"bit_generator": "PCG64", "state": 3}))
    elif choice == 10:
        entries["history"] = np.array(json.dumps([{"loss": "low"}]))
    else:
        entries["format_version"] = np.array(int(rng.choice([0, 2, 99])))
    return archive(entries)


def mutations(data, n, seed=0):
    """``n`` (kind, bytes) mutations of a network file: byte flips, truncations, random
    bytes and replaced members, a quarter each."""
    rng = np.random.default_rng(seed)
    for index in range(n):
        kind = ("flip", "truncate", "random", "replace")[index % 4]
        if kind == "flip":
            mutated = bytearray(data)
            for position in rng.integers(0, len(data), int(rng.integers(1, 4))):
                mutated[position] ^= 1 << int(rng.integers(8))
            yield kind, bytes(mutated)
        elif kind == "truncate":
            yield kind, data[:int(rng.integers(0, len(data)))]
        elif kind == "random":
            yield kind, rng.bytes(int(rng.integers(1, 4096)))
        else:
            yield kind, replaced(data, rng)


def assert_same_network(loaded, net):
    assert loaded.get_params() == net.get_params()
    assert loaded.history_ == net.history_
    for got, expected in zip(loaded.weights + loaded.biases, net.weights + net.biases):
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)


def test_every_mutation_is_refused_plainly_or_loads_whole(saved, tmp_path):
    net, data = saved
    path = tmp_path / "mutated.npz"
    outcomes = collections.Counter()
    for kind, mutated in mutations(data, MUTATIONS):
        path.write_bytes(mutated)
        try:
            loaded = fastnn.load(path)
        except NetworkFileError as error:
            message = str(error)
            assert str(path) in message, message
            assert "allow_pickle" not in message, message
            outcomes[f"{kind}: refused"] += 1
            continue
        # a flip in the zip's metadata (a time stamp, say) may leave the network whole
        assert_same_network(loaded, net)
        outcomes[f"{kind}: loaded, identical"] += 1
    print(dict(sorted(outcomes.items())))
    assert sum(outcomes.values()) == MUTATIONS >= 300
    assert outcomes["replace: refused"] == MUTATIONS // 4
    assert outcomes["random: refused"] == MUTATIONS // 4


def test_the_error_chains_the_cause_and_never_advises_unpickling(saved, tmp_path):
    _, data = saved
    entries = members(data)
    entries["weights_0"] = pickled_member()
    path = tmp_path / "object.npz"
    path.write_bytes(archive(entries))
    with pytest.raises(NetworkFileError, match="'weights_0' entry holds object") as raised:
        fastnn.load(path)
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(NetworkFileError, match="is damaged or truncated") as raised:
        fastnn.load(path)
    assert raised.value.__cause__ is not None
    np.save(tmp_path / "plain.npy", np.array([{"a": 1}], dtype=object))
    with pytest.raises(NetworkFileError, match="not a fastnn network file") as raised:
        fastnn.load(tmp_path / "plain.npy")
    assert "allow_pickle" not in str(raised.value)


@pytest.mark.parametrize("edit, message", [
    (lambda e: e.update(weights_1=np.zeros((10, 13), np.float32)), r"'weights_1' entry has shape \(10, 13\), "
                                                        r"expected \(10, 12\)"),
    (lambda e: e.update(biases_0=np.ones(12, np.float64)), "holds float64, not float32"),
    (lambda e: e.update(format_version=np.array(7)), "written by a newer fastnn"),
    (lambda e: e.pop("biases_1"), "has no 'biases_1' entry"),
    (lambda e: e.update(extra=np.zeros(1)), "holds an entry 'extra'"),
])
def test_each_problem_is_named(saved, tmp_path, edit, message):
    _, data = saved
    entries = members(data)
    edit(entries)
    path = tmp_path / "edited.npz"
    path.write_bytes(archive(entries))
    with pytest.raises(NetworkFileError, match=message):
        fastnn.load(path)


def test_values_out_of_range_are_refused(saved, tmp_path):
    net, data = saved
    for key, value, message in [
        ("weights_0", np.full((12, 784), np.nan, np.float32), "holds NaN or inf"),
        ("mean_square_w_0", np.full((784, 12), -1.0, np.float32), "negative mean squares"),
    ]:
        entries = members(data)
        entries[key] = value
        (tmp_path / "bad.npz").write_bytes(archive(entries))
        with pytest.raises(NetworkFileError, match=message):
            fastnn.load(tmp_path / "bad.npz")


def test_the_command_line_prints_one_line(saved, tmp_path):
    _, data = saved
    path = tmp_path / "truncated.npz"
    path.write_bytes(data[:1000])
    for command in (["evaluate", str(path)], ["predict", str(path), "--index", "0"]):
        done = subprocess.run([sys.executable, "-m", "fastnn", *command], capture_output=True,
                              text=True)
        assert done.returncode == 1
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
        assert str(path) in lines[0] and "damaged or truncated" in lines[0]


def test_save_needs_its_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="the directory .*missing.* does not exist"):
        recipes.linear(seed=0).save(tmp_path / "missing" / "net.npz")
    assert not (tmp_path / "missing").exists()
