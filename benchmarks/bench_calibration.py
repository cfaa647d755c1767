"""Interval coverage, width, NLL and Kendall tau of a default fit on every table and record set.

For each record set (``--tables``, ``space/task/protocol``), training size (``--sizes``) and
split (``--splits`` seeds): ``n`` records drawn at random are the training set, as a user's
random sample of evaluated architectures; the test set is up to ``--n-test`` of the other records
whose architecture (canonical hash: isomorphic twins and repeated seeds are one architecture)
has no record in the training set, i.e. architectures the model never saw. Each model of
``--models`` is fitted with its defaults by ``create(name).fit(archs, y)`` (a spec may add
hyper-parameters as JSON: ``'xgb_default_onehot:{"features": "graf"}'``) and scored on the test
set: the 50 / 80 / 90 / 95 % coverage of ``predict``'s intervals
(:meth:`surrogates.calibration.Prediction.interval`: conformal per level where the model is
calibrated, Gaussian from ``std`` otherwise), the mean width of the 90 % interval (score units),
the Gaussian NLL of ``(mean, std)`` and Kendall tau. ``tau_rows`` and ``cov90_rows`` score the
first ``--n-test`` held-out records of any architecture instead (isomorphic twins of training
cells included), as NB201 predictor papers split.

``--noise`` prints instead, per record set with repeated runs, how noisy benchmark queries
spread against the records: for every architecture with several runs, the std of its runs and of
as many draws of :class:`surrogates.run_noise.RunNoise` (fitted to all repeats, 20 draws of each),
as quartiles and 90th percentile over architectures.

A size runs on a set where its first split leaves at least ``MIN_TEST_ROWS`` (100) test records of
unseen architectures: on fewer, one split's 90 % coverage has a standard error above 0.03. The printed table gives the median
over splits (``cov90`` also its range); ``--out`` appends every split's row as JSON (resumable:
rows already in the file are not refitted) and ``--report`` prints the table of such a file.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_calibration.py \\
        --tables nb201/cifar100 --sizes 100 1000 --splits 5 --out runs/calibration.jsonl
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from result_rows import emit_row, read_rows  # noqa: E402

NB201_PROTOCOL = "nb360-nb201-200ep"
DEFAULT_TABLES = ("nb201/cifar100", "nb201/ninapro", "nb201/darcyflow",
                  "darts/darcyflow/darcyflow-cpu-v1", "darts/ecg/ecg-cpu-v1",
                  "darts/satellite/satellite-cpu-v1", "darts/psicov/psicov-cpu-v2")
LEVELS = (0.5, 0.8, 0.9, 0.95)
MIN_TEST_ROWS = 100


def parse_table(spec: str) -> tuple[str, str, str]:
    """``space/task[/protocol]`` -> (space, task, protocol); NB201 tables default to NB360's."""
    parts = spec.split("/")
    if len(parts) == 2 and parts[0] == "nb201":
        return "nb201", parts[1], NB201_PROTOCOL
    if len(parts) != 3:
        raise SystemExit(f"table {spec!r}: expected space/task/protocol (or nb201/task)")
    return parts[0], parts[1], parts[2]


def parse_model(spec: str) -> tuple[str, dict]:
    name, _, params = spec.partition(":")
    return name, (json.loads(params) if params else {})


