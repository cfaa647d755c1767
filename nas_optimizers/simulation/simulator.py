"""Simulated NAS runs: asynchronous workers on a simulated clock, as syne-tune's simulator.

Each of ``workers`` workers asks the optimizer for an architecture, "trains" it for the
benchmark's predicted runtime, and reports the (possibly noisy) score when that simulated time
has passed. Results reach the optimizer in order of finish time (an event queue; ties are
broken by start order, so runs are deterministic); an idle worker asks again at once. Nothing
really waits: a 100-evaluation run costs only the optimizer's and the benchmark's compute.

Cost model: the runtime of an evaluation is ``query(...).runtime`` when the benchmark provides
it; otherwise ``benchmark.cost([arch])`` when the benchmark has a ``cost`` method (e.g. a FLOPs
model for tables without train times, such as the NB201 tables); otherwise 1 simulated second
per evaluation (then ``sim_time`` counts evaluations per worker). Runtimes must be > 0.

Noise: evaluation ``i`` (0-based start order) of the run with seed ``s`` queries the benchmark
with ``with_noise=True`` and the seed ``SeedSequence([s, i])`` - the same (seed, index) always
draws the same noise, so equal seeds give identical trajectories.

Budget: ``budget_kind="evaluations"`` starts exactly ``budget`` evaluations and reports all of
them; ``"seconds"`` starts evaluations while the clock is below ``budget`` and reports only
those that finish by ``budget`` (a run cut off at the deadline never reaches the optimizer).

Multi-fidelity optimizers (``successive_halving``, ``hyperband``, ``asha``, ``bohb``: their
``ask`` returns a :class:`~nas_optimizers.multi_fidelity.Job`, an architecture and the epochs to
train it to) need a benchmark with an epoch fidelity (``max_epochs`` and ``query(archs,
epochs=E)``). Each job is one evaluation: the score after ``E`` epochs, and the clock is charged
only the epochs the paused trial did not have (``runtime(E) - runtime(resume_from)``; without
runtimes, ``E / max_epochs`` of the cost model); all queries of one trial share its noise seed
(:mod:`nas_optimizers.simulation.evaluators`). Where the benchmark has an epoch fidelity the
frame gains :data:`FIDELITY_COLUMNS` (``epochs``, ``trial``, ``resumed_from``), full-fidelity
optimizers observe the score after ``max_epochs`` epochs (``query(archs, epochs=max_epochs)``,
as the top rung of a multi-fidelity one), and ``incumbent_true`` is the noise-free *final* score
(a default query) of the incumbent's architecture, so multi- and full-fidelity runs select alike
and are measured alike (on a record replay: selected on validation curves, measured on the
test score); the incumbent is the lowest observed score at any fidelity.
"""
from __future__ import annotations

import heapq
import math
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from graph_encodings import check_seed
from nas_optimizers.base import Optimizer
from nas_optimizers.registry import (
    check_hyper_parameters,
    create,
    is_multi_fidelity,
    list_optimizers,
)
from nas_optimizers.simulation.evaluators import (
    FIDELITY_COLUMNS,
    Event,
    benchmark_max_epochs,
    evaluation_seed,
    make_evaluator,
)
from nas_optimizers.simulation.interfaces import BenchmarkLike

BUDGET_KINDS = ("evaluations", "seconds")
COLUMNS = (
    "optimizer", "seed", "evaluation", "sim_time", "score", "true_score", "incumbent",
    "incumbent_true", "runtime", "worker", "arch",
)

OptimizerSpec = str | Callable[[int], Optimizer]
__all__ = ["BUDGET_KINDS", "COLUMNS", "FIDELITY_COLUMNS", "evaluation_seed", "simulate"]


