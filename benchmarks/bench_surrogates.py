"""Surrogate accuracy on the committed NB201 NB360 records (NinaPro, Darcy Flow).

For each task: a seeded random split of the 15,625 records into a fixed test set of 5,000 and a
training pool; for each training size (default 1,000 and 5,000, the first n of the pool) every
model is fitted and scored on the test set. Prints Kendall tau, R2, MAE, sparse Kendall tau and
the 50% / 90% interval coverage, plus the isomorphic-twin MAE (the table's own noise) per task.

With ``--reuse-members`` (default) the ``gin``, ``xgb`` and ``lgb`` rows are the fitted members
of the ``ensemble`` (same hyper-parameters, the ensemble's seeds) instead of separate refits.

    .venv/bin/python benchmarks/bench_surrogates.py [--tasks ninapro darcyflow] [--sizes 1000 5000]
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

import surrogates  # noqa: E402
from surrogates.metrics import regression_metrics  # noqa: E402
from training_data.records import load_records  # noqa: E402

PROTOCOL = "nb360-nb201-200ep"
MODELS = ("mean", "xgb_default_onehot", "nb301_xgb", "nb301_lgb", "xgb", "lgb", "gin", "ensemble")
COLUMNS = ["kendall_tau", "r2", "mae", "sparse_kendall_tau", "coverage50", "coverage90"]


def split(n: int, n_test: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    return order[:n_test], order[n_test:]


def score_row(task: str, n_train: int, model: str, y: np.ndarray, mean: np.ndarray,
              std: np.ndarray, fit_s: float) -> dict:
    metrics = regression_metrics(y, mean, std, task=task)
    return {"task": task, "n_train": n_train, "model": model,
            **{k: metrics[k] for k in COLUMNS}, "fit_s": fit_s}


def bench_task(task: str, sizes: list[int], models: list[str], n_test: int, seed: int,
               reuse: bool) -> list[dict]:
    frame = load_records(task=task, protocol=PROTOCOL, space="nb201")
    frame = frame[frame["status"] == "ok"].reset_index(drop=True)
    archs = frame["arch"].tolist()
    y = frame["score"].to_numpy(dtype=np.float64)
    hashes = frame["arch_hash"].to_numpy()
    test, pool = split(len(y), n_test, seed)
    twin = surrogates.isomorphic_twin_mae(frame)
    print(f"\n{task}: {len(y)} records, test {len(test)}, isomorphic-twin MAE {twin:.4f}", flush=True)
    test_archs = [archs[i] for i in test]
    rows = []
    for n in sizes:
        train = pool[:n]
        train_archs = [archs[i] for i in train]
        from_members: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name in sorted(models, key=lambda m: m != "ensemble"):  # the ensemble first
            fit_s = float("nan")
            if name in from_members:
                mean, std = from_members[name]
            else:
                start = time.perf_counter()
                model = surrogates.create(name, seed=seed).fit(
                    train_archs, y[train], noise_groups=hashes[train])
                fit_s = time.perf_counter() - start
                mean, std = model.predict(test_archs)
                if name == "ensemble" and reuse:
                    for member, m_mean, m_std in model.member_predictions(test_archs, calibrated=False):
                        from_members.setdefault(member, (m_mean, m_std))
            rows.append(score_row(task, n, name, y[test], mean, std, fit_s))
            print("  " + "  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                   for k, v in rows[-1].items()), flush=True)
    return rows


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["ninapro", "darcyflow"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 5000])
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--n-test", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-reuse-members", dest="reuse", action="store_false")
    parser.add_argument("--csv", default=None, help="also write the table here")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    unknown = sorted(set(args.models) - set(surrogates.list_surrogates()))
    if unknown:
        parser.error(f"unknown model(s) {unknown}; valid: {surrogates.list_surrogates()}")
    rows = []
    for task in args.tasks:
        rows += bench_task(task, args.sizes, args.models, args.n_test, args.seed, args.reuse)
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        print("\n" + table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if args.csv:
        table.to_csv(args.csv, index=False)
    return table


if __name__ == "__main__":
    main()
