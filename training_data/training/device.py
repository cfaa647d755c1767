"""Device resolution, thread settings and determinism switches for one evaluation."""
from __future__ import annotations

import contextlib
import os
import platform
import re
from collections.abc import Iterator

import torch

THREADS_ENV = "NB360_TORCH_THREADS"
CUDA_GRAPHS_ENV = "NB360_CUDA_GRAPHS"
_DEVICE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; ``"cpu"``, ``"cuda"``, ``"cuda:N"`` as given.

    Raises ``ValueError`` for an unknown device string or CUDA requested where none exists.
    """
    if isinstance(device, torch.device):
        device = str(device)
    if not isinstance(device, str) or not _DEVICE.match(device):
        raise ValueError(f"unknown device {device!r}; valid: 'auto', 'cpu', 'cuda', 'cuda:N'")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    resolved = torch.device(device)
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {device!r} requested but CUDA is not available; use 'cpu' or 'auto'")
        index = resolved.index if resolved.index is not None else torch.cuda.current_device()
        if index >= torch.cuda.device_count():
            raise ValueError(
                f"device {device!r}: only {torch.cuda.device_count()} CUDA device(s) are visible"
            )
        resolved = torch.device("cuda", index)
    return resolved


def device_name(device: torch.device) -> str:
    """A human-readable name of the hardware (GPU model, or the CPU's processor string)."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return platform.processor() or platform.machine() or "cpu"


def cpu_kernels() -> str:
    """The CPU kernel set torch dispatches to here (``"AVX2"``, ``"AVX512"``, ``"DEFAULT"``, ...).

    CPU runs are bit for bit the same only on the same kernel set: two machines whose CPUs pick
    different vector kernels round differently, and the difference grows over the epochs.
    """
    return str(torch.backends.cpu.get_cpu_capability())


def resolve_threads(n_threads: int | None) -> int | None:
    """The torch CPU thread count to use: the argument, else ``$NB360_TORCH_THREADS``, else None.

    None means "leave torch's default". Raises ``ValueError`` for a non-positive count.
    """
    if n_threads is None:
        env = os.environ.get(THREADS_ENV)
        if not env:
            return None
        try:
            n_threads = int(env)
        except ValueError:
            raise ValueError(f"${THREADS_ENV}={env!r} is not an integer thread count") from None
    if isinstance(n_threads, bool) or not isinstance(n_threads, int) or n_threads < 1:
        raise ValueError(f"n_threads must be a positive integer or None, got {n_threads!r}")
    return n_threads


def resolve_cuda_graphs(cuda_graphs: bool | None, device: torch.device) -> bool:
    """Whether to replay training steps as CUDA graphs: the argument, else ``$NB360_CUDA_GRAPHS``
    (``1`` or ``0``; it applies to CUDA devices only), else off.

    Raises ``ValueError`` for ``True`` on a device that is not CUDA, or another value of the
    variable.
    """
    if cuda_graphs is None:
        env = os.environ.get(CUDA_GRAPHS_ENV, "")
        if env not in ("", "0", "1"):
            raise ValueError(f"${CUDA_GRAPHS_ENV}={env!r}; valid: '1' (on CUDA devices), '0' or unset")
        return env == "1" and device.type == "cuda"
    if not isinstance(cuda_graphs, bool):
        raise ValueError(f"cuda_graphs must be True, False or None, got {cuda_graphs!r}")
    if cuda_graphs and device.type != "cuda":
        raise ValueError(f"cuda_graphs=True needs a CUDA device, got {str(device)!r}")
    return cuda_graphs


@contextlib.contextmanager
def torch_settings(n_threads: int | None, deterministic: bool, *,
                   fill_uninitialized_memory: bool = False) -> Iterator[None]:
    """Set torch's thread count and determinism switches for a block, then restore them.

    ``deterministic``: ``torch.use_deterministic_algorithms(True, warn_only=True)`` (ops without a
    deterministic kernel warn instead of failing) and ``cudnn.benchmark = False``; otherwise
    ``cudnn.benchmark = True`` (faster convolutions on CUDA, not bitwise reproducible). Either
    way ``torch.utils.deterministic.fill_uninitialized_memory`` is ``fill_uninitialized_memory``
    (default False): with it, deterministic mode fills every new uninitialised tensor with NaN,
    which no kernel of ours reads (training is bitwise the same without it, and the committed
    records reproduce bit for bit) and which costs time on every step.
    """
    old_fill = torch.utils.deterministic.fill_uninitialized_memory
    old_threads = torch.get_num_threads()
    old_det = torch.are_deterministic_algorithms_enabled()
    old_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    old_bench = torch.backends.cudnn.benchmark
    old_cudnn_det = torch.backends.cudnn.deterministic
    try:
        if n_threads is not None:
            torch.set_num_threads(n_threads)
        torch.use_deterministic_algorithms(deterministic, warn_only=True)
        torch.backends.cudnn.benchmark = not deterministic
        torch.backends.cudnn.deterministic = deterministic
        torch.utils.deterministic.fill_uninitialized_memory = fill_uninitialized_memory
        yield
    finally:
        torch.set_num_threads(old_threads)
        torch.use_deterministic_algorithms(old_det, warn_only=old_warn)
        torch.backends.cudnn.benchmark = old_bench
        torch.backends.cudnn.deterministic = old_cudnn_det
        torch.utils.deterministic.fill_uninitialized_memory = old_fill
