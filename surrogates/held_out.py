"""Held-out evaluation of surrogates: random split, leave-one-sampler-out, learning curves.

:func:`evaluate_surrogate` fits fresh models on training parts and scores them on held-out parts with
:func:`surrogates.metrics.regression_metrics`, returning one DataFrame row per fit.
:func:`isomorphic_twin_mae` gives the "tabular benchmark" error to compare against: on the NB201
tables isomorphic architectures were trained separately, so predicting one by its twin's value
has a real, noise-only error.
"""
from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from surrogates.archs import check_groups, check_targets
from surrogates.base import SurrogateModel
from surrogates.metrics import regression_metrics
from surrogates.registry import create
from surrogates.splits import group_test_first

SPLITS = ("random", "leave_one_sampler_out", "train_sizes")
DEFAULT_TRAIN_SIZES = (100, 300, 1000, 3000, 10000)

ModelSpec = str | Callable[[], SurrogateModel]


def _factory(model: ModelSpec, params: dict[str, Any] | None) -> Callable[[], SurrogateModel]:
    if isinstance(model, str):
        create(model, **(params or {}))  # fail early on an unknown name or bad parameters
        return lambda: create(model, **(params or {}))
    if callable(model):
        if params:
            raise ValueError("params only apply when the model is given by name")
        return model
    raise ValueError(f"model must be a registered name or a zero-argument factory, got {model!r}")


def _subset(items: Sequence[Any], idx: np.ndarray) -> list[Any]:
    return [items[i] for i in idx]


def _fit_and_score(
    factory: Callable[[], SurrogateModel], archs: Sequence[Any], y: np.ndarray,
    train: np.ndarray, test: np.ndarray, noise_groups: np.ndarray | None,
    task: str | None, resolution: float | None,
) -> dict[str, Any]:
    model = factory()
    start = time.perf_counter()
    model.fit(_subset(archs, train), y[train],
              noise_groups=None if noise_groups is None else noise_groups[train])
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    mean, std = model.predict(_subset(archs, test))
    predict_s = time.perf_counter() - start
    row = {"model": model.name, "n_train": len(train), "n_test": len(test)}
    row.update(regression_metrics(y[test], mean, std, task=task, resolution=resolution))
    row.update({"fit_seconds": fit_s, "predict_seconds": predict_s})
    return row


def _split_sizes(n: int, test_fraction: float, n_test: int | None) -> int:
    size = int(n_test) if n_test is not None else int(round(test_fraction * n))
    if not 1 <= size < n:
        raise ValueError(f"test set size {size} invalid for {n} architectures; need 1..{n - 1}")
    return size


