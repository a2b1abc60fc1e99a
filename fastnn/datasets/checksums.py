"""Known checksums of the canonical dataset files, and their verification.

Each canonical file has three checksums:

* ``md5`` and ``sha256`` of the gzip file exactly as the public mirrors serve it;
* ``content_sha256``: the SHA-256 of its decompressed IDX bytes (header and values).

A gzip file is genuine when its own md5 and sha256 match; any other container (a gzip
file recompressed with other settings, as in Debian's ``dataset-fashion-mnist``, an
uncompressed IDX file, an NPZ or CSV export) is genuine when the IDX encoding of its
decoded array has ``content_sha256``.

Where the values come from:

* MNIST: md5 and sha256 copied from the published MD5SUMS and SHA256SUMS; the content
  hashes computed from those verified files.
* Fashion-MNIST: upstream (Zalando Research) publishes md5 only. Debian's package holds
  the same deflate streams with a new gzip header (no file name, another mtime):
  restoring the name and the mtime (2017-08-31 10:50:06 / 10:50:27 UTC) rebuilds files
  whose md5 equals the published one, byte for byte. The sha256 values below are those
  of the rebuilt upstream files, and the content hashes those of their decompressed
  content (which Debian's files share).

Successful verifications are remembered per process, keyed by the file's path, size,
modification time and inode, so a file is hashed once however often it is loaded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ChecksumError
from .idx import idx_content_sha256

__all__ = [
    "KnownFile",
    "MNIST_FILES",
    "FASHION_MNIST_FILES",
    "file_digests",
    "verify_file_bytes",
    "verify_content",
    "checksum_error",
    "mark_verified",
    "forget_verifications",
]


@dataclass(frozen=True)
class KnownFile:
    """A canonical dataset file and its published checksums.

    Attributes
    ----------
    name : str
        File name, e.g. ``"train-images-idx3-ubyte.gz"``.
    md5, sha256 : str or None
        Hex digests of the gzip file as the mirrors serve it (None: not known).
    content_sha256 : str
        Hex SHA-256 of the decompressed IDX bytes.
    """

    name: str
    md5: str | None
    sha256: str | None
    content_sha256: str

    @property
    def raw_name(self) -> str:
        """The uncompressed file's name: `name` without ``.gz``."""
        return self.name.removesuffix(".gz")

    def digests_match(self, md5: str, sha256: str) -> bool:
        """Whether the published digests (those known) equal `md5` and `sha256`."""
        known = [(self.md5, md5), (self.sha256, sha256)]
        return any(k is not None for k, _ in known) and all(k in (None, v) for k, v in known)

    def describe_published(self) -> str:
        """The published digests as text, e.g. ``"md5 f68b..., sha256 4400..."``."""
        parts = [f"{kind} {value}" for kind, value in (("md5", self.md5), ("sha256", self.sha256))
                 if value is not None]
        return ", ".join(parts)


