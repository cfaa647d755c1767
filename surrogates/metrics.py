"""Held-out metrics of a surrogate: accuracy, ranking and calibration.

Every score in NB360-S is an error (lower is better), so "top" means the lowest scores.
Sparse Kendall tau (NB301) rounds predictions and targets to a per-task resolution before
computing tau, so that ties within the training noise do not count; the resolutions live in
:data:`SPARSE_KT_RESOLUTION` and every caller may override them.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

# Resolution of the sparse Kendall tau per task, in the task's score unit: 0.1 percentage point
# for scores in %, 0.001 for scores in [0, 1] (1 - mAP, relative L2, 1 - F1, 1 - AUROC), 0.01 A
# for PSICOV's MAE8.
SPARSE_KT_RESOLUTION: dict[str, float] = {
    "cifar100": 0.1,
    "spherical": 0.1,
    "ninapro": 0.1,
    "cosmic": 0.1,
    "satellite": 0.1,
    "fsd50k": 0.001,
    "darcyflow": 0.001,
    "ecg": 0.001,
    "deepsea": 0.001,
    "psicov": 0.01,
}
INTERVAL_LEVELS = (0.5, 0.9)
TOP_FRACTIONS = (0.01, 0.05)


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if t.ndim != 1 or t.shape != p.shape:
        raise ValueError(f"y_true {t.shape} and y_pred {p.shape} must be 1-D of equal length")
    if len(t) < 2:
        raise ValueError(f"metrics need at least 2 values, got {len(t)}")
    return t, p


def _std(std: Any, n: int) -> np.ndarray:
    s = np.asarray(std, dtype=np.float64)
    if s.shape != (n,):
        raise ValueError(f"std has shape {s.shape}; expected ({n},)")
    if np.any(s < 0) or not np.all(np.isfinite(s)):
        raise ValueError("std must be finite and >= 0")
    return s


def resolution_for(task: str | None, resolution: float | None = None) -> float:
    """The sparse-KT resolution: ``resolution`` if given, else the task's entry."""
    if resolution is not None:
        if not resolution > 0:
            raise ValueError(f"resolution must be > 0, got {resolution}")
        return float(resolution)
    if task not in SPARSE_KT_RESOLUTION:
        raise ValueError(
            f"no sparse Kendall tau resolution for task {task!r}; pass resolution=... or use one "
            f"of {', '.join(sorted(SPARSE_KT_RESOLUTION))}"
        )
    return SPARSE_KT_RESOLUTION[task]


def r2(y_true: Any, y_pred: Any) -> float:
    """Coefficient of determination, 1 - SS_res / SS_tot."""
    t, p = _pair(y_true, y_pred)
    ss_tot = float(np.sum((t - t.mean()) ** 2))
    return 1.0 - float(np.sum((t - p) ** 2)) / ss_tot if ss_tot > 0 else float("nan")


def mae(y_true: Any, y_pred: Any) -> float:
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.abs(t - p)))


def rmse(y_true: Any, y_pred: Any) -> float:
    t, p = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((t - p) ** 2)))


def pearson(y_true: Any, y_pred: Any) -> float:
    t, p = _pair(y_true, y_pred)
    if np.std(t) == 0 or np.std(p) == 0:
        return float("nan")
    return float(np.corrcoef(t, p)[0, 1])


def spearman(y_true: Any, y_pred: Any) -> float:
    t, p = _pair(y_true, y_pred)
    return pearson(stats.rankdata(t), stats.rankdata(p))


def kendall_tau(y_true: Any, y_pred: Any) -> float:
    """Kendall's tau-b (ties handled as scipy does)."""
    t, p = _pair(y_true, y_pred)
    return float(stats.kendalltau(t, p).statistic)


def sparse_kendall_tau(y_true: Any, y_pred: Any, resolution: float) -> float:
    """Kendall tau-b after rounding targets and predictions to multiples of ``resolution``."""
    t, p = _pair(y_true, y_pred)
    res = resolution_for(None, resolution)
    return kendall_tau(np.round(t / res), np.round(p / res))


def precision_at_top(y_true: Any, y_pred: Any, fraction: float) -> float:
    """Share of the true best ``fraction`` (lowest scores) among the predicted best ``fraction``."""
    t, p = _pair(y_true, y_pred)
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    k = max(1, int(round(fraction * len(t))))
    true_top = np.argsort(t, kind="stable")[:k]
    pred_top = np.argsort(p, kind="stable")[:k]
    return len(np.intersect1d(true_top, pred_top)) / k


def gaussian_nll(y_true: Any, mean: Any, std: Any, min_std: float = 1e-12) -> float:
    """Mean negative log-likelihood of ``y_true`` under N(mean, std^2) (std floored at min_std)."""
    t, m = _pair(y_true, mean)
    s = np.maximum(_std(std, len(t)), min_std)
    return float(np.mean(0.5 * np.log(2 * np.pi * s**2) + (t - m) ** 2 / (2 * s**2)))


def interval_coverage(y_true: Any, mean: Any, std: Any, level: float) -> float:
    """Share of ``y_true`` inside the central ``level`` interval of N(mean, std^2)."""
    t, m = _pair(y_true, mean)
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    s = _std(std, len(t))
    z = stats.norm.ppf(0.5 + level / 2)
    return float(np.mean(np.abs(t - m) <= z * s))


def regression_metrics(
    y_true: Any,
    mean: Any,
    std: Any = None,
    *,
    task: str | None = None,
    resolution: float | None = None,
) -> dict[str, float]:
    """Every metric of this module in one dict.

    Sparse KT is included when a ``task`` or ``resolution`` is given; NLL and coverage when
    ``std`` is given.
    """
    t, m = _pair(y_true, mean)
    out = {
        "r2": r2(t, m),
        "mae": mae(t, m),
        "rmse": rmse(t, m),
        "pearson": pearson(t, m),
        "spearman": spearman(t, m),
        "kendall_tau": kendall_tau(t, m),
    }
    if task is not None or resolution is not None:
        out["sparse_kendall_tau"] = sparse_kendall_tau(t, m, resolution_for(task, resolution))
    for frac in TOP_FRACTIONS:
        out[f"precision_top{int(round(frac * 100))}"] = precision_at_top(t, m, frac)
    if std is not None:
        out["nll"] = gaussian_nll(t, m, std)
        for level in INTERVAL_LEVELS:
            out[f"coverage{int(round(level * 100))}"] = interval_coverage(t, m, std, level)
    return out
