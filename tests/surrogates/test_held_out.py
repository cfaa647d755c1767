"""Evaluation splits and the isomorphic-twin noise reference."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from surrogates import checking_parameters, create, evaluate_surrogate, isomorphic_twin_mae
from surrogates.metrics import regression_metrics
from surrogates.splits import group_test_first


def test_random_split_matches_a_manual_fit(nb201_data):
    archs, y = nb201_data
    out = evaluate_surrogate("xgb_default_onehot", archs, y, params=checking_parameters("xgb_default_onehot"),
                   seed=3, n_test=40, n_train=100, task="ninapro")
    assert len(out) == 1 and out.loc[0, "n_train"] == 100 and out.loc[0, "n_test"] == 40
    order = np.random.default_rng(3).permutation(len(archs))
    test, train = order[:40], order[40:140]
    model = create("xgb_default_onehot", **checking_parameters("xgb_default_onehot"))
    model.fit([archs[i] for i in train], y[train])
    mean, std = model.predict([archs[i] for i in test])
    expected = regression_metrics(y[test], mean, std, task="ninapro")
    for key, value in expected.items():
        assert out.loc[0, key] == pytest.approx(value)


def test_random_split_with_noise_groups_holds_out_whole_groups(nb201_data):
    archs, y = nb201_data
    groups = np.arange(len(archs)) // 3  # 80 architectures, 3 runs each
    params = checking_parameters("xgb_default_onehot")
    out = evaluate_surrogate("xgb_default_onehot", archs, y, params=params, seed=3, n_test=40,
                   noise_groups=groups)
    assert out.loc[0, "n_test"] == 39 and out.loc[0, "n_train"] == len(archs) - 39  # 13 whole groups
    test, rest = group_test_first(groups, 40, np.random.default_rng(3))
    assert not set(groups[test]) & set(groups[rest])
    model = create("xgb_default_onehot", **params)
    model.fit([archs[i] for i in rest], y[rest], noise_groups=groups[rest])
    mean, std = model.predict([archs[i] for i in test])
    assert out.loc[0, "kendall_tau"] == pytest.approx(regression_metrics(y[test], mean, std)["kendall_tau"])
    curve = evaluate_surrogate("mean", archs, y, split="train_sizes", train_sizes=(50, 100), n_test=40,
                     noise_groups=groups)
    assert list(curve["n_test"]) == [39, 39] and list(curve["n_train"]) == [50, 100]
    with pytest.raises(ValueError, match="leaves 0 training records"):
        evaluate_surrogate("mean", archs, y, n_test=len(archs) - 1, noise_groups=np.zeros(len(archs)))


def test_leave_one_sampler_out_holds_out_each_group(nb201_data):
    archs, y = nb201_data
    groups = np.array(["re", "rs", "bananas"])[np.arange(len(archs)) % 3]
    out = evaluate_surrogate("mean", archs, y, split="leave_one_sampler_out", groups=groups, resolution=0.1)
    assert sorted(out["held_out"]) == ["bananas", "re", "rs"]
    assert (out["n_test"] == 80).all() and (out["n_train"] == 160).all()
    # the mean model's MAE on a held-out group is computable by hand
    held = groups == "re"
    expected = np.mean(np.abs(y[held] - y[~held].mean()))
    assert out.set_index("held_out").loc["re", "mae"] == pytest.approx(expected)


def test_train_sizes_learning_curve(nb201_data):
    archs, y = nb201_data
    out = evaluate_surrogate("mean", archs, y, split="train_sizes", train_sizes=(50, 100, 1000),
                   test_fraction=0.25)
    assert list(out["n_train"]) == [50, 100]  # 1000 exceeds the 180 training archs
    assert (out["n_test"] == 60).all()


def test_factory_model_and_errors(nb201_data):
    archs, y = nb201_data
    out = evaluate_surrogate(lambda: create("mean"), archs, y, n_test=40)
    assert out.loc[0, "model"] == "mean"
    with pytest.raises(ValueError, match="unknown split 'kfold'"):
        evaluate_surrogate("mean", archs, y, split="kfold")
    with pytest.raises(ValueError, match="needs groups"):
        evaluate_surrogate("mean", archs, y, split="leave_one_sampler_out")
    with pytest.raises(ValueError, match=">= 2 samplers"):
        evaluate_surrogate("mean", archs, y, split="leave_one_sampler_out", groups=["rs"] * len(archs))
    with pytest.raises(ValueError, match="n_train=500"):
        evaluate_surrogate("mean", archs, y, n_train=500)
    with pytest.raises(ValueError, match="test set size"):
        evaluate_surrogate("mean", archs, y, n_test=len(archs))
    with pytest.raises(ValueError, match="shape"):
        evaluate_surrogate("mean", archs, y[:-1])
    with pytest.raises(ValueError, match="unknown surrogate"):
        evaluate_surrogate("nope", archs, y)


def test_isomorphic_twin_mae_by_hand():
    records = pd.DataFrame({
        "arch_hash": ["a", "a", "b", "b", "b", "c"],
        "score": [1.0, 2.0, 0.0, 1.0, 3.0, 9.0],
    })
    # a: each off by 1 -> errors 1, 1; b: 0 -> (1+3)/2=2, 1 -> (1+2)/2=1.5, 3 -> (3+2)/2=2.5
    expected = np.mean([1, 1, 2, 1.5, 2.5])
    assert isomorphic_twin_mae(records) == pytest.approx(expected)
    with pytest.raises(ValueError, match="no two records"):
        isomorphic_twin_mae(records.iloc[[0, 2, 5]])
    with pytest.raises(ValueError, match="lack column"):
        isomorphic_twin_mae(records, score="test_acc")


def test_the_old_name_evaluate_still_works_and_warns(nb201_data):
    import surrogates

    archs, y = nb201_data
    with pytest.warns(FutureWarning, match="use surrogates.evaluate_surrogate"):
        old = surrogates.evaluate("mean", archs, y, n_test=40)
    pd.testing.assert_frame_equal(old.drop(columns=["fit_seconds", "predict_seconds"]),
                                  evaluate_surrogate("mean", archs, y, n_test=40)
                                  .drop(columns=["fit_seconds", "predict_seconds"]))
    assert "evaluate" not in surrogates.__all__
