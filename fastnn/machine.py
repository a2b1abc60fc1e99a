"""What the CPU is: its name, cache sizes and the CPUs this process may use.

Speed figures mean little without the machine they were taken on, so the benchmarks and
``fastnn train --benchmark`` print :func:`cpu_description` beside them; :func:`cache_size`
reads the per-core cache sizes (the L2 size in that description; no kernel chooses by
them: the loops have no block sizes to tune, and the one choice made by CPU, the vector
width, is :func:`fastnn.config.vector_width`). :func:`usable_cpus` sizes process pools.
"""

from __future__ import annotations

import functools
import os
import platform
import re
from pathlib import Path

__all__ = ["cpu_name", "cpu_description", "llvm_cpu_name", "cache_size", "usable_cpus"]

CPUINFO = Path("/proc/cpuinfo")
CACHE_DIR = Path("/sys/devices/system/cpu/cpu0/cache")


def usable_cpus() -> int:
    """The logical CPUs this process may run on (its affinity mask, where the OS has one;
    else ``os.cpu_count()``): the default size of fastnn's process pools."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@functools.lru_cache(maxsize=None)
def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo``), e.g. ``'Intel(R) Xeon(R) Processor'``.

    Elsewhere :func:`platform.processor` or the architecture, and the logical CPU count.
    """
    try:
        match = re.search(r"^model name\s*:\s*(.+)$", CPUINFO.read_text(), re.MULTILINE)
    except OSError:
        match = None
    return match.group(1).strip() if match else (platform.processor() or platform.machine())


@functools.lru_cache(maxsize=None)
def llvm_cpu_name() -> str | None:
    """The CPU as LLVM, which compiles fastnn's loops, names it (``'znver4'``,
    ``'emeraldrapids'``): a virtual machine's model name often says only "AMD EPYC"."""
    try:
        import llvmlite.binding as llvm
    except ImportError:  # pragma: no cover - numba brings llvmlite
        return None
    return llvm.get_host_cpu_name() or None


def cpu_description() -> str:
    """:func:`cpu_name` (with :func:`llvm_cpu_name`), the logical CPUs and the L2 cache per
    core, e.g. ``'AMD EPYC (znver4), 2 logical CPUs, L2 1 MiB per core'``."""
    llvm_name = llvm_cpu_name()
    name = f"{cpu_name()} ({llvm_name})" if llvm_name else cpu_name()
    parts = [name, f"{os.cpu_count()} logical CPUs"]
    l2 = cache_size(2)
    if l2:
        parts.append(f"L2 {l2 / 2**20:g} MiB per core" if l2 >= 2**20
                     else f"L2 {l2 // 2**10} KiB per core")
    return ", ".join(parts)


def _parse_size(text: str) -> int:
    """``'2048K'`` -> 2097152; ``'48K'``, ``'300M'``, ``'512'`` likewise."""
    match = re.fullmatch(r"\s*(\d+)\s*([KMG]?)\s*", text)
    if not match:
        raise ValueError(f"cannot read a cache size from {text!r}")
    return int(match.group(1)) * {"": 1, "K": 2**10, "M": 2**20, "G": 2**30}[match.group(2)]


@functools.lru_cache(maxsize=None)
def cache_size(level: int, root: Path = CACHE_DIR) -> int | None:
    """Bytes of the data (or unified) cache at ``level`` that cpu0 sees, or None.

    Read from ``/sys/devices/system/cpu/cpu0/cache/index*/{level,type,size}``; None where
    Linux does not say (another OS, or a container that hides it).
    """
    for index in sorted(root.glob("index*")):
        try:
            if int((index / "level").read_text()) != level:
                continue
            if (index / "type").read_text().strip() not in ("Data", "Unified"):
                continue
            return _parse_size((index / "size").read_text())
        except (OSError, ValueError):
            continue
    return None
