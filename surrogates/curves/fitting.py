"""Fit the learning-curve model of a benchmark from its records and write it next to it.

``fit_curves(task, space)`` (``python -m surrogates.curves.fitting --task ecg``, or ``--all``;
``nb360 fit`` runs it after fitting a benchmark whose records have curves) reads the benchmark's
manifest, fits :class:`~surrogates.curves.model.CurveModel` on the same records the benchmark's
surrogate was fitted on (its 90 % pool when it holds architectures out, all records when it was
cross-validated) and writes ``<protocol folder>/curves/<model>/``. The benchmark's own folder
is not touched. The records must be those the benchmark was fitted on (same training-data hash).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from surrogates.curves.model import CURVE_XGB, CurveModel, curves_folder
from surrogates.curves.noise import CurveNoise
from surrogates.curves.records import curve_records, group_means

CURVE_FOLDS = 5  # out-of-fold residuals give the transfer weights and the residual variance


def _fit_columns(space: str, archs: Sequence[Any], keys: Sequence[str], groups: np.ndarray,
                 targets: np.ndarray, params: dict[str, Any], seed: int) -> list[Any]:
    """One ``xgb`` surrogate per column of ``targets`` (n, c), fitted on the per-key means."""
    from surrogates.registry import create

    means, _, first = group_means(targets, keys)
    unique_archs, unique_groups = [archs[i] for i in first], groups[first]
    return [create("xgb", **params, space=space, seed=seed).fit(
        unique_archs, means[:, c], noise_groups=unique_groups) for c in range(targets.shape[1])]


def _time_fraction(seconds: np.ndarray | None) -> np.ndarray | None:
    """Median share of the training time spent by the end of each epoch (last = 1)."""
    if seconds is None:
        return None
    fraction = np.median(np.cumsum(seconds, axis=1) / seconds.sum(axis=1, keepdims=True), axis=0)
    fraction[-1] = 1.0
    return fraction


def fit_curve_model(archs: Sequence[Any], val: np.ndarray, final: np.ndarray, groups: Any, *,
                    space: str, keys: Sequence[str] | None = None,
                    seconds: np.ndarray | None = None, params: dict[str, Any] | None = None,
                    seed: int = 0, folds: int = CURVE_FOLDS) -> CurveModel:
    """A :class:`CurveModel` fitted on records: ``archs`` (n,), validation curves ``val``
    (n, T), final scores ``final`` (n,), noise ``groups`` (canonical hashes), ``keys`` (what
    makes one trained architecture; default ``archs``: its seeds are averaged into one target),
    ``seconds`` (n, T) per-epoch times. ``params``: the ``xgb`` recipe (default :data:`CURVE_XGB`)."""
    from graph_encodings.resolve import resolve_archs
    from graph_encodings.seeds import check_seed
    from surrogates.aleatoric import residual_excess_variance
    from surrogates.splits import group_folds

    check_seed(seed)
    keys = [str(a) for a in archs] if keys is None else list(keys)
    archs, groups = resolve_archs(archs, space)[1], np.asarray(groups)  # parsed once
    val, final = np.asarray(val, dtype=np.float64), np.asarray(final, dtype=np.float64)
    if val.ndim != 2 or val.shape[0] != len(archs) or final.shape != (len(archs),):
        raise ValueError(f"need val (n, T) and final (n,) for n = {len(archs)} archs, got "
                         f"{val.shape} and {final.shape}")
    params = dict(CURVE_XGB if params is None else params)
    targets = np.column_stack([val, final])
    k = min(folds, len(np.unique(groups)))
    fold = group_folds(groups, k, np.random.default_rng(seed))
    oof = np.zeros_like(targets)
    for f in range(k):
        train, test = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        models = _fit_columns(space, [archs[i] for i in train], [keys[i] for i in train],
                              groups[train], targets[train], params, seed)
        test_archs = [archs[i] for i in test]
        oof[test] = np.column_stack([m.predict(test_archs)[0] for m in models])
    residual = targets - oof
    centred = residual - residual.mean(axis=0)
    final_var = float(np.mean(centred[:, -1] ** 2))
    beta = centred[:, :-1].T @ centred[:, -1] / (len(centred) * final_var) if final_var > 0 \
        else np.zeros(val.shape[1])
    left = residual[:, :-1] - beta[None, :] * residual[:, -1:]
    everything, zero = np.ones(len(left), dtype=bool), np.zeros(len(left))
    residual_var = np.array([residual_excess_variance(left[:, t], zero, zero, everything)
                             for t in range(val.shape[1])])
    models = _fit_columns(space, archs, keys, groups, targets, params, seed)
    return CurveModel(epoch_models=models[:-1], final_model=models[-1], beta=beta,
                      residual_var=residual_var, time_fraction=_time_fraction(seconds),
                      noise=CurveNoise.from_runs(val, final, groups))


def _record_keys(frame: Any) -> list[str]:
    """One key per trained architecture, as the benchmark's targets (arch text and run id)."""
    run_ids = frame["run_id"].astype(str) if "run_id" in frame.columns else [""] * len(frame)
    return [f"{a}\t{r}" for a, r in zip(frame["arch"], run_ids, strict=True)]


