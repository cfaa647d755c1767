"""``fit_benchmark``: fit a benchmark's surrogate from the records and write its artifacts.

Held-out metrics, chosen by data size (recorded in the manifest's ``evaluation``):

* ``holdout`` (>= :data:`HOLDOUT_MIN_ARCHS` architectures, so that the 10 % holds at least 100:
  metrics on fewer, and on the handful of them with 3 seeds, say little): a seeded random 10 % of the records is
  held out, by whole architectures (all seeds and isomorphic twins of a held-out architecture:
  ``split_unit`` ``architecture``); the model is fitted on the other 90 % and scored on the 10 %. The shipped model IS
  that 90 % fit, so the reported metrics are exactly those of the shipped artifact (no refit:
  a refit on all records would be a different, unscored model).
* ``cross_validation`` (fewer architectures, e.g. a v2 record set of a few hundred architectures
  with 3 seeds for some): 5-fold cross-validation
  of the same recipe (folds of whole architectures) gives out-of-fold predictions for every record; the shipped model is then
  refit on all records (with tens of records, holding 10 % out of the shipped model would cost
  much and a 3-record test set says nothing). The metrics are those of the recipe, not of the
  shipped fit itself, and with tens of records they are noisy: the manifest says so.

Optional budgeted tuning (``tuning=TuningOptions(...)``, ``nb360 fit --tune-trials N``) runs
:func:`surrogates.tuning.tune` inside the fitting pool only (never on the held-out 10 %), starting
from the recipe's hyper-parameters, and records every trial in the manifest's ``tuning``. With
cross-validation (small data) tuning is skipped, with the reason recorded: hyper-parameters chosen
on the same records would make the out-of-fold metrics optimistic.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from graph_encodings.deprecation import renamed_keywords
from surrogates.aleatoric import MIN_REPEAT_DOF
from surrogates.artifacts import write_manifest
from surrogates.benchmark.artifact_folders import (
    BENCHMARK_FORMAT_VERSION,
    BENCHMARK_KIND,
    artifact_dir,
    required_libraries,
)
from surrogates.benchmark.records import (
    HOLDOUT_FRACTION,
    SPLIT_UNIT_ARCHITECTURE,
    TrainingSet,
    load_training_set,
    split_architectures,
    training_data_hash,
)
from surrogates.benchmark.scoring import (
    HeldOutPrediction,
    held_out_metrics,
    per_architecture_coverage,
    seed_mean_metrics,
)
from surrogates.calibration import GAUSSIAN, z_value
from surrogates.disconnected import DisconnectedCells, apply_rule
from surrogates.metrics import INTERVAL_LEVELS
from surrogates.splits import group_folds, group_subset

HOLDOUT_MIN_ARCHS = 1000


class BenchmarkExistsError(FileExistsError, ValueError):
    """The target folder already holds a benchmark (pass ``overwrite=True``)."""

CV_FOLDS = 5


@dataclass(frozen=True)
class TuningOptions:
    """Budget and target of the optional tuning step (see the module docstring)."""

    n_trials: int = 20
    time_budget_s: float | None = None
    metric: str = "kendall_tau"
    validation_fraction: float = 0.3

RUNTIME_PARAMS: dict[str, Any] = {
    "n_members": 1, "n_rounds": 200, "noise_folds": 0,
    "booster_params": {"max_depth": 3, "learning_rate": 0.05},
}


@dataclass(frozen=True)
class _Fitted:
    """A fitted surrogate and the rule that answers disconnected cells (None: no such rule)."""

    model: Any
    disconnected: DisconnectedCells | None

    def predict(self, data: TrainingSet, rows: np.ndarray, dead: np.ndarray) -> HeldOutPrediction:
        """Predictions of ``rows``, one per canonical architecture (its seeds and isomorphic twins
        get the same numbers, as ``Benchmark.query`` answers them, not values that differ in the
        last bits and break their ties); disconnected cells answered by the rule (Gaussian
        intervals)."""
        _, first, inverse = np.unique(data.groups[rows], return_index=True, return_inverse=True)
        prediction = self.model.predict([data.archs[rows[i]] for i in first])
        calibration = getattr(prediction, "calibration", GAUSSIAN)
        mean, std = (np.asarray(part, dtype=np.float64)[inverse] for part in prediction)
        mean, std = apply_rule(self.disconnected, dead[rows], mean, std)
        ruled = dead[rows] if self.disconnected is not None else np.zeros(len(rows), dtype=bool)
        half_width = {level: np.where(ruled, z_value(level), calibration.factor(level)) * std
                      for level in INTERVAL_LEVELS}
        return HeldOutPrediction(np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64), half_width)


def _targets(data: TrainingSet, rows: np.ndarray, dead: np.ndarray
             ) -> tuple[DisconnectedCells | None, list[str], np.ndarray, np.ndarray]:
    """The rule for the disconnected cells (``dead``) among ``rows``, and what the surrogate
    learns from the rest: one mean score per architecture (several seeds of one architecture are
    one target, not several), with its canonical hash. Without a rule every row is learnt."""
    rule = DisconnectedCells.from_records(dead[rows], data.scores[rows])
    learnt = rows if rule is None else rows[~dead[rows]]
    archs, means, groups, _ = data.architecture_means(learnt)
    return rule, archs, means, groups


def _fit(model: str, params: dict[str, Any], data: TrainingSet, rows: np.ndarray, seed: int,
         dead: np.ndarray) -> _Fitted:
    """``model`` fitted to the architectures among ``rows`` (:func:`_targets`), with the rule
    that answers their disconnected cells where one can be fitted."""
    from surrogates.registry import create

    rule, archs, means, groups = _targets(data, rows, dead)
    fitted = create(model, **params, space=data.space, seed=seed).fit(archs, means, noise_groups=groups)
    return _Fitted(fitted, rule)


def disconnected_rows(data: TrainingSet) -> np.ndarray:
    """Which records are of disconnected cells (:mod:`surrogates.disconnected`)."""
    from graph_encodings.resolve import resolve_archs

    space, archs = resolve_archs(data.archs, data.space)
    return space.disconnected_mask(archs)


def held_out_predictions(bench: Any, data: TrainingSet, rows: np.ndarray,
                         dead: np.ndarray | None = None) -> HeldOutPrediction:
    """A loaded benchmark's predictions of ``rows`` of ``data`` as its manifest's evaluation
    scored them (disconnected cells answered by its rule, intervals per level); ``dead``:
    :func:`disconnected_rows` of ``data`` where the caller has it already."""
    rule = bench.manifest.get("disconnected_cells")
    fitted = _Fitted(bench.model, None if rule is None else DisconnectedCells.from_dict(rule))
    return fitted.predict(data, rows, disconnected_rows(data) if dead is None else dead)


def _n_archs(data: TrainingSet) -> int:
    """Distinct canonical architectures of ``data`` (seeds and isomorphic twins are one)."""
    return len(np.unique(data.groups))


def _evaluate_and_fit(model: str, params: dict[str, Any], data: TrainingSet, seed: int,
                      dead: np.ndarray) -> tuple[_Fitted, dict[str, Any]]:
    """The model to ship and the ``evaluation`` section of the manifest (module docstring);
    ``dead`` flags the records of disconnected cells."""
    y, n = data.scores, len(data)
    if _n_archs(data) >= HOLDOUT_MIN_ARCHS:
        pool, test = split_architectures(data.groups, seed)
        fitted = _fit(model, params, data, pool, seed, dead)
        held = fitted.predict(data, test, dead)
        return fitted, {
            "method": "holdout", "test_fraction": HOLDOUT_FRACTION, "split_seed": seed,
            "split_unit": SPLIT_UNIT_ARCHITECTURE,
            "n_fit": int(len(pool)), "n_test": int(len(test)),
            "shipped_model": "the fit on the 90 % pool scored here (held-out records never seen)",
            "target": "per-architecture mean score",
            "metrics": held_out_metrics(y[test], held, data.task),
            "per_architecture": per_architecture_coverage(data.groups[test], y[test], held),
            "seed_mean": seed_mean_metrics(data, test, held),
        }
    section = cross_validate(model, params, data, seed, dead)
    fitted = _fit(model, params, data, np.arange(n), seed, dead)
    return fitted, {
        **section,
        "shipped_model": "refit on all records; the metrics are out-of-fold predictions of the "
                         "same recipe",
        "small_data": f"only {n} records: the metrics are noisy estimates",
    }


def cross_validate(model: str, params: dict[str, Any], data: TrainingSet, seed: int,
                   dead: np.ndarray | None = None, fit_fraction: float = 1.0) -> dict[str, Any]:
    """``model`` (registered name, hyper-parameters ``params``) scored by :data:`CV_FOLDS`-fold
    cross-validation by whole architectures (folds drawn with ``seed``): out-of-fold metrics
    against single runs (``metrics``), each architecture once (``per_architecture``) and 3-seed
    means (``seed_mean``), as a manifest's ``evaluation`` holds them. ``dead``:
    :func:`disconnected_rows` of ``data`` where the caller has it already.

    ``n_fit_archs``: the architectures each fold was fitted on. ``fit_fraction`` < 1 fits each
    fold on a random share of its training architectures (all their seeds; drawn with ``seed``)
    and scores the same held-out folds: a point of the surrogate's learning curve (the section
    then holds ``fit_fraction``)."""
    n = len(data)
    y = data.scores
    dead = disconnected_rows(data) if dead is None else dead
    k = min(CV_FOLDS, _n_archs(data))
    folds = group_folds(data.groups, k, np.random.default_rng(seed))
    subsets = np.random.default_rng([seed, 1])  # a stream of its own: the folds stay the same
    held = HeldOutPrediction.empty(n)
    n_fit_archs = []
    for f in range(k):
        test = np.flatnonzero(folds == f)
        fit_rows = group_subset(data.groups, np.flatnonzero(folds != f), fit_fraction, subsets)
        n_fit_archs.append(int(len(np.unique(data.groups[fit_rows]))))
        part = _fit(model, params, data, fit_rows, seed, dead)
        held.put(test, part.predict(data, test, dead))
    learning_curve = {} if fit_fraction == 1.0 else {"fit_fraction": fit_fraction}
    return {
        "method": "cross_validation", "folds": k, "split_seed": seed, "split_unit": SPLIT_UNIT_ARCHITECTURE,
        "n_fit": n, "n_test": n, "n_fit_archs": n_fit_archs, **learning_curve,
        "target": "per-architecture mean score",
        "metrics": held_out_metrics(y, held, data.task),
        "per_architecture": per_architecture_coverage(data.groups, y, held),
        "seed_mean": seed_mean_metrics(data, np.arange(n), held),
    }


def _tune_in_pool(model: str, hp: dict[str, Any], data: TrainingSet, seed: int,
                  options: TuningOptions, dead: np.ndarray) -> tuple[dict[str, Any], dict[str, Any]]:
    """Hyper-parameters to fit with and the manifest's ``tuning`` section."""
    n_archs = _n_archs(data)
    if n_archs < HOLDOUT_MIN_ARCHS:
        return hp, {"skipped": f"only {n_archs} architectures (< {HOLDOUT_MIN_ARCHS}): the metrics are "
                               "cross-validated, and tuning on the same records would bias them"}
    from surrogates.tuning import tune

    pool, _ = split_architectures(data.groups, seed)
    _, archs, means, groups = _targets(data, pool, dead)
    result = tune(model, archs, means, noise_groups=groups, space=data.space, task=data.task,
                  n_trials=options.n_trials, time_budget_s=options.time_budget_s,
                  metric=options.metric, validation_fraction=options.validation_fraction,
                  seed=seed, base_params=hp)
    return dict(result.best_params), result.to_dict()


