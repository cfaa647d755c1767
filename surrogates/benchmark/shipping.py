"""The hyper-parameters of the shipped ensembles, and the validation run that chose them.

The default ``ensemble`` (GIN 5 x 100 epochs, hidden 64, + XGBoost 5 x 1,200 rounds of depth 8)
is tuned for accuracy at 1,000 training architectures. The shipped artifacts must also be small
(a few MB) and fast to query (10,000 architectures with uncertainty in under 1 s on 2 cores), so
:data:`SHIPPED_ENSEMBLE` uses fewer and smaller members. Measured on a validation split carved
from each task's fitting pool (5,000 training and 2,000 validation archs of the 90 % pool; never
the held-out 10 %), every GIN at 40 epochs, mixture weights 3/4 GIN + 1/4 XGB, seed 0
(``python -m surrogates.benchmark.shipping --task ninapro``, and ``--task darcyflow``):

==========================  =============================  =============================
members                     NinaPro KT / R2 / cov90 / NLL  Darcy KT / R2 / cov90 / NLL
==========================  =============================  =============================
GIN h64 x5 + XGB default    0.702 / 0.900 / 0.94 / 1.38    0.882 / 0.976 / 0.98 / -4.26
GIN h64 x3 + XGB small      0.698 / 0.900 / 0.94 / 1.40    0.873 / 0.974 / 0.99 / -4.10
GIN h32 x5 + XGB small      0.691 / 0.898 / 0.94 / 1.42    0.857 / 0.971 / 0.99 / -3.97
GIN h32 x3 + XGB small (*)  0.689 / 0.896 / 0.94 / 1.43    0.858 / 0.972 / 0.98 / -3.97
GIN h32 x3 + XGB default    0.692 / 0.896 / 0.94 / 1.42    0.862 / 0.973 / 0.98 / -4.09
==========================  =============================  =============================

XGB default (5 x 1,200 rounds, depth 8) is 75-77 MB per task; XGB small (3 x 300, depth 6,
lr 0.06) 4.1 MB. The GIN's inference cost on 10,000 NB201 archs (1 thread): hidden 32 x 3
members 0.30 s, hidden 64 x 3 members 0.85 s. (*) shipped: hidden 32 x 3 keeps the 10,000-arch
query under 1 s; it costs 0.009 (NinaPro) and 0.015 (Darcy) Kendall tau against hidden 64 x 3,
and 0.013 / 0.024 against the default-size ensemble, at 1/18 of its size. The CIFAR-100 NB201
artifact uses the same recipe; it was not re-chosen on a CIFAR-100 validation split.
"""
from __future__ import annotations

import argparse
import copy
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

# GIN: 40 epochs at >= 10,000 training archs are >= 3,000 optimiser steps, four times the
# tuned 100 epochs at 1,000 archs; hidden 32 and 3 members keep inference 4-6x cheaper.
SHIPPED_GIN: dict[str, Any] = {"hidden": 32, "n_members": 3, "epochs": 40}
SHIPPED_XGB: dict[str, Any] = {
    "n_members": 3,
    "n_rounds": 300,
    "booster_params": {"max_depth": 6, "learning_rate": 0.06, "min_child_weight": 1,
                       "colsample_bytree": 0.8, "lambda": 1.0},
}
SHIPPED_ENSEMBLE: dict[str, Any] = {
    "members": [{"name": "gin", "params": SHIPPED_GIN}, {"name": "xgb", "params": SHIPPED_XGB}],
    "weights": [0.75, 0.25],
}
# Small data (the DARTS CPU records: tens to hundreds): the same recipe with longer GIN training
# in smaller batches so the optimiser still takes a few hundred steps (not validated: too few
# records to carve a validation split from).
SMALL_DATA_RECORDS = 2000
# DARTS graphs have about three times the nodes of NB201 graphs, so the hidden-32 GIN alone takes
# ~0.85 s per 10,000 DARTS archs on one core and the query misses its 1 s target; hidden 16 costs
# about a quarter of the multiply-adds. At today's 53-82 records per task accuracy can hardly
# decide it (5-fold CV Kendall tau, h32 vs h16: ecg 0.10 vs 0.00, satellite 0.13 vs 0.15,
# darcyflow 0.54 vs 0.49; `python benchmarks/bench_darts_gin_width.py`), so speed decides for
# now; re-choose on a validation split once a DARTS task has thousands of records.
DARTS_GIN_HIDDEN = 16


