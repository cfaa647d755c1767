"""Batched inference behind fast benchmark queries: stacked GIN members (numpy), noise parts, memo."""
from __future__ import annotations

import numpy as np
import torch

import graph_encodings
import surrogates
from surrogates.estimators.gin import DenseGraphs, GINRegressor
from surrogates.estimators.gin_numpy import StackedGIN


def tiny_gin_and_each_net(nb201_data: tuple[list, np.ndarray], n_fit: int, seed: int):
    """A 3-member GIN (8 hidden, 2 layers, 2 epochs) fitted on the first ``n_fit`` archs of
    ``nb201_data``; returns it, the graph batch of all archs and each member net's output alone."""
    archs, y = nb201_data
    space = graph_encodings.get_space("nb201")
    est = GINRegressor(hidden=8, n_layers=2, n_members=3, epochs=2, seed=seed)
    est.fit(graph_encodings.encode(space, archs[:n_fit], "graph"), (y[:n_fit] - y.mean()) / y.std())
    graphs = graph_encodings.encode(space, archs, "graph")
    dense = DenseGraphs.from_batch(graphs)
    with torch.inference_mode():
        alone = [net(dense) for net in est.nets_]
    return est, graphs, alone


def test_stacked_members_equal_each_member_alone(nb201_data) -> None:
    est, graphs, alone = tiny_gin_and_each_net(nb201_data, n_fit=100, seed=1)
    stacked = StackedGIN.from_state_dicts([net.state_dict() for net in est.nets_], 2)
    for chunk in (500, 100_000):  # several chunks and one
        means, variances = stacked.predict(graphs, chunk_nodes=chunk)
        np.testing.assert_allclose(means, np.stack([m.numpy() for m, _ in alone]),
                                   rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(variances, np.stack([v.numpy() for _, v in alone]),
                                   rtol=1e-5, atol=1e-5)


def test_noise_is_the_aleatoric_part(nb201_data) -> None:
    archs, y = nb201_data
    model = surrogates.create("ensemble", **surrogates.checking_parameters("ensemble"))
    model.fit(archs[:200], y[:200])
    mean, std, noise = model.predict_with_noise(archs[200:])
    ref_mean, ref_std = model.predict(archs[200:])
    np.testing.assert_allclose(mean, ref_mean)
    np.testing.assert_allclose(std, ref_std)
    assert np.all(noise > 0) and np.all(noise <= std)
    # the epistemic part (members disagreeing) is excluded: members' spread adds to std only
    members = model.member_predictions(archs[200:])
    spread = np.var(np.stack([m[1] for m in members]), axis=0)
    # mixture: var = sum_k w_k var_k + w_1 w_2 (m_1 - m_2)^2 and (m_1 - m_2)^2 = 4 spread
    assert np.all(std**2 * (1 + 1e-9) + 1e-12 >= noise**2 + 0.75 * 0.25 * 4 * spread)


def test_benchmark_memo_gives_identical_answers(nb201_data) -> None:
    archs, y = nb201_data
    model = surrogates.create("xgb", **surrogates.checking_parameters("xgb")).fit(archs, y)
    bench = surrogates.Benchmark.from_model(model, task="ninapro", space="nb201",
                                            protocol="nb360-nb201-200ep")
    first = bench.query(archs[:30])
    again = bench.query(archs[29::-1])  # cached, reversed
    np.testing.assert_array_equal(again.mean, first.mean[::-1])
    np.testing.assert_array_equal(again.std, first.std[::-1])


def test_numpy_trees_equal_xgboost() -> None:
    from surrogates.estimators.tree_arrays import TreeArrays
    from surrogates.estimators.trees import TreeEnsembleRegressor

    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, size=(300, 12)).astype(np.float32)
    X[:5, 3] = np.nan  # missing values follow the default direction
    y = X[:, 0] * 2 - X[:, 1] + 0.5 * np.nan_to_num(X[:, 3]) * X[:, 2] + 0.1 * rng.normal(size=300)
    est = TreeEnsembleRegressor(backend="xgb", params={"max_depth": 4}, n_rounds=30).fit(X, y)
    booster = est.boosters_[0]
    arrays = TreeArrays.from_booster(booster)
    np.testing.assert_allclose(arrays.predict(X), booster.inplace_predict(X), rtol=1e-5, atol=1e-5)
    small = est.member_predictions(X[:2])  # the numpy path
    np.testing.assert_allclose(small, est.member_predictions(X)[:, :2],
                               rtol=1e-5, atol=1e-5)


def _shipped_xgb_members() -> list:
    from surrogates.benchmark.artifact_folders import DEFAULT_ARTIFACTS

    return sorted(DEFAULT_ARTIFACTS.glob("*/*/*/ensemble/model/member_1/xgb_*.ubj.gz"))


def test_shipped_xgb_members_read_without_xgboost_equal_xgboost() -> None:
    import gzip
    import json

    import xgboost as xgb

    from surrogates.estimators import ubjson
    from surrogates.estimators.tree_arrays import TreeArrays

    paths = _shipped_xgb_members()
    assert len(paths) >= 18  # three members of each shipped benchmark
    for path in paths:
        raw = gzip.decompress(path.read_bytes())
        booster = xgb.Booster()
        booster.load_model(bytearray(raw))
        document, dumped = ubjson.loads(raw), json.loads(booster.save_raw("json"))
        trees, dumped_trees = (d["learner"]["gradient_booster"]["model"]["trees"] for d in (document, dumped))
        assert len(trees) == len(dumped_trees)
        for ours, theirs in zip(trees, dumped_trees, strict=True):
            for key in ("left_children", "right_children", "split_indices", "default_left"):
                np.testing.assert_array_equal(ours[key], np.asarray(theirs[key]).astype(ours[key].dtype))
            np.testing.assert_array_equal(ours["split_conditions"],
                                          np.asarray(theirs["split_conditions"], dtype=np.float32))
        arrays = TreeArrays.from_ubj(raw)
        X = np.random.default_rng(0).integers(0, 2, size=(500, arrays.n_features)).astype(np.float32)
        X[:20, 1] = np.nan
        np.testing.assert_array_equal(arrays.predict(X), TreeArrays.from_booster(booster).predict(X))
        np.testing.assert_allclose(arrays.predict(X), booster.inplace_predict(X), rtol=1e-5, atol=1e-5)


def test_malformed_ubjson_is_refused() -> None:
    import pytest

    from surrogates.estimators import ubjson

    value = ubjson.loads(b"{i\x01aSi\x02hii\x01b[$U#i\x02\x01\x02i\x01c[TFZ]}")
    assert value["a"] == "hi" and value["b"].tolist() == [1, 2] and value["c"] == [True, False, None]
    for bad in (b"", b"[", b"[$d#i\x05\x00\x00", b"X", b"Si\xff", b"[" * 100 + b"]" * 100):
        with pytest.raises(ubjson.UBJSONError):
            ubjson.loads(bad)