def split_rows(groups: np.ndarray, n: int, n_test: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training rows (``n`` at random), test rows of unseen architectures, and held-out rows of
    any architecture (each at most ``n_test``)."""
    order = np.random.default_rng([seed, 22]).permutation(len(groups))
    train, rest = order[:n], order[n:]
    unseen = rest[~np.isin(groups[rest], groups[train])]
    return train, unseen[:n_test], rest[:n_test]


def unseen_test_rows(groups: np.ndarray, n: int, n_test: int, seed: int) -> int:
    """How many test records of architectures the training set lacks a split of size ``n`` leaves."""
    if n >= len(groups):
        return 0
    return len(split_rows(groups, n, n_test, seed)[1])


def score(name: str, prediction, y: np.ndarray, mean_rows: np.ndarray, std_rows: np.ndarray,
          y_rows: np.ndarray) -> dict:
    from surrogates.metrics import gaussian_nll, kendall_tau

    mean, std = prediction
    row = {f"cov{int(lv * 100)}": prediction.coverage(y, lv) for lv in LEVELS}
    low, high = prediction.interval(0.9)
    row.update(width90=float(np.mean(high - low)), nll=gaussian_nll(y, mean, std),
               tau=kendall_tau(y, mean), tau_rows=kendall_tau(y_rows, mean_rows))
    cal = prediction.calibration
    row.update(calibration=cal.method, n_cal=cal.n)
    return row


def run_one(table: str, n: int, split: int, models: list[str], n_test: int) -> list[dict]:
    import surrogates
    from surrogates.benchmark.records import load_training_set
    from surrogates.calibration import Prediction

    space, task, protocol = parse_table(table)
    data = load_training_set(task, space, protocol)
    archs, y, groups = data.archs, data.scores, data.groups
    train, test, rows = split_rows(groups, n, n_test, split)
    rows_out = []
    for spec in models:
        name, params = parse_model(spec)
        start = time.perf_counter()
        model = surrogates.create(name, seed=split, **params).fit([archs[i] for i in train], y[train])
        fit_s = time.perf_counter() - start
        prediction = model.predict([archs[i] for i in test])
        if not isinstance(prediction, Prediction):  # a model outside the protocol's Prediction
            prediction = Prediction(*prediction)
        mean_rows, std_rows = model.predict([archs[i] for i in rows])
        row = {"table": table, "n": n, "split": split, "model": spec, "n_test": len(test),
               "fit_s": round(fit_s, 1),
               **score(name, prediction, y[test], mean_rows, std_rows, y[rows])}
        row["cov90_rows"] = Prediction(mean_rows, std_rows, prediction.calibration).coverage(y[rows], 0.9)
        rows_out.append(row)
    return rows_out


COLUMNS = ("cov50", "cov80", "cov90", "cov95", "width90", "nll", "tau", "tau_rows", "cov90_rows")


def report(rows: list[dict]) -> str:
    """Median over splits per (table, n, model), as a markdown table."""
    keys = list(dict.fromkeys((r["table"], r["n"], r["model"]) for r in rows))
    out = ["| table | n | model | splits | " + " | ".join(COLUMNS) + " | cov90 range | calibration |",
           "|" + " --- |" * (len(COLUMNS) + 6)]
    for table, n, model in keys:
        sel = [r for r in rows if (r["table"], r["n"], r["model"]) == (table, n, model)]
        med = {c: float(np.median([r[c] for r in sel])) for c in COLUMNS}
        cov = [r["cov90"] for r in sel]
        cal = sel[0]["calibration"] + (f" (m={int(np.median([r['n_cal'] for r in sel]))})"
                                       if sel[0]["n_cal"] else "")
        cells = [f"{med[c]:.3g}" if c in ("width90", "nll") else f"{med[c]:.3f}" for c in COLUMNS]
        out.append(f"| {table} | {n} | {model} | {len(sel)} | " + " | ".join(cells)
                   + f" | {min(cov):.2f}-{max(cov):.2f} | {cal} |")
    return "\n".join(out)


def paired_report(rows: list[dict], base_rows: list[dict], base_model: str = "ensemble") -> str:
    """Per (table, n, model) of ``rows``: on the splits ``base_rows`` also hold for ``base_model``,
    the median paired tau gain, 90 % coverage change and width ratio against that model."""
    base = {(r["table"], r["n"], r["split"]): r for r in base_rows if r["model"] == base_model}
    out = [f"| table | n | model | paired splits | tau gain | cov90 change | width90 ratio (against {base_model}) |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
    for table, n, model in dict.fromkeys((r["table"], r["n"], r["model"]) for r in rows):
        pairs = [(r, base[(table, n, r["split"])]) for r in rows
                 if (r["table"], r["n"], r["model"]) == (table, n, model) and (table, n, r["split"]) in base]
        if not pairs:
            continue
        gain = np.median([r["tau"] - b["tau"] for r, b in pairs])
        change = np.median([r["cov90"] - b["cov90"] for r, b in pairs])
        ratio = np.median([r["width90"] / b["width90"] for r, b in pairs])
        out.append(f"| {table} | {n} | {model} | {len(pairs)} | {gain:+.3f} | {change:+.3f} | {ratio:.2f} |")
    return "\n".join(out)


def noise_report(tables: list[str]) -> str:
    """Seed-to-seed spread of the records against the noise model's draws (module docstring)."""
    from surrogates.benchmark.records import load_training_set
    from surrogates.run_noise import RunNoise

    out = ["| record set | archs with repeats | run_noise.std | per-arch std of runs: q25 / q50 / q75 / q90 "
           "| of draws: q25 / q50 / q75 / q90 |", "| --- | --- | --- | --- | --- |"]
    quantiles = (0.25, 0.5, 0.75, 0.9)
    for table in tables:
        space, task, protocol = parse_table(table)
        data = load_training_set(task, space, protocol)
        noise = RunNoise.from_runs(data.scores, data.groups)
        if noise is None:
            continue
        runs = data.frame.assign(score=data.scores).groupby("arch_hash")["score"]
        sizes = runs.size()
        real = runs.std(ddof=1)[sizes > 1].to_numpy()
        rng = np.random.default_rng(0)
        drawn = np.concatenate([noise.sample(int(k), rng).std(ddof=1, keepdims=True)
                                for k in np.repeat(sizes[sizes > 1].to_numpy(), 20)])
        fmt = " / ".join
        out.append(f"| {table} | {len(real)} | {noise.std:.4g} | "
                   f"{fmt(f'{v:.4g}' for v in np.quantile(real, quantiles))} | "
                   f"{fmt(f'{v:.4g}' for v in np.quantile(drawn, quantiles))} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tables", nargs="+", default=list(DEFAULT_TABLES))
    parser.add_argument("--sizes", nargs="+", type=int, default=[100, 1000, 5000])
    parser.add_argument("--splits", type=int, default=5, help="split seeds 0..splits-1")
    parser.add_argument("--first-split", type=int, default=0)
    parser.add_argument("--models", nargs="+", default=["ensemble", "xgb_default_onehot"])
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=None, help="append split rows here (JSON lines)")
    parser.add_argument("--report", type=Path, default=None, help="print the table of this file")
    parser.add_argument("--noise", action="store_true", help="print the seed-spread check instead")
    parser.add_argument("--against", type=Path, default=None,
                        help="with --report: also pair its rows with this file's default-ensemble rows of the "
                             "same splits (tau gain, coverage change, width ratio)")
    args = parser.parse_args(argv)
    if args.noise:
        print(noise_report(args.tables))
        return
    if args.report is not None:
        rows = read_rows(args.report)
        base_rows = None if args.against is None else read_rows(args.against)
        print(report(rows))
        if base_rows is not None:
            print(paired_report(rows, base_rows))
        return
    import torch

    torch.set_num_threads(1)
    from surrogates.benchmark.records import load_training_set

    done = {(r["table"], r["n"], r["split"], r["model"]) for r in read_rows(args.out, missing_ok=True)}
    rows: list[dict] = []
    for table in args.tables:
        space, task, protocol = parse_table(table)
        groups = load_training_set(task, space, protocol).groups
        for n in args.sizes:
            n_unseen = unseen_test_rows(groups, n, args.n_test, args.first_split)
            if n_unseen < MIN_TEST_ROWS:
                print(f"{table}: {len(groups)} records, size {n} skipped: its split {args.first_split} "
                      f"leaves {n_unseen} test records of unseen architectures (< {MIN_TEST_ROWS})",
                      flush=True)
                continue
            for split in range(args.first_split, args.first_split + args.splits):
                models = [m for m in args.models if (table, n, split, m) not in done]
                if not models:
                    continue
                for row in run_one(table, n, split, models, args.n_test):
                    rows.append(row)
                    emit_row(row, args.out)
    if rows:
        print(report(rows))


if __name__ == "__main__":
    main()
