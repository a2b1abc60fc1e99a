"""Nielsen's ``mnist.pkl.gz``: a gzipped pickle, read without running anything in it.

The file that Nielsen's ``mnist_loader`` (and the NumPy tutorial) reads holds the tuple
``(training_data, validation_data, test_data)``; each part is a pair ``(images, labels)``
of NumPy arrays: images float32 of shape (n, 784) holding ``pixels / 256`` (so in
[0, 1)), labels int64 of shape (n,). The sizes are 50,000, 10,000 and 10,000: training
and validation are MNIST's 60,000 training images in order, split 5:1.

A pickle names Python callables that loading calls, so an unchecked ``pickle.load`` runs
whatever code the file asks for. :func:`read_nielsen_pickle` uses an unpickler that
resolves only the globals this file contains (NumPy's array reconstruction, ``ndarray``
and ``dtype``) and refuses every other one before anything is called; NumPy's are
accepted only as NumPy's array pickles use them, so no call allocates more than the file
holds. The original file
is a Python 2 pickle: its byte strings are read as latin-1 text, which NumPy takes as
the arrays' raw bytes. :func:`write_nielsen_pickle` writes the same layout with protocol 2
and the arrays' bytes as latin-1 text too, so its globals are exactly the original's.
"""

from __future__ import annotations

import copyreg
import os
import pickle
from pathlib import Path

import numpy as np

from .errors import FormatError
from .gzipfiles import LARGE_FILE_LEVEL, atomic_write_by_name, gzip_errors, open_by_name
from .validation import as_labels

__all__ = ["read_nielsen_pickle", "write_nielsen_pickle", "to_nielsen", "from_nielsen",
           "ALLOWED_GLOBALS", "PART_NAMES"]

#: The names of the file's three parts, in order.
PART_NAMES = ("training", "validation", "test")

#: The function NumPy's array pickles call (numpy._core.multiarray._reconstruct in NumPy 2).
_reconstruct = np.empty(0).__reduce__()[0]

#: Its names: NumPy 1's module name (the original file's) and NumPy 2's.
_RECONSTRUCT_NAMES = (("numpy.core.multiarray", "_reconstruct"),
                      ("numpy._core.multiarray", "_reconstruct"))

#: The only globals a Nielsen pickle may name, by (module, name): what NumPy's array
#: pickles use. They resolve to guarded stand-ins (see :class:`_ArraysOnlyUnpickler`).
ALLOWED_GLOBALS = (*_RECONSTRUCT_NAMES, ("numpy", "ndarray"), ("numpy", "dtype"))

Pair = tuple[np.ndarray, np.ndarray]


def _quoted(value, limit=120) -> str:
    """``repr(value)``, cut to `limit` characters: a hostile file's values can be huge."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


class _NdarrayName:
    """What the global ``numpy.ndarray`` resolves to: in NumPy's array pickles it is only
    ever ``_reconstruct``'s first argument. Calling the stand-in is refused, so a pickle
    cannot call ``numpy.ndarray(shape)`` to allocate memory of a size of its choosing."""

    __slots__ = ("source",)

    def __init__(self, source: str):
        self.source = source

    def __repr__(self) -> str:
        return "numpy.ndarray"

    def __call__(self, *args, **kwargs):
        raise FormatError(
            f"{self.source}: refused the call numpy.ndarray{_quoted(args)}: NumPy's array pickles "
            "never call it. Nothing was allocated. It is not Nielsen's mnist.pkl.gz, or it "
            "was tampered with: delete it and export it again (fastnn data export --format pkl)")


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """An unpickler that resolves only :data:`ALLOWED_GLOBALS`; anything else is refused.

    ``_reconstruct`` is accepted only as NumPy's array pickles call it,
    ``_reconstruct(numpy.ndarray, (0,), dtype)``: an empty array that the pickle's state
    then fills with the bytes in the file, so the file's size bounds what is allocated.
    """

    def __init__(self, file, source: str):
        super().__init__(file, encoding="latin1")
        self.source = source
        self.ndarray = _NdarrayName(source)

    def find_class(self, module, name):
        if (module, name) in _RECONSTRUCT_NAMES:
            return self._reconstruct_empty
        if (module, name) == ("numpy", "ndarray"):
            return self.ndarray
        if (module, name) == ("numpy", "dtype"):
            return np.dtype
        allowed = ", ".join(f"{m}.{n}" for m, n in ALLOWED_GLOBALS)
        raise FormatError(
            f"{self.source}: refused to load the global {module}.{name}: this pickle asks "
            f"to call it, and a Nielsen MNIST pickle holds only NumPy arrays ({allowed}). "
            "Nothing in the file was run. It is not Nielsen's mnist.pkl.gz, or it was "
            "tampered with: delete it and export it again (fastnn data export --format pkl)"
        ) from None

    def _reconstruct_empty(self, subtype, shape, dtype):
        """NumPy's ``_reconstruct`` as its array pickles call it, and no other way."""
        if subtype is not self.ndarray or not isinstance(shape, tuple) or shape != (0,):
            raise FormatError(
                f"{self.source}: refused the call _reconstruct({subtype!r}, {_quoted(shape)}, ...): "
                "NumPy's array pickles call it as _reconstruct(numpy.ndarray, (0,), ...) "
                "only. Nothing was allocated. It is not Nielsen's mnist.pkl.gz, or it was "
                "tampered with: delete it and export it again (fastnn data export --format pkl)")
        return _reconstruct(np.ndarray, (0,), dtype)

    def persistent_load(self, pid):
        raise FormatError(f"{self.source}: refused a persistent id {pid!r}: a Nielsen MNIST "
                          "pickle holds only NumPy arrays")


