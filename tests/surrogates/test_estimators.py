"""Array-level pieces: dense graph batches, the mixture, residual noise calibration, trees."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import graph_encodings
from surrogates.aleatoric import residual_excess_variance
from surrogates.estimators import GINRegressor, TreeEnsembleRegressor
from surrogates.estimators.gin import RANK_SCALE, DenseGraphs, pairwise_rank_loss
from surrogates.models.ensemble import mixture


def test_dense_graphs_match_the_edge_list():
    space = graph_encodings.get_space("nb201")
    archs = space.sample_many(3, np.random.default_rng(0))
    batch = graph_encodings.encode(space, archs, "graph")
    dense = DenseGraphs.from_batch(batch)
    assert len(dense) == 3
    counts = torch.bincount(batch.batch, minlength=3)
    assert dense.mask.sum(dim=1).tolist() == counts.tolist()
    assert int(dense.adj.sum()) == batch.edge_index.shape[1]
    for g in range(3):
        nodes = (batch.batch == g).nonzero().squeeze(1)
        torch.testing.assert_close(dense.x[g, : len(nodes)], batch.x[nodes].float())
        first = int(nodes[0])
        edges = batch.edge_index[:, batch.batch[batch.edge_index[0]] == g] - first
        expected = torch.zeros_like(dense.adj[g])
        expected[edges[1], edges[0]] = 1.0
        torch.testing.assert_close(dense.adj[g], expected)


def test_mixture_by_hand():
    mean, var = mixture(np.array([[0.0], [2.0]]), np.array([[1.0], [3.0]]))
    # mean of means 1; mean of variances 2 + variance of means 1
    assert mean.tolist() == [1.0] and var.tolist() == [3.0]
    # weights 3/4, 1/4: mean 0.5; var 0.75*1 + 0.25*3 + 0.75*0.25 + 0.25*2.25 = 2.25
    mean, var = mixture(np.array([[0.0], [2.0]]), np.array([[1.0], [3.0]]), np.array([0.75, 0.25]))
    assert mean.tolist() == [0.5] and var.tolist() == [pytest.approx(2.25)]


def test_residual_excess_variance_reaches_the_level():
    rng = np.random.default_rng(0)
    y = rng.normal(scale=2.0, size=4000)
    mask = np.ones_like(y, dtype=bool)
    extra = residual_excess_variance(y, np.zeros_like(y), np.zeros_like(y), mask, level=0.9)
    assert extra == pytest.approx(4.0, rel=0.08)  # the true variance of y
    # enough predicted variance already: nothing is added
    assert residual_excess_variance(y, np.zeros_like(y), np.full_like(y, 9.0), mask) == 0.0
    assert residual_excess_variance(y, y, y, ~mask) == 0.0


def test_tree_ensemble_oob_and_errors():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = X[:, 0] * 2 + rng.normal(scale=0.1, size=200)
    est = TreeEnsembleRegressor(backend="lgb", params={"num_leaves": 4, "min_data_in_leaf": 2},
                                n_rounds=30, n_members=3, row_subsample=0.7).fit(X, y)
    assert est.member_predictions(X).shape == (3, 200)
    assert est.oob_mask_.mean() > 0.5  # each row is out of bag for some member most of the time
    assert np.corrcoef(est.oob_mean_[est.oob_mask_], y[est.oob_mask_])[0, 1] > 0.8
    with pytest.raises(ValueError, match="catboost"):
        TreeEnsembleRegressor(backend="catboost")
    with pytest.raises(ValueError, match="row_subsample"):
        TreeEnsembleRegressor(row_subsample=0.0)


def test_gin_regressor_errors():
    with pytest.raises(ValueError, match="hinge"):
        GINRegressor(loss="hinge")
    with pytest.raises(ValueError, match="epochs"):
        GINRegressor(epochs=0)


def test_pairwise_rank_loss_by_hand():
    y = torch.tensor([0.0, 1.0, 1.0])
    # two ordered pairs, (0, 1) and (0, 2), each counted both ways; the tie (1, 2) is left out
    mean = torch.tensor([0.0, 0.2, -0.2])
    agree, disagree = torch.nn.functional.softplus(torch.tensor(-RANK_SCALE * 0.2)), \
        torch.nn.functional.softplus(torch.tensor(RANK_SCALE * 0.2))
    torch.testing.assert_close(pairwise_rank_loss(mean, y), (agree + disagree) / 2)
    ordered = pairwise_rank_loss(torch.tensor([0.0, 2.0, 4.0]), torch.tensor([0.0, 1.0, 2.0]))
    reversed_ = pairwise_rank_loss(torch.tensor([4.0, 2.0, 0.0]), torch.tensor([0.0, 1.0, 2.0]))
    assert float(ordered) < 1e-4 and float(reversed_) > RANK_SCALE * 2.0
    all_tied = pairwise_rank_loss(torch.tensor([1.0, 2.0], requires_grad=True), torch.ones(2))
    assert float(all_tied.detach()) == 0.0 and all_tied.requires_grad


def test_the_rank_term_changes_training_and_only_when_weighted():
    space = graph_encodings.get_space("nb201")
    archs = space.sample_many(64, np.random.default_rng(1))
    graphs = graph_encodings.encode(space, archs, "graph")
    y = np.random.default_rng(2).normal(size=64)
    kw = {"hidden": 8, "n_layers": 1, "n_members": 1, "epochs": 3, "batch_size": 16}
    plain = GINRegressor(**kw).fit(graphs, y).member_predictions(graphs)[0]
    unweighted = GINRegressor(rank_weight=0.0, **kw).fit(graphs, y).member_predictions(graphs)[0]
    ranked = GINRegressor(rank_weight=1.0, **kw).fit(graphs, y).member_predictions(graphs)[0]
    np.testing.assert_array_equal(plain, unweighted)
    assert not np.allclose(plain, ranked)


def test_xgb_members_are_saved_gzipped_and_plain_older_members_still_load(tmp_path):
    import gzip

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 4))
    y = X[:, 0] + rng.normal(scale=0.1, size=100)
    est = TreeEnsembleRegressor(backend="xgb", n_rounds=20, n_members=2).fit(X, y)
    est.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["xgb_0.ubj.gz", "xgb_1.ubj.gz"]
    first = (tmp_path / "xgb_0.ubj.gz").read_bytes()
    est.save(tmp_path)
    assert (tmp_path / "xgb_0.ubj.gz").read_bytes() == first  # deterministic bytes (no mtime)
    expected = est.member_predictions(X)
    expected_xgb = np.stack([b.inplace_predict(X) for b in est.boosters_])

    def check_loaded() -> None:
        loaded = TreeEnsembleRegressor(backend="xgb", n_members=2).load(tmp_path)
        # small batches: the trees read without XGBoost, as the fitted ensemble answers them
        np.testing.assert_array_equal(loaded.member_predictions(X), expected)
        np.testing.assert_allclose(expected, expected_xgb, rtol=1e-5, atol=1e-6)
        # the boosters themselves (used for large batches) are the fitted ones
        np.testing.assert_array_equal(np.stack([b.inplace_predict(X) for b in loaded.boosters_]),
                                      expected_xgb)

    check_loaded()
    for m in range(2):  # an artifact written before gzip: plain UBJ members
        packed = tmp_path / f"xgb_{m}.ubj.gz"
        (tmp_path / f"xgb_{m}.ubj").write_bytes(gzip.decompress(packed.read_bytes()))
        packed.unlink()
    check_loaded()
