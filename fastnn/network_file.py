"""The .npz file of a saved network: what it holds, how it is written, and how it is read.

A saved network is an uncompressed ``.npz`` archive (NumPy's ``savez``) of these members:

==========================  =========================================================
``format_version``          0-d integer, 1
``params``                  0-d string: the constructor's arguments as JSON
``history``                 0-d string: one JSON object per epoch trained
``rng_state``               0-d string: the random generator's state as JSON
``weights_<l>``             (n_out, n_in), of the network's dtype, finite
``biases_<l>``              (n_out,), of the dtype, finite (zeros without biases)
``mean_square_w_<l>``       RMSprop's mean squares, (n_in, n_out), finite, >= 0;
``mean_square_b_<l>``       (n_out,): only once the network has trained in mini-batches
==========================  =========================================================

:func:`read` checks all of it before anything is built: each member's header before its
bytes are read (so a damaged header cannot make it allocate terabytes), every member's
CRC, the shapes against ``params``, the dtypes against what :func:`to_bytes` writes and
every value for being finite. Whatever is wrong raises :class:`NetworkFileError`, which
names the file and the problem. Nothing is ever unpickled.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fastnn.fileio import atomic_write

__all__ = ["FORMAT_VERSION", "NetworkFileError", "SavedNetwork", "read", "to_bytes", "write"]

FORMAT_VERSION = 1

#: The longest JSON member (params, history, rng_state) a file may hold, in characters.
MAX_TEXT = 16 * 2**20

_TEXT_MEMBERS = ("params", "history", "rng_state")


class NetworkFileError(ValueError):
    """A saved network that cannot be read: not a fastnn network file, damaged, truncated,
    of a newer format, or holding values that make no network."""


@dataclass
class SavedNetwork:
    """What a network file holds. Weights are (n_out, n_in); mean squares (n_in, n_out)."""

    params: dict
    weights: list
    biases: list
    history: list
    rng_state: dict
    mean_square_w: list | None = None
    mean_square_b: list | None = None


def to_bytes(saved: SavedNetwork) -> bytes:
    """The bytes of the .npz file of ``saved``."""
    arrays = {
        "format_version": np.array(FORMAT_VERSION),
        "params": np.array(json.dumps(saved.params)),
        "history": np.array(json.dumps(saved.history)),
        "rng_state": np.array(json.dumps(saved.rng_state)),
    }
    for layer, (w, b) in enumerate(zip(saved.weights, saved.biases)):
        arrays[f"weights_{layer}"] = w
        arrays[f"biases_{layer}"] = b
    for layer, (mw, mb) in enumerate(zip(saved.mean_square_w or [], saved.mean_square_b or [])):
        arrays[f"mean_square_w_{layer}"] = mw
        arrays[f"mean_square_b_{layer}"] = mb
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def write(saved: SavedNetwork, path) -> Path:
    """Write ``saved`` to ``path`` atomically: the file is whole, or not there (nor is a
    temporary file). The directory must exist; returns the path."""
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot save the network to {str(path)!r}: the directory "
                                f"{str(path.parent)!r} does not exist; create it first")
    data = to_bytes(saved)
    with atomic_write(path) as file:
        file.write(data)
    return path


def read(source, name) -> SavedNetwork:
    """The checked contents of the network file ``source`` (a path, or bytes).

    ``name`` names the file in error messages. Raises :class:`NetworkFileError`.
    """
    try:
        data = Path(source).read_bytes() if not isinstance(source, bytes) else source
    except OSError as error:
        raise NetworkFileError(f"{name}: cannot read the network file: {error.strerror or error}"
                               ) from error
    if not data.startswith(b"PK\x03\x04"):
        raise NetworkFileError(f"{name} is not a fastnn network file: a saved network is an .npz "
                               "(zip) archive, and this file does not start like one")
    try:
        return _Reader(data, name).saved()
    except NetworkFileError:
        raise
    except Exception as error:  # whatever a damaged archive makes zipfile or NumPy raise
        raise NetworkFileError(f"{name} is damaged or truncated: {_describe(error)}; save the "
                               "network again") from error


def _describe(error) -> str:
    text = str(error)
    if "allow_pickle" in text or not text:  # NumPy's advice to unpickle: never repeat it
        return f"{type(error).__name__} reading its arrays"
    return text


class _Reader:
    """One pass over an archive's members, each checked before it is used."""

    def __init__(self, data: bytes, name):
        self.name = name
        self.archive = zipfile.ZipFile(io.BytesIO(data))
        self.members = {info.filename[:-4]: info for info in self.archive.infolist()
                        if info.filename.endswith(".npy")}
        unknown = [info.filename for info in self.archive.infolist()
                   if not info.filename.endswith(".npy")]
        if unknown:
            self.fail(f"holds {unknown[0]!r}, which no network file has")

    def fail(self, problem):
        raise NetworkFileError(f"{self.name}: {problem}")

    def array(self, key, accepts, shape, limit, what):
        """Member ``key``, its header checked before its bytes are read: a dtype that
        ``accepts`` (described as ``what``), ``shape`` and at most ``limit`` bytes. zipfile
        checks the bytes' CRC as it reads them."""
        info = self.members.get(key)
        if info is None:
            self.fail(f"is not a whole fastnn network file: it has no {key!r} entry")
        if info.file_size > limit + 4096:
            self.fail(f"its {key!r} entry is {info.file_size:,} bytes, more than it can be")
        raw = io.BytesIO(self.archive.read(info.filename))
        version = np.lib.format.read_magic(raw)
        header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                  else np.lib.format.read_array_header_2_0)
        found_shape, _, dtype = header(raw)
        if dtype.hasobject or not accepts(dtype):
            self.fail(f"its {key!r} entry holds {dtype}, not {what}")
        if found_shape != shape:
            self.fail(f"its {key!r} entry has shape {found_shape}, expected {shape}")
        raw.seek(0)
        return np.lib.format.read_array(raw, allow_pickle=False)

    def text(self, key):
        """The JSON in member ``key``, a 0-d string."""
        array = self.array(key, lambda dtype: dtype.kind == "U", (), 4 * MAX_TEXT, "text")
        try:
            return json.loads(str(array))
        except ValueError as error:
            raise NetworkFileError(f"{self.name}: its {key!r} entry is not valid JSON: {error}"
                                   ) from error

    def saved(self) -> SavedNetwork:
        if "params" not in self.members and "format_version" not in self.members:
            self.fail("is an .npz archive but not a fastnn network file (it has no 'params' "
                      "entry)")
        version = self.array("format_version", lambda dtype: dtype.kind in "iu", (), 8,
                             "an integer")
        if int(version) > FORMAT_VERSION:
            self.fail(f"was written by a newer fastnn (format {int(version)}); upgrade fastnn "
                      "to read it")
        if int(version) < 1:
            self.fail(f"has format_version {int(version)}, which no fastnn writes")
        params = self.text("params")
        sizes, dtype = self._shape_params(params)
        history, rng_state = self.text("history"), self.text("rng_state")
        _check_history(self, history)
        if not isinstance(rng_state, dict):
            self.fail(f"its 'rng_state' entry is {type(rng_state).__name__}, not an object")
        layers = list(zip(sizes[:-1], sizes[1:]))
        weights = [self.values(f"weights_{l}", dtype, (n_out, n_in)) for l, (n_in, n_out)
                   in enumerate(layers)]
        biases = [self.values(f"biases_{l}", dtype, (n_out,)) for l, (_, n_out) in enumerate(layers)]
        if not params.get("use_bias", False) and any(b.any() for b in biases):
            self.fail("holds nonzero biases for a network without biases (use_bias false)")
        saved = SavedNetwork(params, weights, biases, history, rng_state)
        if "mean_square_w_0" in self.members:
            saved.mean_square_w = [self.values(f"mean_square_w_{l}", dtype, (n_in, n_out), True)
                                   for l, (n_in, n_out) in enumerate(layers)]
            saved.mean_square_b = [self.values(f"mean_square_b_{l}", dtype, (n_out,), True)
                                   for l, (_, n_out) in enumerate(layers)]
        expected = {"format_version", *_TEXT_MEMBERS}
        expected.update(f"{kind}_{l}" for l in range(len(layers)) for kind in
                        (("weights", "biases", "mean_square_w", "mean_square_b")
                         if saved.mean_square_w else ("weights", "biases")))
        extra = sorted(set(self.members) - expected)
        if extra:
            self.fail(f"holds an entry {extra[0]!r} that a network of sizes {sizes} does not have")
        return saved

    def _shape_params(self, params):
        """(sizes, dtype) of ``params``, checked enough to size the other members."""
        if not isinstance(params, dict):
            self.fail(f"its 'params' entry is {type(params).__name__}, not an object")
        sizes, dtype = params.get("sizes"), params.get("dtype", "float64")
        if (not isinstance(sizes, list) or len(sizes) < 2 or len(sizes) > 64
                or not all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 2**20
                           for n in sizes)):
            self.fail(f"has layer sizes {sizes!r}, not a list of 2 or more positive integers")
        if dtype not in ("float64", "float32"):
            self.fail(f"has dtype {dtype!r}, not 'float64' or 'float32'")
        return sizes, np.dtype(dtype).newbyteorder("<")

    def values(self, key, dtype, shape, non_negative=False):
        array = self.array(key, lambda found: found == dtype, shape,
                           int(np.prod(shape)) * dtype.itemsize, f"{dtype.name}, the network's dtype")
        if not np.all(np.isfinite(array)):
            self.fail(f"its {key!r} entry holds NaN or inf")
        if non_negative and np.any(array < 0):
            self.fail(f"its {key!r} entry holds negative mean squares")
        return np.ascontiguousarray(array, dtype=dtype.newbyteorder("="))


def _check_history(reader, history):
    if not isinstance(history, list):
        reader.fail(f"its 'history' entry is {type(history).__name__}, not a list of epochs")
    for epoch, record in enumerate(history, start=1):
        if not isinstance(record, dict) or not all(
                isinstance(key, str) and isinstance(value, (int, float))
                and not isinstance(value, bool) and not (isinstance(value, float)
                                                         and math.isnan(value))
                for key, value in record.items()):
            reader.fail(f"its history's epoch {epoch} is not a record of named numbers: "
                        f"{str(record)[:80]}")
