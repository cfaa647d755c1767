"""Data-free graph features of cells (GRAF-like) and the tree models that take them."""
from __future__ import annotations

import numpy as np
import pytest

import graph_encodings
import surrogates
from surrogates.features import _MEMO, feature_names, graph_features

NB201 = graph_encodings.get_space("nb201")
DARTS = graph_encodings.get_space("darts")


def _named(space, arch) -> dict[str, float]:
    return dict(zip(feature_names(space.name), graph_features(space, [arch])[0].tolist(), strict=True))


def test_nb201_features_by_hand():
    full = _named(NB201, NB201.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+"
                                     "|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"))
    assert full["count:nor_conv_3x3"] == 6 and full["params"] == 54
    assert (full["paths:any"], full["min_len:any"], full["max_len:any"]) == (4, 1, 3)
    assert full["live:nor_conv_3x3"] == 6 and full["paths:skip"] == 0 and full["max_len:skip"] == 0
    # node 1 = conv(x) reaches no output; node 2 gets nothing; the output = skip(x)
    cut = _named(NB201, NB201.parse("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|"))
    assert (cut["count:nor_conv_3x3"], cut["count:none"], cut["params"]) == (2, 3, 18)
    assert (cut["paths:any"], cut["paths:conv"], cut["paths:conv_skip"]) == (1, 0, 1)
    assert cut["live:nor_conv_3x3"] == 0 and cut["live:skip_connect"] == 1 and cut["live_params"] == 0


def test_darts_paths_count_every_route_to_the_concatenation():
    arch = DARTS.parse(
        "Genotype(normal=[('dil_conv_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_3x3', 1), "
        "('avg_pool_3x3', 2), ('skip_connect', 1), ('max_pool_3x3', 3), ('max_pool_3x3', 2), "
        "('max_pool_3x3', 4)], normal_concat=[2, 3, 4, 5], reduce=[('dil_conv_5x5', 0), "
        "('avg_pool_3x3', 1), ('dil_conv_3x3', 2), ('sep_conv_5x5', 1), ('max_pool_3x3', 3), "
        "('skip_connect', 0), ('dil_conv_5x5', 0), ('sep_conv_3x3', 2)], reduce_concat=[2, 3, 4, 5])")
    f = _named(DARTS, arch)
    # normal: nodes 2..5 have 2, 3, 4 and 6 paths from the inputs; the longest goes 2 -> 3 -> 4 -> 5
    assert (f["normal:paths:any"], f["normal:min_len:any"], f["normal:max_len:any"]) == (15, 1, 4)
    assert f["normal:paths:conv"] == 3 and f["normal:count:max_pool_3x3"] == 3
    assert f["reduce:count:dil_conv_5x5"] == 2


def test_features_are_memoised():
    archs = NB201.sample_many(50, rng=1)
    first = graph_features(NB201, archs)
    assert all(a in _MEMO["nb201"] for a in archs)
    np.testing.assert_array_equal(graph_features(NB201, archs), first)
    np.testing.assert_array_equal(graph_features(NB201, archs[::-1]), first[::-1])
    assert graph_features(NB201, []).shape == (0, len(feature_names("nb201")))


def test_trees_take_the_features_and_old_artifacts_do_without(tmp_path):
    archs = NB201.sample_many(120, rng=0)
    y = np.random.default_rng(0).normal(size=120)
    params = surrogates.checking_parameters("xgb")
    model = surrogates.create("xgb", features="graf", **params).fit(archs, y)
    assert model.features_ == "graf"
    model.save(tmp_path / "m")
    loaded = surrogates.SurrogateModel.load(tmp_path / "m")
    assert loaded.features_ == "graf"
    np.testing.assert_allclose(loaded.predict(archs[:30])[0], model.predict(archs[:30])[0])
    assert surrogates.create("xgb").hp["features"] == "graf"  # the tuned tree ensembles take them
    assert surrogates.create("xgb_default_onehot").hp["features"] is None  # baselines stay as published
    plain = surrogates.create("xgb", features=None, **params).fit(archs, y)
    assert plain.features_ is None and plain._state()["features"] is None
    state = model._state()
    del state["features"]  # saved before graph features existed
    model._set_state(state)
    assert model.features_ is None and model.get_params()["features"] is None
    with pytest.raises(ValueError, match="features"):
        surrogates.create("xgb", features="synflow")
