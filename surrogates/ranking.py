"""Ranking architectures under uncertainty: Monte Carlo over a benchmark's predictive distribution.

:func:`rank` draws ``n_samples`` joint samples of the scores of a pool of architectures and
ranks each sample (lower score wins). From the ranks: the probability that each architecture is
the best, its expected rank, a rank interval (quantiles of its rank), the pairwise matrix
P(a beats b), and :meth:`RankingResult.top_set`, the smallest set holding the best architecture
with a stated probability.

The predictive distribution:

- a surrogate whose model exposes ``member_predictions`` (the combined ``ensemble``) is sampled
  as its mixture: each joint sample first draws one member with the mixture weights (the same
  member for the whole pool, so a member's systematic errors stay correlated across archs, as
  one hypothesis of the score function), then independent Gaussians from that member's
  mean and std per architecture;
- anything else (a surrogate with a single-family model, a :class:`~surrogates.TabularBenchmark`)
  is sampled as independent Gaussians ``N(mean, std)`` from ``query(archs)``.

Ties (e.g. equal table scores with ``std = 0``) are broken uniformly at random inside each
sample, so P(a beats b) + P(b beats a) = 1 and the P(best) sum to 1.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from graph_encodings.resolve import resolve_archs, show
from graph_encodings.seeds import check_seed

# Bound on the booleans compared at once for the pairwise matrix (memory, not accuracy).
_PAIRWISE_CHUNK = 2**24


@dataclass(frozen=True)
class RankingResult:
    """Ranks of a pool of ``n`` architectures over ``n_samples`` joint samples.

    ``p_best`` (n,): P(rank 1), sums to 1. ``expected_rank`` (n,): mean rank (1 = best).
    ``rank_low``/``rank_high`` (n,): the ``interval`` quantiles of the rank (inclusive).
    ``beats`` (n, n): ``beats[a, b]`` = P(a scores lower than b); zero diagonal.
    ``archs``: the pool, in the order of every array.
    """

    archs: list[Any]
    p_best: np.ndarray
    expected_rank: np.ndarray
    rank_low: np.ndarray
    rank_high: np.ndarray
    beats: np.ndarray
    n_samples: int
    interval: tuple[float, float]

    def top_set(self, prob: float = 0.9) -> np.ndarray:
        """Positions (into ``archs``) of the smallest set that holds the best with ``prob``.

        Architectures are taken in decreasing ``p_best`` until their summed P(best) reaches
        ``prob``; the first one is always included.
        """
        if not (isinstance(prob, (int, float)) and 0.0 < prob <= 1.0):
            raise ValueError(f"prob must be a number in (0, 1], got {prob!r}")
        order = np.argsort(-self.p_best, kind="stable")
        cumulative = np.cumsum(self.p_best[order])
        size = int(np.searchsorted(cumulative, prob - 1e-12)) + 1
        return order[: min(size, len(order))]

    def to_frame(self) -> pd.DataFrame:
        """One row per architecture in the pool's order; ``rank`` orders them by expected rank
        (1 = best; ties keep the pool's order): ``frame.sort_values("rank")`` lists best first."""
        order = np.argsort(self.expected_rank, kind="stable")
        position = np.empty(len(order), dtype=np.int64)
        position[order] = np.arange(1, len(order) + 1)
        return pd.DataFrame({
            "arch": [str(a) for a in self.archs], "rank": position, "p_best": self.p_best,
            "expected_rank": self.expected_rank, "rank_low": self.rank_low,
            "rank_high": self.rank_high,
        })


def rank(
    benchmark: Any,
    archs: Sequence[Any],
    n_samples: int = 1000,
    seed: int | None = 0,
    interval: tuple[float, float] = (0.05, 0.95),
) -> RankingResult:
    """Rank ``archs`` under ``benchmark``'s predictive distribution (module docstring).

    ``benchmark``: a surrogate or tabular benchmark (anything with ``query``), or a fitted
    surrogate model (anything with ``predict``); ``archs`` in any form
    :func:`graph_encodings.resolve_archs` accepts (``result.archs`` holds the objects).
    Vectorised; the same ``seed`` gives the same result.
    """
    if not (hasattr(benchmark, "query") or hasattr(benchmark, "predict")):
        raise TypeError(f"cannot rank with a {type(benchmark).__name__} ({show(benchmark)}): need "
                        f"a benchmark with "
                        f"query(archs) or a fitted surrogate with predict(archs)")
    space = getattr(benchmark, "space", None) or getattr(benchmark, "space_", None)
    archs = resolve_archs(archs, space)[1]
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples must be an integer >= 1, got {n_samples!r}")
    low, high = _check_interval(interval)
    rng = np.random.default_rng(check_seed(seed, allow_none=True))
    scores = predictive_samples(benchmark, archs, int(n_samples), rng)
    ranks = sample_ranks(scores, rng)
    return RankingResult(
        archs=archs,
        p_best=(ranks == 1).mean(axis=0),
        expected_rank=ranks.mean(axis=0),
        rank_low=np.quantile(ranks, low, axis=0, method="inverted_cdf").astype(np.int64),
        rank_high=np.quantile(ranks, high, axis=0, method="inverted_cdf").astype(np.int64),
        beats=pairwise_beats(ranks),
        n_samples=int(n_samples),
        interval=(float(low), float(high)),
    )


def predictive_samples(
    benchmark: Any, archs: list[Any], n_samples: int, rng: np.random.Generator
) -> np.ndarray:
    """Joint score samples of ``archs``, shape ``(n_samples, len(archs))`` (module docstring)."""
    model = benchmark if hasattr(benchmark, "member_predictions") else getattr(
        benchmark, "model", None)
    if model is not None and hasattr(model, "member_predictions"):
        members = model.member_predictions(archs)
        means = np.stack([m[1] for m in members])
        stds = np.stack([m[2] for m in members])
        weights = _member_weights(model, len(members))
        pick = rng.choice(len(members), size=n_samples, p=weights)
        return means[pick] + stds[pick] * rng.standard_normal((n_samples, len(archs)))
    if hasattr(benchmark, "query"):
        result = benchmark.query(archs)
        mean, std = np.asarray(result.mean, float), np.asarray(result.std, float)
    else:
        mean, std = (np.asarray(v, float) for v in benchmark.predict(archs))
    return mean + std * rng.standard_normal((n_samples, len(archs)))


def _check_interval(interval: Any) -> tuple[float, float]:
    """``interval`` as two quantiles ``0 <= low <= high <= 1`` (``ValueError`` naming it)."""
    try:
        low, high = (float(q) for q in interval)
        valid = 0.0 <= low <= high <= 1.0
    except (TypeError, ValueError):
        valid = False
    if not valid or isinstance(interval, (str, bytes)):
        raise ValueError(f"interval must be two quantiles 0 <= low <= high <= 1, got {interval!r}")
    return low, high


def _member_weights(model: Any, n_members: int) -> np.ndarray:
    """The normalised mixture weights of an ensemble's members (equal when it has none)."""
    weights = model.get_params().get("weights") if hasattr(model, "get_params") else None
    if weights is None:
        return np.full(n_members, 1.0 / n_members)
    w = np.asarray(weights, dtype=np.float64)
    return w / w.sum()


def sample_ranks(scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """1-based ranks of each row of ``scores`` (lowest = 1), ties broken uniformly at random."""
    tiebreak = rng.random(scores.shape)
    order = np.lexsort((tiebreak, scores), axis=-1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, scores.shape[1] + 1)[None, :], axis=1)
    return ranks


def pairwise_beats(ranks: np.ndarray) -> np.ndarray:
    """``out[a, b]`` = fraction of rows where ``a`` has a lower (better) rank than ``b``."""
    n_samples, n = ranks.shape
    counts = np.zeros((n, n), dtype=np.int64)
    step = max(1, _PAIRWISE_CHUNK // max(1, n * n))
    for start in range(0, n_samples, step):
        chunk = ranks[start:start + step]
        counts += (chunk[:, :, None] < chunk[:, None, :]).sum(axis=0)
    return counts / n_samples
