"""NAS-Bench-360's scores, each as an ERROR (lower is better), from raw network outputs.

Sources (rtu715/NAS-Bench-360): ``backbone/model_audio.py`` (FSD50K: logits averaged over a
clip's chunks, sigmoid, ``sklearn.metrics.average_precision_score(average="macro")``),
``backbone/utils_grid.py`` (Darcy ``LpLoss.rel``; PSICOV ``calculate_mae``, taken from PDNET),
``darts/gaea-grid/model_def.py`` (PSICOV ``evaluate_test_protein``, Cosmic ``maskMetric`` on
``logits > 0.5``), and the ECG / DeepSEA evaluation utilities (per-record ``Counter.most_common``
vote + macro F1; per-label ``roc_curve``/``auc`` averaged with ``nanmean``).

Units: the 0-1 error and the Cosmic FNR are percentages (0-100); the others are fractions.
Everything is plain numpy (no sklearn), so the tests can compare against scikit-learn.
"""
from __future__ import annotations

import numpy as np
import torch
from scipy.stats import rankdata

from training_data.tasks.scores.normaliser import GaussianNormaliser

ArrayLike = np.ndarray | torch.Tensor


def to_numpy(x: ArrayLike, name: str) -> np.ndarray:
    """``x`` as a numpy array (torch tensors are detached and moved to the CPU)."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()
        if x.dtype in (torch.bfloat16, torch.float16):
            x = x.float()
        return x.numpy()
    try:
        return np.asarray(x)
    except Exception as error:  # pragma: no cover - exotic inputs
        raise TypeError(f"{name} must be a numpy array or torch tensor, got {type(x).__name__}") from error


def _check_samples(pred: np.ndarray, target: np.ndarray) -> None:
    if len(pred) == 0:
        raise ValueError("cannot score an empty set of predictions")
    if len(pred) != len(target):
        raise ValueError(f"pred has {len(pred)} samples but target has {len(target)}")


def _sigmoid32(logits: np.ndarray) -> np.ndarray:
    """float32 sigmoid, as NB360 scores probabilities (so saturated logits tie, as there)."""
    return torch.sigmoid(torch.from_numpy(np.ascontiguousarray(logits, dtype=np.float32))).numpy()


def _group_index(groups: ArrayLike | None, n: int) -> np.ndarray:
    """Dense group ids ``0..G-1`` in sorted order of the given ids (each sample alone if None)."""
    if groups is None:
        return np.arange(n)
    ids = to_numpy(groups, "groups").reshape(-1)
    if len(ids) != n:
        raise ValueError(f"groups has {len(ids)} entries but there are {n} predictions")
    return np.unique(ids, return_inverse=True)[1].reshape(-1)


# ----------------------------------------------------------------------------- classification
def zero_one_error(logits: ArrayLike, target: ArrayLike) -> float:
    """Top-1 error in percent: ``100 * mean(argmax(logits) != target)``."""
    pred, y = to_numpy(logits, "logits"), to_numpy(target, "target").reshape(-1)
    _check_samples(pred, y)
    if pred.ndim != 2:
        raise ValueError(f"logits must have shape (n, classes), got {pred.shape}")
    return float(100.0 * np.mean(pred.argmax(axis=1) != y))


def majority_vote(labels: np.ndarray, groups: ArrayLike | None) -> np.ndarray:
    """One label per group (groups in sorted id order), as NB360's ``Counter.most_common(1)``.

    Tie rule (as ``Counter``): among the most frequent labels of a group, the one whose first
    occurrence comes earliest (in sample order) wins.
    """
    labels = np.asarray(labels).reshape(-1).astype(np.int64)
    group = _group_index(groups, len(labels))
    n_groups, n_labels, n = group.max() + 1, labels.max() + 1, len(labels)
    counts = np.zeros((n_groups, n_labels), dtype=np.int64)
    np.add.at(counts, (group, labels), 1)
    first = np.full((n_groups, n_labels), n, dtype=np.int64)
    np.minimum.at(first, (group, labels), np.arange(n))
    key = np.where(counts > 0, counts * (n + 1) - first, -1)
    return key.argmax(axis=1)


def macro_f1(pred: np.ndarray, target: np.ndarray) -> float:
    """Macro F1 over the labels present in ``target`` or ``pred`` (sklearn's default)."""
    labels = np.union1d(pred, target)
    f1 = []
    for label in labels:
        tp = np.sum((pred == label) & (target == label))
        fp = np.sum((pred == label) & (target != label))
        fn = np.sum((pred != label) & (target == label))
        f1.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1))


