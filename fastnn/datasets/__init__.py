"""MNIST-style datasets: loaders, readers and writers of their file formats, checksums.

The loaders return ``((x_train, y_train), (x_test, y_test))`` of uint8 arrays like
``keras.datasets``, finding the data in the data directory (see :func:`get_data_dir`)
as IDX, NPZ, CSV (plain or gzipped) or Nielsen pickle files, downloading the canonical
files when missing, and verifying everything against the published checksums.

Modules: :mod:`~fastnn.datasets.idx`, :mod:`~fastnn.datasets.csv`,
:mod:`~fastnn.datasets.npz` and :mod:`~fastnn.datasets.nielsen_pickle` (file formats),
:mod:`~fastnn.datasets.gzipfiles` (gzip by file name), :mod:`~fastnn.datasets.checksums`
(known files and verification), :mod:`~fastnn.datasets.download` (mirrors),
:mod:`~fastnn.datasets.paths` (data directory), :mod:`~fastnn.datasets.mnist` (the
datasets and loaders), :mod:`~fastnn.datasets.validation` (shared checks),
:mod:`~fastnn.datasets.errors`.
"""

from .checksums import FASHION_MNIST_FILES, MNIST_FILES, KnownFile
from .csv import read_csv, write_csv
from .download import FASHION_MNIST_MIRRORS, MNIST_MIRRORS, download_file, download_files
from .errors import (ChecksumError, DatasetError, DatasetNotFoundError, DownloadError,
                     FormatError)
from .idx import read_idx, write_idx
from .mnist import (DATASETS, FASHION_MNIST, MNIST, DatasetFiles, DatasetSpec, find_dataset,
                    load_fashion_mnist, load_mnist)
from .nielsen_pickle import from_nielsen, read_nielsen_pickle, to_nielsen, write_nielsen_pickle
from .npz import read_npz, write_npz
from .paths import DATA_DIR_ENV, get_data_dir

__all__ = [
    "load_mnist",
    "load_fashion_mnist",
    "find_dataset",
    "get_data_dir",
    "read_idx",
    "write_idx",
    "read_csv",
    "write_csv",
    "read_npz",
    "write_npz",
    "read_nielsen_pickle",
    "write_nielsen_pickle",
    "to_nielsen",
    "from_nielsen",
    "download_file",
    "download_files",
    "DatasetError",
    "FormatError",
    "ChecksumError",
    "DatasetNotFoundError",
    "DownloadError",
    "DatasetFiles",
    "DatasetSpec",
    "KnownFile",
    "MNIST",
    "FASHION_MNIST",
    "DATASETS",
    "MNIST_FILES",
    "FASHION_MNIST_FILES",
    "MNIST_MIRRORS",
    "FASHION_MNIST_MIRRORS",
    "DATA_DIR_ENV",
]
