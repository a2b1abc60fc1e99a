"""MNIST and Fashion-MNIST: finding, downloading, verifying and loading them.

Where a dataset is looked for, in order (the first directory with a complete copy wins):

* MNIST: `data_dir` if given, else :func:`~fastnn.datasets.get_data_dir` (``FASTNN_DATA``,
  else ``<checkout>/data``, else ``$XDG_CACHE_HOME/fastnn`` or ``~/.cache/fastnn``);
* Fashion-MNIST: `data_dir` if given, else the ``fashion-mnist`` subfolder of
  :func:`~fastnn.datasets.get_data_dir`, then ``/usr/share/datasets/fashion-mnist``
  (Debian's ``dataset-fashion-mnist`` package).

Within a directory, the first complete format in this order is used:

1. IDX: the four canonical files (``train-images-idx3-ubyte.gz``,
   ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``,
   ``t10k-labels-idx1-ubyte.gz``), each gzip-compressed or uncompressed without
   ``.gz`` (the ``.gz`` one when both exist);
2. NPZ: ``mnist.npz`` (Keras; ``fashion-mnist.npz`` for Fashion-MNIST);
3. CSV: ``mnist_train.csv`` and ``mnist_test.csv`` (``fashion-mnist_train.csv`` and
   ``fashion-mnist_test.csv``), each plain or gzip-compressed with ``.gz`` added (the
   plain one when both exist);
4. Nielsen's pickle: ``mnist.pkl.gz`` (``fashion-mnist.pkl.gz``), read without running
   any code in it (see :mod:`fastnn.datasets.nielsen_pickle`).

When no directory has a complete copy and downloading is allowed, the missing IDX files
are downloaded into the first directory. Every format is verified against the canonical
files' checksums (see :mod:`fastnn.datasets.checksums`): loading never returns data that
differs from the real dataset.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .checksums import (FASHION_MNIST_FILES, MNIST_FILES, KnownFile, checksum_error,
                        verify_content, verify_file_bytes)
from .csv import read_csv
from .download import FASHION_MNIST_MIRRORS, MNIST_MIRRORS, download_files
from .errors import DatasetError, DatasetNotFoundError, FormatError
from .gzipfiles import is_gzip_name
from .idx import decode_idx, read_idx
from .nielsen_pickle import from_nielsen, read_nielsen_pickle
from .npz import NPZ_KEYS, read_npz
from .paths import DATA_DIR_ENV, resolve_data_dir
from .validation import as_split

__all__ = [
    "DatasetSpec",
    "DatasetFiles",
    "MNIST",
    "FASHION_MNIST",
    "DATASETS",
    "find_dataset",
    "load_mnist",
    "load_fashion_mnist",
]

#: The four canonical files' roles, in the order of the loaders' result.
ROLES = ("train_images", "train_labels", "test_images", "test_labels")

Split = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class DatasetSpec:
    """What fastnn knows about one dataset of MNIST's layout.

    Attributes
    ----------
    key : str
        Short name, e.g. ``"mnist"``.
    title : str
        Display name, e.g. ``"MNIST"``.
    files : dict of str to KnownFile
        The canonical IDX files by role (``"train_images"``, ``"train_labels"``,
        ``"test_images"``, ``"test_labels"``).
    mirrors : tuple of str
        Base URLs to download them from, in order.
    subdir : str
        Subfolder of the data directory that holds it ("" for the directory itself).
    system_dirs : tuple of pathlib.Path
        System-wide directories looked in after the data directory.
    npz_name : str
        File name of its NPZ form.
    csv_names : (str, str)
        File names of its CSV form: training set, test set (each also read with
        ``.gz`` added).
    class_names : tuple of str
        Name of each class, by label.
    pickle_name : str
        File name of its Nielsen pickle form.
    """

    key: str
    title: str
    files: dict[str, KnownFile]
    mirrors: tuple[str, ...]
    subdir: str
    system_dirs: tuple[Path, ...]
    npz_name: str
    csv_names: tuple[str, str]
    class_names: tuple[str, ...]
    pickle_name: str

    @property
    def file_names(self) -> list[str]:
        """The canonical gzip files' names, in role order."""
        return [self.files[role].name for role in ROLES]


MNIST = DatasetSpec(
    key="mnist",
    title="MNIST",
    files=MNIST_FILES,
    mirrors=MNIST_MIRRORS,
    subdir="",
    system_dirs=(),
    npz_name="mnist.npz",
    csv_names=("mnist_train.csv", "mnist_test.csv"),
    class_names=tuple("0123456789"),
    pickle_name="mnist.pkl.gz",
)

