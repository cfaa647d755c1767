"""Conformal calibration (issue 22): quantiles per level, what predict says, coverage on a real
table, which rows calibrate, and artifacts saved before it."""
from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

import graph_encodings
import surrogates
from surrogates.artifacts import _content_hash
from surrogates.calibration import (
    GAUSSIAN,
    LEVELS,
    Calibration,
    Prediction,
    conformal_quantile,
    z_value,
)
from surrogates.models.ensemble import calibration_candidates, calibration_mask

SMALL_XGB = {"name": "xgb", "params": {"n_members": 3, "n_rounds": 150, "features": None,
                                       "booster_params": {"max_depth": 6, "learning_rate": 0.1}}}


def test_conformal_quantile_by_hand():
    ratios = np.random.default_rng(0).permutation(np.arange(1.0, 20.0))  # 19 ratios 1..19
    assert conformal_quantile(ratios, 0.9) == (18.0, False)  # rank ceil(20 * 0.9) = 18
    assert conformal_quantile(ratios, 0.5) == (10.0, False)  # rank ceil(20 * 0.5) = 10
    assert conformal_quantile(ratios, 0.95) == (19.0, False)  # rank 19 = m: still finite
    assert conformal_quantile(ratios[:5], 0.95) == (max(ratios[:5]), True)  # rank 6 > 5: saturated
    with pytest.raises(ValueError, match="level"):
        conformal_quantile(ratios, 1.0)


def test_calibration_holds_one_quantile_per_level():
    cal = Calibration.from_ratios(np.arange(1.0, 20.0), "split_conformal", n_groups=19)
    assert cal.levels == LEVELS and cal.n == 19 and cal.n_groups == 19
    assert cal.quantiles == (10.0, 16.0, 18.0, 19.0)  # ranks 10, 16, 18, 19
    assert cal.scale == pytest.approx(18.0 / z_value(0.9))
    # half-widths in units of the calibrated std: the stored quantile over the scale
    for level, q in zip(cal.levels, cal.quantiles, strict=True):
        assert cal.factor(level) == pytest.approx(q / cal.scale)
    assert cal.factor(0.9) == pytest.approx(z_value(0.9))
    assert cal.factor(0.85) == pytest.approx(z_value(0.85) * np.interp(
        0.85, [0.8, 0.9], [16 / (cal.scale * z_value(0.8)), 18 / (cal.scale * z_value(0.9))]))
    assert Calibration.from_dict(json.loads(json.dumps(cal.to_dict()))) == cal
    few = Calibration.from_ratios(np.arange(1.0, 12.0), "cross_conformal", n_groups=11, folds=5)
    assert few.saturated == (0.95,) and few.folds == 5  # 11 ratios cannot promise 95 %
    assert GAUSSIAN.factor(0.5) == pytest.approx(z_value(0.5))  # uncalibrated: Gaussian
    with pytest.raises(ValueError, match="method"):
        Calibration(method="magic")
    with pytest.raises(ValueError, match="one quantile per level"):
        Calibration(method="split_conformal", levels=(0.9,), quantiles=())
    with pytest.raises(ValueError, match="needs method"):
        Calibration.from_dict({"method": "none"})


def test_prediction_unpacks_and_gives_intervals():
    cal = Calibration.from_ratios(np.arange(1.0, 20.0), "split_conformal", n_groups=19)
    mean, std = np.array([0.0, 10.0]), np.array([1.0, 2.0])
    pred = Prediction(mean, std, cal)
    m, s = pred
    assert m is mean and s is std and pred.calibration is cal
    low, high = pred.interval(0.5)
    np.testing.assert_allclose(high - mean, std * 10.0 / cal.scale)
    np.testing.assert_allclose(mean - low, high - mean)
    assert pred.coverage(np.array([0.0, 1e9]), 0.9) == 0.5
    again = pickle.loads(pickle.dumps(pred))
    assert again.calibration == cal and np.array_equal(again.mean, mean)


def test_calibration_candidates_are_the_architectures_seen_once():
    groups = np.array(["a", "a", "b", "c", "d", "e", "e", "e"])  # 3 of 5 archs seen once
    np.testing.assert_array_equal(calibration_candidates(groups), [0, 0, 1, 1, 1, 0, 0, 0])
    by_design = np.repeat(np.arange(10), 3)  # every arch 3 seeds: every arch calibrates
    assert calibration_candidates(by_design).all()
    assert calibration_candidates(groups, whole_groups=False).all()
    mask = calibration_mask(np.arange(200) // np.r_[np.ones(100), 2 * np.ones(100)].astype(int),
                            0.1, seed=0, whole_groups=True,
                            candidates=np.r_[np.ones(100, bool), np.zeros(100, bool)])
    assert mask is not None and not mask[100:].any()


@pytest.mark.parametrize(("folds", "n_units", "expected"),
                         [(None, 50, 20), (None, 100, 20), (None, 200, 10), (None, 400, 5), (None, 5000, 5),
                          (7, 100, 7), (3, 5000, 3)])
def test_cross_conformal_folds_grow_as_the_data_shrink(folds, n_units, expected):
    model = surrogates.create("ensemble", calibration_folds=folds)
    assert model._folds(n_units) == expected