#: The four MNIST files (LeCun, Cortes, Burges), by role.
MNIST_FILES = {
    "train_images": KnownFile(
        "train-images-idx3-ubyte.gz",
        md5="f68b3c2dcbeaaa9fbdd348bbdeb94873",
        sha256="440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        content_sha256="ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    "train_labels": KnownFile(
        "train-labels-idx1-ubyte.gz",
        md5="d53e105ee54ea40749a09fcbcd1e9432",
        sha256="3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        content_sha256="65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    "test_images": KnownFile(
        "t10k-images-idx3-ubyte.gz",
        md5="9fb629c4189551a2d022fa330f9573f3",
        sha256="8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        content_sha256="0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    "test_labels": KnownFile(
        "t10k-labels-idx1-ubyte.gz",
        md5="ec29112dd5afa0611ce80d1b7f02629c",
        sha256="f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        content_sha256="ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
}

#: The four Fashion-MNIST files (Zalando Research), by role. md5 as published; sha256 of the
#: upstream files rebuilt from Debian's (see the module docstring).
FASHION_MNIST_FILES = {
    "train_images": KnownFile(
        "train-images-idx3-ubyte.gz",
        md5="8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        sha256="3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        content_sha256="c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    ),
    "train_labels": KnownFile(
        "train-labels-idx1-ubyte.gz",
        md5="25c81989df183df01b3e8a0aad5dffbe",
        sha256="a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        content_sha256="bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    ),
    "test_images": KnownFile(
        "t10k-images-idx3-ubyte.gz",
        md5="bef4ecab320f06d8554ea6380940ec79",
        sha256="346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        content_sha256="5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    ),
    "test_labels": KnownFile(
        "t10k-labels-idx1-ubyte.gz",
        md5="bb300cfdad3c16e7a12a480ee83cd310",
        sha256="67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        content_sha256="0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    ),
}

#: How a file (or one array in it) was verified as a known file, by
#: (path, size, mtime_ns, inode, the known file's content hash, where).
_verified: dict[tuple, str] = {}


def _key(path: Path, known: KnownFile, where: str | None = None) -> tuple:
    stat = path.stat()
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino,
            known.content_sha256, where)


def mark_verified(path: Path, known: KnownFile, how: str) -> None:
    """Record that the file at `path`, as it is now, is `known` (e.g. after downloading)."""
    _verified[_key(path, known)] = how


def forget_verifications() -> None:
    """Forget which files were verified in this process (they are hashed again next time)."""
    _verified.clear()


def file_digests(data: bytes) -> tuple[str, str]:
    """Hex md5 and sha256 of `data`."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest(), hashlib.sha256(data).hexdigest()


_FIX = (
    "Delete it and run again with downloading allowed (load_mnist(download=True), or "
    "`fastnn data`) to fetch a verified copy, or place the genuine file there by hand."
)


def verify_file_bytes(path: Path, data: bytes, known: KnownFile) -> str | None:
    """Check a gzip file's bytes against the published digests.

    Parameters
    ----------
    path : pathlib.Path
        The file `data` was read from (for the per-process record).
    data : bytes
        Its whole content.
    known : KnownFile
        What it should be.

    Returns
    -------
    str or None
        How it was verified (also when an earlier call verified the same unchanged file,
        by whichever method), or None when the digests differ: the caller then checks
        the decoded content with :func:`verify_content`.
    """
    key = _key(path, known)
    if key in _verified:
        return _verified[key]
    if known.digests_match(*file_digests(data)):
        kinds = " and ".join(k for k in ("md5", "sha256") if getattr(known, k) is not None)
        _verified[key] = f"{kinds} of the published file match"
        return _verified[key]
    return None


def verify_content(path: Path, array: np.ndarray, known: KnownFile, where: str | None = None,
                   data: bytes | None = None, note: str = "") -> str:
    """Check a decoded array against the content hash of a canonical file.

    Parameters
    ----------
    path : pathlib.Path
        The file the array came from.
    array : numpy.ndarray
        The decoded images or labels.
    known : KnownFile
        The canonical file the array should equal.
    where : str, optional
        How to name the data in messages (default: `path`), e.g. ``"mnist.npz [x_train]"``.
    data : bytes, optional
        The file's raw bytes when it is a gzip file, to quote its digests in the error.
    note : str, optional
        Appended to the description of a successful verification.

    Returns
    -------
    str
        How it was verified.

    Raises
    ------
    ChecksumError
        If the content differs.
    """
    key = _key(path, known, where)
    if key in _verified:
        return _verified[key]
    actual = idx_content_sha256(array)
    if actual != known.content_sha256:
        raise checksum_error(path, known, actual, where, data)
    _verified[key] = f"sha256 of the decoded content matches {known.raw_name}{note}"
    return _verified[key]


def checksum_error(path: Path, known: KnownFile, content_sha256: str | None,
                   where: str | None = None, data: bytes | None = None,
                   problem: str | None = None) -> ChecksumError:
    """The ChecksumError for a file that is not the canonical `known` file.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    known : KnownFile
        What it should have been.
    content_sha256 : str or None
        The hash of its decoded content (None: it could not be decoded).
    where : str, optional
        How to name the data (default: `path`).
    data : bytes, optional
        The raw bytes of a gzip file, to compare with the published digests.
    problem : str, optional
        Why it could not be decoded.
    """
    lines = [f"{where or path} is not the genuine {known.raw_name}:"]
    if data is not None:
        md5, sha256 = file_digests(data)
        if known.md5:
            lines.append(f"  expected md5    {known.md5}, got {md5}")
        if known.sha256:
            lines.append(f"  expected sha256 {known.sha256}, got {sha256}")
    if content_sha256 is None:
        lines.append(f"  and its content cannot be decoded: {problem or 'unknown problem'}")
    else:
        lines.append(f"  expected content sha256 {known.content_sha256}, got {content_sha256}")
    lines.append(f"It is corrupt, truncated or another file. {_FIX}")
    return ChecksumError("\n".join(lines))