def _runtime_section(data: TrainingSet, folder: Path, seed: int) -> dict[str, Any]:
    """Fit the runtime surrogate into ``folder / 'runtime'`` where records have train times."""
    from surrogates.benchmark.runtime import flops_cost_model

    seconds = data.train_seconds
    if seconds is None:
        return {"kind": "flops_cost_model", **flops_cost_model(data.task, data.protocol)}
    from surrogates.registry import create

    log_s, archs, n = np.log(seconds), data.archs, len(data)
    k = min(CV_FOLDS, _n_archs(data))
    folds = group_folds(data.groups, k, np.random.default_rng(seed))
    predicted = np.zeros(n)
    for f in range(k):  # out-of-fold predictions: the runtime model's held-out error
        test, train = np.flatnonzero(folds == f), np.flatnonzero(folds != f)
        part = create("xgb", **RUNTIME_PARAMS, space=data.space, seed=seed)
        part.fit([archs[i] for i in train], log_s[train], noise_groups=data.groups[train])
        predicted[test] = part.predict([archs[i] for i in test])[0]
    model = create("xgb", **RUNTIME_PARAMS, space=data.space, seed=seed)
    model.fit(archs, log_s, noise_groups=data.groups)
    model.save(folder / "runtime")
    ratio = np.exp(np.abs(predicted - log_s))
    return {"kind": "surrogate", "folder": "runtime", "model": "xgb", "target": "log(train_seconds)",
            "hyper_parameters": RUNTIME_PARAMS, "n_records": n,
            "median_train_seconds": float(np.median(seconds)),
            "cross_validation": {"folds": k, "median_ratio_error": float(np.median(ratio)),
                                 "spearman": float(_spearman(log_s, predicted)),
                                 "note": "out-of-fold; ratio error = max(pred/true, true/pred)"}}


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy import stats

    return float(stats.spearmanr(a, b).statistic) if len(a) > 2 else float("nan")


