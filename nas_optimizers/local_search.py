"""Local search (White, Nolen, Savani 2021, "Local search is state of the art for NAS benchmarks").

The NASLib variant: start from the best of ``num_init`` random samples, evaluate its neighbours
(one elementary change away) in a random order, move to the first one that improves on the
current architecture, and restart from a fresh random architecture at a local optimum (every
neighbour evaluated, none better).

Asynchronous parallel use: pending neighbours form a queue, so several ``ask`` calls in a row
hand out several neighbours at once. Rules that keep the method well-defined when results come
back late or out of order:

- A result better than the current architecture, whatever proposed it (a neighbour, a filler,
  a neighbour of an earlier current), becomes the new current: the first improvement wins and
  the queue is rebuilt from its neighbours (late results of the old queue are still used).
- When the queue is empty but neighbours are still being evaluated, ``ask`` returns a random
  "filler" architecture so an idle worker never waits; a filler that turns out better than the
  current also becomes the current (rule above).
- A local optimum is declared at ``ask`` time, when the queue is empty and no neighbour is in
  flight; the search then restarts from ``restart_samples`` random architectures (1 by
  default, as in the paper), the best of which becomes the new current.
- Architectures already asked are never queued again (isomorphic duplicates may be: the check
  compares architecture objects, as the canonical hash is too slow for an inner loop). A
  neighbour that was evaluated before and beats the current is moved to without re-evaluation.
  Failed evaluations (NaN) never become the current.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from nas_optimizers.base import Observation, Optimizer


class LocalSearch(Optimizer):
    """First-improvement local search with random restarts and an asynchronous neighbour queue."""

    name = "local_search"

    def __init__(
        self, space: Any, seed: int | None = 0, num_init: int = 10, restart_samples: int = 1
    ) -> None:
        super().__init__(space, seed)
        for label, value in (("num_init", num_init), ("restart_samples", restart_samples)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{label} must be an integer >= 1, got {value!r}")
        self.num_init = num_init
        self.restart_samples = restart_samples
        self.current: Observation | None = None
        self.restarts = 0
        self._queue: list[Any] = []
        self._in_flight: set[Any] = set()  # queued neighbours of the current, asked, not told
        self._asked: set[Any] = set()
        self._known: dict[Any, float] = {}  # arch -> best valid score told
        self._starts_needed = num_init  # results still to collect before choosing a start
        self._start_candidates: list[Observation] = []

    @property
    def searching_for_start(self) -> bool:
        """True while collecting the random samples a (re)start is chosen from."""
        return self.current is None

    def ask(self) -> Any:
        while self._queue and self._queue[-1] in self._asked:
            self._queue.pop()
        if not self.searching_for_start and not self._queue and not self._in_flight:
            self._restart()
        if self._queue:
            arch = self._queue.pop()
            self._in_flight.add(arch)
            return self._mark(arch)
        return self._mark(self.space.sample(self.rng))  # start sample or filler

    def _mark(self, arch: Any) -> Any:
        self._asked.add(arch)
        return arch

    def _restart(self) -> None:
        """Local optimum reached: forget the current and collect fresh random start samples."""
        self.restarts += 1
        self.current = None
        self._starts_needed = self.restart_samples
        self._start_candidates = []

    def _observe(self, observation: Observation) -> None:
        arch, score = observation.arch, observation.score
        self._in_flight.discard(arch)
        if not np.isfinite(score):
            return  # a failed sample is no start candidate and never the current
        self._known[arch] = min(score, self._known.get(arch, np.inf))
        if self.searching_for_start:
            self._start_candidates.append(observation)
            if len(self._start_candidates) >= self._starts_needed:
                self._move_to(min(self._start_candidates, key=lambda o: o.score))
        elif score < self.current.score:
            self._move_to(observation)

    def _move_to(self, observation: Observation) -> None:
        """Make ``observation`` the current; queue its unasked neighbours in random order.

        If an already evaluated neighbour is better, move on to it at once (repeatedly).
        """
        while True:
            self.current = observation
            neighbours = self.space.neighbours(observation.arch)
            better = [
                (self._known[n], k) for k, n in enumerate(neighbours)
                if n in self._known and self._known[n] < observation.score
            ]
            if not better:
                break
            _, k = min(better)
            observation = Observation(neighbours[k], self._known[neighbours[k]])
        order = self.rng.permutation(len(neighbours))
        self._queue = [neighbours[i] for i in order if neighbours[i] not in self._asked]
        self._in_flight = set()
