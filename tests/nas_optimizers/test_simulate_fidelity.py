"""simulate(...) with an epoch fidelity: jobs charged only their extra epochs, one noisy curve per
trial, the fidelity columns, full-fidelity optimizers beside multi-fidelity ones, errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fidelity_helpers import MAX_EPOCHS, CurveBenchmark

from graph_encodings import get_space
from nas_optimizers import create, simulate
from nas_optimizers.simulation import COLUMNS, FIDELITY_COLUMNS, toy_benchmark

SPACE = get_space("nb201")


@pytest.mark.parametrize("name", ["successive_halving", "hyperband", "asha", "bohb"])
def test_one_worker_is_charged_exactly_the_extra_epochs(name: str) -> None:
    bench = CurveBenchmark()
    frame = simulate(name, bench, budget=60, workers=1, seeds=[3])
    assert list(frame.columns) == [*COLUMNS, *FIDELITY_COLUMNS]
    archs = [SPACE.parse(a) for a in frame["arch"]]
    expected = [bench.elapsed(a, e) - bench.elapsed(a, r) if r else bench.elapsed(a, e)
                for a, e, r in zip(archs, frame["epochs"], frame["resumed_from"], strict=True)]
    np.testing.assert_allclose(frame["runtime"], expected)
    np.testing.assert_allclose(frame["sim_time"], np.cumsum(expected))  # one worker: serial
    np.testing.assert_allclose(frame["true_score"],
                               [bench.curve(a, e) for a, e in zip(archs, frame["epochs"], strict=True)])
    # a trial's rows form one curve: each continues from the epochs of the previous one
    for _, rows in frame.groupby("trial"):
        assert list(rows["resumed_from"]) == [0, *rows["epochs"].iloc[:-1]]
        assert rows["arch"].nunique() == 1
    assert (frame["resumed_from"] > 0).any() and frame["epochs"].max() == MAX_EPOCHS


def test_a_trial_keeps_one_noisy_curve() -> None:
    """Every query of a trial uses the noise seed of its first evaluation."""
    bench = CurveBenchmark(noise=2.0)
    frame = simulate("successive_halving", bench, budget=40, workers=2, seeds=[5])
    offsets = frame["score"] - frame["true_score"]
    for _, rows in frame.groupby("trial"):
        assert np.allclose(offsets[rows.index], offsets[rows.index[0]])
    assert offsets.nunique() > 5  # different trials, different noise


def test_incumbent_true_is_the_final_score_of_the_incumbent() -> None:
    bench = CurveBenchmark(noise=0.0)
    frame = simulate("hyperband", bench, budget=80, workers=3, seeds=[0])
    for _, row in frame.iterrows():
        seen = frame[frame["sim_time"] <= row["sim_time"]].loc[: row.name]
        best = seen.loc[seen["score"].idxmin()]
        assert row["incumbent"] == best["score"]
        assert row["incumbent_true"] == bench.curve(SPACE.parse(best["arch"]), None)


def test_full_fidelity_optimizers_observe_the_last_epoch_and_share_the_columns() -> None:
    bench = CurveBenchmark(noise=0.0)
    frame = simulate("regularized_evolution", bench, budget=20, workers=2, seeds=[1])
    assert list(frame.columns) == [*COLUMNS, *FIDELITY_COLUMNS]
    assert (frame["epochs"] == MAX_EPOCHS).all() and (frame["resumed_from"] == 0).all()
    archs = [SPACE.parse(a) for a in frame["arch"]]
    np.testing.assert_allclose(frame["score"], [bench.curve(a, MAX_EPOCHS) for a in archs])
    np.testing.assert_allclose(frame["incumbent_true"].iloc[-1],
                               bench.curve(SPACE.parse(frame.loc[frame["score"].idxmin(), "arch"]),
                                           None))
    both = pd.concat([frame, simulate("asha", bench, budget=20, workers=2, seeds=[1])])
    assert set(both["optimizer"]) == {"regularized_evolution", "asha"}
    # without an epoch fidelity nothing changes: no fidelity columns, plain queries
    plain = simulate("regularized_evolution", toy_benchmark("nb201"), budget=10, seeds=[1])
    assert list(plain.columns) == list(COLUMNS)


def test_seconds_budget_and_async_workers() -> None:
    bench = CurveBenchmark()
    frame = simulate("asha", bench, budget=30.0, budget_kind="seconds", workers=4, seeds=[0, 1])
    assert (frame["sim_time"] <= 30.0).all() and set(frame["worker"]) == {0, 1, 2, 3}
    again = simulate("asha", bench, budget=30.0, budget_kind="seconds", workers=4, seeds=[0, 1])
    pd.testing.assert_frame_equal(frame, again)


def test_a_multi_fidelity_optimizer_needs_an_epoch_fidelity() -> None:
    with pytest.raises(ValueError, match="'hyperband' is multi-fidelity.*FunctionBenchmark has "
                                         "no epoch fidelity"):
        simulate("hyperband", toy_benchmark("nb201"), budget=5)
    with pytest.raises(ValueError, match="hyperband is multi-fidelity: the benchmark must"):
        simulate(lambda seed: create("hyperband", "nb201", seed, max_epochs=4),
                 toy_benchmark("nb201"), budget=5)
    with pytest.raises(ValueError, match=r"max_epochs \(16\) exceeds the benchmark's \(8\)"):
        simulate("asha", CurveBenchmark(), budget=5, optimizer_kwargs={"max_epochs": 16})


def test_a_factory_without_max_epochs_gets_the_benchmark_s() -> None:
    frame = simulate(lambda seed: create("asha", "nb201", seed), CurveBenchmark(), budget=30)
    assert frame["epochs"].max() == MAX_EPOCHS
    shorter = simulate("asha", CurveBenchmark(), budget=30, optimizer_kwargs={"max_epochs": 4})
    assert shorter["epochs"].max() == 4
