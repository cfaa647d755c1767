"""Seeded splits that keep each noise group (an architecture's repeated seeds, its isomorphic
twins: one canonical hash) whole on one side, so held-out scores are those of unseen archs."""
from __future__ import annotations

from typing import Any

import numpy as np


def group_holdout(groups: Any, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of held-out rows: whole groups in ``rng``'s order, about ``fraction`` of rows.

    Groups are taken while their rows stay below ``fraction`` of all rows (at least one group).
    """
    labels, inverse = np.unique(np.asarray(groups), return_inverse=True)
    order = rng.permutation(len(labels))
    sizes = np.bincount(inverse, minlength=len(labels))[order]
    n_groups = max(1, int(np.searchsorted(np.cumsum(sizes), fraction * len(inverse), side="left")))
    return np.isin(inverse, order[:n_groups])


def group_folds(groups: Any, k: int, rng: np.random.Generator) -> np.ndarray:
    """Fold index (0..k-1) of every row: the groups in ``rng``'s order dealt out to k folds in turn.

    ``ValueError`` when there are fewer than ``k`` groups (a fold would be empty).
    """
    labels, inverse = np.unique(np.asarray(groups), return_inverse=True)
    if not 2 <= k <= len(labels):
        raise ValueError(f"{k}-fold cross-validation needs 2 <= k <= the number of distinct "
                         f"architectures (noise groups), here {len(labels)}")
    fold_of_group = np.empty(len(labels), dtype=np.int64)
    fold_of_group[rng.permutation(len(labels))] = np.arange(len(labels)) % k
    return fold_of_group[inverse]


def group_subset(groups: Any, rows: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """The ``rows`` of a random ``fraction`` of the groups among them (rounded, at least one
    group), in their order: all seeds and twins of a kept architecture, none of a dropped one.

    ``ValueError`` when ``fraction`` is not in (0, 1].
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
    rows = np.asarray(rows, dtype=np.int64)
    present = np.unique(np.asarray(groups)[rows])
    n_kept = max(1, int(round(fraction * len(present))))
    kept = rng.choice(present, size=n_kept, replace=False)
    return rows[np.isin(np.asarray(groups)[rows], kept)]


def group_test_first(groups: Any, n_test: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Test rows (whole groups in ``rng``'s order, at most ``n_test`` rows and at least one group)
    and the other rows, shuffled by ``rng``: a held-out architecture has no row among the rest."""
    labels, inverse = np.unique(np.asarray(groups), return_inverse=True)
    order = rng.permutation(len(labels))
    sizes = np.bincount(inverse, minlength=len(labels))[order]
    n_groups = max(1, int(np.searchsorted(np.cumsum(sizes), n_test, side="right")))
    held = np.isin(inverse, order[:n_groups])
    return rng.permutation(np.flatnonzero(held)), rng.permutation(np.flatnonzero(~held))
