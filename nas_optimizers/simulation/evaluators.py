"""How the simulator evaluates what an optimizer asks for: a whole training, or a few epochs.

:class:`FullEvaluator` trains every architecture fully (one ``query`` per evaluation). On a
benchmark with an epoch fidelity it observes what a multi-fidelity optimizer observes at the
top rung, the score after ``max_epochs`` epochs (``query(archs, epochs=max_epochs)``; on a
record replay: the last validation score), and both are measured by the noise-free final
score (a default ``query``; on a replay: the records' test score) of their incumbents, so
neither selects on the yardstick itself.
:class:`FidelityEvaluator` runs the :class:`~nas_optimizers.multi_fidelity.Job` of a
multi-fidelity optimizer: it queries the benchmark after ``job.epochs`` epochs
(``query(archs, epochs=E, ...)``) and charges the clock only the epochs the trial did not have
yet: ``runtime(E) - runtime(resume_from)`` (cumulative runtimes of the benchmark). Every query
of one trial uses that trial's noise seed (the seed of its first evaluation), so a paused and
continued trial follows one noisy learning curve (on a table: one real run).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nas_optimizers.base import Optimizer
from nas_optimizers.multi_fidelity import Job, MultiFidelityOptimizer

#: The columns a run adds where the benchmark has an epoch fidelity: the epochs the evaluation
#: trained to, its trial (one architecture trained on and off; a full evaluation is its own
#: trial) and the epochs that trial had before (0: from scratch).
FIDELITY_COLUMNS = ("epochs", "trial", "resumed_from")


@dataclass(order=True, frozen=True)
class Event:
    """A running evaluation; events order by finish time, then start index."""

    finish: float
    index: int
    worker: int
    arch: Any = None
    score: float = float("nan")
    true_score: float = float("nan")
    runtime: float = 0.0
    job: Job | None = field(default=None, compare=False)


def evaluation_seed(seed: int, index: int) -> int:
    """The noise seed of evaluation ``index`` of the run with ``seed`` (a 32-bit integer)."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def benchmark_max_epochs(benchmark: Any) -> int | None:
    """The benchmark's epoch fidelity (``max_epochs``), or None where it has none."""
    try:
        value = getattr(benchmark, "max_epochs", None)
    except (AttributeError, ValueError, NotImplementedError):
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1:
        return int(value)
    return None


def _check_runtime(arch: Any, runtime: float) -> float:
    if not (np.isfinite(runtime) and runtime > 0):
        raise ValueError(f"runtime of {arch} is {runtime!r}; runtimes must be finite and > 0")
    return runtime


@dataclass
class FullEvaluator:
    """Every ask is one full training (the ask/tell protocol of :class:`Optimizer`)."""

    benchmark: Any
    with_noise: bool
    seed: int
    max_epochs: int | None = None  # the benchmark's, to fill the fidelity columns

    @property
    def columns(self) -> tuple[str, ...]:
        return () if self.max_epochs is None else FIDELITY_COLUMNS

    _final: dict[str, float] = field(default_factory=dict)  # arch text -> final true score

    def start(self, optimizer: Optimizer, index: int, worker: int, now: float) -> Event:
        """Ask for an arch and evaluate it at once; the event carries its finish time."""
        arch = optimizer.ask()
        fidelity = {} if self.max_epochs is None else {"epochs": self.max_epochs}
        result = self.benchmark.query([arch], with_noise=self.with_noise,
                                      seed=evaluation_seed(self.seed, index), **fidelity)
        true_score = float(result.mean[0])
        score = float(result.sample[0]) if self.with_noise else true_score
        runtime = self._runtime(arch, result)
        return Event(now + runtime, index, worker, arch, score, true_score, runtime)

    def _runtime(self, arch: Any, result: Any) -> float:
        if getattr(result, "runtime", None) is not None:
            runtime = float(result.runtime[0])
        elif callable(getattr(self.benchmark, "cost", None)):
            runtime = float(np.asarray(self.benchmark.cost([arch]))[0])
        else:
            runtime = 1.0
        return _check_runtime(arch, runtime)

    def tell(self, optimizer: Optimizer, event: Event) -> None:
        optimizer.tell(event.arch, event.score, cost=event.runtime)

    def incumbent_true(self, event: Event) -> float:
        """The noise-free final score (a default query) of the architecture of ``event``: with
        an epoch fidelity, what training the incumbent fully gives, the yardstick of every run."""
        if self.max_epochs is None:
            return event.true_score
        key = str(event.arch)
        if key not in self._final:
            self._final[key] = float(self.benchmark.query([event.arch]).mean[0])
        return self._final[key]

    def extra(self, event: Event) -> tuple[Any, ...]:
        return () if self.max_epochs is None else (self.max_epochs, event.index, 0)