def _noise_section(data: TrainingSet) -> dict[str, Any]:
    """The measured run-to-run noise (:mod:`surrogates.run_noise`) that noisy samples draw."""
    from surrogates.aleatoric import pooled_group_variance
    from surrogates.run_noise import RunNoise

    var, dof = pooled_group_variance(data.scores, data.groups)
    run_noise = RunNoise.from_runs(data.scores, data.groups)
    section: dict[str, Any] = {"repeat_std": float(np.sqrt(var)), "repeat_dof": int(dof)}
    if run_noise is None:
        section["note"] = (f"fewer than {MIN_REPEAT_DOF} repeated runs: noisy samples use the model's "
                           "learnt noise std")
        return section
    section["run_noise"] = run_noise.to_dict()
    section["note"] = ("noisy samples add N(0, run_noise.std): 1.4826 x the median absolute deviation "
                       "of repeated runs of one canonical architecture (seeds, isomorphic twins) from "
                       "their mean, scaled by sqrt(n/(n-1)); repeat_std is the pooled std, heavy tail "
                       "included")
    return section


def records_root_label(store: str | os.PathLike[str] | None) -> str:
    """How a manifest names the record store a benchmark was fitted from: ``shipped`` for the
    shipped records (also when given by their path, which would otherwise put one machine's
    folder into a shipped file), else the path as given."""
    from training_data.records.loading import DEFAULT_STORE

    if store is None or Path(store).resolve() == Path(DEFAULT_STORE).resolve():
        return "shipped"
    return str(store)


