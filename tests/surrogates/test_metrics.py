"""Metrics against scipy / scikit-learn and small hand-computed cases."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm

from surrogates import metrics as M

RNG = np.random.default_rng(0)
Y = RNG.normal(size=50)
P = Y + RNG.normal(scale=0.5, size=50)


def test_against_sklearn_and_scipy():
    assert M.r2(Y, P) == pytest.approx(skm.r2_score(Y, P))
    assert M.mae(Y, P) == pytest.approx(skm.mean_absolute_error(Y, P))
    assert M.rmse(Y, P) == pytest.approx(np.sqrt(skm.mean_squared_error(Y, P)))
    assert M.pearson(Y, P) == pytest.approx(stats.pearsonr(Y, P).statistic)
    assert M.spearman(Y, P) == pytest.approx(stats.spearmanr(Y, P).statistic)
    assert M.kendall_tau(Y, P) == pytest.approx(stats.kendalltau(Y, P).statistic)


def test_kendall_tau_by_hand():
    # pairs of (1,2,3,4) vs (1,3,2,4): 5 concordant, 1 discordant -> (5-1)/6
    assert M.kendall_tau([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(4 / 6)


def test_sparse_kendall_tau_rounds_before_ranking():
    y = np.array([90.01, 90.04, 91.0, 92.0])
    p = np.array([90.04, 90.01, 91.0, 92.0])  # the swap is below 0.1: ties after rounding
    assert M.kendall_tau(y, p) == pytest.approx(4 / 6)
    assert M.sparse_kendall_tau(y, p, 0.1) == pytest.approx(1.0)
    assert M.resolution_for("ninapro") == 0.1
    assert M.resolution_for("darcyflow") == 0.001
    assert M.resolution_for("ninapro", 0.5) == 0.5


def test_precision_at_top_by_hand():
    y = np.arange(100.0)  # true best 5: indices 0..4
    p = y.copy()
    p[[0, 1]] = [50.0, 51.0]  # two of the true top-5 ranked out of the predicted top-5
    assert M.precision_at_top(y, p, 0.05) == pytest.approx(3 / 5)
    assert M.precision_at_top(y, y, 0.01) == 1.0


def test_gaussian_nll_against_scipy():
    std = np.full(50, 0.7)
    expected = -np.mean(stats.norm.logpdf(Y, loc=P, scale=std))
    assert M.gaussian_nll(Y, P, std) == pytest.approx(expected)


def test_coverage_by_hand_and_calibrated_gaussian():
    y = np.array([0.0, 0.5, 1.0, 2.0])
    mean = np.zeros(4)
    std = np.ones(4)  # 50% interval half-width 0.674; 90%: 1.645
    assert M.interval_coverage(y, mean, std, 0.5) == pytest.approx(2 / 4)
    assert M.interval_coverage(y, mean, std, 0.9) == pytest.approx(3 / 4)
    z = np.random.default_rng(1).normal(size=20000)
    assert M.interval_coverage(z, np.zeros_like(z), np.ones_like(z), 0.9) == pytest.approx(0.9, abs=0.01)


def test_regression_metrics_keys():
    out = M.regression_metrics(Y, P, np.ones(50), task="ninapro")
    assert {"r2", "mae", "rmse", "pearson", "spearman", "kendall_tau", "sparse_kendall_tau",
            "precision_top1", "precision_top5", "nll", "coverage50", "coverage90"} == set(out)
    assert "nll" not in M.regression_metrics(Y, P)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: M.r2([1.0, 2.0], [1.0]), "equal length"),
        (lambda: M.mae([1.0], [1.0]), "at least 2"),
        (lambda: M.gaussian_nll(Y, P, -np.ones(50)), ">= 0"),
        (lambda: M.interval_coverage(Y, P, np.ones(50), 1.5), "level"),
        (lambda: M.precision_at_top(Y, P, 0.0), "fraction"),
        (lambda: M.resolution_for("mnist"), "mnist"),
        (lambda: M.sparse_kendall_tau(Y, P, 0.0), "resolution"),
    ],
)
def test_bad_input_raises(call, match):
    with pytest.raises(ValueError, match=match):
        call()