@dataclass
class _Trial:
    arch: Any
    noise_seed: int
    epochs: int = 0  # trained so far
    elapsed: float = 0.0  # the benchmark's cumulative runtime of those epochs


@dataclass
class FidelityEvaluator(FullEvaluator):
    """Runs the jobs of a :class:`MultiFidelityOptimizer` (module docstring).

    Without a runtime in the query's answer, ``E`` epochs cost ``E / max_epochs`` of the
    benchmark's ``cost(arch)`` (or of 1 simulated second).
    """

    trials: dict[int, _Trial] = field(default_factory=dict)

    @property
    def columns(self) -> tuple[str, ...]:
        return FIDELITY_COLUMNS

    def start(self, optimizer: Optimizer, index: int, worker: int, now: float) -> Event:
        job = optimizer.ask()
        trial = self._trial_of(job, index)
        result = self.benchmark.query([job.arch], epochs=job.epochs, with_noise=self.with_noise,
                                      seed=trial.noise_seed)
        true_score = float(result.mean[0])
        score = float(result.sample[0]) if self.with_noise else true_score
        elapsed = self._elapsed(job, result)
        runtime = _check_runtime(job.arch, elapsed - trial.elapsed)
        trial.epochs, trial.elapsed = job.epochs, elapsed
        return Event(now + runtime, index, worker, job.arch, score, true_score, runtime, job)

    def _trial_of(self, job: Any, index: int) -> _Trial:
        """The trial ``job`` trains (a new one for a fresh trial id), after checking the job."""
        if not isinstance(job, Job):
            raise TypeError(f"a multi-fidelity optimizer's ask() must return a Job, got "
                            f"{type(job).__name__}")
        trial = self.trials.get(job.trial)
        if trial is None:
            trial = self.trials[job.trial] = _Trial(job.arch, evaluation_seed(self.seed, index))
        elif job.arch != trial.arch:
            raise ValueError(f"{job} continues trial {job.trial}, which trains {trial.arch}")
        if job.resume_from != trial.epochs:
            raise ValueError(f"{job} resumes from {job.resume_from} epochs, but trial "
                             f"{job.trial} has {trial.epochs}")
        if not trial.epochs < job.epochs <= self.max_epochs:
            raise ValueError(f"{job}: epochs must be in {trial.epochs + 1}..{self.max_epochs} "
                             f"(the trial's epochs + 1 .. the benchmark's max_epochs)")
        return trial

    def _elapsed(self, job: Job, result: Any) -> float:
        """The benchmark's cumulative training seconds of ``job.epochs`` epochs."""
        if getattr(result, "runtime", None) is not None:
            return float(result.runtime[0])
        full = 1.0
        if callable(getattr(self.benchmark, "cost", None)):
            full = float(np.asarray(self.benchmark.cost([job.arch]))[0])
        return full * job.epochs / self.max_epochs

    def tell(self, optimizer: Optimizer, event: Event) -> None:
        optimizer.tell(event.job, event.score, cost=event.runtime)

    def extra(self, event: Event) -> tuple[Any, ...]:
        job = event.job
        return (job.epochs, job.trial, job.resume_from)


def make_evaluator(
    optimizer: Optimizer, benchmark: Any, with_noise: bool, seed: int
) -> FullEvaluator:
    """The evaluator of ``optimizer`` (multi-fidelity or not) against ``benchmark``."""
    max_epochs = benchmark_max_epochs(benchmark)
    if isinstance(optimizer, MultiFidelityOptimizer):
        if max_epochs is None:
            raise ValueError(f"{optimizer.name or type(optimizer).__name__} is multi-fidelity: "
                             f"the benchmark must answer query(archs, epochs=E) and have "
                             f"max_epochs; {type(benchmark).__name__} has no epoch fidelity")
        if optimizer.max_epochs is None:  # made without one: train up to the benchmark's
            optimizer.max_epochs = max_epochs
        if optimizer.max_epochs > max_epochs:
            raise ValueError(f"the optimizer's max_epochs ({optimizer.max_epochs}) exceeds the "
                             f"benchmark's ({max_epochs})")
        return FidelityEvaluator(benchmark, with_noise, seed, max_epochs)
    return FullEvaluator(benchmark, with_noise, seed, max_epochs)
