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
    "repeat_noise_mad",
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


GROUP_KEYS = ("task", "protocol", "space")


def summarise(records: pd.DataFrame, by_sampler: bool = False) -> pd.DataFrame:
    """One row per (task, protocol, space) with counts, score range and repeat noise.

    ``by_sampler``: one row per sampler too (the campaign that proposed the architecture: a
    repeated seed carries its architecture's sampler), e.g. to plan leave-one-sampler-out tests.
    """
    keys = [*GROUP_KEYS, "sampler"] if by_sampler else list(GROUP_KEYS)
    columns = [*GROUP_KEYS, "sampler", *SUMMARY_COLUMNS[3:]] if by_sampler else list(SUMMARY_COLUMNS)
    rows = []
    for group, frame in records.groupby(keys, sort=True):
        ok_scores = frame.loc[frame["status"] == "ok", "score"].astype(float)
        repeated, noise = repeat_noise(frame)
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
                "repeat_noise_mad": noise,
            }
        )
    return pd.DataFrame(rows, columns=columns)
