"""A sweep's results file: JSON Lines, one row per (run, epoch), appended as rows arrive.

Each row is written with one ``write`` of a complete line, then flushed and fsynced, so
an interrupted sweep (Ctrl-C, a killed process, a power cut) leaves complete lines, with
at most a torn last line, which reading ignores and the next append cuts off. Rows are
never rewritten: a later row with the same key (a retried failed run) supersedes an
earlier one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["ResultsFile", "row_key", "RESULT_KEYS"]

#: The keys of every row, in the order they are written.
RESULT_KEYS = ("recipe", "params", "repeat", "seed", "epoch", "limit", "test_accuracy",
               "test_loss", "train_loss", "train_accuracy", "seconds", "status", "error",
               "fastnn_version")


def row_key(row):
    """What a row is about: ``(encoded params, repeat, seed, epoch)``."""
    from fastnn.experiments.grid import encode_params

    return encode_params(row["params"]), row["repeat"], row["seed"], row["epoch"]


def _check_writable(path):
    if path.is_dir():
        raise IsADirectoryError(f"results path {str(path)!r} is a directory; name a file in it, "
                                f"e.g. {str(path / 'results.jsonl')!r}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise type(exc)(exc.errno, f"cannot create the directory {str(path.parent)!r} of the "
                                   f"results file {str(path)!r} ({exc.strerror}); choose "
                                   "another path") from exc
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot write the results file {str(path)!r}: its directory "
                              f"{str(path.parent)!r} is not writable; choose another path")
    if path.exists() and not os.access(path, os.W_OK):
        raise PermissionError(f"cannot write the results file {str(path)!r}: it is read-only")


def _lock_for_this_sweep(file, path):
    """Hold an exclusive ``fcntl`` lock on the open results file until it is closed.

    A second sweep on the same file would read it while the first appends, cut off a
    line being written as if it were torn, and write its own rows between the first
    one's; it is refused instead. (Without ``fcntl``, on Windows, nothing is locked.)
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise ValueError(f"another running sweep is writing the results file {str(path)!r}; "
                         "wait for it to finish, or give another results path") from None


class ResultsFile:
    """The rows of one sweep's JSON Lines file, read once and appended to.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Missing directories are created; an unwritable place fails at once,
        and so does a file that another open ResultsFile (another sweep) holds: the
        file stays locked until :meth:`close`.
    recipe : str
    limit : int or None
        Every earlier row must have this recipe and limit, else the file is refused.
    resume : bool
        False replaces the file by an empty one.

    Attributes
    ----------
    rows : dict
        :func:`row_key` -> the latest row with that key, in file order.
    torn_line : bool
        True when the file ended in an incomplete line (cut off on opening).
    """

    def __init__(self, path, recipe, limit, resume=True):
        self.path = Path(path)
        _check_writable(self.path)
        self.recipe, self.limit = recipe, limit
        self.rows = {}
        self.torn_line = False
        self._file = open(self.path, "ab")
        try:
            _lock_for_this_sweep(self._file, self.path)
            if resume:
                self._read()
            else:
                self._file.truncate(0)
        except BaseException:
            self._file.close()
            raise

    def _read(self):
        data = self.path.read_bytes()
        lines = data.split(b"\n")
        complete, tail = lines[:-1], lines[-1]
        for number, line in enumerate(complete, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                key = row_key(row)
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{str(self.path)!r} line {number} is not a sweep result row "
                                 f"({exc}): {line[:80]!r}; move the file aside or repair "
                                 "that line") from None
            self._check_source(row, number)
            self.rows[key] = row
        if tail:
            self.torn_line = True
            with open(self.path, "r+b") as file:
                file.truncate(len(data) - len(tail))
                file.flush()
                os.fsync(file.fileno())

    def _check_source(self, row, number):
        if row.get("recipe") != self.recipe or row.get("limit") != self.limit:
            raise ValueError(
                f"{str(self.path)!r} holds results of another sweep (line {number}: recipe "
                f"{row.get('recipe')!r}, limit {row.get('limit')!r}); this sweep is recipe "
                f"{self.recipe!r}, limit {self.limit!r}. Give another results path, or "
                "resume=False (--no-resume) to replace the file")

    def append(self, row):
        """Write ``row`` as one line, flush it and fsync the file."""
        self._file.write((json.dumps(row) + "\n").encode())
        self._file.flush()
        os.fsync(self._file.fileno())
        self.rows[row_key(row)] = row

    def close(self):
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
