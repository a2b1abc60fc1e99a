"""Where fastnn's compiled loops are kept: Numba's on-disk cache, placed where it can be.

Numba caches a compiled loop beside its source (``__pycache__``) or in
``NUMBA_CACHE_DIR``, and refuses to cache at all (a traceback at import) when it can write
to neither, as in an installation that the user cannot write to. fastnn chooses the
place itself, once per process (:func:`cache_plan`):

* it **writes** new machine code to the first of: ``NUMBA_CACHE_DIR`` if set and
  writable; the installation's own ``__pycache__`` directories if writable (a checkout,
  a user's own environment); a per-user directory, ``$XDG_CACHE_HOME/fastnn/numba``
  (``~/.cache/fastnn/numba``); or nowhere, and then it compiles on every run;
* it also **reads** from ``NUMBA_CACHE_DIR`` and the installation's ``__pycache__`` when
  they exist but cannot be written: what an administrator's ``fastnn compile`` (or
  ``fastnn compile --cache-dir DIR``) left there for every user.

Where that is not the usual place (the installation, or ``NUMBA_CACHE_DIR``), the first
loop that compiles or loads says so in one line on stderr. :class:`FastnnCache` is the
cache object every loop gets (:func:`fastnn.jit.jit`); it also serialises writes between
processes.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = ["CachePlan", "cache_plan", "FastnnCache", "user_cache_dir"]

#: The package's root: its ``__pycache__`` directories are "the installation's".
PACKAGE_ROOT = Path(__file__).resolve().parent


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/fastnn/numba``, else ``~/.cache/fastnn/numba``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "fastnn" / "numba"


def _writable(directory: Path) -> bool:
    """True when ``directory`` exists or can be made, and a file can be written in it."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=directory).close()
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class CachePlan:
    """Where the loops' cache is written (``writable``) and read (``read_only`` too).

    A directory is ``"in-tree"`` for the installation's ``__pycache__`` beside each
    source file, or a path under which each source directory gets a subdirectory, as
    Numba lays out ``NUMBA_CACHE_DIR``.
    """

    writable: str | Path | None
    read_only: tuple = field(default_factory=tuple)
    notice: str | None = None

    def describe(self) -> str:
        """Where the cache is, for ``fastnn compile``'s closing line."""
        if self.writable is None:
            return "none: no writable place, so nothing is cached"
        if self.writable == "in-tree":
            return f"beside the sources ({PACKAGE_ROOT}/**/__pycache__)"
        return str(self.writable)


@lru_cache(maxsize=None)
def cache_plan() -> CachePlan:
    """The places of this process's cache (see the module's docstring), found once."""
    env = os.environ.get("NUMBA_CACHE_DIR")
    env = Path(env) if env else None
    in_tree = PACKAGE_ROOT / "kernels" / "__pycache__"
    user = user_cache_dir()
    env_writable = env is not None and _writable(env)
    tree_writable = _writable(in_tree)
    read_only = [place for place, readable in ((env, env is not None and env.is_dir()),
                                               ("in-tree", in_tree.is_dir()))
                 if readable and not (env_writable if place is env else tree_writable)]
    if env_writable:
        return CachePlan(env, tuple(read_only))
    if tree_writable and env is None:
        return CachePlan("in-tree", tuple(read_only))
    writable = "in-tree" if tree_writable else user if _writable(user) else None
    refused = " and ".join(f"{name} cannot be written" for name, shown in (
        (f"NUMBA_CACHE_DIR={env}", env is not None),
        (f"fastnn's installation ({PACKAGE_ROOT})", not tree_writable)) if shown)
    shared = (PACKAGE_ROOT if read_only[0] == "in-tree" else read_only[0]) if read_only else None
    loading = f"; loading what is compiled already from {shared} first" if shared else ""
    if writable is None:
        notice = (f"fastnn: {refused}, nor {user}: compiling without keeping the machine "
                  f"code{loading}; set NUMBA_CACHE_DIR to a writable directory to keep it")
    else:
        where = "beside fastnn's sources" if writable == "in-tree" else f"in {writable}"
        notice = f"fastnn: {refused}: caching compiled loops {where}{loading}"
    return CachePlan(writable, tuple(read_only), notice)


_said = []


def _say_once(plan: CachePlan) -> None:
    if plan.notice and not _said:
        _said.append(True)
        print(plan.notice, file=sys.stderr, flush=True)


