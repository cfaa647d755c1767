"""Per task and protocol summaries of ground-truth records (``nb360 data summary``)."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

SUMMARY_COLUMNS = (
    "task",
    "protocol",
    "space",
    "records",
    "archs",
    "seeds",
    "failed",
    "diverged",
    "score_min",
    "score_median",
    "score_max",
    "repeated_archs",
    "archs_3_seeds",
    "seed_policy",
    "repeat_noise_mad",
    "arch_share",
    "arch_share_low",
    "arch_share_high",
    "tau_ceiling",
    "rank_share",
    "seed_pair_tau",
    "disconnected_archs",
)


def repeat_noise(frame: pd.DataFrame) -> tuple[int, float]:
    """Seed-to-seed (run-to-run) noise of one task/protocol.

    Returns the number of architectures (by canonical hash) with two or more ``ok`` runs and the
    median absolute score difference over all pairs of runs of the same architecture (NaN when
    no architecture was run twice).
    """
    ok = frame[frame["status"] == "ok"]
    diffs: list[float] = []
    repeated = 0
    for _, scores in ok.groupby("arch_hash")["score"]:
        values = scores.to_numpy(dtype=float)
        if len(values) < 2:
            continue
        repeated += 1
        diffs.extend(abs(a - b) for a, b in itertools.combinations(values, 2))
    return repeated, float(np.median(diffs)) if diffs else float("nan")


def _repeated_groups(frame: pd.DataFrame) -> list[np.ndarray]:
    """The ``ok`` scores of each architecture run two or more times."""
    ok = frame[frame["status"] == "ok"]
    return [g.to_numpy(dtype=float) for _, g in ok.groupby("arch_hash")["score"] if len(g) >= 2]


def _intraclass_share(groups: list[np.ndarray]) -> float:
    """The one-way random-effects ANOVA estimate of the between-group share of variance
    (unbalanced groups), clipped to [0, 1]; NaN with fewer than two groups."""
    if len(groups) < 2:
        return float("nan")
    return float(_weighted_shares(_group_moments(groups), np.ones((1, len(groups))))[0])


def _group_moments(groups: list[np.ndarray]) -> np.ndarray:
    """Per group: size, mean and sum of squared deviations from the mean (rows of a (3, k) array)."""
    sizes = np.array([len(g) for g in groups], dtype=float)
    means = np.array([g.mean() for g in groups])
    squares = np.array([float(((g - g.mean()) ** 2).sum()) for g in groups])
    return np.stack([sizes, means, squares])


def _weighted_shares(moments: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The ANOVA share for each row of ``counts`` (how often each group is taken): one row of
    ones is the data itself, multinomial rows are bootstrap resamples of whole groups."""
    sizes, means, squares = moments
    k = counts.sum(axis=1)
    n = counts @ sizes
    grand = counts @ (sizes * means) / n
    within = counts @ squares / (n - k)
    between = (counts * sizes * (means - grand[:, None]) ** 2).sum(axis=1) / (k - 1)
    n0 = (n - counts @ sizes**2 / n) / (k - 1)
    arch_var = np.maximum((between - within) / n0, 0.0)
    total = arch_var + within
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, arch_var / total, np.nan)


def architecture_share(frame: pd.DataFrame) -> float:
    """The share of a single run's score variance that is due to the architecture (the rest is
    seed noise): the intraclass correlation of the ``ok`` runs of architectures run two or more
    times, by the one-way random-effects ANOVA estimator (unbalanced groups), clipped to [0, 1].
    NaN with fewer than two such architectures.
    """
    return _intraclass_share(_repeated_groups(frame))


