"""Statistics of the validation study: true regret of simulated runs and the two benchmarks compared.

Every simulated run, whether it ran on the table or on a surrogate, is scored with the TABLE: its
incumbent (the architecture with the lowest observed score so far) is looked up in the true
table, and ``regret = table mean of the incumbent - best table mean``. Comparisons between the
two benchmarks use percentile bootstrap intervals over seeds (seeds resampled independently per
benchmark and optimizer).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from surrogates.tabular import TabularBenchmark

BENCHMARKS = ("table", "surrogate")


def add_true_regret(frame: pd.DataFrame, table: TabularBenchmark) -> pd.DataFrame:
    """A copy of a ``simulate`` frame with ``incumbent_arch``, ``incumbent_table`` and ``regret``.

    Rows must be in finish order within each (optimizer, seed) run, as ``simulate`` returns them.
    """
    missing = {"optimizer", "seed", "score", "arch"} - set(frame.columns)
    if missing:
        raise ValueError(f"frame lacks column(s) {sorted(missing)}")
    out = frame.copy()
    incumbent = np.empty(len(out), dtype=object)
    for _, run in out.groupby(["optimizer", "seed"], sort=False):
        scores = run["score"].to_numpy(float)
        best = np.where(np.isnan(scores), np.inf, scores)
        previous = np.r_[np.inf, np.minimum.accumulate(best)[:-1]]
        steps = np.where(best < previous, np.arange(len(best)), 0)  # strict: ties keep the first
        incumbent[out.index.get_indexer(run.index)] = run["arch"].to_numpy()[
            np.maximum.accumulate(steps)]
    out["incumbent_arch"] = incumbent
    unique = list(pd.unique(incumbent))
    truth = dict(zip(unique, table.query(unique).mean, strict=True))
    out["incumbent_table"] = out["incumbent_arch"].map(truth).astype(float)
    out["regret"] = out["incumbent_table"] - table.best_score
    return out


def final_regret(frame: pd.DataFrame) -> pd.DataFrame:
    """The last row's regret of every run: columns benchmark, optimizer, seed, regret."""
    last = frame.groupby(["benchmark", "optimizer", "seed"], sort=True).tail(1)
    return last[["benchmark", "optimizer", "seed", "regret"]].reset_index(drop=True)


def _bootstrap_means(values: np.ndarray, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """Means of ``n_boot`` resamples (with replacement) of ``values``."""
    idx = rng.integers(0, len(values), size=(n_boot, len(values)))
    return values[idx].mean(axis=1)


@dataclass(frozen=True)
class Comparison:
    """The two benchmarks compared for one task.

    ``per_optimizer``: one row per optimizer with the mean final regret on each benchmark,
    their rank (1 = lowest regret), the difference surrogate - table with a bootstrap interval,
    and each benchmark's difference to random search with its interval and verdict
    (``better`` / ``worse`` / ``tie``: whether the interval excludes 0).
    ``spearman``/``kendall``: rank correlation of the optimizers' mean final regrets on the two
    benchmarks; ``kendall_interval``: its bootstrap interval over seeds. ``winners``: the
    optimizer with the lowest mean final regret per benchmark; ``winner_gaps``: per benchmark,
    the interval of (regret of the surrogate's winner - regret of the table's winner) there.
    """

    per_optimizer: pd.DataFrame
    spearman: float
    kendall: float
    kendall_interval: tuple[float, float]
    level: float
    winners: dict[str, str]
    winner_gaps: dict[str, tuple[float, float]]

    @property
    def same_winner(self) -> bool:
        """Whether the winners agree, or differ by less than either benchmark can resolve.

        Two different winners count as a disagreement only if, on at least one benchmark, the
        interval of their regret difference excludes 0.
        """
        if self.winners["table"] == self.winners["surrogate"]:
            return True
        return all(lo <= 0 <= hi for lo, hi in self.winner_gaps.values())

    @property
    def changed_verdicts(self) -> list[str]:
        """Optimizers whose verdict against random search differs between the benchmarks."""
        rows = self.per_optimizer
        return rows.loc[rows["verdict_table"] != rows["verdict_surrogate"], "optimizer"].tolist()

    @property
    def conclusion_changed(self) -> bool:
        """The surrogate changes the conclusion: another winner or another verdict vs random."""
        return not self.same_winner or bool(self.changed_verdicts)


def compare(
    finals: pd.DataFrame,
    baseline: str = "random_search",
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> Comparison:
    """Compare the final regrets (:func:`final_regret`) of the two benchmarks for one task."""
    if set(finals["benchmark"]) != set(BENCHMARKS):
        raise ValueError(f"finals must hold both benchmarks {BENCHMARKS}, got "
                         f"{sorted(set(finals['benchmark']))}")
    optimizers = sorted(finals["optimizer"].unique())
    if baseline not in optimizers:
        raise ValueError(f"baseline {baseline!r} not among the optimizers {optimizers}")
    rng = np.random.default_rng(seed)
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    values = {(b, o): g["regret"].to_numpy(float)
              for (b, o), g in finals.groupby(["benchmark", "optimizer"])}
    boots = {key: _bootstrap_means(v, rng, n_boot) for key, v in values.items()}
    rows = []
    for name in optimizers:
        row: dict[str, object] = {"optimizer": name}
        for bench in BENCHMARKS:
            row[bench] = float(values[bench, name].mean())
            row[f"sem_{bench}"] = float(stats.sem(values[bench, name])) if len(
                values[bench, name]) > 1 else 0.0
            diff = boots[bench, name] - boots[bench, baseline]
            lo, hi = np.quantile(diff, [lo_q, hi_q])
            row[f"vs_{baseline}_{bench}"] = row[bench] - float(values[bench, baseline].mean())
            row[f"vs_{baseline}_{bench}_interval"] = (float(lo), float(hi))
            row[f"verdict_{bench}"] = "tie" if name == baseline or lo <= 0 <= hi else (
                "better" if hi < 0 else "worse")
        diff = boots["surrogate", name] - boots["table", name]
        row["difference"] = row["surrogate"] - row["table"]
        row["difference_interval"] = tuple(float(q) for q in np.quantile(diff, [lo_q, hi_q]))
        rows.append(row)
    table = pd.DataFrame(rows)
    for bench in BENCHMARKS:
        table[f"rank_{bench}"] = table[bench].rank(method="average").astype(float)
    kendall_boot = [
        _kendall(np.array([boots["table", o][k] for o in optimizers]),
                 np.array([boots["surrogate", o][k] for o in optimizers]))
        for k in range(n_boot)
    ]
    winners = {b: str(table.loc[table[b].idxmin(), "optimizer"]) for b in BENCHMARKS}
    gaps = {b: tuple(float(q) for q in np.quantile(
        boots[b, winners["surrogate"]] - boots[b, winners["table"]], [lo_q, hi_q]))
        for b in BENCHMARKS}
    return Comparison(
        winners=winners, winner_gaps=gaps,
        per_optimizer=table,
        spearman=_correlation(stats.spearmanr, table["table"], table["surrogate"]),
        kendall=_kendall(table["table"].to_numpy(), table["surrogate"].to_numpy()),
        kendall_interval=tuple(float(q) for q in np.nanquantile(kendall_boot, [lo_q, hi_q])),
        level=level,
    )


def _correlation(function: Any, a: Any, b: Any) -> float:
    """``function(a, b).statistic``, or NaN (without a warning) when either input is constant."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(function(a, b).statistic)


def _kendall(a: np.ndarray, b: np.ndarray) -> float:
    """Kendall's tau-b of two score vectors (NaN when either is constant)."""
    return _correlation(stats.kendalltau, a, b)