def _numba_caching():
    """Numba's caching module, with the names of releases before and after 0.61."""
    from numba.core import caching

    def find(name):
        return getattr(caching, name, None) or getattr(caching, f"_{name}")

    return caching, find("CacheImpl"), find("UserProvidedCacheLocator")


def _cache_classes():
    """(FastnnCache's base, its impl class, its locator class), made once."""
    caching, _, user_locator = _numba_caching()

    class PlanLocator(user_locator):
        """The cache directory of a source file under :func:`cache_plan`'s writable place
        (or its first read-only one when nothing can be written)."""

        def __init__(self, py_func, py_file):
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            plan = cache_plan()
            self._cache_path = place(plan.writable or plan.read_only[0], py_file)

        @classmethod
        def from_function(cls, py_func, py_file):
            return cls(py_func, py_file) if os.path.exists(py_file) else None

        def ensure_cache_path(self):
            os.makedirs(self._cache_path, exist_ok=True)

    class PlanImpl(caching.CompileResultCacheImpl):
        _locator_classes = [PlanLocator]

    return caching.FunctionCache, PlanImpl


def place(directory, py_file) -> str:
    """The cache directory of ``py_file`` under ``directory`` ("in-tree", or a root)."""
    _, _, user_locator = _numba_caching()
    if directory == "in-tree":
        return os.path.join(os.path.dirname(py_file), "__pycache__")
    return os.path.join(str(directory), user_locator.get_suitable_cache_subpath(py_file))


_CLASSES: dict = {}


def FastnnCache(py_func):  # noqa: N802 - a class, made on first use (Numba loads lazily)
    """The cache of one loop: :func:`cache_plan`'s writable place, then its read-only ones.

    Returns None when the plan has no place at all (the loop is then not cached).
    """
    plan = cache_plan()
    if plan.writable is None and not plan.read_only:
        _say_once(plan)
        return None
    if "class" not in _CLASSES:
        _CLASSES["class"] = _make_cache_class(*_cache_classes())
    return _CLASSES["class"](py_func)


def _make_cache_class(base, impl):
    caching = _numba_caching()[0]

    class LayeredCache(base):
        _impl_class = impl

        def __init__(self, py_func):
            super().__init__(py_func)
            plan = cache_plan()
            self._can_save = plan.writable is not None
            layers = plan.read_only if plan.writable is not None else plan.read_only[1:]
            self._layers = [caching.IndexDataCacheFile(
                cache_path=place(layer, self._impl.locator._py_file),
                filename_base=self._impl.filename_base,
                source_stamp=self._impl.locator.get_source_stamp()) for layer in layers]

        def load_overload(self, sig, target_context):
            _say_once(cache_plan())
            data = super().load_overload(sig, target_context)
            if data is not None or not self._enabled:
                return data
            key = self._index_key(sig, target_context.codegen())
            for layer in self._layers:
                found = layer.load(key)
                if found is not None:
                    return self._impl.rebuild(target_context, found)
            return None

        def has(self, sig, codegen) -> bool:
            """True when some place holds machine code for ``sig`` (nothing is loaded)."""
            key = self._index_key(sig, codegen)
            return any(key in cache_file._load_index()
                       for cache_file in [self._cache_file, *self._layers])

        def save_overload(self, sig, data):
            """Save under an exclusive lock between processes: Numba rewrites each
            function's index file with no lock, and two processes saving types of one
            function at once (``fastnn compile`` runs several) could point the index at
            another type's machine code. Loading needs no lock (files are replaced
            atomically). A cache that cannot be written is given up, not fatal."""
            if not self._can_save:
                return
            try:
                import fcntl
            except ImportError:  # pragma: no cover - Windows
                return super().save_overload(sig, data)
            try:
                os.makedirs(self._cache_path, exist_ok=True)
                with open(os.path.join(self._cache_path, ".fastnn.lock"), "a") as lock:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                    try:
                        return super().save_overload(sig, data)
                    finally:
                        fcntl.flock(lock, fcntl.LOCK_UN)
            except OSError as error:
                self._can_save = False
                print(f"fastnn: cannot write Numba's cache in {self._cache_path} ({error}); "
                      "compiled loops will not be kept", file=sys.stderr, flush=True)

    return LayeredCache
