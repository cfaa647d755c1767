"""An exponential moving average (EMA) of a network's weights, scored instead of the last weights.

Averaging the weights over the last steps of a short run removes much of the step-to-step
jitter that the final weights carry, so the score depends less on the seed (a protocol's
``weight_averaging`` is the decay per step). The decay warms up as ``min(decay, (1 + t) / (10 + t))``
after ``t`` steps, so the average is not dominated by the initial weights; buffers (batch-norm
statistics) are copied from the trained network, not averaged.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import torch
from torch import nn

from training_data.training.loop import TrainStep


class WeightAverage:
    """The EMA copy of ``model`` (``module``, always in eval mode) and its update."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"weight averaging decay must be in (0, 1), got {decay!r}")
        self.decay = decay
        self.steps = 0
        self.module = copy.deepcopy(model).eval()
        for p in self.module.parameters():
            p.requires_grad_(False)
        self._pairs = [(a, p) for a, p in zip(self.module.parameters(), model.parameters(), strict=True)
                       if p.is_floating_point()]
        self._buffers = list(zip(self.module.buffers(), model.buffers(), strict=True))

    @torch.no_grad()
    def update(self) -> None:
        """Move the average towards the trained network's current weights (one step)."""
        self.steps += 1
        weight = 1.0 - min(self.decay, (1.0 + self.steps) / (10.0 + self.steps))
        averaged = [a for a, _ in self._pairs]
        torch._foreach_lerp_(averaged, [p.detach() for _, p in self._pairs], weight)
        for a, b in self._buffers:
            a.copy_(b)


@dataclass
class AveragedStep:
    """A training step followed by an update of the weight average."""

    inner: TrainStep
    average: WeightAverage
    model: nn.Module = field(init=False)

    def __post_init__(self) -> None:
        self.model = self.inner.model

    def __call__(self, x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        loss = self.inner(x, y, mask)
        self.average.update()
        return loss