def architecture_share_interval(frame: pd.DataFrame, level: float = 0.9, n_boot: int = 2000,
                                seed: int = 0) -> tuple[float, float]:
    """A percentile-bootstrap interval of :func:`architecture_share`: architectures (with all their
    runs) resampled with replacement ``n_boot`` times, so a screen of 20 architectures x 2 seeds
    says how far its share may be from the protocol's. (NaN, NaN) with fewer than two
    architectures run twice."""
    if not 0 < level < 1:
        raise ValueError(f"level={level!r} is not valid; choose a probability in (0, 1)")
    if n_boot < 1:
        raise ValueError(f"n_boot={n_boot!r} is not valid; choose a positive number of resamples")
    groups = _repeated_groups(frame)
    if len(groups) < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    moments = _group_moments(groups)
    k = len(groups)
    chunk = max(1, 2_000_000 // k)  # resamples per block, to bound memory on large tables
    shares = np.concatenate([_weighted_shares(moments, _resample_counts(rng, k, min(chunk, n_boot - start)))
                             for start in range(0, n_boot, chunk)])
    tail = (1 - level) / 2 * 100
    low, high = np.nanpercentile(shares, [tail, 100 - tail])
    return float(low), float(high)


def _resample_counts(rng: np.random.Generator, k: int, rows: int) -> np.ndarray:
    """``rows`` bootstrap resamples of ``k`` groups, as how often each group is drawn (rows x k)."""
    draws = rng.integers(k, size=(rows, k)) + k * np.arange(rows)[:, None]
    return np.bincount(draws.ravel(), minlength=rows * k).reshape(rows, k).astype(float)


def share_of_mean(share: float, runs: int) -> float:
    """The architecture share of the mean of ``runs`` independent runs of each architecture, from a
    single run's ``share`` (Spearman-Brown: averaging divides the seed variance by ``runs`` and
    leaves the architecture's): what a surrogate's target has where every architecture has
    ``runs`` seeds, and what ``repeats=runs`` would give a protocol's records."""
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise ValueError(f"runs={runs!r} is not valid; choose a positive whole number of runs")
    return float(runs * share / (1 + (runs - 1) * share)) if np.isfinite(share) else float("nan")


def tau_ceiling(share: float) -> float:
    """The Kendall tau that a perfect model of each architecture's expected score reaches against
    single runs whose variance is ``share`` architecture and ``1 - share`` seed noise (Gaussian:
    ``2 / pi * arcsin(sqrt(share))``): the most a surrogate can show against held-out runs."""
    return float(2 / np.pi * np.arcsin(np.sqrt(share))) if np.isfinite(share) else float("nan")


def rank_share(frame: pd.DataFrame) -> float:
    """:func:`architecture_share` of the ``ok`` scores' ranks (ties averaged): how much of a run's
    *rank* the architecture decides. A few far worse cells carry most of the score variance of a
    heavy-tailed set, so its share can be high while runs order the bulk of the cells mostly by
    seed; this share is not moved by how far the tail lies. NaN as ``architecture_share``."""
    ok = frame[frame["status"] == "ok"]
    return architecture_share(ok.assign(score=ok["score"].astype(float).rank()))


def seed_pair_tau(frame: pd.DataFrame) -> float:
    """Kendall tau between the first two ``ok`` runs (in seed order) of each architecture run two
    or more times: how well one real run ranks the architectures against another, measured, with
    no assumption on the score distribution. NaN with fewer than two such architectures."""
    from scipy.stats import kendalltau

    pairs = [g[:2] for g in _repeated_groups(frame.sort_values("seed", kind="stable"))]
    if len(pairs) < 2:
        return float("nan")
    first, second = np.array(pairs).T
    return float(kendalltau(first, second).statistic)


GROUP_KEYS = ("task", "protocol", "space")


def seed_policy(protocol: str) -> str:
    """How a protocol's runs draw their random streams: ``shared`` (seed ``s`` is one stream for
    every architecture), ``per_architecture`` (each architecture and seed its own stream),
    ``imported`` (an imported table: seeds as its authors ran them) or ``unregistered`` (a
    protocol this project does not know)."""
    from training_data.protocols import get_protocol

    try:
        return get_protocol(protocol).seed_policy
    except ValueError:
        return "unregistered"


def disconnected_rows(frame: pd.DataFrame) -> np.ndarray:
    """Boolean mask: records of cells whose output does not depend on their input (NB201 cells
    with no input-output path; ``SearchSpace.is_disconnected``), each distinct cell checked once.
    All False without ``arch`` and ``space`` columns."""
    if "arch" not in frame.columns or "space" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    from graph_encodings import resolve_archs

    dead: set[str] = set()
    for name, texts in frame.groupby("space")["arch"]:
        distinct = texts.unique().tolist()
        space, archs = resolve_archs(distinct, str(name))
        mask = space.disconnected_mask(archs)
        dead.update(t for t, is_dead in zip(distinct, mask, strict=True) if is_dead)
    return frame["arch"].isin(dead).to_numpy()


def archs_with_runs(frame: pd.DataFrame, runs: int) -> int:
    """How many architectures have at least ``runs`` ``ok`` runs."""
    ok = frame[frame["status"] == "ok"]
    return int((ok.groupby("arch_hash").size() >= runs).sum())


def summarise(records: pd.DataFrame, by_sampler: bool = False) -> pd.DataFrame:
    """One row per (task, protocol, space) with counts, score range, repeat noise, the share of
    score variance due to the architecture (with its 90 % bootstrap interval over architectures,
    ``arch_share_low`` / ``arch_share_high``), the Kendall tau ceiling it implies, and two
    rank-based figures that no heavy tail of poor cells inflates (:func:`rank_share`,
    :func:`seed_pair_tau`). The shares are
    measured over connected cells only: a disconnected cell scores one constant (chance), which
    would make nearly all of the variance the architecture's; the benchmarks answer such cells by
    a rule (:mod:`surrogates.disconnected`), and ``disconnected_archs`` counts them.

    ``by_sampler``: one row per sampler too (the campaign that proposed the architecture: a
    repeated seed carries its architecture's sampler), e.g. to plan leave-one-sampler-out tests.
    """
    keys = [*GROUP_KEYS, "sampler"] if by_sampler else list(GROUP_KEYS)
    columns = [*GROUP_KEYS, "sampler", *SUMMARY_COLUMNS[3:]] if by_sampler else list(SUMMARY_COLUMNS)
    rows = []
    for group, frame in records.groupby(keys, sort=True):
        ok_scores = frame.loc[frame["status"] == "ok", "score"].astype(float)
        repeated, noise = repeat_noise(frame)
        dead = disconnected_rows(frame)
        connected = frame[~dead]
        share = architecture_share(connected)
        low, high = architecture_share_interval(connected)
        rows.append(
            {
                **dict(zip(keys, group, strict=True)),
                "records": len(frame),
                "archs": frame["arch_hash"].nunique(),
                "seeds": frame["seed"].nunique(),
                "failed": int((frame["status"] == "failed").sum()),
                "diverged": int((frame["status"] == "diverged").sum()),
                "score_min": ok_scores.min() if len(ok_scores) else float("nan"),
                "score_median": ok_scores.median() if len(ok_scores) else float("nan"),
                "score_max": ok_scores.max() if len(ok_scores) else float("nan"),
                "repeated_archs": repeated,
                "archs_3_seeds": archs_with_runs(frame, 3),
                "seed_policy": seed_policy(str(dict(zip(keys, group, strict=True))["protocol"])),
                "repeat_noise_mad": noise,
                "arch_share": share,
                "arch_share_low": low,
                "arch_share_high": high,
                "tau_ceiling": tau_ceiling(share),
                "rank_share": rank_share(connected),
                "seed_pair_tau": seed_pair_tau(connected),
                "disconnected_archs": frame.loc[dead, "arch_hash"].nunique(),
            }
        )
    return pd.DataFrame(rows, columns=columns)
