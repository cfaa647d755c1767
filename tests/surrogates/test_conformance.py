"""Every registered surrogate passes surrogates.testing.check_surrogate, and the checks catch a
model that breaks the protocol."""
from __future__ import annotations

import numpy as np
import pytest

import surrogates
from surrogates.models.baselines import MeanModel
from surrogates.testing import CheckData, check_surrogate

NAMES = surrogates.list_surrogates()


@pytest.mark.parametrize("name", NAMES)
def test_registered_surrogate_passes_check_surrogate(name):
    check_surrogate(surrogates.create(name, **surrogates.checking_parameters(name)))


def test_check_surrogate_on_a_darts_model_and_on_given_data(nb201_data):
    check_surrogate(surrogates.create("mean", space="darts"))
    archs, y = nb201_data
    check_surrogate(surrogates.create("mean"), CheckData("nb201", tuple(archs[:30]), y[:30],
                                                         tuple(archs[30:40])))


class _Jittery(MeanModel):
    """Breaks determinism: every prediction moves at random."""

    def _predict_z(self, space, archs):
        mean, var = super()._predict_z(space, archs)
        return mean + np.random.default_rng().normal(size=len(archs)), var


def test_check_surrogate_names_the_failed_check():
    with pytest.raises(AssertionError, match=r"_Jittery\(\) \('mean'\) fails check_fit_predict: "
                                             r"predict_with_noise vs predict: mean differs"):
        check_surrogate(_Jittery())
    with pytest.raises(TypeError, match="takes a SurrogateModel, not str"):
        check_surrogate("xgb")


def test_registry_lists_all_expected_models():
    expected = {"mean", "xgb_default_onehot", "nb301_xgb", "nb301_lgb", "xgb", "lgb", "gin",
                "ensemble"}
    assert expected <= set(NAMES)


def test_create_unknown_name_lists_valid():
    with pytest.raises(ValueError, match="valid names: .*xgb"):
        surrogates.create("no_such_model")
    with pytest.raises(ValueError, match="no_such_model"):
        surrogates.checking_parameters("no_such_model")


def test_ensemble_rejects_bad_members(nb201_data):
    archs, y = nb201_data
    with pytest.raises(ValueError, match="invalid ensemble member"):
        surrogates.create("ensemble", members=[{"name": "ensemble"}]).fit(archs[:20], y[:20])
    with pytest.raises(ValueError, match=r"weights \[1\] invalid"):
        surrogates.create("ensemble", members=[{"name": "mean"}, {"name": "mean"}],
                          weights=[1]).fit(archs[:20], y[:20])
    with pytest.raises(ValueError, match="non-empty list"):
        surrogates.create("ensemble", members=[]).fit(archs[:20], y[:20])
