"""Keep freed host memory in the process, so large CPU batches do not page-fault every time.

glibc hands large freed blocks back to the kernel (blocks above the mmap threshold are unmapped,
the top of the heap is trimmed), and the next batch of the same size touches that memory again
page by page. On the CPU protocols the validation and test predictions (batches of up to 256
samples) fault 1.4-1.8 M times per ECG or Darcy run, about a fifth of the run's CPU time; training
steps (small batches) hardly fault. :func:`keep_freed_memory` raises glibc's mmap and trim thresholds to their maximum
(``mallopt``), so freed memory is reused instead. It changes no number a run computes (``nb360
data reproduce`` re-makes the stored records bit for bit), only where the memory comes from; the
price is that a process keeps its peak heap. ``benchmarks/bench_host_memory.py`` measures it.

``evaluate`` calls it for CPU runs; ``NB360_KEEP_HOST_MEMORY=0`` leaves malloc as it is. Where the
C library is not glibc it does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import platform

KEEP_HOST_MEMORY_ENV = "NB360_KEEP_HOST_MEMORY"
M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
MAX_THRESHOLD = 2**31 - 1  # mallopt takes an int

_applied = False


def wanted() -> bool:
    """``$NB360_KEEP_HOST_MEMORY``: ``1`` or unset (keep freed memory) or ``0`` (leave malloc be).

    Raises ``ValueError`` for another value.
    """
    value = os.environ.get(KEEP_HOST_MEMORY_ENV, "")
    if value not in ("", "0", "1"):
        raise ValueError(f"${KEEP_HOST_MEMORY_ENV}={value!r}; valid: '1' (default), '0' or unset")
    return value != "0"


@functools.cache
def on_glibc() -> bool:
    """Whether this process runs on Linux with glibc (asked once: ``libc_ver`` reads a file)."""
    return platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def keep_freed_memory() -> bool:
    """Make glibc keep freed memory for reuse (once per process); True when that is in effect.

    False where the C library is not glibc, or when ``$NB360_KEEP_HOST_MEMORY`` is ``0`` (and it
    was not applied before: it cannot be undone). A bad value of the variable raises
    ``ValueError``.
    """
    global _applied
    keep = wanted()
    if _applied or not keep or not on_glibc():
        return _applied
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    _applied = bool(libc.mallopt(M_MMAP_THRESHOLD, MAX_THRESHOLD)) and bool(
        libc.mallopt(M_TRIM_THRESHOLD, MAX_THRESHOLD)
    )
    return _applied
