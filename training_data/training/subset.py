"""Seeded subsets of a task's splits (the same subset for every architecture under a protocol)."""
from __future__ import annotations

import numpy as np

from training_data.tasks.dataset import Split, TaskData


def group_members(groups: np.ndarray, cap: int | None = None) -> list[np.ndarray]:
    """Indices of each group's samples (groups in sorted order), at most ``cap`` per group.

    A capped group keeps ``cap`` evenly spaced samples (first and last included), so a record's
    windows still cover the whole record.
    """
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    order = np.argsort(inverse, kind="stable")
    members = np.split(order, np.cumsum(counts)[:-1])
    if cap is None:
        return members
    return [m if len(m) <= cap else m[np.unique(np.linspace(0, len(m) - 1, cap).round().astype(int))]
            for m in members]


def subset_index(
    split: Split,
    n: int | None,
    rng: np.random.Generator,
    whole_groups: bool,
    group_cap: int | None = None,
) -> np.ndarray:
    """Sorted indices of at most ``n`` samples of ``split`` (all of them when ``n`` is None).

    With ``whole_groups`` and a grouped split (ECG windows of one record, FSD50K chunks of one
    clip), each group is first cut to ``group_cap`` samples, then whole groups are drawn in
    random order while the total stays within ``n`` (at least one group is kept), so grouped
    scores see every chosen group.
    """
    if not whole_groups or split.groups is None:
        total = len(split)
        if n is None or n >= total:
            return np.arange(total)
        return np.sort(rng.choice(total, size=n, replace=False))
    members = group_members(split.groups, group_cap)
    order = rng.permutation(len(members))
    sizes = np.array([len(members[g]) for g in order])
    n_groups = len(order) if n is None else max(1, int(np.searchsorted(np.cumsum(sizes), n, side="right")))
    return np.sort(np.concatenate([members[g] for g in order[:n_groups]]))


def subset_task_data(
    data: TaskData,
    n_train: int | None,
    n_val: int | None,
    n_test: int | None,
    seed: int,
    group_cap: int | None = None,
) -> TaskData:
    """``data`` cut to the given sizes: random training samples, whole (capped) groups for val/test."""
    rng = np.random.default_rng(seed)
    parts = {}
    for name, n, whole in (("train", n_train, False), ("val", n_val, True), ("test", n_test, True)):
        split = data.split(name)
        parts[name] = split.subset(subset_index(split, n, rng, whole_groups=whole, group_cap=group_cap))
    subset = {"n_train": n_train, "n_val": n_val, "n_test": n_test, "seed": seed, "group_cap": group_cap}
    return TaskData(task=data.task, meta={**data.meta, "subset": subset}, **parts)
