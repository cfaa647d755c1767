"""Regularised (ageing) evolution, Real et al. 2019, as used by NB101/NB201/NB301."""
from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from nas_optimizers.base import Observation, Optimizer


class RegularizedEvolution(Optimizer):
    """Tournament selection on a sliding population; the oldest member dies each step.

    The first ``population_size`` asks are random samples; afterwards each ask draws
    ``sample_size`` members of the population uniformly, mutates the best of them (lowest
    score) and returns the child. Told results join the population; when it is full the
    oldest one leaves. Failed evaluations (NaN scores) never enter the population.

    The defaults (population 20, sample 5) leave a 100-evaluation budget 80 evolution steps; with
    ``population_size`` >= the budget every ask is a random sample (random search).
    """

    name = "regularized_evolution"

    def __init__(
        self, space: Any, seed: int | None = 0, population_size: int = 20, sample_size: int = 5
    ) -> None:
        super().__init__(space, seed)
        if population_size < 1:
            raise ValueError(f"population_size must be >= 1, got {population_size!r}")
        if not 1 <= sample_size <= population_size:
            raise ValueError(
                f"sample_size must be in 1..population_size ({population_size}), got {sample_size!r}"
            )
        self.population_size = population_size
        self.sample_size = sample_size
        self.population: deque[Observation] = deque(maxlen=population_size)
        self._asked = 0

    def ask(self) -> Any:
        self._asked += 1
        if self._asked <= self.population_size or not self.population:
            return self.space.sample(self.rng)
        members = list(self.population)
        picks = self.rng.choice(len(members), size=min(self.sample_size, len(members)), replace=False)
        parent = min((members[i] for i in picks), key=lambda o: o.score)
        return self.space.mutate(parent.arch, self.rng)

    def _observe(self, observation: Observation) -> None:
        if np.isfinite(observation.score):
            self.population.append(observation)
