"""Downloading canonical dataset files from public mirrors, verified and atomically.

Each file is streamed into a temporary file beside its destination while its md5 and
sha256 are computed, then checked against the published values and only then moved into
place with :func:`os.replace`. Whatever goes wrong (no network, an HTTP error, a
connection cut before Content-Length bytes arrived, a checksum mismatch) the temporary
file is deleted and the next mirror is tried; when all fail, :class:`DownloadError` lists
every URL with its failure and says how to place the files by hand.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from .checksums import KnownFile, mark_verified
from .errors import DownloadError
from fastnn.fileio import atomic_write
from .paths import DATA_DIR_ENV

__all__ = ["MNIST_MIRRORS", "FASHION_MNIST_MIRRORS", "download_file", "download_files"]

#: Base URLs serving the four MNIST gzip files, tried in this order.
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

#: Base URLs serving the four Fashion-MNIST gzip files, tried in this order.
FASHION_MNIST_MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
)

#: Seconds to wait for a connection or for the next bytes.
TIMEOUT = 30
_CHUNK = 1 << 16
_USER_AGENT = "fastnn-datasets (Python urllib)"


class _Failure(Exception):
    """One mirror failed to deliver one file."""


def _fetch(url: str, target: Path, known: KnownFile, progress: bool, timeout: float) -> None:
    """Download `url` to `target` atomically, verifying it; raise _Failure on any problem."""
    import urllib.error
    import urllib.request

    from tqdm import tqdm

    md5 = hashlib.md5(usedforsecurity=False)
    sha256 = hashlib.sha256()
    received, length = 0, None
    try:
        with atomic_write(target) as file:
            request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
            with urllib.request.urlopen(request, timeout=timeout) as response:
                length = response.headers.get("Content-Length")
                length = int(length) if length and length.isdigit() else None
                with tqdm(total=length, desc=known.name, unit="B", unit_scale=True,
                          unit_divisor=1024, disable=not progress, leave=False) as bar:
                    while chunk := response.read(_CHUNK):
                        file.write(chunk)
                        md5.update(chunk)
                        sha256.update(chunk)
                        received += len(chunk)
                        bar.update(len(chunk))
            if length is not None and received < length:
                raise _Failure(f"connection closed after {received} of {length} bytes")
            if not known.digests_match(md5.hexdigest(), sha256.hexdigest()):
                raise _Failure(
                    f"checksum mismatch: expected {known.describe_published()}, got md5 "
                    f"{md5.hexdigest()}, sha256 {sha256.hexdigest()} ({received} bytes)"
                )
    except _Failure:
        raise
    except urllib.error.HTTPError as exc:
        raise _Failure(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise _Failure(f"cannot connect: {exc.reason}") from None
    except http.client.IncompleteRead as exc:
        raise _Failure(
            f"connection closed after {received + len(exc.partial)} bytes"
            + (f" of {length}" if length is not None else "")
        ) from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise _Failure(f"{type(exc).__name__}: {exc}") from None


def _manual_instructions(names: Iterable[str], directory: Path) -> str:
    return (
        f"To place the files by hand, copy {', '.join(names)} (gzip-compressed, exactly as the "
        f"mirrors serve them) into {directory}, or set {DATA_DIR_ENV} (or pass data_dir=) to "
        "a directory that holds them."
    )


def download_file(known: KnownFile, directory: str | os.PathLike,
                  mirrors: Sequence[str] = MNIST_MIRRORS, progress: bool | None = None,
                  timeout: float = TIMEOUT, all_names: Sequence[str] | None = None) -> Path:
    """Download one canonical file into `directory`, trying each mirror in turn.

    Parameters
    ----------
    known : KnownFile
        The file (its name is appended to each mirror URL) and its published checksums.
    directory : str or os.PathLike
        Where to put it; created if missing.
    mirrors : sequence of str, default MNIST_MIRRORS
        Base URLs, tried in order.
    progress : bool, optional
        Show a tqdm progress bar on stderr; default: only when stderr is a terminal.
    timeout : float, default 30
        Seconds to wait for a connection or for data.
    all_names : sequence of str, optional
        Every file the caller needs, for the manual instructions in the error message
        (default: just this one).

    Returns
    -------
    pathlib.Path
        The verified file, ``directory / known.name``.

    Raises
    ------
    DownloadError
        When no mirror delivered a verified copy. It lists each URL with its failure.
        No partial or temporary file is left behind.
    """
    directory = Path(directory)
    if progress is None:
        progress = sys.stderr.isatty()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(
            f"Cannot create {directory} to download {known.name} into ({exc}). Choose a "
            f"writable directory with {DATA_DIR_ENV} or data_dir=."
        ) from None
    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + known.name
        try:
            _fetch(url, directory / known.name, known, progress, timeout)
            how = f"downloaded from {url}, published checksums match"
            mark_verified(directory / known.name, known, how)
            return directory / known.name
        except _Failure as exc:
            failures.append(f"  {url}: {exc}")
    tried = "\n".join(failures) if failures else "  (no mirror to try)"
    raise DownloadError(
        f"Could not download {known.name} into {directory}. Tried:\n{tried}\n"
        + _manual_instructions(all_names or [known.name], directory)
    )


def download_files(files: Sequence[KnownFile], directory: str | os.PathLike,
                   mirrors: Sequence[str] = MNIST_MIRRORS, progress: bool | None = None,
                   timeout: float = TIMEOUT, all_names: Sequence[str] | None = None) -> list[Path]:
    """Download several canonical files with :func:`download_file`, stopping at a failure.

    Files downloaded before a failure stay (each is complete and verified).

    Parameters
    ----------
    files : sequence of KnownFile
        The files to get.
    directory, mirrors, progress, timeout
        As for :func:`download_file`.
    all_names : sequence of str, optional
        Every file of the dataset, for the manual instructions (default: `files`' names).

    Returns
    -------
    list of pathlib.Path
        The verified files.
    """
    names = list(all_names) if all_names is not None else [known.name for known in files]
    return [download_file(known, directory, mirrors, progress, timeout, all_names=names)
            for known in files]