FASHION_MNIST = DatasetSpec(
    key="fashion-mnist",
    title="Fashion-MNIST",
    files=FASHION_MNIST_FILES,
    mirrors=FASHION_MNIST_MIRRORS,
    subdir="fashion-mnist",
    system_dirs=(Path("/usr/share/datasets/fashion-mnist"),),
    npz_name="fashion-mnist.npz",
    csv_names=("fashion-mnist_train.csv", "fashion-mnist_test.csv"),
    class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                 "Sneaker", "Bag", "Ankle boot"),
    pickle_name="fashion-mnist.pkl.gz",
)

#: The datasets by key.
DATASETS = {spec.key: spec for spec in (MNIST, FASHION_MNIST)}


def _read_verified_idx(path: Path, known: KnownFile) -> tuple[np.ndarray, str]:
    """Read one canonical IDX file, gzip or not, and verify it; return (array, how)."""
    data = path.read_bytes() if is_gzip_name(path) else None
    how = verify_file_bytes(path, data, known) if data is not None else None
    try:
        if data is not None:
            array = decode_idx(io.BytesIO(data), str(path), compressed=True, size=len(data))
        else:
            array = read_idx(path)
    except FormatError as exc:
        raise checksum_error(path, known, None, data=data, problem=str(exc)) from None
    if how is None:
        note = " (the gzip file itself is repacked)" if data is not None else ""
        how = verify_content(path, array, known, data=data, note=note)
    return array, how


@dataclass(frozen=True)
class DatasetFiles:
    """A complete copy of a dataset found in one directory, in one format.

    Attributes
    ----------
    spec : DatasetSpec
        Which dataset.
    directory : pathlib.Path
        Where its files are.
    format : str
        ``"idx"``, ``"npz"``, ``"csv"`` or ``"pkl"``.
    paths : tuple of pathlib.Path
        Its files: the four IDX files in role order, the NPZ file, the two CSV files
        (training, test) or the pickle.
    origin : str
        Why this directory was chosen, e.g. ``"from FASTNN_DATA"``.
    """

    spec: DatasetSpec
    directory: Path
    format: str
    paths: tuple[Path, ...]
    origin: str

    @property
    def format_description(self) -> str:
        """The format in words, e.g. ``"IDX, gzip-compressed"``."""
        if self.format == "idx":
            compressed = [is_gzip_name(path) for path in self.paths]
            if all(compressed):
                return "IDX, gzip-compressed"
            return "IDX, uncompressed" if not any(compressed) else "IDX, partly gzip-compressed"
        if self.format == "csv" and any(is_gzip_name(path) for path in self.paths):
            return "CSV (label, then 784 pixels a line), gzip-compressed"
        return {"npz": "NPZ (Keras)", "csv": "CSV (label, then 784 pixels a line)",
                "pkl": "Nielsen's pickle (float32 pixels / 256; read without running code)"
                }[self.format]

    def load(self) -> tuple[Split, Split]:
        """Read and verify the files.

        Returns
        -------
        ((x_train, y_train), (x_test, y_test))
            Images uint8 (n, 28, 28) and labels uint8 (n,), freshly allocated.

        Raises
        ------
        ChecksumError
            If a file is not the genuine dataset (corrupt, truncated or another file).
        FormatError
            If a file cannot be read as its format.
        """
        return self.load_verified()[0]

    def load_verified(self) -> tuple[tuple[Split, Split], list[tuple[str, str]]]:
        """Like :meth:`load`, also returning how each file was verified.

        Returns
        -------
        data : ((x_train, y_train), (x_test, y_test))
        checks : list of (str, str)
            For each file (or array within a file): its name and how it was verified.
        """
        files = [self.spec.files[role] for role in ROLES]
        checks = []
        if self.format == "idx":
            arrays = []
            for path, known in zip(self.paths, files):
                array, how = _read_verified_idx(path, known)
                arrays.append(array)
                checks.append((path.name, how))
            names = [str(path) for path in self.paths]
            train = as_split(arrays[0], arrays[1], names[0], names[1])
            test = as_split(arrays[2], arrays[3], names[2], names[3])
        elif self.format == "npz":
            (path,) = self.paths
            train, test = read_npz(path)
            checks = _verify_arrays(path, [f"[{key}]" for key in NPZ_KEYS], (*train, *test), files)
        elif self.format == "pkl":
            (path,) = self.paths
            train, test = from_nielsen(*read_nielsen_pickle(path))
            names = [f"({part} {kind})" for part in ("training and validation", "test")
                     for kind in ("images", "labels")]
            checks = _verify_arrays(path, names, (*train, *test), files)
        else:
            train, test = (read_csv(path) for path in self.paths)
            for path, split, split_files in zip(self.paths, (train, test), (files[:2], files[2:])):
                checks += _verify_arrays(path, ["(images)", "(labels)"], split, split_files)
        return (train, test), checks


