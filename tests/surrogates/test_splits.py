"""Group-keeping splits: an architecture's repeated runs never straddle fitting and held-out rows."""
from __future__ import annotations

import numpy as np
import pytest

from surrogates.splits import group_folds, group_holdout, group_test_first

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