def _describe(value) -> str:
    """E.g. 'a tuple of length 2', 'a value of type dict'."""
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"a value of type {type(value).__name__}"


def _first_index(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(mask)), mask.shape))


def _checked_pair(pair, where: str, n_pixels: int) -> Pair:
    """One part's (images, labels), checked: float (n, n_pixels) in [0, 1), integer labels 0-9."""
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise FormatError(f"{where}: holds {_describe(pair)}, expected a pair (images, labels)")
    images, labels = pair
    for kind, array in (("images", images), ("labels", labels)):
        if not isinstance(array, np.ndarray):
            raise FormatError(f"{where}: the {kind} are a {type(array).__name__}, expected a "
                              "NumPy array")
    if images.ndim != 2 or images.shape[1] != n_pixels:
        raise FormatError(f"{where}: images have shape {images.shape}, expected (n, {n_pixels})"
                          " (one flattened image a row)")
    if images.dtype.kind != "f":
        raise FormatError(f"{where}: images have dtype {images.dtype}, expected float32 "
                          "values pixels / 256")
    if labels.ndim != 1 or len(labels) != len(images):
        raise FormatError(f"{where}: labels have shape {labels.shape}, expected "
                          f"({len(images)},), one per image")
    if labels.dtype.kind not in "iu":
        raise FormatError(f"{where}: labels have dtype {labels.dtype}, expected int64")
    bad = ~((images >= 0) & (images < 1))  # NaN is bad too
    if bad.any():
        index = _first_index(bad)
        raise FormatError(f"{where}: image value {images[index]!r} at index {index} is outside "
                          "[0, 1); the images must be pixels / 256")
    return images, as_labels(labels, where, dtype=labels.dtype)


def _checked_parts(parts, source: str, n_pixels: int) -> tuple[Pair, Pair, Pair]:
    if not isinstance(parts, (tuple, list)) or len(parts) != 3:
        raise FormatError(f"{source}: holds {_describe(parts)}, expected a tuple (training, "
                          "validation, test) of (images, labels) pairs")
    return tuple(_checked_pair(pair, f"{source} [{name}]", n_pixels)
                 for pair, name in zip(parts, PART_NAMES))


def read_nielsen_pickle(path: str | os.PathLike, n_pixels: int = 784
                        ) -> tuple[Pair, Pair, Pair]:
    """Read Nielsen's ``mnist.pkl.gz`` safely: no code in the file runs.

    Parameters
    ----------
    path : str or os.PathLike
        The file; gzip-compressed when its name ends in ``.gz`` (as the original is).
    n_pixels : int, default 784
        Values per image.

    Returns
    -------
    (training, validation, test)
        Each a pair ``(images, labels)``: images float (n, n_pixels), values in [0, 1)
        (float32 pixels / 256 in the original), labels integer (n,) 0-9 (int64), as stored.

    Raises
    ------
    FormatError
        Naming the file: a global other than NumPy's array reconstruction (refused before
        it is called; the message names it), not gzip data, not a pickle, a truncated
        file, another structure than three (images, labels) pairs, arrays of the wrong
        shape or dtype, image values outside [0, 1), labels outside 0-9.
    OSError
        If the file cannot be read.
    """
    path = Path(path)
    source = str(path)
    with open_by_name(path) as stream, gzip_errors(source, "pickle"):
        try:
            parts = _ArraysOnlyUnpickler(stream, source).load()
        except FormatError:
            raise
        except (EOFError, pickle.UnpicklingError) as exc:
            if isinstance(exc, pickle.UnpicklingError) and "truncated" not in str(exc):
                raise FormatError(f"{source}: not a readable pickle ({exc}); it is corrupt or "
                                  "another kind of file") from None
            raise FormatError(f"{source}: the pickle ends early ({exc or 'no data'}); the file is "
                              "truncated: delete it and get it again") from None
        except (ValueError, TypeError, IndexError, KeyError, AttributeError, UnicodeError) as exc:
            raise FormatError(f"{source}: not a readable pickle ({type(exc).__name__}: {exc}); "
                              "it is corrupt or another kind of file") from None
    return _checked_parts(parts, source, n_pixels)