def vote_f1_error(logits: ArrayLike, target: ArrayLike, groups: ArrayLike | None = None) -> float:
    """``1 - macro F1`` after a majority vote of the window predictions of each record.

    The record's true label is the vote of its windows' labels too (as NB360). Without
    ``groups`` every window is its own record.
    """
    scores, y = to_numpy(logits, "logits"), to_numpy(target, "target").reshape(-1)
    _check_samples(scores, y)
    if scores.ndim != 2:
        raise ValueError(f"logits must have shape (n, classes), got {scores.shape}")
    record_pred = majority_vote(scores.argmax(axis=1), groups)
    record_true = majority_vote(y, groups)
    return 1.0 - macro_f1(record_pred, record_true)


# ----------------------------------------------------------------------------- multi-label
def average_precision(y: np.ndarray, score: np.ndarray) -> float:
    """Average precision of one label (sklearn's step-wise definition, ties as one threshold).

    A label without positives gets AP 0, as ``sklearn.metrics.average_precision_score``
    (which warns) - NB360 averaged those zeros into its mAP.
    """
    y = np.asarray(y).reshape(-1) > 0.5
    n_pos = y.sum()
    if n_pos == 0:
        return 0.0
    order = np.argsort(-score, kind="mergesort")
    s, yy = score[order], y[order]
    last_of_tie = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tps = np.cumsum(yy)[last_of_tie]
    precision = tps / (last_of_tie + 1)
    recall_step = np.diff(np.r_[0, tps]) / n_pos
    return float(np.sum(recall_step * precision))