@renamed_keywords(out="artifacts", records_root="store")
def fit_benchmark(
    task: str, space: str = "darts", protocol: str | None = None, model: str = "ensemble", *,
    artifacts: str | os.PathLike[str] | None = None, params: dict[str, Any] | None = None,
    store: str | os.PathLike[str] | None = None, seed: int = 0, overwrite: bool = False,
    tuning: TuningOptions | None = None, curves: bool | dict[str, Any] = False,
) -> Path:
    """Fit ``model`` on the ok records of ``task``/``space``/``protocol`` and write the artifacts.

    ``store``: the record store (default: the shipped records). ``artifacts``: the artifacts
    folder (default: the shipped ``surrogates/artifacts``); the benchmark goes to
    ``artifacts/<space>/<task>/<protocol>/<model>/``. ``params``: hyper-parameters (default:
    :func:`surrogates.benchmark.shipping.shipped_params`). ``tuning``: tune them first within the
    fitting pool (module docstring). ``curves``: also fit the learning-curve model where the
    records have curves (:func:`surrogates.curves.fit_curves`; a dict: its ``xgb`` recipe instead
    of the shipped one; ``nb360 fit`` does unless ``--no-curves``); a curve model of the replaced
    benchmark is removed either way (it was fitted against that one). Returns the folder.
    """
    from surrogates.benchmark.shipping import shipped_params
    from surrogates.complexity import NetworkLayout, complexity_table
    from surrogates.registry import get_model_class

    get_model_class(model)
    data = load_training_set(task, space, protocol, store)
    folder = artifact_dir(space, task, data.protocol, model, artifacts)
    if folder.exists() and any(folder.iterdir()) and not overwrite:
        raise BenchmarkExistsError(f"{folder} already holds a benchmark; pass overwrite=True (--overwrite)")
    hp = shipped_params(model, len(data), space) if params is None else dict(params)
    start = time.perf_counter()
    tuning_section: dict[str, Any] | None = None
    dead = disconnected_rows(data)
    if tuning is not None:
        hp, tuning_section = _tune_in_pool(model, hp, data, seed, tuning, dead)
    fitted, evaluation = _evaluate_and_fit(model, hp, data, seed, dead)
    fit_seconds = time.perf_counter() - start
    layout = NetworkLayout.for_protocol(task, space, data.protocol)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".staging-") as tmp:
        staging = Path(tmp) / "benchmark"
        fitted.model.save(staging / "model")
        runtime = _runtime_section(data, staging, seed)
        write_manifest(staging, {
            "kind": BENCHMARK_KIND,
            "benchmark_format_version": BENCHMARK_FORMAT_VERSION,
            "space": space, "task": task, "protocol": data.protocol, "model": model,
            "requires": required_libraries(fitted.model.get_params(), model),
            "hyper_parameters": fitted.model.get_params(),
            "training_data": {"n_records": len(data), "sha256": training_data_hash(data),
                              "selection": "status ok, finite score",
                              "records_root": records_root_label(store)},
            "evaluation": evaluation,
            "disconnected_cells": None if fitted.disconnected is None else fitted.disconnected.to_dict(),
            "tuning": tuning_section,
            "runtime": runtime,
            "noise": _noise_section(data),
            "network": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(layout).items()},
            "complexity": complexity_table(layout).to_dict(),
            "fit_seconds": fit_seconds,
            "created": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        })
        if folder.exists():
            shutil.rmtree(folder)
        shutil.move(str(staging), str(folder))
    _refit_curves(folder, data, curves, artifacts, store)
    return folder


def _refit_curves(folder: Path, data: TrainingSet, fit: bool | dict[str, Any],
                  artifacts: str | os.PathLike[str] | None,
                  store: str | os.PathLike[str] | None) -> None:
    """Remove the curve model of the benchmark just replaced in ``folder``; with ``fit``, fit a
    new one (``fit``: a dict is its recipe) where the records have learning curves."""
    from surrogates.curves import curve_records, curves_folder

    shutil.rmtree(curves_folder(folder), ignore_errors=True)
    if fit and "learning_curve" in data.frame.columns and curve_records(
            data.frame["learning_curve"].tolist()) is not None:
        from surrogates.curves import fit_curves

        fit_curves(data.task, data.space, data.protocol, folder.name, artifacts=artifacts, store=store,
                   params=fit if isinstance(fit, dict) else None)
