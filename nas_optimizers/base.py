"""The ask/tell interface every NAS optimizer implements."""
from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any

import numpy as np

from graph_encodings import SearchSpace, check_seed, get_space
from graph_encodings.resolve import resolve_arch


@dataclass(frozen=True)
class Observation:
    """One evaluated architecture: its score (an error, lower is better) and its cost (seconds)."""

    arch: Any
    score: float
    cost: float = 0.0


class Optimizer(abc.ABC):
    """A search algorithm over one space of ``graph_encodings``: ``ask() -> arch``, ``tell(...)``.

    Several ``ask`` calls may precede the matching ``tell`` calls (asynchronous parallel
    workers); ``tell`` may come in any order. Scores are errors: lower is better. A failed
    evaluation is told with ``score=float('nan')``; optimizers ignore it for selection.
    """

    name: str = ""

    def __init__(self, space: SearchSpace | str, seed: int | None = 0) -> None:
        self.space = get_space(space) if isinstance(space, str) else space
        self.seed = check_seed(seed, allow_none=True)
        self.rng = np.random.default_rng(self.seed)
        self.history: list[Observation] = []

    @abc.abstractmethod
    def ask(self) -> Any:
        """The next architecture to evaluate."""

    def tell(self, arch: Any, score: float, cost: float = 0.0) -> None:
        """Report the result of evaluating ``arch`` (any form :func:`graph_encodings.resolve_arch`
        accepts)."""
        arch = resolve_arch(arch, self.space)[1]
        self.history.append(Observation(arch, float(score), float(cost)))
        self._observe(self.history[-1])

    def _observe(self, observation: Observation) -> None:  # noqa: B027 - optional hook
        """Hook for subclasses to update their state after :meth:`tell`."""

    @property
    def incumbent(self) -> Observation | None:
        """The best valid observation so far (lowest score), or None."""
        valid = [o for o in self.history if np.isfinite(o.score)]
        return min(valid, key=lambda o: o.score) if valid else None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(space={self.space.name!r}, seed={self.seed!r})"
