"""The ask/tell interface extended by a fidelity: how many epochs to train an architecture to.

A multi-fidelity optimizer's ``ask()`` returns a :class:`Job`: an architecture, the number of
epochs to train it to, the trial it belongs to and the epochs that trial already has. A trial is
one architecture trained on and off: a job with ``resume_from > 0`` continues the paused trial
from its checkpoint, so it costs only ``epochs - resume_from`` epochs of training (the simulator
charges exactly that). ``tell(job, score, cost)`` reports the score after ``job.epochs`` epochs.
Several jobs may be outstanding at once (asynchronous workers), told in any order; a trial has
at most one outstanding job.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from nas_optimizers.base import Observation, Optimizer


@dataclass(frozen=True)
class Job:
    """Train ``arch`` (trial ``trial``) from ``resume_from`` epochs up to ``epochs`` epochs."""

    arch: Any
    epochs: int
    trial: int
    resume_from: int = 0


@dataclass(frozen=True)
class FidelityObservation(Observation):
    """An :class:`Observation` after ``epochs`` epochs of trial ``trial``."""

    epochs: int = 0
    trial: int = -1


def check_int(name: str, value: Any, low: int) -> int:
    """``value`` as an int >= ``low``; ``ValueError`` naming ``name`` and the value otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def rung_levels(min_epochs: int, max_epochs: int, eta: int) -> list[int]:
    """The epochs of the rungs, Hyperband's geometric ladder down from ``max_epochs``.

    ``max_epochs * eta**-k`` for ``k = 0..s_max`` with ``s_max = floor(log_eta(max / min))``,
    rounded half up, at least ``min_epochs``, increasing (rounding duplicates dropped); e.g.
    (1, 8, 2) -> [1, 2, 4, 8], (1, 5, 2) -> [1, 3, 5], (1, 4, 3) -> [1, 4].
    """
    s_max = int(math.floor(math.log(max_epochs / min_epochs) / math.log(eta) + 1e-9))
    levels = {max(min_epochs, int(math.floor(max_epochs * eta**-k + 0.5))) for k in range(s_max + 1)}
    return sorted(levels)


class MultiFidelityOptimizer(Optimizer):
    """An optimizer whose ``ask()`` returns a :class:`Job` (module docstring).

    ``max_epochs``: the benchmark's full training (``bench.max_epochs``; :func:`simulate` passes
    it; ``ask`` refuses to run without it). ``min_epochs``: the lowest fidelity. ``eta``: the reduction factor (1 / eta of a rung is
    promoted); the default 2 suits the short curves of the CPU protocols (4-8 epochs).
    """

    multi_fidelity = True

    def __init__(
        self, space: Any, seed: int | None = 0, max_epochs: int | None = None,
        min_epochs: int = 1, eta: int = 2,
    ) -> None:
        super().__init__(space, seed)
        self.max_epochs = None if max_epochs is None else check_int("max_epochs", max_epochs, 1)
        self.min_epochs = check_int("min_epochs", min_epochs, 1)
        if self.max_epochs is not None and self.min_epochs > self.max_epochs:
            raise ValueError(f"min_epochs ({min_epochs}) must be <= max_epochs ({max_epochs})")
        self.eta = check_int("eta", eta, 2)
        self._archs: list[Any] = []  # trial id -> architecture
        self._trained: list[int] = []  # trial id -> epochs told so far
        self._outstanding: dict[int, Job] = {}  # trial id -> the job asked and not yet told

    @property
    def levels(self) -> list[int]:
        """The epochs of the rungs (:func:`rung_levels`)."""
        if self.max_epochs is None:
            raise ValueError(f"{self.name or type(self).__name__} needs max_epochs (the "
                             f"benchmark's full training in epochs; simulate(...) passes "
                             f"bench.max_epochs)")
        return rung_levels(self.min_epochs, self.max_epochs, self.eta)

    @property
    def n_trials(self) -> int:
        """Trials started so far."""
        return len(self._archs)

    def _new_job(self, arch: Any, epochs: int) -> Job:
        """A job starting a new trial of ``arch``."""
        self._archs.append(self.space.validate(arch))
        self._trained.append(0)
        return self._issue(len(self._archs) - 1, epochs)

    def _continue_job(self, trial: int, epochs: int) -> Job:
        """A job continuing paused ``trial`` up to ``epochs``."""
        return self._issue(trial, epochs)

    def _issue(self, trial: int, epochs: int) -> Job:
        if trial in self._outstanding:
            raise RuntimeError(f"trial {trial} already has an outstanding job")
        if not self._trained[trial] < epochs <= self.max_epochs:
            raise RuntimeError(f"trial {trial} has {self._trained[trial]} epochs; cannot train "
                               f"it to {epochs}")
        job = Job(self._archs[trial], int(epochs), trial, self._trained[trial])
        self._outstanding[trial] = job
        return job

    def ask(self) -> Job:
        """The next job (an architecture and how many epochs to train it to)."""
        self.levels  # noqa: B018 - raises the clear error when max_epochs is missing
        return self._ask()

    def _ask(self) -> Job:
        raise NotImplementedError

    def tell(self, job: Job, score: float, cost: float = 0.0) -> None:  # type: ignore[override]
        """Report the score of ``job`` (a :class:`Job` this optimizer asked) after its epochs."""
        if not isinstance(job, Job):
            raise TypeError(f"{self.name or type(self).__name__} is multi-fidelity: tell it the "
                            f"Job that ask() returned, got {type(job).__name__}")
        if self._outstanding.get(job.trial) != job:
            raise ValueError(f"{job} is not an outstanding job of this optimizer (told twice, or "
                             f"never asked)")
        del self._outstanding[job.trial]
        self._trained[job.trial] = job.epochs
        observation = FidelityObservation(job.arch, float(score), float(cost), job.epochs,
                                          job.trial)
        self.history.append(observation)
        self._on_result(job, observation.score)

    def _on_result(self, job: Job, score: float) -> None:
        """Hook: update the state after ``job`` was told ``score`` (NaN for a failure)."""

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(space={self.space.name!r}, seed={self.seed!r}, "
                f"max_epochs={self.max_epochs}, eta={self.eta})")


def best_first(scores: dict[int, float]) -> list[int]:
    """The trials of ``scores`` with a finite score, best (lowest) first, ties by trial id."""
    finite = [(s, t) for t, s in scores.items() if np.isfinite(s)]
    return [t for _, t in sorted(finite)]
