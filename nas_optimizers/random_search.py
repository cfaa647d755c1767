"""Uniform random search."""
from __future__ import annotations

from typing import Any

from nas_optimizers.base import Optimizer


class RandomSearch(Optimizer):
    """Samples every architecture uniformly from the space."""

    name = "random_search"

    def ask(self) -> Any:
        return self.space.sample(self.rng)
