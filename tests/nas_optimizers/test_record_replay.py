"""The replay of real records: TabularBenchmark.query(epochs=E) on recorded learning curves, the
record space (search among the architectures that have records) and optimizers running on it."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fidelity_helpers import curve_records

from graph_encodings import get_space
from nas_optimizers import simulate
from nas_optimizers.simulation import RecordReplay, RecordSpace
from surrogates.tabular import TabularBenchmark
from surrogates.tabular_curves import NoLearningCurvesError

DARTS = get_space("darts")


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    return curve_records()


def test_the_table_replays_recorded_curves(records: pd.DataFrame) -> None:
    table = TabularBenchmark.from_records("ecg", space="darts", records=records)
    assert table.max_epochs == 4
    archs = list(records["arch"].iloc[[0, 2, 6]])  # arch 0 (two runs), 1 (two runs), 3 (one)
    result = table.query(archs, epochs=2)
    np.testing.assert_allclose(result.mean, [40 + 0 + 1.5, 40 + 1 + 1.5, 40 + 3])  # 50 - 10 + i
    np.testing.assert_allclose(result.std, [np.sqrt(4.5), np.sqrt(4.5), 0.0])  # runs 3 apart
    np.testing.assert_allclose(result.runtime, [2 * 1.0, 2 * 1.1, 2 * 1.3])
    final = table.query(archs)  # the default stays the final (test) score
    np.testing.assert_allclose(final.mean, [40.5, 41.5, 43.0])
    np.testing.assert_allclose(table.query(archs, epochs=4).runtime, final.runtime)
    for seed in range(10):  # a noisy draw is the run the seed picks for the final score too
        run = table.query(archs[:1], with_noise=True, seed=seed).sample[0] - 40.0  # 0 or 1
        at_3 = table.query(archs[:1], with_noise=True, seed=seed, epochs=3).sample[0]
        assert at_3 == 50 - 15 + 3 * run


def test_epochs_are_checked_and_tables_without_curves_say_so(records: pd.DataFrame) -> None:
    table = TabularBenchmark.from_records("ecg", space="darts", records=records)
    arch = records["arch"].iloc[0]
    for bad in (0, 5, 2.0, True, "3"):
        with pytest.raises(ValueError, match=rf"epochs must be an integer in 1..4 .*got {bad!r}"):
            table.query([arch], epochs=bad)
    bare = TabularBenchmark.from_records("ecg", space="darts",
                                         records=records.drop(columns="learning_curve"))
    assert bare.max_epochs is None
    with pytest.raises(NoLearningCurvesError, match="has no learning curves .final scores only."):
        bare.query([arch], epochs=1)
    ragged = records.copy()
    ragged.at[0, "learning_curve"] = ragged.at[0, "learning_curve"][:3]
    assert TabularBenchmark.from_records("ecg", space="darts", records=ragged).max_epochs is None


def test_the_record_space_stays_among_the_records(records: pd.DataFrame) -> None:
    replay = RecordReplay.from_records("ecg", records=records, n_neighbours=3)
    space = replay.space
    assert isinstance(space, RecordSpace) and space.name == "darts" and len(space) == 30
    hashes = set(records["arch_hash"])
    rng = np.random.default_rng(0)
    for _ in range(20):
        arch = space.sample(rng)
        assert DARTS.canonical_hash(arch) in hashes
        child = space.mutate(arch, rng)
        assert DARTS.canonical_hash(child) in hashes and child != arch
    near = space.neighbours(space.archs[0])
    assert len(near) == 3 and space.archs[0] not in near
    x = [np.abs(space._onehot[0] - space._onehot[space.archs.index(a)]).sum() for a in near]
    others = sorted(np.abs(space._onehot[1:] - space._onehot[0]).sum(axis=1))
    assert x == others[:3]  # the nearest ones, nearest first
    assert space.parse(str(near[0])) == near[0] and space.canonical_hash(near[0]) in hashes
    with pytest.raises(ValueError, match="n_neighbours must be an integer >= 1"):
        RecordSpace(DARTS, space.archs, n_neighbours=0)


@pytest.mark.parametrize("name", ["hyperband", "asha", "bohb", "regularized_evolution",
                                  "local_search"])
def test_optimizers_run_on_the_replay(records: pd.DataFrame, name: str) -> None:
    replay = RecordReplay.from_records("ecg", records=records)
    frame = simulate(name, replay, budget=40, workers=2, seeds=[0])
    assert len(frame) == 40 and frame["arch"].map(
        lambda a: DARTS.canonical_hash(DARTS.parse(a))).isin(set(records["arch_hash"])).all()
    assert frame["incumbent_true"].iloc[-1] >= replay.best_score == 40.5  # arch 0: 40, 41


def test_a_replay_of_the_shipped_records() -> None:
    """The ECG records (DARTS, 4 epochs of validation curves) replayed: Hyperband runs on them
    and a trial's continuation is charged the recorded seconds of its extra epochs only."""
    replay = RecordReplay.from_records("ecg", protocol="ecg-cpu-v1")
    assert replay.max_epochs == 4 and len(replay) > 900
    frame = simulate("hyperband", replay, budget=300.0, budget_kind="seconds", workers=2,
                     seeds=[0])
    continued = frame[frame["resumed_from"] > 0].iloc[0]
    arch = continued["arch"]
    elapsed = replay.table.curves.runtimes[replay.table.rows([arch])[0]]
    assert continued["runtime"] == pytest.approx(
        elapsed[continued["epochs"] - 1] - elapsed[continued["resumed_from"] - 1])
