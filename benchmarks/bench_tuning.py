"""What budgeted tuning buys: default vs tuned ``xgb`` on the NB201 NB360 records.

A seeded permutation of the task's records gives a 2,000-arch test slice and, disjoint from it,
1,000 training archs. ``surrogates.tuning.tune`` random-searches ``xgb`` (10 trials, trial 0 = the
defaults) on a validation split of the 1,000 (whole canonical-hash groups, 20 %); then the
defaults and the chosen hyper-parameters are each refitted on all 1,000 and scored on the test
slice, which tuning never saw, so the test gain is honest. ``kt_unseen`` is the test KT over the
archs without an isomorphic twin among the 1,000 (the validation split holds out whole twin groups,
so validation KT estimates this harder number, not the all-archs test KT).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_tuning.py [--task ninapro|darcyflow]
"""
from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import surrogates  # noqa: E402
from surrogates.metrics import kendall_tau, regression_metrics  # noqa: E402
from surrogates.tuning import tune  # noqa: E402
from training_data.records import load_records  # noqa: E402

PROTOCOL = "nb360-nb201-200ep"


def score_on_test(model: str, params: dict, archs: list, y: np.ndarray, groups: np.ndarray,
                  train: np.ndarray, test: np.ndarray, task: str, seed: int) -> dict[str, float]:
    """Fit on ``train`` with ``params``; KT, R2, 90 % coverage on ``test``, and KT on its unseen part.

    ``kt_unseen``: test archs with no isomorphic twin among the training archs (what the
    group-held-out validation split measures; twins of training archs are much easier).
    """
    fitted = surrogates.create(model, **params, seed=seed).fit(
        [archs[i] for i in train], y[train], noise_groups=groups[train])
    mean, std = fitted.predict([archs[i] for i in test])
    metrics = regression_metrics(y[test], mean, std, task=task)
    unseen = ~np.isin(groups[test], groups[train])
    out = {k: round(float(metrics[k]), 4) for k in ("kendall_tau", "r2", "coverage90")}
    out["kt_unseen"] = round(kendall_tau(y[test][unseen], mean[unseen]), 4)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="ninapro", choices=["ninapro", "darcyflow"])
    parser.add_argument("--model", default="xgb")
    parser.add_argument("--n-train", type=int, default=1000)
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--n-trials", type=int, default=10)
    parser.add_argument("--time-budget-s", type=float, default=None)
    parser.add_argument("--validation-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the tuning record to this file")
    args = parser.parse_args(argv)

    frame = load_records(task=args.task, protocol=PROTOCOL, space="nb201")
    frame = frame[frame["status"] == "ok"].reset_index(drop=True)
    archs, y = frame["arch"].tolist(), frame["score"].to_numpy(np.float64)
    groups = frame["arch_hash"].to_numpy()
    order = np.random.default_rng([args.seed, 2024]).permutation(len(y))
    test, train = order[:args.n_test], order[args.n_test:args.n_test + args.n_train]

    start = time.perf_counter()
    result = tune(args.model, [archs[i] for i in train], y[train], noise_groups=groups[train],
                  task=args.task, n_trials=args.n_trials, time_budget_s=args.time_budget_s,
                  validation_fraction=args.validation_fraction, seed=args.seed,
                  base_params={"n_jobs": 1})
    tune_s = time.perf_counter() - start
    print(f"{args.task}: tuned {args.model} on {result.n_train} train / {result.n_validation} "
          f"validation archs, {len(result.trials)} trials in {tune_s:.0f} s ({result.stopped_by})")
    for i, trial in enumerate(result.trials):
        print(f"  trial {i}: val KT {trial.score:.4f}  fit {trial.fit_seconds:5.1f} s  "
              f"{trial.sampled or 'defaults'}")
    default_test = score_on_test(args.model, result.trials[0].params, archs, y, groups, train, test,
                               args.task, args.seed)
    tuned_test = score_on_test(args.model, result.best_params, archs, y, groups, train, test,
                             args.task, args.seed)
    print(f"validation KT: default {result.default_score:.4f}  tuned {result.best_score:.4f} "
          f"(trial {result.best_trial})")
    unseen = int((~np.isin(groups[test], groups[train])).sum())
    print(f"test ({len(test)} archs, {unseen} without a twin in training; fitted on all "
          f"{len(train)}):\n  default {default_test}\n  tuned   {tuned_test}")
    print(f"total {time.perf_counter() - start:.0f} s")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"tuning": result.to_dict(), "test_default": default_test,
                       "test_tuned": tuned_test}, handle, indent=1)


if __name__ == "__main__":
    main()
