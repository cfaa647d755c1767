"""The same checks on every registered surrogate (checking parameters, synthetic NB201 data)."""
from __future__ import annotations

import json

import numpy as np
import pytest

import graph_encodings
import surrogates
from surrogates import ArtifactError, NotFittedError, SurrogateModel

NAMES = surrogates.list_surrogates()
N_TRAIN = 160


def _make(name: str, **extra):
    return surrogates.create(name, **surrogates.checking_parameters(name), **extra)


@pytest.fixture(scope="module")
def fitted(nb201_data):
    archs, y = nb201_data
    return {name: _make(name).fit(archs[:N_TRAIN], y[:N_TRAIN]) for name in NAMES}


def test_registry_lists_all_expected_models():
    expected = {"mean", "xgb_default_onehot", "nb301_xgb", "nb301_lgb", "xgb", "lgb", "gin",
                "ensemble"}
    assert expected <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_fit_returns_self_and_predict_shapes(name, nb201_data):
    archs, y = nb201_data
    model = _make(name)
    assert model.fit(archs[:N_TRAIN], y[:N_TRAIN]) is model
    mean, std = model.predict(archs[N_TRAIN:])
    assert mean.shape == std.shape == (len(archs) - N_TRAIN,)
    assert mean.dtype == std.dtype == np.float64
    assert np.all(np.isfinite(mean)) and np.all(std >= 0)


@pytest.mark.parametrize("name", NAMES)
def test_accepts_strings_like_objects(name, fitted, nb201_data):
    archs, _ = nb201_data
    test = archs[N_TRAIN:N_TRAIN + 10]
    a = fitted[name].predict(test)
    b = fitted[name].predict([str(x) for x in test])
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_under_seed(name, fitted, nb201_data):
    archs, y = nb201_data
    again = _make(name).fit(archs[:N_TRAIN], y[:N_TRAIN])
    for a, b in zip(fitted[name].predict(archs[N_TRAIN:]), again.predict(archs[N_TRAIN:]),
                    strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", NAMES)
def test_save_load_identical_predictions(name, fitted, nb201_data, tmp_path):
    archs, _ = nb201_data
    fitted[name].save(tmp_path / "m")
    loaded = SurrogateModel.load(tmp_path / "m")
    assert type(loaded) is type(fitted[name])
    assert loaded.get_params() == fitted[name].get_params()
    for a, b in zip(fitted[name].predict(archs[N_TRAIN:]), loaded.predict(archs[N_TRAIN:]),
                    strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", NAMES)
def test_unfitted_raises(name, nb201_data, tmp_path):
    model = _make(name)
    with pytest.raises(NotFittedError, match="not fitted"):
        model.predict(nb201_data[0][:3])
    with pytest.raises(NotFittedError):
        model.save(tmp_path / "m")


@pytest.mark.parametrize("name", NAMES)
def test_tampered_artifact_raises(name, fitted, tmp_path):
    folder = fitted[name].save(tmp_path / "m")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json")
    target = files[0] if files else folder / "manifest.json"
    if target.name == "manifest.json":  # the mean model has no other file: edit the manifest
        manifest = json.loads(target.read_text())
        manifest["y_mean"] += 1.0
        target.write_text(json.dumps(manifest))
    else:
        target.write_bytes(target.read_bytes() + b"\0")
    with pytest.raises(ArtifactError, match="modified"):
        SurrogateModel.load(folder)


@pytest.mark.parametrize("name", NAMES)
def test_wrong_space_raises(name, fitted):
    darts = graph_encodings.get_space("darts")
    other = [darts.sample(np.random.default_rng(1))]
    with pytest.raises(ValueError, match="nb201"):
        fitted[name].predict(other)


@pytest.mark.parametrize("name", NAMES)
def test_unknown_hyper_parameter_raises(name):
    with pytest.raises(ValueError, match="not_a_parameter"):
        surrogates.create(name, not_a_parameter=1)


def test_create_unknown_name_lists_valid():
    with pytest.raises(ValueError, match="valid names: .*xgb"):
        surrogates.create("no_such_model")
    with pytest.raises(ValueError, match="no_such_model"):
        surrogates.checking_parameters("no_such_model")


@pytest.mark.parametrize("name", NAMES)
def test_darts_space_fit_predict(name):
    space = graph_encodings.get_space("darts")
    rng = np.random.default_rng(2)
    archs = [space.sample(rng) for _ in range(40)]
    y = np.array([sum(op == "sep_conv_3x3" for op, _ in a.normal) for a in archs], dtype=float)
    model = _make(name).fit(archs[:30], y[:30])
    mean, std = model.predict([str(a) for a in archs[30:]])
    assert model.space_ == "darts"
    assert mean.shape == std.shape == (10,) and np.all(std >= 0)


def test_ensemble_rejects_bad_members(nb201_data):
    archs, y = nb201_data
    with pytest.raises(ValueError, match="invalid ensemble member"):
        surrogates.create("ensemble", members=[{"name": "ensemble"}]).fit(archs[:20], y[:20])
    with pytest.raises(ValueError, match=r"weights \[1\] invalid"):
        surrogates.create("ensemble", members=[{"name": "mean"}, {"name": "mean"}],
                          weights=[1]).fit(archs[:20], y[:20])
    with pytest.raises(ValueError, match="non-empty list"):
        surrogates.create("ensemble", members=[]).fit(archs[:20], y[:20])