def _reduce_like_python2(array: np.ndarray):
    """Pickle an array as Python 2 did: its raw bytes as latin-1 text, no ``_codecs``."""
    array = np.ascontiguousarray(array)
    state = (1, array.shape, array.dtype, False, array.tobytes().decode("latin-1"))
    return _reconstruct, (np.ndarray, (0,), "b"), state


def write_nielsen_pickle(path: str | os.PathLike, training: Pair, validation: Pair,
                         test: Pair, n_pixels: int = 784) -> None:
    """Write the three (images, labels) pairs as a Nielsen pickle (protocol 2); atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The file to create or replace, e.g. ``mnist.pkl.gz`` (gzip when it ends in
        ``.gz``, level 6); its directory must exist.
    training, validation, test : (images, labels)
        Images float of shape (n, n_pixels) in [0, 1), stored as float32; labels integer
        0-9 of shape (n,), stored as int64 (see :func:`to_nielsen`).
    n_pixels : int, default 784
        Values per image.

    Raises
    ------
    FormatError
        For arrays of the wrong shape, dtype or values; nothing is written then.
    """
    path = Path(path)
    parts = _checked_parts((training, validation, test), f"write_nielsen_pickle({path})",
                           n_pixels)
    stored = tuple((images.astype(np.float32), labels.astype(np.int64)) for images, labels in parts)
    with atomic_write_by_name(path, compresslevel=LARGE_FILE_LEVEL) as file:
        pickler = pickle.Pickler(file, protocol=2)
        pickler.dispatch_table = {**copyreg.dispatch_table, np.ndarray: _reduce_like_python2}
        pickler.dump(stored)


def to_nielsen(train: Pair, test: Pair) -> tuple[Pair, Pair, Pair]:
    """MNIST's uint8 splits as Nielsen's three parts.

    Parameters
    ----------
    train, test : (images, labels)
        uint8 images (n, 28, 28) and labels (n,), as :func:`fastnn.load_mnist` returns.

    Returns
    -------
    (training, validation, test)
        Images float32 (n, 784) = pixels / 256, labels int64; validation is the last
        sixth of `train` (10,000 of MNIST's 60,000), training the rest.
    """
    def part(images, labels):
        flat = np.asarray(images).reshape(len(images), -1)
        return (flat / np.float32(256)).astype(np.float32), np.asarray(labels, dtype=np.int64)

    images, labels = train
    split = len(images) - len(images) // 6
    return part(images[:split], labels[:split]), part(images[split:], labels[split:]), part(*test)


def from_nielsen(training: Pair, validation: Pair, test: Pair, image_shape=(28, 28)
                 ) -> tuple[Pair, Pair]:
    """Nielsen's three parts as MNIST's uint8 splits: the inverse of :func:`to_nielsen`.

    Returns
    -------
    ((x_train, y_train), (x_test, y_test))
        Pixels ``round(value * 256)`` (exact for values pixels / 256; capped at 255)
        as uint8 images (n, *image_shape); labels uint8. Training joins training and
        validation, in that order.
    """
    def pixels(images):
        values = np.rint(np.asarray(images) * 256)  # exact in float32: 256 is a power of 2
        return np.minimum(values, 255).astype(np.uint8).reshape(-1, *image_shape)

    x_train = pixels(np.concatenate([training[0], validation[0]]))
    y_train = np.concatenate([training[1], validation[1]]).astype(np.uint8)
    return (x_train, y_train), (pixels(test[0]), np.asarray(test[1]).astype(np.uint8))