def simulate(
    optimizer: OptimizerSpec,
    benchmark: BenchmarkLike,
    budget: float,
    workers: int = 1,
    seeds: Iterable[int] = range(1),
    *,
    budget_kind: str = "evaluations",
    with_noise: bool = True,
    optimizer_kwargs: dict[str, Any] | None = None,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Run ``optimizer`` against ``benchmark`` once per seed on a simulated clock.

    ``optimizer`` is a registry name (created with ``create(name, benchmark.space, seed,
    **optimizer_kwargs)``; unknown keys raise ``ValueError`` naming the valid ones) or a callable
    ``seed -> Optimizer`` (picklable when ``n_jobs != 1``). Seeds run in parallel with joblib on
    ``n_jobs`` processes (-1: all cores); the result does not depend on ``n_jobs``. Returns one
    row per reported evaluation, in finish order per seed, with the columns :data:`COLUMNS`:
    ``evaluation`` (1-based count of results so far), ``sim_time`` (simulated seconds at the
    finish), ``score`` (observed, noisy if ``with_noise``), ``true_score`` (the benchmark's
    noise-free mean), ``incumbent`` (lowest observed score so far, NaN before the first valid
    one), ``incumbent_true`` (the noise-free score of that incumbent), ``runtime``, ``worker``
    and ``arch`` (text form); where the benchmark has an epoch fidelity, also
    :data:`FIDELITY_COLUMNS` (module docstring: multi-fidelity optimizers). A multi-fidelity
    optimizer named here gets ``max_epochs=benchmark.max_epochs`` unless ``optimizer_kwargs``
    sets it.
    """
    _check_arguments(optimizer, benchmark, budget, workers, budget_kind, optimizer_kwargs, n_jobs)
    seeds = _check_seeds(seeds)
    run = _Run(optimizer, benchmark, float(budget), workers, budget_kind, with_noise,
               dict(optimizer_kwargs or {}))
    if n_jobs == 1 or len(seeds) == 1:
        frames = [run(s) for s in seeds]
    else:
        from joblib import Parallel, delayed

        frames = Parallel(n_jobs=n_jobs)(delayed(run)(s) for s in seeds)
    return pd.concat(frames, ignore_index=True)


def _check_seeds(seeds: Any) -> list[int]:
    """``seeds`` as a non-empty list of ints >= 0 (``ValueError`` naming the bad one)."""
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise ValueError(f"seeds must be a non-empty collection of integers >= 0 (e.g. range(10)), "
                         f"got {seeds!r}")
    seeds = list(seeds)
    if not seeds:
        raise ValueError(f"seeds is empty ({seeds!r}); pass a non-empty collection of integers >= 0")
    return [check_seed(s, f"seeds[{i}]") for i, s in enumerate(seeds)]


def _check_arguments(
    optimizer: Any, benchmark: Any, budget: Any, workers: Any, budget_kind: Any,
    optimizer_kwargs: Any, n_jobs: Any,
) -> None:
    """Raise ``ValueError``/``TypeError`` naming the first bad argument of :func:`simulate`."""
    if isinstance(optimizer, str):
        if optimizer not in list_optimizers():
            raise ValueError(
                f"unknown optimizer {optimizer!r}; valid: {', '.join(list_optimizers())}"
            )
        check_hyper_parameters(optimizer, optimizer_kwargs or {})
        if is_multi_fidelity(optimizer) and benchmark_max_epochs(benchmark) is None:
            raise ValueError(f"optimizer {optimizer!r} is multi-fidelity: the benchmark must have "
                             f"max_epochs and answer query(archs, epochs=E); "
                             f"{type(benchmark).__name__} has no epoch fidelity")
    elif not callable(optimizer):
        raise TypeError(f"optimizer must be a registry name or a callable(seed), got {optimizer!r}")
    elif optimizer_kwargs:
        raise ValueError("optimizer_kwargs only apply when optimizer is a registry name")
    if not isinstance(benchmark, BenchmarkLike):
        raise TypeError(f"benchmark must have .space and .query(archs, with_noise, seed), "
                        f"got {type(benchmark).__name__}")
    if budget_kind not in BUDGET_KINDS:
        raise ValueError(f"unknown budget_kind {budget_kind!r}; valid: {', '.join(BUDGET_KINDS)}")
    if not _is_positive_number(budget):
        raise ValueError(f"budget must be a finite number > 0, got {budget!r}")
    if budget_kind == "evaluations" and int(budget) != budget:
        raise ValueError(f"an evaluations budget must be a whole number, got {budget!r}")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be -1 or an integer >= 1, got {n_jobs!r}")


def _is_positive_number(value: Any) -> bool:
    """Whether ``value`` is a real number (not a bool), finite and > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    try:
        return 0 < float(value) < math.inf
    except OverflowError:  # an int beyond float range
        return False


@dataclass(frozen=True)
class _Run:
    """One simulated run per call (picklable, so joblib can ship it to worker processes)."""

    optimizer: OptimizerSpec
    benchmark: BenchmarkLike
    budget: float
    workers: int
    budget_kind: str
    with_noise: bool
    optimizer_kwargs: dict[str, Any]

    def _make_optimizer(self, seed: int) -> tuple[Optimizer, str]:
        if isinstance(self.optimizer, str):
            kwargs = dict(self.optimizer_kwargs)
            if is_multi_fidelity(self.optimizer):
                kwargs.setdefault("max_epochs", benchmark_max_epochs(self.benchmark))
            opt = create(self.optimizer, self.benchmark.space, seed, **kwargs)
            return opt, self.optimizer
        opt = self.optimizer(seed)
        if not isinstance(opt, Optimizer):
            raise TypeError(f"the optimizer factory returned {type(opt).__name__}, not an Optimizer")
        return opt, opt.name or type(opt).__name__

    def _may_start(self, started: int, now: float) -> bool:
        if self.budget_kind == "evaluations":
            return started < self.budget
        return now < self.budget

    def __call__(self, seed: int) -> pd.DataFrame:
        optimizer, name = self._make_optimizer(seed)
        evaluator = make_evaluator(optimizer, self.benchmark, self.with_noise, seed)
        events: list[Event] = []
        started = 0
        for worker in range(self.workers):
            if not self._may_start(started, 0.0):
                break
            heapq.heappush(events, evaluator.start(optimizer, started, worker, 0.0))
            started += 1
        rows: list[tuple[Any, ...]] = []
        best, best_true = np.inf, np.nan
        while events:
            event = heapq.heappop(events)
            if self.budget_kind == "seconds" and event.finish > self.budget:
                break  # every later event finishes later still
            evaluator.tell(optimizer, event)
            if event.score < best:  # False for NaN: failures never become the incumbent
                best, best_true = event.score, evaluator.incumbent_true(event)
            rows.append((len(rows) + 1, event.finish, event.score, event.true_score,
                         best if np.isfinite(best) else np.nan, best_true, event.runtime,
                         event.worker, str(event.arch), *evaluator.extra(event)))
            if self._may_start(started, event.finish):
                heapq.heappush(events, evaluator.start(optimizer, started, event.worker,
                                                       event.finish))
                started += 1
        frame = pd.DataFrame(rows, columns=[*COLUMNS[2:], *evaluator.columns])
        frame.insert(0, "seed", seed)
        frame.insert(0, "optimizer", name)
        return frame
