"""Interval calibration of the combined ensemble: the scale factor, the held-out split, the model."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import surrogates
from surrogates.aleatoric import interval_scale
from surrogates.metrics import interval_coverage
from surrogates.models.ensemble import MIN_CALIBRATION_ARCHS, calibration_mask


def test_interval_scale_by_hand():
    # |y - mean| / std = 1..19 (shuffled): the conformal rank is ceil(20 * 0.9) = 18, ratio 18.
    y = np.random.default_rng(0).permutation(np.arange(1.0, 20.0))
    scale = interval_scale(y, np.zeros(19), np.ones(19), level=0.9)
    assert scale == pytest.approx(18 / stats.norm.ppf(0.95))
    # The rescaled intervals cover 18 of the 19 points (>= 90 %).
    assert interval_coverage(y, np.zeros(19), scale * np.ones(19), 0.9) == pytest.approx(18 / 19)
    # Few points: the rank is capped at the largest ratio.
    assert interval_scale(y[:5], np.zeros(5), np.ones(5)) == pytest.approx(y[:5].max() / stats.norm.ppf(0.95))


def test_interval_scale_shrinks_over_wide_and_widens_narrow_intervals():
    rng = np.random.default_rng(0)
    y = rng.normal(size=20_000)
    assert interval_scale(y, np.zeros_like(y), np.full_like(y, 3.0)) == pytest.approx(1 / 3, rel=0.03)
    assert interval_scale(y, np.zeros_like(y), np.full_like(y, 0.5)) == pytest.approx(2.0, rel=0.03)
    assert interval_scale(y, y, np.zeros_like(y)) == 1.0  # no usable rows
    with pytest.raises(ValueError, match="level"):
        interval_scale(y, y, y, level=1.0)


def test_calibration_mask_sizes_and_whole_groups():
    groups = np.repeat(np.arange(500), 2)  # 500 architectures trained twice
    rows = calibration_mask(groups, 0.1, seed=0)
    assert rows is not None and rows.sum() == 100
    assert set(groups[rows]) & set(groups[~rows])  # by rows: some repeats straddle the split
    mask = calibration_mask(groups, 0.1, seed=0, whole_groups=True)
    assert mask is not None and mask.sum() == 100
    assert not set(groups[mask]) & set(groups[~mask])  # whole groups: none on both sides
    small = calibration_mask(np.arange(50), 0.1, seed=0)  # small data: grows to 30 %
    assert small is not None and small.sum() == 15
    assert calibration_mask(np.arange(20), 0.1, seed=0) is None  # 6 < MIN_CALIBRATION_ARCHS
    assert MIN_CALIBRATION_ARCHS > 6
    assert calibration_mask(np.arange(500), 0.0, seed=0) is None
    assert np.array_equal(calibration_mask(np.arange(500), 0.1, 3), calibration_mask(np.arange(500), 0.1, 3))
    with pytest.raises(ValueError, match="calibration_fraction"):
        calibration_mask(np.arange(500), 1.5, seed=0)


def test_calibrated_ensemble_covers_held_out_points(nb201_data, tmp_path):
    """Deliberately over-wide members (mean predictor + XGB) are shrunk to ~90 % held-out coverage."""
    archs, y = nb201_data
    members = [{"name": "mean", "params": {}},
               {"name": "xgb", "params": surrogates.checking_parameters("xgb")}]
    raw = surrogates.create("ensemble", members=members, calibration_fraction=0.0).fit(archs[:180], y[:180])
    cal = surrogates.create("ensemble", members=members, calibration_fraction=0.3).fit(archs[:180], y[:180])
    assert raw.calibration_scale_ == 1.0 and raw.calibration_n_ == 0
    assert cal.calibration_n_ >= 45 and cal.calibration_scale_ < 1.0
    mean_raw, std_raw = raw.predict(archs[180:])
    mean_cal, std_cal = cal.predict(archs[180:])
    np.testing.assert_allclose(mean_cal, mean_raw)  # refit on all data: same members, same means
    raw_cover = interval_coverage(y[180:], mean_raw, std_raw, 0.9)
    cal_cover = interval_coverage(y[180:], mean_cal, std_cal, 0.9)
    assert raw_cover > 0.95 and 0.8 <= cal_cover < raw_cover
    np.testing.assert_allclose(std_cal, cal.calibration_scale_ * std_raw)
    cal.save(tmp_path / "m")
    loaded = surrogates.SurrogateModel.load(tmp_path / "m")
    assert loaded.calibration_scale_ == cal.calibration_scale_
    np.testing.assert_allclose(loaded.predict(archs[180:])[1], std_cal)


def test_calibration_without_refit_keeps_the_held_out_share_out(nb201_data):
    archs, y = nb201_data
    members = [{"name": "xgb", "params": surrogates.checking_parameters("xgb")}]
    split = {"members": members, "weights": None, "calibration_method": "split"}
    refit = surrogates.create("ensemble", **split).fit(archs[:200], y[:200])
    kept = surrogates.create("ensemble", **split, calibration_refit=False).fit(archs[:200], y[:200])
    # the same held-out residuals; the factor follows each member set's typical spread
    assert refit.calibration_.quantiles == kept.calibration_.quantiles
    assert refit.calibration_scale_ * refit.calibration_.reference == pytest.approx(
        kept.calibration_scale_ * kept.calibration_.reference)
    assert not np.allclose(refit.predict(archs[200:])[0], kept.predict(archs[200:])[0])
