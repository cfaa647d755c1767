"""How well does a shipped benchmark of one protocol rank the records of another?

A new protocol version (``*-cpu-v2``: seeds per architecture, a scored weight average) starts with
few records, while the benchmark of the older version was fitted on many. Before a benchmark of
the new version replaces the old one as the default, it should rank the new records better than
the old benchmark already does. This loads the shipped benchmark of ``--benchmark-protocol`` and
prints its Kendall tau (with a 90 % bootstrap interval over architectures) against the records of
``--protocol``: against the means of the architectures with 3 or more seeds, against every
architecture's mean, and against single runs (each architecture's first seed), beside the tau of
two seeds' runs of the same architectures (what a perfect model of one run reaches, roughly).

    NB360_DATA_ROOT=../shared/data python benchmarks/bench_protocol_transfer.py --task darcyflow \\
        --benchmark-protocol darcyflow-cpu-v1 --protocol darcyflow-cpu-v2 [--store DIR]
"""
from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from surrogates.metrics import kendall_tau


def kendall_with_interval(predicted: np.ndarray, observed: np.ndarray, n_boot: int = 1000,
                          seed: int = 0) -> tuple[float, float, float]:
    """Kendall tau of ``predicted`` against ``observed`` and its 90 % percentile-bootstrap interval
    (pairs resampled with replacement)."""
    predicted, observed = np.asarray(predicted, float), np.asarray(observed, float)
    tau = kendall_tau(observed, predicted)
    rng = np.random.default_rng(seed)
    draws = [kendall_tau(observed[i], predicted[i])
             for i in (rng.integers(len(predicted), size=len(predicted)) for _ in range(n_boot))]
    low, high = np.nanpercentile(draws, [5, 95])
    return tau, float(low), float(high)


def architecture_table(records: pd.DataFrame) -> pd.DataFrame:
    """One row per architecture of the ``ok`` records: its text form, mean score, number of runs,
    and its runs' scores in seed order."""
    ok = records[records["status"] == "ok"].sort_values(["arch_hash", "seed"])
    return ok.groupby("arch_hash").agg(arch=("arch", "first"), mean=("score", "mean"),
                                       runs=("score", "size"), scores=("score", list))


def transfer_rows(predicted: np.ndarray, archs: pd.DataFrame) -> list[tuple[str, int, tuple]]:
    """(what, how many architectures, (tau, low, high)) for each comparison of the module docstring."""
    three = (archs["runs"] >= 3).to_numpy()
    first = np.array([s[0] for s in archs["scores"]])
    two = (archs["runs"] >= 2).to_numpy()
    second = np.array([s[1] if len(s) > 1 else np.nan for s in archs["scores"]])
    rows = [("means of architectures with >= 3 seeds", int(three.sum()),
             kendall_with_interval(predicted[three], archs["mean"].to_numpy()[three])),
            ("means of every architecture", len(archs), kendall_with_interval(predicted, archs["mean"])),
            ("single runs (first seed)", len(archs), kendall_with_interval(predicted, first))]
    if two.sum() > 2:
        rows.append(("reference: seed 0 runs against seed 1 runs", int(two.sum()),
                     kendall_with_interval(first[two], second[two])))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", required=True)
    parser.add_argument("--benchmark-protocol", required=True, help="the shipped benchmark's protocol")
    parser.add_argument("--protocol", required=True, help="the records' protocol")
    parser.add_argument("--space", default="darts")
    parser.add_argument("--store", default=None, help="record store folder (default: the shipped one)")
    args = parser.parse_args(argv)

    from surrogates import Benchmark
    from training_data import load_records

    bench = Benchmark.load(args.task, args.space, args.benchmark_protocol)
    archs = architecture_table(load_records(task=args.task, protocol=args.protocol, space=args.space,
                                            store=args.store))
    if len(archs) < 3:
        raise SystemExit(f"{args.protocol}: {len(archs)} architectures with ok runs; need at least 3")
    predicted = bench.query(list(archs["arch"])).mean
    print(f"{args.task}: the {args.benchmark_protocol} benchmark against {args.protocol} records")
    for what, n, (tau, low, high) in transfer_rows(np.asarray(predicted), archs):
        print(f"  {what:45s} n={n:4d}  Kendall tau {tau:.3f} (90 % interval {low:.2f}-{high:.2f})")


if __name__ == "__main__":
    main()
