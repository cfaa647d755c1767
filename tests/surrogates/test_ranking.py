"""surrogates.rank: probabilities, pairwise matrix, intervals, top sets, seeding, mixtures."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import graph_encodings
import surrogates
from surrogates.ranking import predictive_samples, rank
from surrogates.tabular import TabularBenchmark

SPACE = graph_encodings.get_space("nb201")


def _table(means: list[float], spread: list[float]) -> TabularBenchmark:
    """A table whose class k has two runs ``means[k] +- spread[k]`` (mean and ddof-1 std known)."""
    archs = [SPACE.from_index(i) for i in (0, 100, 2000, 5000, 9000, 15000)][: len(means)]
    assert len({SPACE.canonical_hash(a) for a in archs}) == len(archs)
    rows = [(str(a), SPACE.canonical_hash(a), m + sign * s)
            for a, m, s in zip(archs, means, spread, strict=True) for sign in (-1, 1)]
    frame = pd.DataFrame(rows, columns=["arch", "arch_hash", "score"]).assign(
        task="t", space="nb201", protocol="p-v1", status="ok")
    return TabularBenchmark.from_records("t", records=frame)


@pytest.fixture(scope="module")
def table() -> TabularBenchmark:
    # std of two runs m -/+ s is s * sqrt(2)
    return _table([10.0, 10.5, 11.0, 12.0, 10.2], [1.0, 1.0, 0.5, 2.0, 0.3])


def test_probabilities_sum_to_one_and_pairwise_is_complementary(table):
    result = rank(table, table.archs, n_samples=4000, seed=1)
    assert result.p_best.sum() == pytest.approx(1.0)
    n = len(table.archs)
    np.testing.assert_allclose(result.beats + result.beats.T, 1.0 - np.eye(n))
    assert np.all(np.diag(result.beats) == 0)
    assert result.expected_rank.sum() == pytest.approx(n * (n + 1) / 2)


def test_pairwise_matches_the_gaussian_formula(table):
    result = rank(table, table.archs, n_samples=40000, seed=2)
    query = table.query(table.archs)
    m, s = query.mean, query.std
    expected = stats.norm.cdf((m[None, :] - m[:, None]) / np.sqrt(s[:, None] ** 2 + s[None, :] ** 2))
    off = ~np.eye(len(m), dtype=bool)
    np.testing.assert_allclose(result.beats[off], expected[off], atol=0.015)


def test_seeded_and_deterministic(table):
    a = rank(table, table.archs, n_samples=500, seed=3)
    b = rank(table, table.archs, n_samples=500, seed=3)
    c = rank(table, table.archs, n_samples=500, seed=4)
    np.testing.assert_array_equal(a.p_best, b.p_best)
    np.testing.assert_array_equal(a.beats, b.beats)
    assert not np.array_equal(a.p_best, c.p_best)


def test_a_dominant_architecture_is_almost_surely_best():
    bench = _table([1.0, 10.0, 10.5, 11.0], [0.1, 1.0, 1.0, 1.0])
    result = rank(bench, bench.archs, n_samples=2000, seed=0)
    assert result.p_best[0] > 0.999
    assert result.expected_rank[0] == pytest.approx(1.0, abs=1e-3)
    np.testing.assert_array_equal(result.top_set(0.9), [0])
    assert np.all(result.beats[0, 1:] > 0.999)


def test_rank_intervals_contain_the_expected_rank(table):
    result = rank(table, table.archs, n_samples=3000, seed=5)
    assert np.all(result.rank_low <= result.expected_rank)
    assert np.all(result.expected_rank <= result.rank_high)
    assert np.all((result.rank_low >= 1) & (result.rank_high <= len(table.archs)))


def test_top_set_is_the_smallest_prefix_reaching_the_probability(table):
    result = rank(table, table.archs, n_samples=3000, seed=6)
    order = np.argsort(-result.p_best, kind="stable")
    for prob in (0.3, 0.6, 0.9, 1.0):
        chosen = result.top_set(prob)
        np.testing.assert_array_equal(chosen, order[: len(chosen)])
        assert result.p_best[chosen].sum() >= prob - 1e-9
        assert len(chosen) == 1 or result.p_best[chosen[:-1]].sum() < prob
    frame = result.to_frame()
    assert frame["arch"].tolist() == [str(a) for a in result.archs]  # the pool's order
    assert sorted(frame["rank"]) == list(range(1, len(frame) + 1))
    best_first = frame.sort_values("rank")["expected_rank"].tolist()
    assert best_first == sorted(best_first)


def test_ties_of_exact_table_scores_are_split_evenly():
    frame = pd.DataFrame({
        "arch": [str(SPACE.from_index(0)), str(SPACE.from_index(100))],
        "arch_hash": [SPACE.canonical_hash(SPACE.from_index(i)) for i in (0, 100)],
        "score": [5.0, 5.0], "task": "t", "space": "nb201", "protocol": "p-v1", "status": "ok",
    })
    bench = TabularBenchmark.from_records("t", records=frame)
    result = rank(bench, bench.archs, n_samples=4000, seed=0)
    np.testing.assert_allclose(result.p_best, [0.5, 0.5], atol=0.03)
    assert result.beats[0, 1] + result.beats[1, 0] == pytest.approx(1.0)


def test_ensemble_samples_follow_the_mixture(nb201_data):
    archs, y = nb201_data
    model = surrogates.create("ensemble", **surrogates.checking_parameters("ensemble"))
    model.fit(archs[:120], y[:120])
    pool = archs[120:140]
    samples = predictive_samples(model, pool, 40000, np.random.default_rng(0))
    mean, std = model.predict(pool)  # the mixture's moments, computed by the model itself
    np.testing.assert_allclose(samples.mean(axis=0), mean, atol=0.05 * std.max())
    np.testing.assert_allclose(samples.std(axis=0), std, rtol=0.05)
    result = rank(model, pool, n_samples=500, seed=0)
    assert result.p_best.sum() == pytest.approx(1.0)
    # A surrogate Benchmark ranks from its model's mixture: the same draws as the model.
    bench = surrogates.Benchmark.from_model(model, task="ninapro", space="nb201",
                                            protocol="nb360-nb201-200ep")
    np.testing.assert_array_equal(rank(bench, pool, n_samples=500, seed=0).beats, result.beats)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"archs": []}, ValueError, "empty"),
        ({"n_samples": 0}, ValueError, "n_samples"),
        ({"n_samples": 2.5}, ValueError, "n_samples"),
        ({"interval": (0.9, 0.1)}, ValueError, "interval"),
    ],
)
def test_bad_arguments_are_named(table, kwargs, error, message):
    arguments = {"benchmark": table, "archs": table.archs, **kwargs}
    with pytest.raises(error, match=message):
        rank(**arguments)


def test_bad_top_set_probability_and_unrankable_object(table):
    result = rank(table, table.archs, n_samples=100)
    for prob in (0.0, 1.5, "0.9"):
        with pytest.raises(ValueError, match="prob"):
            result.top_set(prob)
    with pytest.raises(TypeError, match="cannot rank with a str"):
        rank("not a benchmark", table.archs)
