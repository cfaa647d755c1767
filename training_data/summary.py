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
    "tau_ceiling",
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


def architecture_share(frame: pd.DataFrame) -> float:
    """The share of a single run's score variance that is due to the architecture (the rest is
    seed noise): the intraclass correlation of the ``ok`` runs of architectures run two or more
    times, by the one-way random-effects ANOVA estimator (unbalanced groups), clipped to [0, 1].
    NaN with fewer than two such architectures.
    """
    ok = frame[frame["status"] == "ok"]
    groups = [g.to_numpy(dtype=float) for _, g in ok.groupby("arch_hash")["score"] if len(g) >= 2]
    k = len(groups)
    if k < 2:
        return float("nan")
    sizes = np.array([len(g) for g in groups], dtype=float)
    n = sizes.sum()
    means = np.array([g.mean() for g in groups])
    grand = np.concatenate(groups).mean()
    within = sum(float(((g - g.mean()) ** 2).sum()) for g in groups) / (n - k)
    between = float((sizes * (means - grand) ** 2).sum()) / (k - 1)
    n0 = (n - (sizes**2).sum() / n) / (k - 1)
    arch_var = max((between - within) / n0, 0.0)
    total = arch_var + within
    return arch_var / total if total > 0 else float("nan")


def tau_ceiling(share: float) -> float:
    """The Kendall tau that a perfect model of each architecture's expected score reaches against
    single runs whose variance is ``share`` architecture and ``1 - share`` seed noise (Gaussian:
    ``2 / pi * arcsin(sqrt(share))``): the most a surrogate can show against held-out runs."""
    return float(2 / np.pi * np.arcsin(np.sqrt(share))) if np.isfinite(share) else float("nan")


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


def archs_with_runs(frame: pd.DataFrame, runs: int) -> int:
    """How many architectures have at least ``runs`` ``ok`` runs."""
    ok = frame[frame["status"] == "ok"]
    return int((ok.groupby("arch_hash").size() >= runs).sum())


def summarise(records: pd.DataFrame, by_sampler: bool = False) -> pd.DataFrame:
    """One row per (task, protocol, space) with counts, score range, repeat noise, the share of
    score variance due to the architecture and the Kendall tau ceiling it implies.

    ``by_sampler``: one row per sampler too (the campaign that proposed the architecture: a
    repeated seed carries its architecture's sampler), e.g. to plan leave-one-sampler-out tests.
    """
    keys = [*GROUP_KEYS, "sampler"] if by_sampler else list(GROUP_KEYS)
    columns = [*GROUP_KEYS, "sampler", *SUMMARY_COLUMNS[3:]] if by_sampler else list(SUMMARY_COLUMNS)
    rows = []
    for group, frame in records.groupby(keys, sort=True):
        ok_scores = frame.loc[frame["status"] == "ok", "score"].astype(float)
        repeated, noise = repeat_noise(frame)
        share = architecture_share(frame)
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
                "tau_ceiling": tau_ceiling(share),
            }
        )
    return pd.DataFrame(rows, columns=columns)
