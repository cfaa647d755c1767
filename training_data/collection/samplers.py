"""Proposers of architectures for a campaign: any object with ``ask()`` and ``tell(...)``.

The collector never imports ``nas_optimizers``: an optimizer-driven campaign passes an optimizer
object (it has ``ask``/``tell``) and a sampler name; the CLI wires them. The built-in uniform
sampler lives here.
"""
from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from graph_encodings import SearchSpace, get_space


@runtime_checkable
class Proposer(Protocol):
    """What the collector needs from a sampler (NAS optimizers satisfy it)."""

    def ask(self) -> Any: ...

    def tell(self, arch: Any, score: float, cost: float = 0.0) -> None: ...


class UniformSampler:
    """Uniform random architectures from ``space``, reproducible from ``seed``."""

    name = "random"

    def __init__(self, space: SearchSpace | str, seed: int = 0) -> None:
        self.space = get_space(space) if isinstance(space, str) else space
        self.rng = np.random.default_rng(seed)

    def ask(self) -> Any:
        return self.space.sample(self.rng)

    def tell(self, arch: Any, score: float, cost: float = 0.0) -> None:
        """Uniform sampling ignores results."""


def as_proposer(sampler: str | Proposer, space: SearchSpace, seed: int) -> tuple[Proposer, str]:
    """The proposer object and its recorded name for ``sampler`` ("random" or an ask/tell object)."""
    if isinstance(sampler, str):
        if sampler != "random":
            raise ValueError(
                f"unknown built-in sampler {sampler!r}; valid: 'random', or pass an object with "
                "ask()/tell() (e.g. a nas_optimizers optimizer; the CLI's --sampler wires them)"
            )
        return UniformSampler(space, seed), "random"
    if not isinstance(sampler, Proposer):
        raise ValueError(f"sampler {sampler!r} has no ask()/tell() methods")
    name = getattr(sampler, "name", "") or type(sampler).__name__
    return sampler, str(name)
