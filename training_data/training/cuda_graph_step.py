"""A training step replayed as one CUDA graph: forward, loss, backward, clipping and SGD in one
launch, so small networks stop being bound by the host launching their kernels one by one.

Measured on the lent H100 (``benchmarks/bench_gpu_step.py``): a ``*-gpu-v1`` step of a random
DARTS network took 28-60 ms of wall time and the same CPU time, i.e. the GPU waited on Python.

How it keeps the eager step's meaning:

- the first ``WARMUP_STEPS`` steps of a run are ordinary eager steps on a side stream (cudnn
  autotuning, optimiser state, allocator), as PyTorch's whole-network capture recipe asks; they
  are real training steps, nothing is undone;
- the learning rate and the drop-path probability are Python numbers baked into a capture, so the
  graph is captured again whenever either changes (once per epoch under the cosine schedule);
- a batch of another size (the epoch's last) runs eagerly on the same parameters, gradients and
  optimiser state; the gradients are zeroed in place there, since the graph replays into them;
- drop-path masks come from the default CUDA generator, which graph replays advance.

fp16 with a gradient scaler is not captured, nor AdamW (``supports`` says so): the scaler's
update reads the host, and AdamW counts its steps on the host. The numbers match the eager step
up to the GPU's non-determinism, which the ``gpu`` protocols already allow;
``benchmarks/bench_gpu_step.py --cuda-graphs`` compares both.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import torch
from torch import nn

from training_data.training.loop import EagerStep

WARMUP_STEPS = 3


def supports(eager: EagerStep, device: torch.device) -> bool:
    """Whether ``eager`` can be captured on ``device``: CUDA, SGD (AdamW keeps its step counts
    on the host unless built ``capturable``) and no fp16 gradient scaler."""
    return device.type == "cuda" and isinstance(eager.optimizer, torch.optim.SGD) and eager.scaler is None


class CudaGraphs:
    """The CUDA side of :class:`CudaGraphStep`: a side stream for warm-up steps, and capture.

    ``capture(fn)`` records ``fn`` (nothing runs) and returns a function that replays it and
    the tensor ``fn`` returned, which each replay overwrites. Tests swap in a host stand-in.
    """

    def __init__(self, device: torch.device) -> None:
        self.device = device

    @contextlib.contextmanager
    def side_stream(self) -> Iterator[None]:
        current = torch.cuda.current_stream(self.device)
        side = torch.cuda.Stream(self.device)
        side.wait_stream(current)
        with torch.cuda.stream(side):
            yield
        current.wait_stream(side)

    def capture(self, fn: Callable[[], torch.Tensor]) -> tuple[Callable[[], None], torch.Tensor]:
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            out = fn()
        return graph.replay, out


class CudaGraphStep:
    """The step of ``eager`` captured once per learning rate and drop-path probability, and
    replayed for every full batch (see the module docstring)."""

    def __init__(self, eager: EagerStep, batch_size: int, device: torch.device,
                 graphs: CudaGraphs | None = None) -> None:
        if graphs is None and not supports(eager, device):
            raise ValueError(
                f"CUDA graphs need a CUDA device, SGD and no fp16 gradient scaler; got device "
                f"{str(device)!r}, {type(eager.optimizer).__name__}"
                f"{' and a scaler' if eager.scaler is not None else ''}"
            )
        self.eager, self.batch_size, self.device = eager, batch_size, device
        self.graphs = graphs if graphs is not None else CudaGraphs(device)
        self.model: nn.Module = eager.model
        self.warmup_left = WARMUP_STEPS
        self.replays = 0
        self.error: str | None = None  # why a capture failed (the rest of the run is eager)
        self._graph: Callable[[], None] | None = None  # replays the captured step
        self._key: tuple[float, ...] | None = None
        self._static: tuple[torch.Tensor | None, ...] = ()
        self._loss: torch.Tensor | None = None

    def __call__(self, x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        if self.warmup_left > 0:
            self.warmup_left -= 1
            with self.graphs.side_stream():
                return self._eager(x, y, mask)
        if len(x) != self.batch_size or self.error is not None:
            return self._eager(x, y, mask)
        if self._graph is None or self._key != self._settings():
            try:
                self._capture(x, y, mask)
            except RuntimeError as error:  # the run goes on eagerly and its record says why
                self.error = f"{type(error).__name__}: {error}"[:300]
                self._graph, self._loss, self._static = None, None, ()
                return self._eager(x, y, mask)
        for static, value in zip(self._static, (x, y, mask), strict=True):
            if static is not None:
                static.copy_(value)
        self._graph()
        self.replays += 1
        return self._loss.clone()

    def _settings(self) -> tuple[float, ...]:
        """What a capture bakes in: each parameter group's lr, and the drop-path probability."""
        lrs = tuple(float(group["lr"]) for group in self.eager.optimizer.param_groups)
        return (*lrs, float(getattr(self.model, "drop_path_prob", 0.0)))

    def _eager(self, x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """An eager step on the same gradients, zeroed in place while a graph replays into them."""
        self.eager.keep_grads = self._graph is not None
        return self.eager(x, y, mask)

    def _capture(self, x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None) -> None:
        self._graph, self._loss = None, None  # the last capture's memory goes back first
        self._static = tuple(None if t is None else t.clone() for t in (x, y, mask))
        eager = self.eager
        eager.optimizer.zero_grad(set_to_none=True)  # the capture allocates the gradients it writes
        replay, loss = self.graphs.capture(lambda: eager.update(*self._static, autocast_cache=False))
        self._graph, self._loss, self._key = replay, loss, self._settings()
