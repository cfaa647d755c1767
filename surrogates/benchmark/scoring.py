"""Scoring a benchmark's held-out predictions: regression metrics, interval coverage by run and
by architecture, and metrics against the mean of architectures with several seeds."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from surrogates.benchmark.records import TrainingSet
from surrogates.metrics import INTERVAL_LEVELS, regression_metrics


def held_out_metrics(y: np.ndarray, held: HeldOutPrediction, task: str) -> dict[str, float]:
    """Regression metrics of ``held``'s predictions of ``y``; ``coverageNN`` is the share of ``y``
    inside the interval the model returns (``predict(...).interval``: conformal where calibrated),
    not a Gaussian interval around its ``std``."""
    out = {k: float(v) for k, v in regression_metrics(y, held.mean, held.std, task=task).items()}
    out.update({coverage_key(level): float(np.mean(held.inside(y, level))) for level in INTERVAL_LEVELS})
    return out


def coverage_key(level: float) -> str:
    return f"coverage{int(round(level * 100))}"


@dataclass(frozen=True)
class HeldOutPrediction:
    """Predictions of held-out rows: mean, std and each interval level's half-width."""

    mean: np.ndarray
    std: np.ndarray
    half_width: dict[float, np.ndarray]

    def inside(self, y: np.ndarray, level: float) -> np.ndarray:
        return np.abs(np.asarray(y, dtype=np.float64) - self.mean) <= self.half_width[level]

    def take(self, rows: np.ndarray) -> HeldOutPrediction:
        return HeldOutPrediction(self.mean[rows], self.std[rows], {lv: h[rows] for lv, h in self.half_width.items()})

    @staticmethod
    def empty(n: int) -> HeldOutPrediction:
        return HeldOutPrediction(np.zeros(n), np.zeros(n), {lv: np.zeros(n) for lv in INTERVAL_LEVELS})

    def put(self, rows: np.ndarray, part: HeldOutPrediction) -> None:
        """Write ``part`` (predictions of ``rows``) into these arrays."""
        self.mean[rows], self.std[rows] = part.mean, part.std
        for level, h in self.half_width.items():
            h[rows] = part.half_width[level]


def per_architecture_coverage(groups: np.ndarray, y: np.ndarray, held: HeldOutPrediction) -> dict[str, Any]:
    """Interval coverage with every held-out architecture (``groups``: canonical hashes) counted
    once: the mean over architectures of the share of their runs inside the interval. On a table
    where a few large isomorphism classes hold many cells (NB201's degenerate cells), the
    row-weighted coverage is decided by those few classes; this is the coverage of a single run
    of a held-out architecture."""
    _, inverse = np.unique(groups, return_inverse=True)
    counts = np.bincount(inverse)
    out: dict[str, Any] = {"n_archs": int(len(counts))}
    for level in INTERVAL_LEVELS:
        per_arch = np.bincount(inverse, weights=held.inside(y, level).astype(float)) / counts
        out[coverage_key(level)] = float(per_arch.mean())
    return out


SEED_MEAN_MIN_RUNS = 3


def seed_mean_metrics(data: TrainingSet, rows: np.ndarray, held: HeldOutPrediction) -> dict[str, Any]:
    """Held-out metrics against the mean of architectures with >= 3 runs among ``rows``
    (``held``: the predictions of those rows), or why there are none; where the architectures
    came from several samplers, also within each sampler's (``by_sampler``): how well the
    surrogate ranks inside the region an optimizer explores, not only across the whole space."""
    frame = data.frame.iloc[rows].assign(_row=np.arange(len(rows)))
    grouped = frame.groupby("arch_hash", sort=False)
    counts = grouped["score"].size()
    columns = {"y": ("score", "mean"), "row": ("_row", "first")}
    if "sampler" in frame.columns:
        columns["sampler"] = ("sampler", "first")
    agg = grouped.agg(**columns).loc[counts.index[counts >= SEED_MEAN_MIN_RUNS]]
    section = {"min_runs": SEED_MEAN_MIN_RUNS, **_seed_mean_entry(agg, held, data.task)}
    if "metrics" in section and "sampler" in agg.columns and agg["sampler"].nunique() > 1:
        section["by_sampler"] = {str(sampler): _seed_mean_entry(part, held, data.task)
                                 for sampler, part in agg.groupby("sampler", sort=True)}
    return section


def _seed_mean_entry(agg: Any, held: HeldOutPrediction, task: str) -> dict[str, Any]:
    """``n_archs`` and the metrics of ``held`` against ``agg``'s means (one row per architecture
    with ``y`` and ``row``), or a note when fewer than 3 architectures are there."""
    entry: dict[str, Any] = {"n_archs": int(len(agg))}
    if len(agg) < 3:
        entry["note"] = f"fewer than 3 held-out architectures with >= {SEED_MEAN_MIN_RUNS} runs"
    else:
        entry["metrics"] = held_out_metrics(agg["y"].to_numpy(), held.take(agg["row"].to_numpy()), task)
    return entry