def test_the_ensemble_says_how_it_calibrated(nb201_data):
    archs, y = nb201_data
    members = [{"name": "xgb", "params": surrogates.checking_parameters("xgb")}]
    cross = surrogates.create("ensemble", members=members, weights=None).fit(archs, y)
    cal = cross.calibration_
    groups = np.array(graph_encodings.get_space("nb201").canonical_hash_many(archs))
    seen_once = calibration_candidates(groups)  # the isomorphic twins among them do not calibrate
    assert 150 < seen_once.sum() < len(archs)
    folds = min(20, max(5, -(-2000 // int(seen_once.sum()))))  # about 2,000 rows over all folds
    assert (cal.method, cal.n, cal.folds, cal.unit) == ("cross_conformal", seen_once.sum(), folds, "architecture")
    assert cal.n_groups == cal.n
    assert cal.levels == LEVELS and cal.scale == cross.calibration_scale_
    pred = cross.predict(archs[:20])
    assert isinstance(pred, Prediction) and pred.calibration == cal
    split = surrogates.create("ensemble", members=members, weights=None, calibration_method="split",
                              calibration_fraction=0.2).fit(archs, y)
    assert split.calibration_.method == "split_conformal"
    assert split.calibration_.n == pytest.approx(0.2 * len(archs), abs=1)
    none = surrogates.create("ensemble", members=members, weights=None,
                             calibration_fraction=0.0).fit(archs, y)
    assert none.calibration_.method == "none" and none.predict(archs[:3]).calibration == GAUSSIAN
    assert surrogates.create("xgb", **surrogates.checking_parameters("xgb")).fit(
        archs, y).predict(archs[:3]).calibration.method == "none"
    with pytest.raises(ValueError, match="calibration_method"):
        surrogates.create("ensemble", calibration_method="jackknife")


@pytest.fixture(scope="module")
def cifar100_cells():
    from surrogates.benchmark.records import load_training_set

    data = load_training_set("cifar100", "nb201", "nb360-nb201-200ep")
    return data.archs, data.scores, data.groups


@pytest.mark.parametrize("seed", [0, 1])
def test_intervals_cover_unseen_cells_of_a_real_table(cifar100_cells, seed):
    """600 random CIFAR-100 NB201 cells train; every level covers its share of 2,000 cells whose
    architecture the fit never saw, within three standard deviations of a conformal interval's
    coverage (its spread over the m calibration architectures, ~sqrt(l(1 - l) / m), and the test
    sample's, in quadrature): about 0.08 at 50 % and 0.05 at 90 % for the m ~ 380 here. (How the
    row-by-row calibration before issue 22 under-covered is a finding, measured by
    benchmarks/bench_calibration_mechanisms.py.)"""
    archs, y, groups = cifar100_cells
    order = np.random.default_rng([seed, 22]).permutation(len(y))
    train, rest = order[:600], order[600:]
    test = rest[~np.isin(groups[rest], groups[train])][:2000]

    def fitted(**hp):
        model = surrogates.create("ensemble", members=[SMALL_XGB], weights=None, seed=seed, **hp)
        return model.fit([archs[i] for i in train], y[train]).predict([archs[i] for i in test])

    pred = fitted()
    assert pred.calibration.method == "cross_conformal"
    for level in LEVELS:
        spread = np.sqrt(level * (1 - level) * (1 / pred.calibration.n + 1 / len(test)))
        assert pred.coverage(y[test], level) == pytest.approx(level, abs=3 * spread), level


def _strip_calibration(folder):
    """Rewrite a saved ensemble's manifest as artifacts saved before per-level quantiles."""
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["state"]["calibration"]
    manifest["manifest_sha256"] = _content_hash(manifest)
    path.write_text(json.dumps(manifest, indent=1, sort_keys=True))


def test_artifacts_without_quantiles_answer_as_before(nb201_data, tmp_path):
    archs, y = nb201_data
    members = [{"name": "xgb", "params": surrogates.checking_parameters("xgb")}]
    model = surrogates.create("ensemble", members=members, weights=None).fit(archs[:200], y[:200])
    model.save(tmp_path / "m")
    _strip_calibration(tmp_path / "m")
    old = surrogates.SurrogateModel.load(tmp_path / "m")
    assert old.calibration_.method == "std_scale" and old.calibration_.scale == model.calibration_scale_
    mean, std = model.predict(archs[200:])
    pred = old.predict(archs[200:])
    np.testing.assert_allclose(pred.mean, mean)
    np.testing.assert_allclose(pred.std, std)  # the same factor on the same mixture
    np.testing.assert_allclose(pred.interval(0.5)[1] - pred.mean, z_value(0.5) * pred.std)  # Gaussian


@pytest.mark.parametrize(("space", "task"), [("darts", "psicov"), ("darts", "darcyflow")])
def test_shipped_artifacts_load_with_the_calibration_they_were_saved_with(space, task):
    """Refitted artifacts carry per-level quantiles; older ones one 90 % factor (std_scale)."""
    bench = surrogates.Benchmark.load(task, space=space)
    model = bench.model
    state = json.loads((bench_folder(bench) / "model" / "manifest.json").read_text())["state"]
    archs = bench.space.sample_many(5, rng=0)
    _, var, _ = model._mixture_of(model.members_, bench.space, archs)
    pred = model.predict(archs)
    if "calibration" in state:
        assert model.calibration_ == Calibration.from_dict(state["calibration"])
        assert model.calibration_.method.endswith("_conformal") and len(model.calibration_.quantiles) == 4
    else:
        assert model.calibration_ == Calibration.std_scale(state["calibration_scale"], state["calibration_n"])
    np.testing.assert_allclose(pred.std, model.calibration_.scale * np.sqrt(var) * model.y_std_)


def bench_folder(bench):
    from surrogates.benchmark.artifact_folders import resolve

    return resolve(bench.task, bench.space.name, bench.protocol, "ensemble", None)
