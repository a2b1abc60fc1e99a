"""Atomic writes: all or nothing, no temporary file left behind."""

from __future__ import annotations

import os

import pytest

from fastnn.fileio import atomic_write


def test_writes_the_file(tmp_path):
    with atomic_write(tmp_path / "a.bin") as file:
        file.write(b"hello")
    assert (tmp_path / "a.bin").read_bytes() == b"hello"
    assert os.listdir(tmp_path) == ["a.bin"]


def test_error_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_write(tmp_path / "a.bin") as file:
            file.write(b"half of the new")
            assert len(os.listdir(tmp_path)) == 2  # the temporary file, beside the target
            raise RuntimeError("disk full")
    assert (tmp_path / "a.bin").read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.bin"]


def test_interrupt_removes_the_temporary(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(tmp_path / "a.bin") as file:
            file.write(b"x")
            raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []


def test_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "a.bin") as file:
            file.write(b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.bin").stat().st_mode & 0o777 == 0o644
