"""Does a surrogate learn a fixed seed's training noise? Kendall tau against each seed's runs.

Single-run DARTS records are all trained with seed 0; a few architectures have seeds 1 and 2 too.
If run-to-run noise were independent of everything, a surrogate fitted to seed-0 runs would rank
the seed-0, seed-1 and seed-2 runs of unseen architectures equally well. If instead similar
architectures trained with the same seed share part of their "noise" (same initial weights of the
shared layers, same data order), the surrogate learns it, and its held-out tau against seed-0 runs
overstates how well it ranks expected scores. This fits a surrogate (default ``lgb``, seconds) on
the seed-0 runs of the architectures run once, and prints, on the architectures run with every
seed (two or more), its Kendall tau against each seed's runs and against their mean, next to the
tau between two seeds' runs themselves (the model-free ceiling against single runs).

    python benchmarks/bench_seed_coupling.py --task ecg [--model lgb] [--fits 5]
        [--protocol ecg-cpu-v1] [--params JSON] [--store DIR]

Measured on 2026-12-02 on the CPU protocols' 1,124-1,184 records (``lgb``, medians of 5 fits):
Darcy Flow, 91 architectures with 3 seeds: tau against the seed-0 runs 0.800 [0.788, 0.810],
against seed 1 / seed 2 0.521 / 0.590, against the 3-seed mean 0.709; two seeds' runs rank each
other at 0.44-0.57. So on Darcy a seed-0 surrogate has learned part of seed 0's noise (``--model
xgb``: 0.819 / 0.524 / 0.585 / 0.711). ECG (99 architectures): 0.161 / 0.196 / 0.006 (69) / mean
0.236; Satellite (58): 0.217 / 0.293 / 0.283 / mean 0.364: no seed-0 advantage at these sizes (a
tau on 60-100 runs has a standard error of about 0.07).
"""
from __future__ import annotations

import argparse
import itertools
import json
import statistics
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from surrogates import registry
from surrogates.metrics import kendall_tau
from training_data.records.loading import load_records

MEAN = "mean of the seeds"


@dataclass
class SeedCoupling:
    """Kendall taus of a surrogate fitted on one seed's runs, against each seed's held-out runs.

    ``taus[target]``: one tau per fit (model seeds ``0..fits-1``) against ``target`` (``"seed-S
    runs"`` for each seed, and :data:`MEAN`), on ``n[target]`` architectures; ``between_seeds[(a,
    b)]``: ``(tau, n)`` of seed ``a``'s runs against seed ``b``'s, no model.
    """

    seeds: list[int]
    n_train: int
    n_held: int
    taus: dict[str, list[float]] = field(default_factory=dict)
    n: dict[str, int] = field(default_factory=dict)
    between_seeds: dict[tuple[int, int], tuple[float, int]] = field(default_factory=dict)


def seed_coupling(runs: pd.DataFrame, model: str = "lgb", fits: int = 5,
                  params: dict[str, Any] | None = None) -> SeedCoupling:
    """Fit ``model`` (``params`` plus ``seed``) ``fits`` times on the first seed's runs of the
    architectures run once, and score it on the architectures run with two or more seeds.

    ``runs``: ok records (columns ``arch``, ``arch_hash``, ``seed``, ``score``). ``ValueError``
    naming what is missing when there are fewer than two seeds or no such architectures.
    """
    if fits < 1:
        raise ValueError(f"fits={fits}: expected 1 or more")
    seeds = [int(s) for s in sorted(runs["seed"].unique())]
    table = runs.pivot_table(index="arch_hash", columns="seed", values="score", aggfunc="first")
    held = table[table.notna().sum(axis=1) >= 2]  # the architectures run with two or more seeds
    train = runs[(runs["seed"] == seeds[0]) & ~runs["arch_hash"].isin(held.index)]
    if len(seeds) < 2 or len(held) < 2 or len(train) < 2:
        raise ValueError(f"need two or more seeds ({seeds}), two or more architectures run with "
                         f"several of them ({len(held)}) and two or more run once ({len(train)})")
    test = runs[runs["arch_hash"].isin(held.index)].drop_duplicates("arch_hash")
    targets = {f"seed-{seed} runs": held[seed].dropna() for seed in seeds}
    targets[MEAN] = held.mean(axis=1)
    result = SeedCoupling(seeds, len(train), len(held), {name: [] for name in targets},
                          {name: len(scores) for name, scores in targets.items()})
    for fit_seed in range(fits):
        surrogate = registry.create(model, **{**(params or {}), "seed": fit_seed})
        surrogate.fit(list(train["arch"]), train["score"].to_numpy())
        predicted = pd.Series(surrogate.predict(list(test["arch"]))[0], index=test["arch_hash"])
        for name, scores in targets.items():
            result.taus[name].append(kendall_tau(scores, predicted[scores.index]))
    for a, b in itertools.combinations(seeds, 2):
        both = held[[a, b]].dropna()
        result.between_seeds[(a, b)] = (kendall_tau(both[a], both[b]), len(both))
    return result


def report(result: SeedCoupling, task: str, model: str) -> str:
    """The figures of ``result`` as the lines this script prints."""
    fits = len(next(iter(result.taus.values())))
    lines = [f"{task}: {model} fitted {fits} times (model seeds 0-{fits - 1}) on "
             f"{result.n_train} seed-{result.seeds[0]} runs; {result.n_held} unseen architectures "
             f"run with 2+ of the seeds {result.seeds}; median [min, max] over the fits:"]
    for name, values in result.taus.items():
        lines.append(f"  tau(prediction, {name})".ljust(38) + f" = {statistics.median(values):+.3f} "
                     f"[{min(values):+.3f}, {max(values):+.3f}]  (n = {result.n[name]})")
    for (a, b), (tau, n) in result.between_seeds.items():
        lines.append(f"  tau(seed-{a} runs, seed-{b} runs)".ljust(38) + f" = {tau:+.3f}  "
                     f"(n = {n}, no model)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", required=True)
    parser.add_argument("--protocol", help="default: <task>-cpu-v1")
    parser.add_argument("--model", default="lgb", help=f"one of {registry.list_surrogates()}")
    parser.add_argument("--params", default=None, help="the model's hyper-parameters as JSON")
    parser.add_argument("--fits", type=int, default=5, help="fits with model seeds 0..FITS-1")
    parser.add_argument("--store", help="record store folder (default: the shipped records)")
    args = parser.parse_args(argv)
    if args.fits < 1:
        parser.error(f"--fits {args.fits}: expected 1 or more")
    params = json.loads(args.params) if args.params else None
    records = load_records(args.task, args.protocol or f"{args.task}-cpu-v1", store=args.store)
    runs = records[records["status"] == "ok"]
    print(report(seed_coupling(runs, args.model, args.fits, params), args.task, args.model))


if __name__ == "__main__":
    main()