def _verify_arrays(path: Path, names: list[str], arrays, files: list[KnownFile]
                   ) -> list[tuple[str, str]]:
    """Verify arrays decoded from one file against the canonical files' content hashes.

    `names` says which array of the file each is (e.g. ``"[x_train]"``); returns each
    one's ``(file name and array name, how it was verified)``.
    """
    return [(f"{path.name} {name}", verify_content(path, array, known, f"{path} {name}"))
            for name, array, known in zip(names, arrays, files)]


def _csv_files_present(spec: DatasetSpec, directory: Path) -> list[Path]:
    """The CSV files in `directory`: per name, the plain file, else the ``.gz`` one."""
    present = []
    for name in spec.csv_names:
        for candidate in (name, name + ".gz"):
            if (directory / candidate).is_file():
                present.append(directory / candidate)
                break
    return present


def _idx_files_present(spec: DatasetSpec, directory: Path) -> dict[str, Path]:
    """The canonical IDX files in `directory`, by role (the .gz one when both exist)."""
    present = {}
    for role in ROLES:
        known = spec.files[role]
        for name in (known.name, known.raw_name):
            if (directory / name).is_file():
                present[role] = directory / name
                break
    return present


def _find_in(spec: DatasetSpec, directory: Path, origin: str) -> DatasetFiles | None:
    """The first complete format in `directory` (IDX, NPZ, CSV, pickle), or None."""
    idx = _idx_files_present(spec, directory)
    if len(idx) == len(ROLES):
        return DatasetFiles(spec, directory, "idx", tuple(idx[role] for role in ROLES), origin)
    npz = directory / spec.npz_name
    if npz.is_file():
        return DatasetFiles(spec, directory, "npz", (npz,), origin)
    csvs = _csv_files_present(spec, directory)
    if len(csvs) == len(spec.csv_names):
        return DatasetFiles(spec, directory, "csv", tuple(csvs), origin)
    pickle_path = directory / spec.pickle_name
    if pickle_path.is_file():
        return DatasetFiles(spec, directory, "pkl", (pickle_path,), origin)
    return None


def _search_dirs(spec: DatasetSpec, data_dir) -> list[tuple[Path, str]]:
    """The directories to look in, in order, each with why it is looked in."""
    if data_dir is not None:
        return [resolve_data_dir(data_dir)]
    root, origin = resolve_data_dir()
    dirs = [(root / spec.subdir, f"{origin}, subfolder {spec.subdir}") if spec.subdir
            else (root, origin)]
    dirs += [(directory, "system-wide copy") for directory in spec.system_dirs]
    return dirs


def _describe_contents(spec: DatasetSpec, directory: Path) -> str:
    if not directory.is_dir():
        return "does not exist"
    names = [path.name for path in _idx_files_present(spec, directory).values()]
    names += [path.name for path in _csv_files_present(spec, directory)]
    names += [name for name in (spec.npz_name, spec.pickle_name) if (directory / name).is_file()]
    return f"has only {', '.join(names)}" if names else "has none of the files"


def _not_found_error(spec: DatasetSpec, dirs: list[tuple[Path, str]]) -> DatasetNotFoundError:
    looked = "\n".join(f"  {directory} ({origin}): {_describe_contents(spec, directory)}"
                       for directory, origin in dirs)
    target = dirs[0][0]
    fashion = (" or install Debian's copy (apt-get install dataset-fashion-mnist),"
               if spec.key == FASHION_MNIST.key else "")
    return DatasetNotFoundError(
        f"{spec.title} not found, and downloading is off. Looked in:\n{looked}\n"
        f"A directory is used when it holds, in this order of preference: the four IDX "
        f"files {', '.join(spec.file_names)} (each .gz or uncompressed); or "
        f"{spec.npz_name}; or {' and '.join(spec.csv_names)} (each plain or .gz); or "
        f"{spec.pickle_name}.\n"
        f"To fix: allow downloading (download=True; on the command line, drop "
        f"--no-download),{fashion} or put the four files in {target} by hand, or set "
        f"{DATA_DIR_ENV} (or pass data_dir=) to a directory that holds them."
    )