def auroc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney; ties count one half); NaN for a single class."""
    y = np.asarray(y).reshape(-1) > 0.5
    n_pos, n_neg = y.sum(), (~y).sum()
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _multilabel_inputs(logits: ArrayLike, target: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    scores, y = to_numpy(logits, "logits"), to_numpy(target, "target")
    _check_samples(scores, y)
    if scores.ndim != 2 or scores.shape != y.shape:
        raise ValueError(f"logits and target must both be (n, labels); got {scores.shape} and {y.shape}")
    return scores, y


def map_error(logits: ArrayLike, target: ArrayLike, groups: ArrayLike | None = None) -> float:
    """``1 - mAP`` (macro average precision over labels) on clip-level predictions.

    With ``groups`` (the clip of each chunk) the logits of a clip's chunks are averaged first,
    as NB360's FSD50K evaluation; the chunks of one clip must carry the same labels.
    """
    scores, y = _multilabel_inputs(logits, target)
    group = _group_index(groups, len(scores))
    n_groups = group.max() + 1
    sums = np.zeros((n_groups, scores.shape[1]), dtype=np.float64)
    np.add.at(sums, group, scores)
    clip_logits = sums / np.bincount(group, minlength=n_groups)[:, None]
    clip_y = np.zeros((n_groups, y.shape[1]), dtype=y.dtype)
    clip_y[group] = y
    if not np.array_equal(clip_y[group], y):
        raise ValueError("chunks of the same clip (same group id) have different labels")
    probs = _sigmoid32(clip_logits)
    return 1.0 - float(np.mean([average_precision(clip_y[:, k], probs[:, k]) for k in range(y.shape[1])]))


def auroc_error(logits: ArrayLike, target: ArrayLike) -> float:
    """``1 - mean AUROC`` over labels; labels with one class only are skipped (NB360's nanmean)."""
    scores, y = _multilabel_inputs(logits, target)
    probs = _sigmoid32(scores)
    values = np.array([auroc(y[:, k], probs[:, k]) for k in range(y.shape[1])])
    if np.all(np.isnan(values)):
        raise ValueError("AUROC is undefined: every label has only positives or only negatives")
    return 1.0 - float(np.nanmean(values))


# ----------------------------------------------------------------------------- dense
def relative_l2_error(
    pred: ArrayLike, target: ArrayLike, normaliser: GaussianNormaliser | None = None
) -> float:
    """Mean over samples of ``||pred - target||_2 / ||target||_2`` (FNO's ``LpLoss.rel``).

    With ``normaliser`` both ``pred`` and ``target`` are decoded first: the training code
    (``training_data.training.normalise``) encodes every split's targets with the train stats, as
    NB360 did, and decodes before the loss and the score.
    """
    p, y = to_numpy(pred, "pred").astype(np.float64), to_numpy(target, "target").astype(np.float64)
    _check_samples(p, y)
    if p.size != y.size:
        raise ValueError(f"pred {p.shape} and target {y.shape} differ in size")
    p, y = p.reshape(y.shape), y
    if normaliser is not None:
        p, y = normaliser.decode(p), normaliser.decode(y)
    p, y = p.reshape(len(p), -1), y.reshape(len(y), -1)
    norms = np.linalg.norm(y, axis=1)
    if np.any(norms == 0):
        raise ValueError(f"relative L2 is undefined: target sample(s) {np.nonzero(norms == 0)[0][:5].tolist()} are all zero")
    return float(np.mean(np.linalg.norm(p - y, axis=1) / norms))


def _as_maps(x: np.ndarray, name: str) -> np.ndarray:
    if x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 3 or x.shape[1] != x.shape[2]:
        raise ValueError(f"{name} must be square maps (n, 1, L, L) or (n, L, L), got {x.shape}")
    return x


def mae8_error(
    pred: ArrayLike,
    target: ArrayLike,
    mask: ArrayLike | None = None,
    *,
    min_separation: int = 24,
    max_distance: float = 8.0,
) -> float:
    """PSICOV MAE8: mean |pred - true| distance over pairs (i, j) with j - i >= 24, true <= 8 A.

    As NB360's ``evaluate_test_protein`` + PDNET's ``calculate_mae`` on full, index-aligned maps:
    predictions are averaged with their transpose on the upper triangle, clipped below at
    0.01, then averaged with the transpose once more (NB360 does it twice, so the upper-triangle
    value is ``3/4 * P[j, i] + 1/4 * P[i, j]`` for an asymmetric map; symmetric maps are unchanged).
    The MAE is taken per protein and averaged over proteins (proteins without such pairs are
    skipped). ``mask`` (1 = real residue pair) excludes padding; padding targets of 100 A are
    excluded by the distance rule anyway.
    """
    p = _as_maps(to_numpy(pred, "pred").astype(np.float64), "pred")
    y = _as_maps(to_numpy(target, "target").astype(np.float64), "target")
    _check_samples(p, y)
    if p.shape != y.shape:
        raise ValueError(f"pred {p.shape} and target {y.shape} differ in shape")
    valid = np.ones(y.shape, dtype=bool)
    if mask is not None:
        m = _as_maps(to_numpy(mask, "mask"), "mask")
        if m.shape != y.shape:
            raise ValueError(f"mask {m.shape} and target {y.shape} differ in shape")
        valid = m > 0.5
    size = y.shape[1]
    upper = np.triu(np.ones((size, size), dtype=bool))
    once = np.where(upper, (p + p.transpose(0, 2, 1)) / 2.0, p)
    once = np.maximum(once, 0.01)
    twice = (once + once.transpose(0, 2, 1)) / 2.0
    i, j = np.indices((size, size))
    pairs = valid & ((j - i) >= min_separation) & (y <= max_distance)
    per_protein = []
    for k in range(len(y)):
        if pairs[k].any():
            per_protein.append(np.mean(np.abs(twice[k][pairs[k]] - y[k][pairs[k]])))
    if not per_protein:
        raise ValueError(
            f"MAE8 is undefined: no residue pair with separation >= {min_separation} and true distance "
            f"<= {max_distance} A (inside the mask) in any of the {len(y)} maps"
        )
    return float(np.mean(per_protein))


def fnr_error(logits: ArrayLike, target: ArrayLike, *, threshold: float = 0.5) -> float:
    """Cosmic false-negative rate in percent, ``100 * FN / (TP + FN)``, pooled over all pixels.

    NB360 quirk kept: the RAW logits are thresholded at 0.5 (not the sigmoid, i.e. a probability
    of ~0.62), and every pixel counts - the ignore plane only enters the loss (``maskMetric``).
    """
    p, y = to_numpy(logits, "logits"), to_numpy(target, "target")
    _check_samples(p, y)
    if p.size != y.size:
        raise ValueError(f"logits {p.shape} and target {y.shape} differ in size")
    detected, truth = p.reshape(-1) > threshold, y.reshape(-1) > 0.5
    positives = truth.sum()
    if positives == 0:
        raise ValueError("FNR is undefined: the target has no cosmic-ray pixels")
    return float(100.0 * np.sum(truth & ~detected) / positives)
