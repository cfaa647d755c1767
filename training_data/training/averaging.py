"""Averages of a network's weights, scored instead of the last weights.

Averaging the weights over the last steps of a short run removes much of the step-to-step
jitter that the final weights carry, so the score depends less on the seed. Two rules:

- :class:`WeightAverage`, an exponential moving average (a protocol's ``weight_averaging`` is
  the decay per step). The decay warms up as ``min(decay, (1 + t) / (10 + t))`` after ``t``
  steps, so the average is not dominated by the initial weights; buffers (batch-norm
  statistics) are copied from the trained network, not averaged.
- :class:`StochasticWeightAverage` (SWA, Izmailov et al. 2018), an equal-weight mean of the
  weights after every step from a given step on (a protocol's ``swa_start``, a fraction of the
  training steps). Its batch-norm statistics are recomputed on the training inputs before it is
  scored, as the trained network's do not fit an average over many steps.
"""
from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import torch
from torch import nn

from training_data.training.loop import TrainStep

Batches = Callable[[], Iterable[torch.Tensor]]  # a fresh pass over the training inputs, batch by batch


class _Average:
    """A frozen copy (``module``, always in eval mode) of ``model`` whose floating-point weights
    are moved towards the trained network's."""

    def __init__(self, model: nn.Module) -> None:
        self.module = copy.deepcopy(model).eval()
        for p in self.module.parameters():
            p.requires_grad_(False)
        self._pairs = [(a, p) for a, p in zip(self.module.parameters(), model.parameters(), strict=True)
                       if p.is_floating_point()]

    @torch.no_grad()
    def _move_towards_trained(self, weight: float) -> None:
        """``average += weight * (trained - average)`` for every floating-point weight."""
        torch._foreach_lerp_([a for a, _ in self._pairs], [p.detach() for _, p in self._pairs], weight)


class WeightAverage(_Average):
    """The EMA copy of ``model`` (``module``, always in eval mode) and its update."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"weight averaging decay must be in (0, 1), got {decay!r}")
        super().__init__(model)
        self.decay = decay
        self.steps = 0
        self._buffers = list(zip(self.module.buffers(), model.buffers(), strict=True))

    @torch.no_grad()
    def update(self) -> None:
        """Move the average towards the trained network's current weights (one step)."""
        self.steps += 1
        self._move_towards_trained(1.0 - min(self.decay, (1.0 + self.steps) / (10.0 + self.steps)))
        for a, b in self._buffers:
            a.copy_(b)

    def network_to_score(self, model: nn.Module, batches: Batches) -> nn.Module:
        """The average (its statistics are the trained network's; ``batches`` is not used)."""
        return self.module


class StochasticWeightAverage(_Average):
    """The equal-weight mean (``module``) of the weights after each step from ``start_step`` on."""

    def __init__(self, model: nn.Module, start_step: int) -> None:
        if isinstance(start_step, bool) or not isinstance(start_step, int) or start_step < 0:
            raise ValueError(f"SWA start_step must be an integer >= 0, got {start_step!r}")
        super().__init__(model)
        self.start_step = start_step
        self.steps = 0
        self.averaged_steps = 0
        self._statistics_fit = False

    @torch.no_grad()
    def update(self) -> None:
        """Count a step; from ``start_step`` on, add the trained network's weights to the mean."""
        self.steps += 1
        if self.steps <= self.start_step:
            return
        self.averaged_steps += 1
        self._move_towards_trained(1.0 / self.averaged_steps)
        self._statistics_fit = False

    def network_to_score(self, model: nn.Module, batches: Batches) -> nn.Module:
        """The trained ``model`` before averaging starts; then the mean, its batch-norm statistics
        recomputed over ``batches`` once per change of the mean."""
        if self.averaged_steps == 0:
            return model
        if not self._statistics_fit:
            recompute_batch_norm(self.module, batches)
            self._statistics_fit = True
        return self.module


def weight_average(model: nn.Module, *, decay: float | None, swa_start: float | None,
                   total_steps: int) -> WeightAverage | StochasticWeightAverage | None:
    """The average a protocol scores: an EMA with ``decay``, SWA from ``swa_start`` of
    ``total_steps``, or None (the last weights) when neither is set."""
    if decay is not None and swa_start is not None:
        raise ValueError(f"weight averaging decay={decay!r} and swa_start={swa_start!r}: set at most one")
    if decay is not None:
        return WeightAverage(model, decay)
    if swa_start is not None:
        return StochasticWeightAverage(model, round(swa_start * total_steps))
    return None


@torch.no_grad()
def recompute_batch_norm(module: nn.Module, batches: Batches) -> None:
    """Set every batch-norm layer's running statistics to the mean and variance of its inputs
    over one pass of ``batches`` (with drop-path off); the module is left in eval mode."""
    norms = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative mean over the pass, not a moving one
    module.train()
    try:
        with _without_drop_path(module):
            for x in batches():
                module(x)
    finally:
        for m, momentum in zip(norms, momenta, strict=True):
            m.momentum = momentum
        module.eval()


@contextlib.contextmanager
def _without_drop_path(module: nn.Module) -> Iterator[None]:
    """Drop-path (DARTS networks' ``drop_path_prob``) off while the statistics are measured."""
    prob = getattr(module, "drop_path_prob", None)
    if prob is None:
        yield
        return
    module.drop_path_prob = 0.0
    try:
        yield
    finally:
        module.drop_path_prob = prob


@dataclass
class AveragedStep:
    """A training step followed by an update of the weight average."""

    inner: TrainStep
    average: WeightAverage | StochasticWeightAverage
    model: nn.Module = field(init=False)

    def __post_init__(self) -> None:
        self.model = self.inner.model

    def __call__(self, x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        loss = self.inner(x, y, mask)
        self.average.update()
        return loss
