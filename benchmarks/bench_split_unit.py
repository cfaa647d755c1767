"""Whether a record-by-record split flatters a DARTS surrogate: 5-fold CV, two kinds of folds.

On the committed DARTS CPU records of each task, the shipped XGBoost member (3 x 300 rounds) is
cross-validated twice with the same seed: folds drawn record by record (an architecture trained
with 3 seeds can have its other seeds in the fitting folds) and folds of whole architectures
(what ``fit_benchmark`` does). Prints both Kendall taus, also on the records of repeated
architectures alone, where the leak is.

    NB360_DATA_ROOT=../shared/data .venv/bin/python benchmarks/bench_split_unit.py [--tasks ecg]
"""
from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import surrogates  # noqa: E402
from surrogates.benchmark.records import load_training_set  # noqa: E402
from surrogates.benchmark.shipping import SHIPPED_XGB  # noqa: E402
from surrogates.metrics import kendall_tau  # noqa: E402
from surrogates.splits import group_folds  # noqa: E402

FOLDS = 5


def out_of_fold(data, folds: np.ndarray, seed: int) -> np.ndarray:
    archs, y, groups = data.archs, data.scores, data.groups
    predicted = np.zeros(len(y))
    for f in range(FOLDS):
        test, train = np.flatnonzero(folds == f), np.flatnonzero(folds != f)
        model = surrogates.create("xgb", **SHIPPED_XGB, space="darts", seed=seed)
        model.fit([archs[i] for i in train], y[train], noise_groups=groups[train])
        predicted[test] = model.predict([archs[i] for i in test])[0]
    return predicted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["ecg", "satellite", "darcyflow"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"{'task':10s} {'records':>7s} {'archs':>6s} {'repeated':>8s} {'KT by record':>12s} "
          f"{'KT by arch':>10s} {'repeated: by record':>19s} {'by arch':>8s}")
    for task in args.tasks:
        data = load_training_set(task, "darts", f"{task}-cpu-v1")
        y, groups = data.scores, data.groups
        labels, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
        repeated = counts[inverse] > 1
        by_record = np.random.default_rng(args.seed).permutation(len(y)) % FOLDS
        by_arch = group_folds(groups, FOLDS, np.random.default_rng(args.seed))
        leaky, honest = out_of_fold(data, by_record, args.seed), out_of_fold(data, by_arch, args.seed)
        print(f"{task:10s} {len(y):7d} {len(labels):6d} {int(repeated.sum()):8d} "
              f"{kendall_tau(y, leaky):12.3f} {kendall_tau(y, honest):10.3f} "
              f"{kendall_tau(y[repeated], leaky[repeated]):19.3f} "
              f"{kendall_tau(y[repeated], honest[repeated]):8.3f}", flush=True)


if __name__ == "__main__":
    main()
