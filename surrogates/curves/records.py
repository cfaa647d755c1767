"""The learning curves in the training records, as arrays.

Every DARTS record stores ``learning_curve``: one dict per epoch with ``val_score`` (the
validation score after that epoch, an error like the final score) and ``seconds`` (the
epoch's wall time). The final ``score`` is measured on the test split after the last epoch, so
the curve's last point and the score are two measurements of one network, not one number.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class CurveRecords:
    """``val`` (n, T): validation score after each epoch; ``seconds`` (n, T): each epoch's
    seconds, or ``None`` when a record lacks a positive finite time."""

    val: np.ndarray
    seconds: np.ndarray | None

    @property
    def max_epochs(self) -> int:
        return int(self.val.shape[1])


def curve_records(curves: Sequence[Any]) -> CurveRecords | None:
    """The ``learning_curve`` column of records as arrays; ``None`` when a record has no curve,
    curves differ in length, or a validation score is missing or not finite (tables imported
    without curves, such as the NB201 NB360 ones)."""
    if len(curves) == 0:
        return None
    lengths = {len(c) if isinstance(c, (list, tuple)) else 0 for c in curves}
    if len(lengths) != 1 or 0 in lengths:
        return None
    try:
        val = np.array([[float(e["val_score"]) for e in c] for c in curves], dtype=np.float64)
    except (KeyError, TypeError, ValueError):
        return None
    if not np.isfinite(val).all():
        return None
    try:
        seconds: np.ndarray | None = np.array(
            [[float(e["seconds"]) for e in c] for c in curves], dtype=np.float64)
    except (KeyError, TypeError, ValueError):
        seconds = None
    if seconds is not None and not (np.isfinite(seconds).all() and (seconds > 0).all()):
        seconds = None
    return CurveRecords(val, seconds)


def group_means(values: np.ndarray, keys: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``values`` averaged per key, in first-seen order: the means, each row's key index
    and each key's first row."""
    _, first, inverse = np.unique(np.asarray(keys), return_index=True, return_inverse=True)
    order = np.argsort(first)  # unique keys in first-seen order
    renumber = np.empty_like(order)
    renumber[order] = np.arange(len(order))
    inverse = renumber[inverse]
    counts = np.bincount(inverse)
    sums = np.zeros((len(counts), *values.shape[1:]))
    np.add.at(sums, inverse, values)
    return sums / counts.reshape(-1, *([1] * (values.ndim - 1))), inverse, first[order]