def find_dataset(dataset: str = "mnist", data_dir: str | os.PathLike | None = None,
                 download: bool = True, *, mirrors: Sequence[str] | None = None,
                 progress: bool | None = None) -> DatasetFiles:
    """Find a complete copy of a dataset, downloading the missing files if allowed.

    Parameters
    ----------
    dataset : str, default "mnist"
        ``"mnist"`` or ``"fashion-mnist"``.
    data_dir : str or os.PathLike, optional
        The directory holding the dataset's files. Default: for MNIST,
        :func:`~fastnn.datasets.get_data_dir`; for Fashion-MNIST, its ``fashion-mnist``
        subfolder, then ``/usr/share/datasets/fashion-mnist``.
    download : bool, default True
        Download the missing canonical files into the first directory when no directory
        holds a complete copy.
    mirrors : sequence of str, optional
        Base URLs to download from (default: the dataset's public mirrors).
    progress : bool, optional
        Show download progress bars (default: when stderr is a terminal).

    Returns
    -------
    DatasetFiles
        Where the files are and in which format; its ``load()`` reads and verifies them.

    Raises
    ------
    DatasetNotFoundError
        When nothing was found and `download` is False.
    DownloadError
        When a file could not be downloaded from any mirror.
    """
    if dataset not in DATASETS:
        raise DatasetError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
    spec = DATASETS[dataset]
    dirs = _search_dirs(spec, data_dir)
    for directory, origin in dirs:
        found = _find_in(spec, directory, origin)
        if found is not None:
            return found
    if not download:
        raise _not_found_error(spec, dirs)
    target, origin = dirs[0]
    present = _idx_files_present(spec, target)
    missing = [spec.files[role] for role in ROLES if role not in present]
    download_files(missing, target, spec.mirrors if mirrors is None else mirrors, progress,
                   all_names=spec.file_names)
    found = _find_in(spec, target, origin)
    assert found is not None, "downloaded files vanished"
    return found


def load_mnist(data_dir: str | os.PathLike | None = None, download: bool = True, *,
               mirrors: Sequence[str] | None = None, progress: bool | None = None
               ) -> tuple[Split, Split]:
    """Load MNIST, downloading and verifying it when needed, like ``keras.datasets.mnist``.

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Directory holding the files. Default: the ``FASTNN_DATA`` environment variable,
        else ``<checkout>/data`` when fastnn runs from a source checkout, else
        ``$XDG_CACHE_HOME/fastnn`` or ``~/.cache/fastnn`` (see
        :func:`~fastnn.datasets.get_data_dir`).
    download : bool, default True
        Download the missing canonical files from the public mirrors if no complete copy
        is found (IDX first, then ``mnist.npz``, then ``mnist_train.csv`` and
        ``mnist_test.csv``, each plain or ``.gz``, then Nielsen's ``mnist.pkl.gz``).
    mirrors : sequence of str, optional
        Base URLs to download from (default: ``MNIST_MIRRORS``).
    progress : bool, optional
        Show download progress bars (default: when stderr is a terminal).

    Returns
    -------
    ((x_train, y_train), (x_test, y_test))
        x_train uint8 (60000, 28, 28), y_train uint8 (60000,), x_test uint8
        (10000, 28, 28), y_test uint8 (10000,); pixels 0-255, labels 0-9; fresh arrays.

    Raises
    ------
    DatasetNotFoundError
        No copy found and `download` is False; the message says where it looked.
    DownloadError
        Downloading failed from every mirror; the message lists the URLs tried.
    ChecksumError
        A file is not the genuine MNIST file; the message says to delete it.
    FormatError
        A file cannot be read as its format.
    """
    return find_dataset("mnist", data_dir, download, mirrors=mirrors, progress=progress).load()


def load_fashion_mnist(data_dir: str | os.PathLike | None = None, download: bool = True, *,
                       mirrors: Sequence[str] | None = None, progress: bool | None = None
                       ) -> tuple[Split, Split]:
    """Load Fashion-MNIST, like :func:`load_mnist` (same shapes, dtypes and formats).

    Parameters
    ----------
    data_dir : str or os.PathLike, optional
        Directory holding the files. Default: the ``fashion-mnist`` subfolder of
        :func:`~fastnn.datasets.get_data_dir`, then ``/usr/share/datasets/fashion-mnist``
        (Debian's ``dataset-fashion-mnist``, whose gzip files are repacked and so are
        verified by the checksum of their decompressed content).
    download, mirrors, progress
        As for :func:`load_mnist` (default mirrors: ``FASHION_MNIST_MIRRORS``).

    Returns
    -------
    ((x_train, y_train), (x_test, y_test))
        uint8 (60000, 28, 28), (60000,), (10000, 28, 28), (10000,); labels 0-9 name the
        classes in ``FASHION_MNIST.class_names``.
    """
    return find_dataset("fashion-mnist", data_dir, download, mirrors=mirrors,
                        progress=progress).load()
