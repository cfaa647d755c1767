"""Shared machinery of the surrogate-model-based optimizers (BANANAS, random-forest BO).

A :class:`ModelBasedOptimizer` asks ``num_init`` random architectures, then fits a predictor
of the score (mean and standard deviation) to the valid observations, builds a candidate pool
(mutations of the best architectures seen, plus some uniform samples; never an architecture
asked before), scores the pool with an acquisition function and hands out candidates best
first. The model is refitted after every ``refit_every`` new valid results; between refits the
ranked pool is a queue, so a batch of asks (parallel workers) gets the top candidates of one
acquisition pass, as batch BANANAS does. Subclasses supply ``_fit`` and ``_predict``.

Acquisitions (scores are errors, lower is better; each returns a value to MINIMISE):
``its`` independent Thompson sampling, one draw from N(mean, std) per candidate;
``ucb`` the optimistic bound ``mean - beta * std``; ``ei`` minus the expected improvement over
the lowest predicted mean among the observed architectures.
"""
from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import norm

from nas_optimizers.base import Observation, Optimizer

ACQUISITIONS = ("its", "ucb", "ei")


def expected_improvement(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    """EI of minimising: E[max(best - Y, 0)] for Y ~ N(mean, std); std = 0 gives max(best-mean, 0)."""
    std = np.maximum(std, 1e-12)
    z = (best - mean) / std
    return (best - mean) * norm.cdf(z) + std * norm.pdf(z)


class ModelBasedOptimizer(Optimizer):
    """Random start, then acquisition-ranked candidates from a refitted score model."""

    default_acquisition = "its"

    def __init__(
        self,
        space: Any,
        seed: int | None = 0,
        num_init: int = 10,
        num_candidates: int = 100,
        num_parents: int = 5,
        max_mutations: int = 1,
        random_fraction: float = 0.2,
        refit_every: int = 10,
        acquisition: str | None = None,
        beta: float = 1.0,
    ) -> None:
        super().__init__(space, seed)
        for label, value, low in (
            ("num_init", num_init, 2),
            ("num_candidates", num_candidates, 1),
            ("num_parents", num_parents, 1),
            ("max_mutations", max_mutations, 1),
            ("refit_every", refit_every, 1),
        ):
            if not isinstance(value, int) or value < low:
                raise ValueError(f"{label} must be an integer >= {low}, got {value!r}")
        if not 0.0 <= random_fraction <= 1.0:
            raise ValueError(f"random_fraction must be in [0, 1], got {random_fraction!r}")
        acquisition = self.default_acquisition if acquisition is None else acquisition
        if acquisition not in ACQUISITIONS:
            raise ValueError(f"unknown acquisition {acquisition!r}; valid: {', '.join(ACQUISITIONS)}")
        if beta < 0:
            raise ValueError(f"beta must be >= 0, got {beta!r}")
        self.num_init = num_init
        self.num_candidates = num_candidates
        self.num_parents = num_parents
        self.max_mutations = max_mutations
        self.random_fraction = random_fraction
        self.refit_every = refit_every
        self.acquisition = acquisition
        self.beta = beta
        self.fits = 0
        self._asked: set[Any] = set()
        self._valid: list[Observation] = []
        self._unfitted = 0  # valid results told since the last fit
        self._ranked: list[Any] = []  # acquisition-ranked candidates, best last

    # -- subclass hooks -------------------------------------------------------------------
    @abc.abstractmethod
    def _fit(self, archs: Sequence[Any], scores: np.ndarray) -> None:
        """Fit the score model to ``archs`` and their (finite) scores."""

    @abc.abstractmethod
    def _predict(self, archs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        """Predicted mean and standard deviation (>= 0) of the score of each arch."""

    # -- ask / tell -----------------------------------------------------------------------
    def ask(self) -> Any:
        if len(self._asked) < self.num_init or len(self._valid) < 2:
            return self._mark(self.space.sample(self.rng))
        if self.fits == 0 or self._unfitted >= self.refit_every:
            self._fit([o.arch for o in self._valid], np.array([o.score for o in self._valid]))
            self.fits += 1
            self._unfitted = 0
            self._ranked = []
        while self._ranked and self._ranked[-1] in self._asked:
            self._ranked.pop()
        if not self._ranked:
            self._ranked = self._rank(self._candidates())
        if not self._ranked:  # the neighbourhood of the best is exhausted: explore
            return self._mark(self.space.sample(self.rng))
        return self._mark(self._ranked.pop())

    def _observe(self, observation: Observation) -> None:
        if np.isfinite(observation.score):
            self._valid.append(observation)
            self._unfitted += 1

    def _mark(self, arch: Any) -> Any:
        self._asked.add(arch)
        return arch

    # -- candidates and acquisition -------------------------------------------------------
    def _candidates(self) -> list[Any]:
        """Unasked, distinct mutations of the top ``num_parents`` archs plus random samples."""
        n_random = int(round(self.random_fraction * self.num_candidates))
        parents = [o.arch for o in sorted(self._valid, key=lambda o: o.score)[: self.num_parents]]
        pool: dict[Any, None] = {}
        for k in range(4 * self.num_candidates):  # bounded: small spaces may run dry
            if len(pool) >= self.num_candidates - n_random:
                break
            arch = parents[k % len(parents)]
            for _ in range(int(self.rng.integers(1, self.max_mutations + 1))):
                arch = self.space.mutate(arch, self.rng)
            if arch not in self._asked:
                pool[arch] = None
        for _ in range(n_random):
            arch = self.space.sample(self.rng)
            if arch not in self._asked:
                pool[arch] = None
        return list(pool)

    def _rank(self, candidates: list[Any]) -> list[Any]:
        """Candidates ordered worst first (so ``pop()`` gives the best) by the acquisition."""
        if not candidates:
            return []
        mean, std = self._predict(candidates)
        if self.acquisition == "its":
            value = self.rng.normal(mean, std)
        elif self.acquisition == "ucb":
            value = mean - self.beta * std
        else:
            best = float(np.min(self._predict([o.arch for o in self._valid])[0]))
            value = -expected_improvement(mean, std, best)
        order = np.argsort(-value, kind="stable")
        return [candidates[i] for i in order]
