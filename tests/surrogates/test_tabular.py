"""TabularBenchmark: exact lookups, pooled twins, real noisy draws, runtimes and errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import graph_encodings
from surrogates.benchmark.query import QueryResult
from surrogates.tabular import ArchitectureNotInTableError, TabularBenchmark

SPACE = graph_encodings.get_space("nb201")
# Two isomorphic NB201 cells (the output-disconnected edge differs), one distinct cell.
TWIN_A = "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"
TWIN_B = "|nor_conv_1x1~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"
SOLO = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
PROTOCOL = "nb360-nb201-200ep"
ABSENT = "|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|"


def _records(train_seconds: list[float] | None = None, **overrides: list) -> pd.DataFrame:
    archs = [TWIN_A, TWIN_B, TWIN_A, SOLO]
    frame = pd.DataFrame({
        "task": "ninapro", "space": "nb201", "protocol": PROTOCOL, "arch": archs,
        "arch_hash": [SPACE.canonical_hash(SPACE.parse(a)) for a in archs],
        "status": "ok", "score": [10.0, 12.0, 14.0, 7.5],
        "train_seconds": train_seconds if train_seconds is not None else [np.nan] * 4,
    })
    for column, values in overrides.items():
        frame[column] = values
    return frame


def test_twins_are_isomorphic_so_the_fixture_means_what_it_says():
    assert SPACE.is_isomorphic(SPACE.parse(TWIN_A), SPACE.parse(TWIN_B))
    assert not SPACE.is_isomorphic(SPACE.parse(TWIN_A), SPACE.parse(SOLO))


def test_query_pools_twins_and_returns_table_values():
    bench = TabularBenchmark.from_records("ninapro", records=_records())
    assert len(bench) == 2 and bench.protocol == PROTOCOL
    result = bench.query([TWIN_B, SOLO, TWIN_A])
    assert isinstance(result, QueryResult)
    np.testing.assert_allclose(result.mean, [12.0, 7.5, 12.0])  # (10 + 12 + 14) / 3
    np.testing.assert_allclose(result.std, [2.0, 0.0, 2.0])  # sample std of 10, 12, 14
    assert result.sample is None and result.runtime is None
    assert bench.best_score == 7.5
    np.testing.assert_allclose(np.sort(bench.runs(TWIN_B)), [10.0, 12.0, 14.0])


def test_noisy_samples_are_real_runs_and_seeded():
    bench = TabularBenchmark.from_records("ninapro", records=_records())
    draws = [bench.query([TWIN_A, SOLO], with_noise=True, seed=s).sample for s in range(60)]
    twin_draws = {float(d[0]) for d in draws}
    assert twin_draws == {10.0, 12.0, 14.0}  # every run of the class, nothing else
    assert all(d[1] == 7.5 for d in draws)
    again = bench.query([TWIN_A, SOLO], with_noise=True, seed=7).sample
    np.testing.assert_array_equal(again, draws[7])
    with pytest.raises(ValueError, match="seed must be an integer >= 0, None or a numpy Generator, got -1"):
        bench.query([SOLO], with_noise=True, seed=-1)


def test_unknown_architecture_raises_a_key_error_naming_it():
    bench = TabularBenchmark.from_records("ninapro", records=_records())
    with pytest.raises(KeyError) as info:
        bench.query([SOLO, ABSENT])
    assert isinstance(info.value, ArchitectureNotInTableError)
    assert ABSENT in str(info.value) and "ninapro" in str(info.value)
    with pytest.raises(ValueError, match="unknown op"):
        bench.query(["|bad_op~0|+|none~0|none~1|+|none~0|none~1|none~2|"])


def test_runtime_is_the_mean_train_seconds_and_drives_cost():
    bench = TabularBenchmark.from_records("ninapro", records=_records([100.0, 200.0, 300.0, 50.0]))
    np.testing.assert_allclose(bench.query([TWIN_A, SOLO]).runtime, [200.0, 50.0])
    np.testing.assert_allclose(bench.cost([TWIN_B, SOLO]), [200.0, 50.0])


@pytest.mark.slow
def test_cost_without_train_seconds_is_the_flops_cost_model():
    from training_data.networks import build_network, count_flops

    bench = TabularBenchmark.from_records("ninapro", records=_records())
    costs = bench.cost([TWIN_A, SOLO, TWIN_B])
    # Reference: NB201's network (C=16, N=5) on NinaPro (1x16x52, 18 classes), FLOPs counted
    # on the built network; the documented model 200 epochs x (3,297 x 3 x FLOPs / 5e12 + 1 s).
    for arch, cost in zip((TWIN_A, SOLO), costs, strict=False):
        net = build_network(SPACE.canonical(SPACE.parse(arch)), "point2d", 1, 18, C=16, layers=5)
        flops = count_flops(net, (1, 16, 52))
        assert cost == pytest.approx(200 * (3297 * 3 * flops / 5e12 + 1.0), rel=1e-9)
    assert costs[1] > costs[0] and costs[0] == costs[2]  # twins cost the same


def test_failed_runs_are_left_out():
    records = _records(status=["ok", "ok", "failed", "ok"], score=[10.0, 12.0, np.nan, 7.5])
    bench = TabularBenchmark.from_records("ninapro", records=records)
    np.testing.assert_allclose(bench.query([TWIN_A]).mean, [11.0])


@pytest.mark.parametrize(
    ("kwargs", "records", "message"),
    [
        ({"task": "ecg"}, _records(), "no records for task 'ecg'"),
        ({"task": "ninapro", "protocol": "q-v1"}, _records(), "protocol 'q-v1'"),
        ({"task": "ninapro"}, _records(protocol=["p-v1", "p-v1", "q-v1", "q-v1"]),
         "several protocols"),
        ({"task": "ninapro"}, _records().drop(columns=["arch_hash"]), "arch_hash"),
    ],
)
def test_from_records_errors_name_the_problem(kwargs, records, message):
    with pytest.raises(ValueError, match=message):
        TabularBenchmark.from_records(records=records, **kwargs)


@pytest.fixture(scope="module")
def darcy_records() -> pd.DataFrame:
    from training_data import load_records

    return load_records(task="darcyflow", space="nb201")


def test_shipped_table_matches_the_records(darcy_records):
    bench = TabularBenchmark.from_records("darcyflow", records=darcy_records)
    assert len(bench) == darcy_records["arch_hash"].nunique() == 6466
    by_hash = darcy_records.groupby("arch_hash")["score"]
    rng = np.random.default_rng(0)
    picks = darcy_records.iloc[rng.choice(len(darcy_records), 200, replace=False)]
    result = bench.query(picks["arch"].tolist())
    np.testing.assert_allclose(result.mean, by_hash.mean().loc[picks["arch_hash"]].to_numpy())
    np.testing.assert_allclose(result.std, by_hash.std().fillna(0.0).loc[picks["arch_hash"]])
    assert bench.best_score == pytest.approx(by_hash.mean().min())
    assert len(bench.archs) == 6466
    assert {SPACE.canonical_hash(a) for a in bench.archs} == set(darcy_records["arch_hash"])
