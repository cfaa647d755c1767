"""Group-keeping splits: an architecture's repeated runs never straddle fitting and held-out rows."""
from __future__ import annotations

import numpy as np
import pytest

from surrogates.splits import group_folds, group_holdout, group_subset, group_test_first

GROUPS = np.repeat([f"arch{i}" for i in range(40)], np.arange(40) % 3 + 1)  # sizes 1, 2, 3, ...


def test_holdout_keeps_groups_whole_and_takes_about_the_fraction() -> None:
    mask = group_holdout(GROUPS, 0.2, np.random.default_rng(0))
    for label in np.unique(GROUPS):
        assert len(set(mask[np.equal(GROUPS, label)])) == 1
    assert 0.2 - 3 / len(GROUPS) <= mask.mean() < 0.2
    assert not np.array_equal(mask, group_holdout(GROUPS, 0.2, np.random.default_rng(1)))


def test_holdout_takes_one_group_at_least() -> None:
    mask = group_holdout(np.array(["a", "a", "b", "c"]), 0.01, np.random.default_rng(0))
    assert mask.sum() in (1, 2) and len(set(np.array(["a", "a", "b", "c"])[mask])) == 1


def test_folds_keep_groups_whole_and_are_all_used() -> None:
    folds = group_folds(GROUPS, 5, np.random.default_rng(0))
    for label in np.unique(GROUPS):
        assert len(set(folds[np.equal(GROUPS, label)])) == 1
    groups_per_fold = [len(np.unique(GROUPS[folds == f])) for f in range(5)]
    assert groups_per_fold == [8] * 5
    np.testing.assert_array_equal(folds, group_folds(GROUPS, 5, np.random.default_rng(0)))


@pytest.mark.parametrize("k", [1, 41])
def test_folds_need_two_to_the_number_of_groups(k: int) -> None:
    with pytest.raises(ValueError, match=r"2 <= k <= the number of distinct architectures.*here 40"):
        group_folds(GROUPS, k, np.random.default_rng(0))


def test_test_first_takes_whole_groups_up_to_the_size_and_shuffles_the_rest() -> None:
    test, rest = group_test_first(GROUPS, 10, np.random.default_rng(0))
    assert sorted(np.concatenate([test, rest]).tolist()) == list(range(len(GROUPS)))
    assert 10 - 2 <= len(test) <= 10 and not set(GROUPS[test]) & set(GROUPS[rest])
    assert not np.array_equal(rest, np.sort(rest))


def test_subset_keeps_whole_groups_of_the_given_rows() -> None:
    rows = np.flatnonzero(group_folds(GROUPS, 5, np.random.default_rng(0)) != 0)  # 32 groups
    kept = group_subset(GROUPS, rows, 0.25, np.random.default_rng(0))
    assert set(kept) <= set(rows) and np.all(np.diff(kept) > 0)  # a subset, in order
    assert len(np.unique(GROUPS[kept])) == 8
    for label in np.unique(GROUPS[kept]):  # every row of a kept group among the rows
        assert set(np.flatnonzero(np.equal(GROUPS, label))) & set(rows) <= set(kept)
    other = group_subset(GROUPS, rows, 0.25, np.random.default_rng(1))
    assert set(GROUPS[kept]) != set(GROUPS[other])


def test_subset_of_the_whole_fraction_is_every_row_and_never_empty() -> None:
    rows = np.arange(len(GROUPS))
    assert np.array_equal(group_subset(GROUPS, rows, 1.0, np.random.default_rng(0)), rows)
    assert len(np.unique(GROUPS[group_subset(GROUPS, rows, 0.001, np.random.default_rng(0))])) == 1


@pytest.mark.parametrize("fraction", [0.0, -0.5, 1.5])
def test_subset_fraction_outside_zero_one_is_refused(fraction: float) -> None:
    with pytest.raises(ValueError, match=rf"fraction must be in \(0, 1\], got {fraction}"):
        group_subset(GROUPS, np.arange(len(GROUPS)), fraction, np.random.default_rng(0))
