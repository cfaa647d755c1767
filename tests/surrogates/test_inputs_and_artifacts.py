"""Error paths of fit/predict inputs and of saved-model folders."""
from __future__ import annotations

import json

import numpy as np
import pytest

import surrogates
from surrogates import ArtifactError, SurrogateModel, create
from surrogates.aleatoric import pooled_group_variance


@pytest.fixture(scope="module")
def fitted_mean(nb201_data):
    archs, y = nb201_data
    return create("mean").fit(archs, y)


def test_fit_input_errors(nb201_data):
    archs, y = nb201_data
    model = create("mean")
    with pytest.raises(ValueError, match="shape"):
        model.fit(archs, y[:-1])
    with pytest.raises(ValueError, match="non-finite"):
        model.fit(archs[:3], [1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="empty"):
        model.fit([], [])
    with pytest.raises(ValueError, match="noise_groups"):
        model.fit(archs, y, noise_groups=[0, 1])
    with pytest.raises(ValueError, match=r"archs\[1\] = '\|bad~0\|' is not a valid 'nb201'"):
        model.fit([str(archs[0]), "|bad~0|"], [1.0, 2.0])
    with pytest.raises(ValueError, match="archs must be a list of architectures, got str"):
        model.fit(str(archs[0]), [1.0])
    with pytest.raises(ValueError, match="cannot tell the search space"):
        model.fit([3.5, 2.5], [1.0, 2.0])


@pytest.mark.parametrize(("y", "message"), [
    (["a"] * 4, r"y must be numbers \(one score per architecture\); y\[0\] = 'a' is not"),
    ([1.0, 2.0, "3", 4.0], r"y\[2\] = '3' is not"),
    ([1.0, None, 2.0, 3.0], r"y\[1\] = None is not"),
    ([True, False, True, False], r"y\[0\] = True is not"),
    ([1.0, 2.0, np.nan, 4.0], r"y has 1 non-finite values \(NaN/inf\), the first y\[2\] = nan"),
    ([1.0, np.inf, 2.0, 3.0], r"the first y\[1\] = inf"),
    ([1.0, 2.0, 3.0], r"y has shape \(3,\); expected \(4,\)"),
    ([[1.0, 2.0], [3.0]], r"y must be a flat sequence of 4 scores"),
])
@pytest.mark.parametrize("name", ["mean", "xgb"])
def test_bad_targets_are_named_by_every_model(nb201_data, name, y, message):
    archs, _ = nb201_data
    with pytest.raises(ValueError, match=message):
        create(name, **surrogates.checking_parameters(name)).fit(archs[:4], y)


def test_numeric_targets_of_any_type_are_accepted(nb201_data):
    archs, _ = nb201_data
    for y in ([1, 2.5, np.float32(3), np.int64(4)], np.arange(4, dtype=np.int32), (1.0, 2.0, 3.0, 4.0)):
        assert create("mean").fit(archs[:4], y).y_mean_ == pytest.approx(float(np.mean(y)))


TREES = ["xgb", "lgb", "nb301_xgb", "nb301_lgb", "xgb_default_onehot"]


@pytest.mark.parametrize("name", TREES)
@pytest.mark.parametrize(("hp", "message"), [
    ({"n_rounds": 0}, "n_rounds must be an integer >= 1, got 0"),
    ({"n_rounds": -1}, "n_rounds must be an integer >= 1, got -1"),
    ({"n_rounds": "abc"}, "n_rounds must be an integer >= 1, got 'abc'"),
    ({"n_rounds": 2.5}, "n_rounds must be an integer >= 1, got 2.5"),
    ({"n_members": 0}, "n_members must be an integer >= 1, got 0"),
    ({"row_subsample": 0.0}, r"row_subsample must be a number in \(0, 1\], got 0.0"),
    ({"row_subsample": 1.5}, r"row_subsample must be a number in \(0, 1\], got 1.5"),
    ({"early_stopping_rounds": 0}, "early_stopping_rounds must be an integer >= 1 or None, got 0"),
    ({"val_fraction": 1.0}, r"val_fraction must be a number in \[0, 1\), got 1.0"),
    ({"noise_folds": -1}, "noise_folds must be an integer >= 0, got -1"),
    ({"n_jobs": 0}, "n_jobs must be an integer >= 1, got 0"),
    ({"encoding": "graph"}, "encoding must be one of None, 'onehot', 'path', 'nb301_configspace', got 'graph'"),
    ({"booster_params": None}, "booster_params must be a dict"),
    ({"seed": -1}, "seed must be an integer >= 0, got -1"),
    ({"canonical": "yes"}, "canonical must be True or False, got 'yes'"),
    ({"space": "mnist"}, "space must be one of None, 'darts', 'nb201', got 'mnist'"),
])
def test_tree_hyper_parameters_are_checked_at_construction(name, hp, message):
    with pytest.raises(ValueError, match=message):
        create(name, **hp)


@pytest.mark.parametrize(("hp", "message"), [
    ({"members": [{"name": "gin", "params": {}}, {"name": "xgb", "params": {"n_rounds": 0}}]},
     r"members\[1\] \('xgb'\): XGBEnsemble: n_rounds must be an integer >= 1, got 0"),
    ({"members": [{"name": "lgb", "params": {"row_subsample": 2}}]}, r"members\[0\] \('lgb'\): .*row_subsample"),
    ({"members": [{"name": "nope"}]}, r"members\[0\] \('nope'\): unknown surrogate 'nope'"),
    ({"members": [{"name": "xgb", "params": 3}]}, "invalid ensemble member"),
    ({"weights": [1.0]}, r"weights \[1.0\] invalid"),
    ({"calibration_fraction": 1.0}, r"calibration_fraction must be a number in \[0, 1\), got 1.0"),
    ({"calibration_refit": 1}, "calibration_refit must be True or False, got 1"),
])
def test_ensemble_checks_its_members_and_settings_at_construction(hp, message):
    with pytest.raises(ValueError, match=message):
        create("ensemble", **hp)


def test_valid_tree_hyper_parameters_are_accepted():
    for name in TREES:
        create(name, n_rounds=np.int64(3), n_members=2, row_subsample=1, early_stopping_rounds=None,
               val_fraction=0, noise_folds=0, encoding="path")
        create(name, **surrogates.checking_parameters(name))


def test_space_hyper_parameter_and_unknown_space(nb201_data):
    archs, y = nb201_data
    model = create("mean", space="nb201").fit([str(a) for a in archs], y)
    assert model.space_ == "nb201"
    with pytest.raises(ValueError, match="mnist"):
        create("mean", space="mnist").fit(archs, y)


def test_mean_model_predicts_training_mean_and_std(fitted_mean, nb201_data):
    archs, y = nb201_data
    mean, std = fitted_mean.predict(archs[:4])
    np.testing.assert_allclose(mean, y.mean())
    np.testing.assert_allclose(std, y.std())


def test_trees_learn_the_synthetic_score(nb201_data):
    archs, y = nb201_data
    for name in ("xgb", "lgb"):
        model = create(name).fit(archs[:160], y[:160])
        mean, _ = model.predict(archs[160:])
        assert np.corrcoef(mean, y[160:])[0, 1] > 0.7, name  # the mean model scores 0


def test_pooled_group_variance_by_hand():
    y = np.array([1.0, 3.0, 5.0, 10.0])
    groups = np.array(["a", "a", "b", "c"])
    # group a: mean 2, SS 2, dof 1; b, c singletons
    assert pooled_group_variance(y, groups) == (2.0, 1)


def test_artifact_errors(fitted_mean, tmp_path):
    with pytest.raises(FileNotFoundError, match="manifest.json"):
        SurrogateModel.load(tmp_path / "absent")
    folder = fitted_mean.save(tmp_path / "m")
    with pytest.raises(FileExistsError, match="not empty"):
        fitted_mean.save(folder)
    (folder / "extra.bin").write_bytes(b"x")
    with pytest.raises(ArtifactError, match="extra.bin"):
        SurrogateModel.load(folder)
    (folder / "extra.bin").unlink()
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 99
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError):
        SurrogateModel.load(folder)
    manifest_path.write_text("{not json")
    with pytest.raises(ArtifactError, match="not valid JSON"):
        SurrogateModel.load(folder)


def test_format_version_mismatch_is_named(fitted_mean, tmp_path, monkeypatch):
    folder = fitted_mean.save(tmp_path / "m")
    monkeypatch.setattr(surrogates.artifacts, "FORMAT_VERSION", 2)
    with pytest.raises(ArtifactError, match="format_version 1"):
        SurrogateModel.load(folder)


def test_load_through_subclass_checks_the_kind(fitted_mean, tmp_path):
    from surrogates.models import XGBEnsemble

    folder = fitted_mean.save(tmp_path / "m")
    with pytest.raises(ArtifactError, match="not a XGBEnsemble"):
        XGBEnsemble.load(folder)
