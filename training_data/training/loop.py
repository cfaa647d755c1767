"""The training loop: optimiser, schedule, one epoch, batched prediction, divergence detection.

Batches are drawn from tensors that already sit on the training device (or, when the data is
too large for the GPU, are copied per batch with ``non_blocking``); the order comes from a
seeded ``torch.Generator``, so a run is deterministic on CPU. No DataLoader workers.
"""
from __future__ import annotations

import contextlib
import math
import typing
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from training_data.protocols.protocol import Protocol
from training_data.training.augment import Augmentation


class DivergedError(RuntimeError):
    """The training loss became NaN or infinite."""


@dataclass
class TensorSplit:
    """One split as tensors: ``x`` and ``y`` (and an optional loss ``mask``), same length."""

    x: torch.Tensor
    y: torch.Tensor
    mask: torch.Tensor | None = None

    def __len__(self) -> int:
        return len(self.x)

    def batch(self, index: torch.Tensor, device: torch.device) -> tuple[torch.Tensor, ...]:
        """The samples at ``index`` on ``device`` (a no-op copy when already there)."""
        index = index.to(self.x.device)
        parts = [self.x[index], self.y[index]] + ([self.mask[index]] if self.mask is not None else [])
        return tuple(p.to(device, non_blocking=True) for p in parts)


@dataclass(frozen=True)
class Precision:
    """Mixed-precision settings: autocast ``dtype`` on ``device_type`` (None: full float32)."""

    device_type: str
    dtype: torch.dtype | None = None

    @classmethod
    def for_protocol(cls, protocol: Protocol, device: torch.device) -> Precision:
        """bf16/fp16 autocast when the protocol asks for AMP and the device is CUDA."""
        if not protocol.amp or device.type != "cuda":
            return cls(device.type)
        return cls(device.type, torch.bfloat16 if protocol.amp_dtype == "bf16" else torch.float16)

    def autocast(self, cache_enabled: bool = True) -> contextlib.AbstractContextManager[None]:
        """The autocast context (a no-op for float32); ``cache_enabled=False`` inside a CUDA graph
        capture, whose casts must be recorded, not cached."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device_type, dtype=self.dtype, cache_enabled=cache_enabled)

    def grad_scaler(self) -> torch.amp.GradScaler | None:
        """A gradient scaler for fp16 (bf16 and float32 need none)."""
        return torch.amp.GradScaler(self.device_type) if self.dtype == torch.float16 else None


def make_optimizer(model: nn.Module, protocol: Protocol) -> torch.optim.Optimizer:
    """SGD with momentum (NB360's choice) or AdamW, with the protocol's lr and weight decay."""
    params = [p for p in model.parameters() if p.requires_grad]
    if protocol.optimizer == "sgd":
        return torch.optim.SGD(
            params, lr=protocol.lr, momentum=protocol.momentum, weight_decay=protocol.weight_decay
        )
    return torch.optim.AdamW(params, lr=protocol.lr, weight_decay=protocol.weight_decay)


def make_scheduler(optimizer: torch.optim.Optimizer, protocol: Protocol) -> torch.optim.lr_scheduler.LRScheduler:
    """Per-epoch cosine annealing to 0 over the protocol's epochs (NB360), or a constant lr."""
    if protocol.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=protocol.epochs, eta_min=0.0)
    return torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1.0, total_iters=0)


def batch_indices(n: int, batch_size: int, generator: torch.Generator | None,
                  device: torch.device | None = None) -> Iterator[torch.Tensor]:
    """Index batches over ``n`` samples: shuffled by ``generator`` (on the CPU), or in order when
    it is None; the whole order is moved to ``device`` once, not batch by batch."""
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    yield from torch.split(order if device is None else order.to(device), batch_size)


def compute_loss(
    loss_fn: nn.Module, out: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None
) -> torch.Tensor:
    """The task loss in float32 (masked losses receive the mask as a third argument)."""
    out = out.float()
    return loss_fn(out, y) if mask is None else loss_fn(out, y, mask)


class TrainStep(typing.Protocol):
    """One optimisation step on a batch; returns the batch's loss as a detached device scalar."""

    model: nn.Module

    def __call__(self, x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor: ...


@dataclass
class EagerStep:
    """A training step run op by op: zero the gradients, forward under autocast, the float32
    loss, backward (fp16: scaled), gradient clipping and the optimiser step.

    ``keep_grads``: zero the gradient tensors in place instead of dropping them (a CUDA graph that
    owns them replays into the same memory; see ``cuda_graph_step``).
    """

    model: nn.Module
    loss_fn: nn.Module
    optimizer: torch.optim.Optimizer
    grad_clip: float | None
    precision: Precision
    scaler: torch.amp.GradScaler | None = None
    keep_grads: bool = False

    def __call__(self, x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        self.optimizer.zero_grad(set_to_none=not self.keep_grads)
        return self.update(x, y, mask)

    def update(self, x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None,
               autocast_cache: bool = True) -> torch.Tensor:
        """Forward, loss, backward into the current gradients, clipping and the optimiser step."""
        with self.precision.autocast(cache_enabled=autocast_cache):
            out = self.model(x)
        loss = compute_loss(self.loss_fn, out, y, mask)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
        else:
            loss.backward()
        if self.grad_clip is not None:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
        if self.scaler is not None:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        return loss.detach()


def train_epoch(
    step: TrainStep,
    data: TensorSplit,
    batch_size: int,
    device: torch.device,
    generator: torch.Generator,
    augment: Augmentation | None = None,
) -> float:
    """One pass over ``data`` in shuffled batches of ``batch_size``, each through ``step``;
    returns the sample-weighted mean training loss.

    Raises :class:`DivergedError` when the epoch's loss is not finite (checked once per epoch, so a
    CUDA run does not synchronise at every step).
    """
    step.model.train()
    total = torch.zeros((), device=device)  # summed on the device: no host sync per step
    count = 0
    for index in batch_indices(len(data), batch_size, generator, data.x.device):
        x, y, *rest = data.batch(index, device)
        if augment is not None:
            x = augment(x, generator)
        total += step(x, y, rest[0] if rest else None) * len(index)
        count += len(index)
    mean = float(total) / max(count, 1)
    if not math.isfinite(mean):
        raise DivergedError(f"mean training loss became {mean}")
    return mean


@torch.no_grad()
def predict(
    model: nn.Module,
    x: torch.Tensor,
    batch_size: int,
    device: torch.device,
    precision: Precision,
) -> np.ndarray:
    """Raw network outputs for every sample of ``x``, as float32 numpy (copied to the host once)."""
    model.eval()
    outputs = []
    for index in batch_indices(len(x), batch_size, None, x.device):
        batch = x[index].to(device, non_blocking=True)
        with precision.autocast():
            out = model(batch)
        outputs.append(out.float())
    return torch.cat(outputs).cpu().numpy()
