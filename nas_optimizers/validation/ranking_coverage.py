"""Is the uncertainty-aware ranking calibrated? Top sets and rank intervals checked on a true table.

Over many random pools of held-out architectures, :func:`ranking_calibration` ranks each pool
with :func:`surrogates.rank` and asks whether the pool's TRUE best architecture (lowest table
mean) lies inside the predicted ``top_set(p)``, and whether each architecture's true rank lies
inside its predicted rank interval. A calibrated ranking covers the best in a share ``p`` of
the pools. The table's means are single trainings for most classes, so the truth itself is
noisy; the surrogate's predictive std includes training noise, so that is the right target.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from graph_encodings.resolve import resolve_archs
from surrogates.ranking import rank
from surrogates.tabular import TabularBenchmark

DEFAULT_PROBS = (0.5, 0.8, 0.9, 0.95)


class PrecomputedPredictor:
    """A fitted model's predictions for a fixed set of architectures, served by lookup.

    Looks architectures up by canonical hash, so every isomorphic twin of a precomputed one is
    served too (models encode canonical forms: twins get identical predictions). Exposes the
    model's ``predict`` (and ``predict_with_noise`` when the model has it) and, when it has
    members, ``member_predictions``; ``get_params`` gives the mixture weights: :func:`surrogates.rank` and a benchmark treat it like the model.
    Ranking many pools, or simulating many runs, then costs one prediction per architecture.
    """

    def __init__(self, model: Any, archs: Sequence[Any], space: Any) -> None:
        archs = resolve_archs(archs, space)[1]
        self.space = space
        self.space_ = space.name
        self.name = getattr(model, "name", type(model).__name__)
        self._row = {space.canonical_hash(a): k for k, a in enumerate(archs)}
        self._params = model.get_params() if hasattr(model, "get_params") else {}
        if hasattr(model, "predict_with_noise"):
            self._mean, self._std, self._noise = (
                np.asarray(v, float) for v in model.predict_with_noise(archs))
            self.predict_with_noise = self._lookup_with_noise
        else:
            self._mean, self._std = (np.asarray(v, float) for v in model.predict(archs))
        self._members = None
        if hasattr(model, "member_predictions"):
            self._members = model.member_predictions(archs)
            self.member_predictions = self._lookup_members

    def _rows(self, archs: Sequence[Any]) -> np.ndarray:
        rows = np.empty(len(archs), dtype=np.int64)
        for k, arch in enumerate(resolve_archs(archs, self.space)[1]):
            row = self._row.get(self.space.canonical_hash(arch))
            if row is None:
                raise KeyError(f"architecture {arch} was not precomputed")
            rows[k] = row
        return rows

    def _lookup_members(self, archs: Sequence[Any]) -> list[tuple[str, np.ndarray, np.ndarray]]:
        rows = self._rows(archs)
        return [(name, mean[rows], std[rows]) for name, mean, std in self._members]

    def predict(self, archs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        """The model's ``(mean, std)`` of ``archs``; ``KeyError`` if one was not precomputed."""
        rows = self._rows(archs)
        return self._mean[rows].copy(), self._std[rows].copy()

    def _lookup_with_noise(self, archs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = self._rows(archs)
        return self._mean[rows].copy(), self._std[rows].copy(), self._noise[rows].copy()

    def get_params(self) -> dict[str, Any]:
        return dict(self._params)


@dataclass(frozen=True)
class CalibrationResult:
    """Coverage of predicted top sets and rank intervals over ``n_pools`` pools of one task.

    ``coverage``: one row per nominal probability ``prob`` with ``coverage`` (share of pools
    whose true best is in ``top_set(prob)``), its binomial standard error ``coverage_se`` and
    ``mean_size`` (average top-set size). ``interval_coverage``: share of (pool, arch) whose true
    rank is inside the predicted ``interval`` (nominal ``interval_nominal``).
    """

    task: str
    pool_size: int
    n_pools: int
    coverage: pd.DataFrame
    interval_coverage: float
    interval_nominal: float


def ranking_calibration(
    predictor: Any,
    table: TabularBenchmark,
    candidates: Sequence[Any],
    pool_size: int = 50,
    n_pools: int = 200,
    probs: Sequence[float] = DEFAULT_PROBS,
    n_samples: int = 1000,
    seed: int = 0,
) -> CalibrationResult:
    """Rank ``n_pools`` random pools of ``pool_size`` ``candidates`` and score them on ``table``.

    ``predictor`` is anything :func:`surrogates.rank` accepts (a benchmark or fitted model);
    the candidates should be architectures it was not fitted on.
    """
    candidates = list(candidates)
    if not 2 <= pool_size <= len(candidates):
        raise ValueError(f"pool_size must be in 2..{len(candidates)} (the number of candidates), "
                         f"got {pool_size!r}")
    if n_pools < 1:
        raise ValueError(f"n_pools must be >= 1, got {n_pools!r}")
    truth = table.query(candidates).mean
    rng = np.random.default_rng(seed)
    hits = np.zeros((n_pools, len(probs)), dtype=bool)
    sizes = np.zeros((n_pools, len(probs)), dtype=np.int64)
    inside = 0
    for p in range(n_pools):
        pool = rng.choice(len(candidates), size=pool_size, replace=False)
        result = rank(predictor, [candidates[i] for i in pool], n_samples, seed=seed + 1 + p)
        true_scores = truth[pool]
        true_best = np.flatnonzero(true_scores == true_scores.min())
        for k, prob in enumerate(probs):
            chosen = result.top_set(prob)
            hits[p, k] = np.isin(true_best, chosen).any()
            sizes[p, k] = len(chosen)
        true_rank = stats.rankdata(true_scores, method="average")
        inside += int(np.sum((true_rank >= result.rank_low) & (true_rank <= result.rank_high)))
        interval = result.interval
    coverage = pd.DataFrame({
        "prob": list(probs),
        "coverage": hits.mean(axis=0),
        "coverage_se": np.sqrt(hits.mean(axis=0) * (1 - hits.mean(axis=0)) / n_pools),
        "mean_size": sizes.mean(axis=0),
    })
    return CalibrationResult(
        task=table.task, pool_size=pool_size, n_pools=n_pools, coverage=coverage,
        interval_coverage=inside / (n_pools * pool_size),
        interval_nominal=interval[1] - interval[0],
    )
