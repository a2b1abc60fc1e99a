"""fastnn in an installation its user cannot write to (fastnn.cache): it runs, says in one
line where its cache goes, and loads what an administrator compiled.

The read-only install is real: the package copied into a directory owned by root, and the
commands run as the user ``nobody`` (``setpriv``) whose home does not exist. This needs
root, setpriv, and a Python that ``nobody`` may run; without them the test is skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from fastnn import cache

PACKAGE = Path(__file__).resolve().parent.parent / "fastnn"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_the_plan_writes_beside_the_sources_in_a_checkout():
    plan = cache.cache_plan()
    if os.environ.get("NUMBA_CACHE_DIR"):
        assert plan.writable == Path(os.environ["NUMBA_CACHE_DIR"])
    else:
        assert plan.writable == "in-tree" and plan.notice is None


def test_the_per_user_directory_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.user_cache_dir() == tmp_path / "fastnn" / "numba"


@pytest.fixture(scope="module")
def installed(mnist_dir):
    """fastnn copied into a root-owned, world-readable directory (as a non-editable
    install), and a function that runs ``python -m fastnn ...`` there as nobody."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run as another user")
    root = Path(tempfile.mkdtemp(prefix="fastnn-readonly-"))
    os.chmod(root, 0o755)
    site = root / "site-packages"
    shutil.copytree(PACKAGE, site / "fastnn", ignore=shutil.ignore_patterns("__pycache__"))
    for path in [site, *site.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    probe = subprocess.run([*NOBODY, sys.executable, "-c", "import numba"], capture_output=True)
    if probe.returncode != 0:
        shutil.rmtree(root)
        pytest.skip(f"user nobody cannot run {sys.executable} here")

    def fastnn(*args, as_root=False, **env):
        variables = {"PATH": os.environ["PATH"], "PYTHONPATH": str(site),
                     "FASTNN_DATA": str(mnist_dir), "HOME": "/nonexistent", **env}
        command = [sys.executable, "-m", "fastnn", *args]
        return subprocess.run(command if as_root else [*NOBODY, *command], env=variables,
                              capture_output=True, text=True, cwd=root)

    yield root, fastnn
    shutil.rmtree(root)


TRAIN = ("train", "--recipe", "linear", "--dtype", "float64", "--limit", "300", "--epochs", "1",
         "--quiet")


def test_a_read_only_install_runs_and_says_where_its_cache_goes(installed):
    root, fastnn = installed
    # no writable place at all: it compiles, says so in one line, and trains
    done = fastnn(*TRAIN)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    notices = [line for line in done.stderr.splitlines() if line.startswith("fastnn:")]
    assert len(notices) == 1 and "compiling without keeping the machine code" in notices[0]
    assert "on every run: there is no writable place" in done.stdout
    assert "test accuracy" in done.stdout
    # a home of its own: the cache goes there, and the second run loads it
    home = root / "home"
    home.mkdir()
    os.chown(home, 65534, 65534)
    first = fastnn(*TRAIN, XDG_CACHE_HOME=str(home))
    second = fastnn(*TRAIN, XDG_CACHE_HOME=str(home))
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert f"caching compiled loops in {home / 'fastnn' / 'numba'}" in first.stderr
    assert "compiling fastnn's kernels" in first.stdout
    assert "compiling fastnn's kernels" not in second.stdout
    assert any((home / "fastnn" / "numba").rglob("*.nbi"))


def test_what_an_administrator_compiled_is_loaded_by_every_user(installed):
    root, fastnn = installed
    compiled = fastnn("compile", "--recipe", "linear", "--dtype", "float64", as_root=True)
    assert compiled.returncode == 0, compiled.stderr
    done = fastnn(*TRAIN)
    assert done.returncode == 0, done.stderr
    assert "compiling fastnn's kernels" not in done.stdout  # loaded from the installation
    assert "loading what is compiled already from" in done.stderr
    # a shared cache elsewhere, read through NUMBA_CACHE_DIR
    shared = root / "shared-cache"
    made = fastnn("compile", "--recipe", "grokking", "--dtype", "float32", "--cache-dir",
                  str(shared), as_root=True)
    assert made.returncode == 0, made.stderr
    assert str(shared) in made.stdout
    grokking = fastnn("train", "--recipe", "grokking", "--dtype", "float32", "--limit", "300",
                      "--epochs", "1", "--quiet", NUMBA_CACHE_DIR=str(shared))
    assert grokking.returncode == 0, grokking.stderr
    assert "compiling fastnn's kernels" not in grokking.stdout
    assert f"NUMBA_CACHE_DIR={shared} cannot be written" in grokking.stderr