def evaluate_surrogate(
    model: ModelSpec,
    archs: Sequence[Any],
    y: Any,
    *,
    split: str = "random",
    params: dict[str, Any] | None = None,
    seed: int = 0,
    n_train: int | None = None,
    test_fraction: float = 0.2,
    n_test: int | None = None,
    groups: Any = None,
    train_sizes: Sequence[int] = DEFAULT_TRAIN_SIZES,
    noise_groups: Any = None,
    task: str | None = None,
    resolution: float | None = None,
) -> pd.DataFrame:
    """Fit and score ``model`` (a registered name with ``params``, or a factory) on held-out data.

    Splits:

    * ``"random"``: a seeded shuffle; the test set is ``n_test`` archs (or ``test_fraction``),
      the training set the first ``n_train`` of the rest (default: all of the rest). With
      ``noise_groups`` (e.g. canonical hashes) the test set takes whole groups, up to ``n_test``
      records: no held-out architecture has a repeated run or an isomorphic twin in training.
    * ``"leave_one_sampler_out"``: one row per value of ``groups`` (the sampler that proposed
      each arch): train on the other samplers, test on that one (NB301's OOD test).
    * ``"train_sizes"``: a learning curve; one fixed seeded test set (whole ``noise_groups`` as
      above), training sets the first ``s`` of the rest for each ``s`` in ``train_sizes`` that
      the data allows.

    ``task`` / ``resolution`` set the sparse Kendall tau resolution. Returns a DataFrame with one
    row per fit: split, held-out group, sizes, every metric, fit and predict seconds.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; valid: {', '.join(SPLITS)}")
    factory = _factory(model, params)
    archs = list(archs)
    y = check_targets(y, len(archs))
    ng = None if noise_groups is None else check_groups(noise_groups, len(archs))
    n = len(archs)
    rows: list[dict[str, Any]] = []

    def score(train: np.ndarray, test: np.ndarray, **extra: Any) -> None:
        rows.append({"split": split, **extra,
                     **_fit_and_score(factory, archs, y, train, test, ng, task, resolution)})

    if split == "leave_one_sampler_out":
        if groups is None:
            raise ValueError("split='leave_one_sampler_out' needs groups (the sampler of each arch)")
        g = check_groups(groups, n, "groups")
        values = list(pd.unique(g))
        if len(values) < 2:
            raise ValueError(f"leave_one_sampler_out needs >= 2 samplers in groups, got {values}")
        for value in values:
            test = np.flatnonzero(g == value)
            train = np.flatnonzero(g != value)
            score(train, test, held_out=str(value))
        return pd.DataFrame(rows)

    size = _split_sizes(n, test_fraction, n_test)
    if ng is None:
        order = np.random.default_rng(seed).permutation(n)
        test, rest = order[:size], order[size:]
    else:
        test, rest = group_test_first(ng, size, np.random.default_rng(seed))
        if len(rest) < 2:
            raise ValueError(f"holding out whole noise groups for {size} test records leaves "
                             f"{len(rest)} training records; need at least 2 (a smaller n_test)")
    if split == "random":
        if n_train is not None and not 2 <= n_train <= len(rest):
            raise ValueError(f"n_train={n_train} invalid: need 2..{len(rest)} with this test set")
        score(rest[: n_train or len(rest)], test, held_out="random")
    else:
        sizes = sorted({int(s) for s in train_sizes if 2 <= int(s) <= len(rest)})
        if not sizes:
            raise ValueError(
                f"no train size in {list(train_sizes)} fits the {len(rest)} training archs"
            )
        for s in sizes:
            score(rest[:s], test, held_out="random")
    return pd.DataFrame(rows)


def evaluate(*args: Any, **kwargs: Any) -> pd.DataFrame:
    """Deprecated spelling of :func:`evaluate_surrogate` (``training_data.evaluate`` is the one
    ``evaluate``: it trains an architecture)."""
    warnings.warn("surrogates.evaluate is deprecated; use surrogates.evaluate_surrogate "
                  "(training_data.evaluate trains an architecture)", FutureWarning, stacklevel=2)
    return evaluate_surrogate(*args, **kwargs)


def isomorphic_twin_mae(
    records: pd.DataFrame, *, key: str = "arch_hash", score: str = "score"
) -> float:
    """MAE of predicting each architecture by its isomorphic twins' scores.

    Among architectures that have at least one twin (same ``key``, a different row), each one's
    error is the mean absolute difference to its twins; the result is the mean over them.
    Raises ``ValueError`` when the columns are missing or no architecture has a twin.
    """
    missing = [c for c in (key, score) if c not in records.columns]
    if missing:
        raise ValueError(f"records lack column(s) {missing}; have {list(records.columns)}")
    errors = []
    for _, values in records.groupby(key, sort=False)[score]:
        v = values.to_numpy(dtype=np.float64)
        if len(v) < 2:
            continue
        diffs = np.abs(v[:, None] - v[None, :])
        errors.append(diffs.sum(axis=1) / (len(v) - 1))
    if not errors:
        raise ValueError(f"no two records share a {key!r}: no isomorphic twins to compare")
    return float(np.mean(np.concatenate(errors)))