def shipped_params(model: str, n_records: int, space: str = "nb201") -> dict[str, Any]:
    """Hyper-parameters ``nb360 fit`` uses for ``model`` fitted on ``n_records`` records of ``space``."""
    if model != "ensemble":
        return {}
    params = copy.deepcopy(SHIPPED_ENSEMBLE)
    if space == "darts":
        params["members"][0]["params"]["hidden"] = DARTS_GIN_HIDDEN
    # Interval calibration holds out 10 % of the fitting pool; refitting the members on all of it
    # afterwards doubles the fit (~9 more minutes per NB201 table on 2 cores), so large tables keep
    # the members fitted without the calibration share (90 % of the pool).
    params["calibration_refit"] = n_records < SMALL_DATA_RECORDS
    # The held-out metrics score architectures never fitted (whole seed/twin groups held out), so
    # the intervals are calibrated the same way.
    params["calibration_groups"] = True
    if n_records < SMALL_DATA_RECORDS:
        params["members"][0]["params"]["epochs"] = 200
        params["members"][0]["params"]["batch_size"] = 32
    return params


def _member_mixture(gin: Any, archs: list[Any], members: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean/std of the first ``members`` GIN members (a smaller ensemble, exactly)."""
    import graph_encodings

    space = graph_encodings.get_space(gin.space_)
    means, variances = gin.estimator_.member_predictions(gin._graphs(space, archs))
    m, v = means[:members], variances[:members]
    mean = m.mean(axis=0) * gin.y_std_ + gin.y_mean_
    std = np.sqrt(v.mean(axis=0) + m.var(axis=0)) * gin.y_std_
    return mean, std


def _size_mb(model: Any) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        model.save(Path(tmp) / "m")
        return sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file()) / 1e6


def validate(task: str, n_train: int, n_val: int, seed: int = 0) -> list[dict[str, Any]]:
    """Fit the candidate members on ``n_train`` pool archs, score mixtures on ``n_val`` others."""
    import graph_encodings
    import surrogates
    from surrogates.benchmark.records import split_records
    from surrogates.metrics import regression_metrics
    from surrogates.models.ensemble import mixture
    from training_data.records import load_records

    frame = load_records(task=task, space="nb201", protocol="nb360-nb201-200ep")
    frame = frame[frame["status"] == "ok"].reset_index(drop=True)
    pool, _ = split_records(len(frame), seed)
    order = np.random.default_rng([seed, 1]).permutation(pool)
    train, val = order[:n_train], order[n_train:n_train + n_val]
    space = graph_encodings.get_space("nb201")
    archs = [space.parse(a) for a in frame["arch"]]
    y = frame["score"].to_numpy(float)
    tr, va = [archs[i] for i in train], [archs[i] for i in val]
    fits: dict[str, Any] = {}
    gin_default = {"hidden": 64, "n_members": 5, "epochs": 40}
    for name, kind, params in [
        ("gin_h64_x5", "gin", gin_default),
        ("gin_h32_x5", "gin", {**SHIPPED_GIN, "n_members": 5}),
        ("xgb_default", "xgb", {}),
        ("xgb_small", "xgb", SHIPPED_XGB),
    ]:
        start = time.perf_counter()
        fits[name] = surrogates.create(kind, seed=seed, **params).fit(tr, y[train])
        print(f"  fitted {name} in {time.perf_counter() - start:.0f} s", flush=True)
    preds = {
        "gin_h64_x5": _member_mixture(fits["gin_h64_x5"], va, 5),
        "gin_h64_x3": _member_mixture(fits["gin_h64_x5"], va, 3),
        "gin_h32_x5": _member_mixture(fits["gin_h32_x5"], va, 5),
        "gin_h32_x3": _member_mixture(fits["gin_h32_x5"], va, 3),
        "xgb_default": fits["xgb_default"].predict(va),
        "xgb_small": fits["xgb_small"].predict(va),
    }
    rows = []
    combos = [("gin_h64_x5", "xgb_default"), ("gin_h64_x3", "xgb_small"),
              ("gin_h32_x5", "xgb_small"), ("gin_h32_x3", "xgb_small"), ("gin_h32_x3", "xgb_default")]
    for gin_name, xgb_name in combos:
        (gm, gs), (xm, xs) = preds[gin_name], preds[xgb_name]
        mean, var = mixture(np.stack([gm, xm]), np.stack([gs**2, xs**2]), np.array([0.75, 0.25]))
        metrics = regression_metrics(y[val], mean, np.sqrt(var), task=task)
        rows.append({"task": task, "gin": gin_name, "xgb": xgb_name,
                     **{k: round(float(metrics[k]), 4) for k in ("kendall_tau", "r2", "coverage90", "nll")}})
    for name in ("xgb_default", "xgb_small"):
        rows.append({"task": task, "member": name, "size_mb": round(_size_mb(fits[name]), 2)})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="validate the shipped ensemble's size choice")
    parser.add_argument("--task", default="ninapro")
    parser.add_argument("--n-train", type=int, default=5000)
    parser.add_argument("--n-val", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    for row in validate(args.task, args.n_train, args.n_val):
        print(row, flush=True)


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
