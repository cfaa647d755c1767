"""Successive halving (Jamieson & Talwalkar 2016) and Hyperband (Li et al. 2018), synchronous.

A bracket starts ``n`` new trials at its lowest rung; when every job of a rung has been told,
the best ``floor(n_rung / eta)`` (at least one; failures never) continue to the next rung,
resumed from their checkpoints. Workers never idle: when no bracket has a job to hand out
(its rung waits for results), a new bracket opens, as syne-tune's synchronous Hyperband does.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from nas_optimizers.multi_fidelity.base import Job, MultiFidelityOptimizer, best_first, check_int


@dataclass
class Bracket:
    """One successive-halving bracket: rung ``k`` trains ``sizes[k]`` trials to ``levels[k]``."""

    levels: list[int]
    sizes: list[int]
    rung: int = 0
    new: int = 0  # new trials still to start (rung 0)
    promoted: list[int] = field(default_factory=list)  # trials still to continue (rung > 0)
    results: dict[int, float] = field(default_factory=dict)  # trial -> score, this rung

    def __post_init__(self) -> None:
        self.new = self.sizes[0]

    @property
    def done(self) -> bool:
        return self.rung >= len(self.levels)

    def record(self, trial: int, score: float) -> None:
        """A result of this rung; when the rung is complete, promote its best to the next."""
        self.results[trial] = score
        if len(self.results) < self.sizes[self.rung]:
            return
        self.rung += 1
        if self.done:
            return
        best = best_first(self.results)[: self.sizes[self.rung]]
        self.sizes[self.rung] = len(best)
        self.promoted, self.results = best, {}
        if not best:  # every trial failed: nothing to continue
            self.rung = len(self.levels)


class BracketOptimizer(MultiFidelityOptimizer):
    """Runs successive-halving brackets side by side (module docstring); subclasses choose the
    next bracket (:meth:`_next_bracket`) and may propose new architectures (:meth:`_sample_arch`).
    """

    def __init__(self, space: Any, seed: int | None = 0, **fidelity: Any) -> None:
        super().__init__(space, seed, **fidelity)
        self.brackets: list[Bracket] = []  # open brackets, oldest first
        self._bracket_of: dict[int, Bracket] = {}  # trial -> the bracket it runs in

    def _next_bracket(self) -> Bracket:
        """The bracket to open when every open one waits."""
        raise NotImplementedError

    def _bracket(self, first_rung: int, n: int) -> Bracket:
        """A bracket starting ``n`` trials at rung ``first_rung`` of :attr:`levels`."""
        levels = self.levels[first_rung:]
        sizes = [max(1, int(n * self.eta**-i)) for i in range(len(levels))]
        return Bracket(levels, sizes)

    def _sample_arch(self, epochs: int) -> Any:
        """A new architecture to start at ``epochs`` (uniform; model-based subclasses override)."""
        return self.space.sample(self.rng)

    def _ask(self) -> Job:
        for bracket in self.brackets:
            job = self._job_from(bracket)
            if job is not None:
                return job
        self.brackets.append(self._next_bracket())
        job = self._job_from(self.brackets[-1])
        assert job is not None  # a new bracket always starts a trial
        return job

    def _job_from(self, bracket: Bracket) -> Job | None:
        if bracket.done:
            return None
        epochs = bracket.levels[bracket.rung]
        if bracket.rung == 0 and bracket.new > 0:
            bracket.new -= 1
            job = self._new_job(self._sample_arch(epochs), epochs)
        elif bracket.promoted:
            job = self._continue_job(bracket.promoted.pop(0), epochs)
        else:
            return None
        self._bracket_of[job.trial] = bracket
        return job

    def _on_result(self, job: Job, score: float) -> None:
        bracket = self._bracket_of[job.trial]
        bracket.record(job.trial, score)
        if bracket.done:
            self.brackets.remove(bracket)


class SuccessiveHalving(BracketOptimizer):
    """Synchronous successive halving: brackets of ``n_initial`` new trials at the lowest rung,
    the best ``1 / eta`` of each rung continued to the next, up to ``max_epochs``.

    ``n_initial`` defaults to ``eta ** s_max`` (one trial reaches the top rung). New
    architectures are uniform samples.
    """

    name = "successive_halving"

    def __init__(self, space: Any, seed: int | None = 0, n_initial: int | None = None,
                 **fidelity: Any) -> None:
        super().__init__(space, seed, **fidelity)
        self.n_initial = None if n_initial is None else check_int("n_initial", n_initial, 1)

    def _next_bracket(self) -> Bracket:
        s_max = len(self.levels) - 1
        return self._bracket(0, self.eta**s_max if self.n_initial is None else self.n_initial)


class Hyperband(BracketOptimizer):
    """Hyperband: successive-halving brackets that cycle from the most aggressive (``s_max``
    halvings, many trials at the lowest rung) to plain full-fidelity evaluation.

    Bracket ``s`` starts ``ceil((s_max + 1) / (s + 1) * eta**s)`` trials at rung ``s_max - s``.
    """

    name = "hyperband"

    def __init__(self, space: Any, seed: int | None = 0, **fidelity: Any) -> None:
        super().__init__(space, seed, **fidelity)
        self._next_s: int | None = None  # the next bracket's halvings (None: s_max)

    def _next_bracket(self) -> Bracket:
        s_max = len(self.levels) - 1
        s = s_max if self._next_s is None else self._next_s
        self._next_s = s - 1 if s > 0 else s_max
        n = math.ceil((s_max + 1) / (s + 1) * self.eta**s)
        return self._bracket(s_max - s, n)