def fit_curves(task: str, space: str | None = None, protocol: str | None = None,
               model: str = "ensemble", *, artifacts: str | os.PathLike[str] | None = None,
               store: str | os.PathLike[str] | None = None, params: dict[str, Any] | None = None,
               overwrite: bool = False) -> Path:
    """Fit the curve model of the benchmark ``task``/``space``/``protocol``/``model`` under
    ``artifacts`` (default: the shipped ones) from the records in ``store`` and write it to
    :func:`~surrogates.curves.model.curves_folder`; returns that folder (module docstring).

    The records are those the benchmark was fitted on (its training-data hash): the store's
    first ``n_records`` where records were appended since (a collection running beside the fit);
    ``ValueError`` when the store's records differ otherwise."""
    from surrogates.benchmark.artifact_folders import read_benchmark_manifest, resolve
    from surrogates.benchmark.records import held_out_rows, load_training_set, training_data_hash

    bench_folder = resolve(task, space, protocol, model, artifacts)
    manifest = read_benchmark_manifest(bench_folder)
    target = curves_folder(bench_folder)
    if target.exists() and any(target.iterdir()) and not overwrite:
        raise FileExistsError(f"{target} already holds a curve model; pass overwrite=True (--overwrite)")
    data = load_training_set(manifest["task"], manifest["space"], manifest["protocol"], store)
    fitted_on = manifest.get("training_data", {}).get("sha256")
    n_fitted = manifest.get("training_data", {}).get("n_records")
    matches = training_data_hash(data) == fitted_on
    if not matches and isinstance(n_fitted, int) and len(data) > n_fitted:
        data = data.first(n_fitted)  # records appended since the benchmark's fit (e.g. a collection)
        matches = training_data_hash(data) == fitted_on
    if not matches:
        raise ValueError(f"the records of {task}/{manifest['protocol']} differ from those the benchmark in "
                         f"{bench_folder} was fitted on (training-data hash); refit the benchmark "
                         f"(nb360 fit), which fits its curves too")
    curves = curve_records(data.frame["learning_curve"].tolist())
    if curves is None:
        raise ValueError(f"the {manifest['space']}/{task} records of protocol {manifest['protocol']!r} "
                         f"have no complete learning curves (final scores only): no curve model")
    evaluation = manifest.get("evaluation", {})
    if evaluation.get("method") == "holdout":
        rows = np.setdiff1d(np.arange(len(data)), held_out_rows(data, evaluation))
        used = "the benchmark's fitting pool (its held-out architectures are never seen)"
    else:
        rows = np.arange(len(data))
        used = "all records (the benchmark's surrogate was cross-validated and refit on all)"
    seed = int(evaluation.get("split_seed", 0))
    start = time.perf_counter()
    keys = _record_keys(data.frame)
    fitted = fit_curve_model(
        [data.archs[i] for i in rows], curves.val[rows], data.scores[rows], data.groups[rows],
        space=manifest["space"], keys=[keys[i] for i in rows],
        seconds=None if curves.seconds is None else curves.seconds[rows], params=params, seed=seed)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".staging-") as tmp:
        staging = Path(tmp) / "curves"
        fitted.save(staging, {
            "space": manifest["space"], "task": manifest["task"], "protocol": manifest["protocol"],
            "model": manifest["model"], "benchmark_manifest_sha256": manifest["manifest_sha256"],
            "requires": ["numpy", "xgboost"], "hyper_parameters": dict(CURVE_XGB if params is None else params),
            "training_data": {"n_records": int(len(rows)), "rows": used, "split_seed": seed,
                              "sha256": fitted_on, "transfer_folds": CURVE_FOLDS},
            "fit_seconds": time.perf_counter() - start,
            "created": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        })
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(staging), str(target))
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="fit the learning-curve model of a benchmark")
    parser.add_argument("--task", action="append", help="task (repeatable); default with --all: every "
                        "benchmark whose records have learning curves")
    parser.add_argument("--all", action="store_true", help="every benchmark of --space with curves")
    parser.add_argument("--space", default="darts")
    parser.add_argument("--protocol", default=None)
    parser.add_argument("--model", default="ensemble")
    parser.add_argument("--artifacts", default=None, help="artifacts folder (default: the shipped one)")
    parser.add_argument("--store", default=None, help="record store (default: the shipped records)")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    from surrogates.benchmark.artifact_folders import list_benchmarks

    if args.all:
        targets = [(t, p) for s, t, p, m in list_benchmarks(args.artifacts)
                   if s == args.space and m == args.model and (not args.task or t in args.task)]
    elif args.task:
        targets = [(t, args.protocol) for t in args.task]
    else:
        parser.error("pass --task T (repeatable) or --all")
    for task, protocol in targets:
        start = time.perf_counter()
        folder = fit_curves(task, args.space, protocol, args.model, artifacts=args.artifacts,
                            store=args.store, overwrite=args.overwrite)
        print(f"{folder}  ({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
