"""The validation study: do NAS optimizers behave the same on a surrogate as on the true table?

The NAS-Bench-301 experiment on NB360's own data. For each task, a surrogate is fitted on a
random ``fraction`` of the table's records; every optimizer then runs ``seeds`` times with
``budget`` evaluations and ``workers`` asynchronous workers on (a) the true table
(:class:`~surrogates.TabularBenchmark`, noisy draws = real twin runs) and (b) the surrogate
benchmark (``Benchmark.from_model``; noisy draws = mean + the run-to-run noise measured on the
twins among its training records, :class:`~surrogates.run_noise.RunNoise`, or, with too few
twins, + its learnt training-noise std x N(0, 1)). Every run, on either benchmark, is scored with the table
(:mod:`nas_optimizers.validation.regret_comparison`). The fitted surrogate also feeds the ranking
calibration check (:mod:`nas_optimizers.validation.ranking_coverage`) on the architectures it
never saw.

It lives in ``nas_optimizers`` (the top layer) because it needs both the simulator and the
surrogates.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import surrogates
from nas_optimizers.validation.ranking_coverage import (
    CalibrationResult,
    PrecomputedPredictor,
    ranking_calibration,
)
from nas_optimizers.validation.regret_comparison import (
    Comparison,
    add_true_regret,
    compare,
    final_regret,
)
from surrogates import metrics
from surrogates.complexity import NB201_TABLE_PROTOCOL
from surrogates.run_noise import GAUSSIAN_MAD, RunNoise
from surrogates.tabular import TabularBenchmark

OPTIMIZERS = ("random_search", "regularized_evolution", "local_search", "bananas", "rf_bo")
# RE's defaults (population 100) make a 100-200 evaluation run pure random search.
OPTIMIZER_PARAMS: dict[str, dict[str, Any]] = {
    "regularized_evolution": {"population_size": 20, "sample_size": 5},
}
TASKS = ("ninapro", "darcyflow", "cifar100")  # the NB201 tables of NB360
TABLE_PROTOCOL = NB201_TABLE_PROTOCOL  # their protocol (CPU NB201 protocols ship beside them)
N_NB201 = 15625  # architectures in the NB201 space


@dataclass(frozen=True)
class StudyConfig:
    """Settings of the study (defaults: the committed run, about 8 minutes on 2 busy cores)."""

    tasks: tuple[str, ...] = TASKS
    optimizers: tuple[str, ...] = OPTIMIZERS
    seeds: int = 20
    budget: int = 150
    workers: int = 4
    fraction: float = 0.1
    model: str = "ensemble"
    model_params: dict[str, Any] = field(default_factory=dict)
    split_seed: int = 0
    n_jobs: int = 1
    pool_size: int = 50
    n_pools: int = 200
    n_samples: int = 1000
    n_boot: int = 2000

    def __post_init__(self) -> None:
        if not 0.0 < self.fraction < 1.0:
            raise ValueError(f"fraction must be in (0, 1), got {self.fraction!r}")
        for name in ("seeds", "budget", "workers", "pool_size", "n_pools", "n_samples", "n_boot"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if not self.tasks or not self.optimizers:
            raise ValueError("tasks and optimizers must both be non-empty")
        if "random_search" not in self.optimizers:
            raise ValueError(f"optimizers must include random_search (the baseline of the "
                             f"verdicts), got {self.optimizers}")


@dataclass(frozen=True)
class Diagnostics:
    """How good the surrogate is on the classes it never saw (the likely reasons for a change).

    ``kendall``/``spearman``: rank correlation with the table means over all held-out classes;
    ``kendall_top``: the same among the true best 5 % of them (can it order the good ones?);
    ``surrogate_best_regret``: true regret of the surrogate's predicted best architecture;
    ``table_noise``: the typical run-to-run deviation of the table, the median of
    ``|run - class mean| * sqrt(n / (n - 1))`` over the runs of its classes with ``n > 1`` runs
    (a median: a few diverged twins make the pooled std meaningless); ``table_single_share``:
    share of the table's classes with one run (their noisy draws on the table are noise-free);
    ``surrogate_std``: the surrogate's median predictive std over the held-out classes;
    ``surrogate_noise``: the typical size of what its noisy samples add, the median absolute
    value of their Gaussian noise (``0.674 x`` its std: the run noise's, else the median of the
    model's noise std).
    """

    n_train_records: int
    n_train_classes: int
    fit_seconds: float
    kendall: float
    spearman: float
    kendall_top: float
    surrogate_best_regret: float
    table_noise: float
    table_single_share: float
    surrogate_std: float
    surrogate_noise: float


@dataclass(frozen=True)
class TaskResult:
    """Everything the study measured for one task."""

    task: str
    frame: pd.DataFrame
    finals: pd.DataFrame
    comparison: Comparison
    diagnostics: Diagnostics
    calibration: CalibrationResult
    best_score: float
    simulate_seconds: dict[str, float]


@dataclass(frozen=True)
class FittedSurrogate:
    """A surrogate fitted on part of a table: the model, the classes it saw, its data size."""

    model: Any
    seen: frozenset[str]
    n_records: int
    seconds: float
    run_noise: RunNoise | None = None


def fit_surrogate(
    table: TabularBenchmark, records: pd.DataFrame, config: StudyConfig
) -> FittedSurrogate:
    """Fit ``config.model`` on a random ``config.fraction`` of the table's successful records."""
    rows = records[(records["status"] == "ok") & (records["protocol"] == table.protocol)
                   & (records["task"] == table.task)]
    rng = np.random.default_rng(config.split_seed)
    n_train = max(2, int(round(config.fraction * len(rows))))
    chosen = rows.iloc[np.sort(rng.choice(len(rows), size=n_train, replace=False))]
    start = time.perf_counter()
    model = surrogates.create(config.model, **{"seed": config.split_seed, **config.model_params})
    model.fit(chosen["arch"].tolist(), chosen["score"].to_numpy(float))
    run_noise = RunNoise.from_runs(chosen["score"].to_numpy(float), chosen["arch_hash"].to_numpy())
    return FittedSurrogate(model, frozenset(chosen["arch_hash"]), n_train,
                           time.perf_counter() - start, run_noise)


def surrogate_benchmark(model: Any, table: TabularBenchmark, run_noise: RunNoise | None = None) -> Any:
    """The surrogate benchmark of a fitted ``model`` for ``table``'s task, space and protocol
    (``run_noise``: what its noisy samples draw from).

    Every architecture of the (finite) space is predicted once, in one batch, before it is
    returned: the benchmark memoises predictions, so the simulations then cost lookups only.
    """
    from surrogates.benchmark import Benchmark

    bench = Benchmark.from_model(model, task=table.task, space=table.space.name,
                                 protocol=table.protocol, run_noise=run_noise)
    if table.space.name == "nb201":
        bench.query([table.space.from_index(i) for i in range(N_NB201)])
    return bench


def run_simulations(
    benchmark: Any, config: StudyConfig, label: str
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Every optimizer of ``config`` on ``benchmark``; rows tagged ``benchmark=label``."""
    from nas_optimizers.simulation import simulate

    frames, seconds = [], {}
    for name in config.optimizers:
        start = time.perf_counter()
        frame = simulate(name, benchmark, config.budget, workers=config.workers,
                         seeds=range(config.seeds), with_noise=True, n_jobs=config.n_jobs,
                         optimizer_kwargs=OPTIMIZER_PARAMS.get(name))
        seconds[name] = time.perf_counter() - start
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    frame.insert(0, "benchmark", label)
    return frame, seconds


def diagnose(
    predictor: Any, table: TabularBenchmark, held_out: Sequence[Any], fitted: FittedSurrogate
) -> Diagnostics:
    """Held-out quality of the surrogate (see :class:`Diagnostics`)."""
    mean, std, noise = predictor.predict_with_noise(list(held_out))
    truth = table.query(list(held_out)).mean
    top = truth <= np.quantile(truth, 0.05)
    deviations = table.run_deviations()
    surrogate_noise = (fitted.run_noise.median_abs if fitted.run_noise is not None
                       else float(np.median(noise) / GAUSSIAN_MAD))  # median |N(0, s)| = s / 1.4826
    return Diagnostics(
        n_train_records=fitted.n_records,
        n_train_classes=len(fitted.seen),
        fit_seconds=fitted.seconds,
        kendall=metrics.kendall_tau(truth, mean),
        spearman=metrics.spearman(truth, mean),
        kendall_top=metrics.kendall_tau(truth[top], mean[top]),
        surrogate_best_regret=float(truth[int(np.argmin(mean))] - table.best_score),
        table_noise=float(np.median(np.abs(deviations))) if len(deviations) else 0.0,
        table_single_share=float(np.mean(table.n_runs == 1)),
        surrogate_std=float(np.median(std)),
        surrogate_noise=surrogate_noise,
    )


def _progress(message: str) -> None:
    print(f"[validation] {message}", flush=True)


def run_task(task: str, config: StudyConfig, records: pd.DataFrame | None = None) -> TaskResult:
    """The whole study for one task (module docstring)."""
    if records is None:
        from training_data import load_records

        records = load_records(task=task, space="nb201", protocol=TABLE_PROTOCOL)
    table = TabularBenchmark.from_records(task, "nb201", TABLE_PROTOCOL, records=records)
    fitted = fit_surrogate(table, records, config)
    _progress(f"{task}: fitted {config.model} on {fitted.n_records} records in "
              f"{fitted.seconds:.0f} s")
    held_out = [a for a in table.archs if table.space.canonical_hash(a) not in fitted.seen]
    frames, seconds = [], {}
    surrogate = surrogate_benchmark(fitted.model, table, fitted.run_noise)
    for label, bench in (("table", table), ("surrogate", surrogate)):
        frame, took = run_simulations(bench, config, label)
        frames.append(add_true_regret(frame, table))
        seconds.update({f"{label}/{k}": v for k, v in took.items()})
        _progress(f"{task}: simulated on the {label} in {sum(took.values()):.0f} s")
    frame = pd.concat(frames, ignore_index=True)
    frame.insert(0, "task", task)
    finals = final_regret(frame)
    predictor = PrecomputedPredictor(fitted.model, held_out, table.space)  # rank() reads it
    calibration = ranking_calibration(
        predictor, table, held_out, pool_size=min(config.pool_size, len(held_out)),
        n_pools=config.n_pools, n_samples=config.n_samples, seed=config.split_seed)
    return TaskResult(
        task=task, frame=frame, finals=finals,
        comparison=compare(finals, n_boot=config.n_boot, seed=config.split_seed),
        diagnostics=diagnose(predictor, table, held_out, fitted),
        calibration=calibration, best_score=table.best_score, simulate_seconds=seconds,
    )
