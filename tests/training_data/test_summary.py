"""``nb360 data summary``: counts, score range and seed-to-seed noise, per group and per sampler."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from training_data.summary import (
    architecture_share,
    architecture_share_interval,
    rank_share,
    repeat_noise,
    seed_pair_tau,
    seed_policy,
    share_of_mean,
    summarise,
    tau_ceiling,
)


def frame() -> pd.DataFrame:
    rows = [  # (task, arch_hash, seed, status, score, sampler)
        ("ecg", "a", 0, "ok", 0.50, "random"),
        ("ecg", "a", 1, "ok", 0.54, "random"),
        ("ecg", "a", 2, "ok", 0.51, "random"),  # pairs: 0.04, 0.01, 0.03
        ("ecg", "b", 0, "ok", 0.60, "regularized_evolution"),
        ("ecg", "b", 1, "ok", 0.70, "regularized_evolution"),  # pair: 0.10
        ("ecg", "c", 0, "failed", None, "regularized_evolution"),
        ("ecg", "d", 0, "diverged", None, "random"),
        ("satellite", "e", 0, "ok", 30.0, "random"),
    ]
    data = pd.DataFrame(rows, columns=["task", "arch_hash", "seed", "status", "score", "sampler"])
    return data.assign(protocol=data["task"] + "-cpu-v1", space="darts")


def test_repeat_noise_is_the_median_pairwise_difference_of_ok_runs() -> None:
    repeated, noise = repeat_noise(frame()[lambda f: f["task"] == "ecg"])
    assert repeated == 2
    assert math.isclose(noise, 0.035)  # median of 0.01, 0.03, 0.04, 0.10
    assert math.isnan(repeat_noise(frame()[lambda f: f["task"] == "satellite"])[1])


def test_one_row_per_task_and_protocol() -> None:
    table = summarise(frame()).set_index("task")
    ecg = table.loc["ecg"]
    assert (ecg["records"], ecg["archs"], ecg["seeds"], ecg["failed"], ecg["diverged"]) == (7, 4, 3, 1, 1)
    assert (ecg["score_min"], ecg["score_median"], ecg["score_max"]) == (0.50, 0.54, 0.70)
    assert ecg["repeated_archs"] == 2 and math.isclose(ecg["repeat_noise_mad"], 0.035)
    assert ecg["archs_3_seeds"] == 1 and ecg["seed_policy"] == "shared"


def test_summary_names_each_protocols_seed_policy() -> None:
    data = frame().assign(protocol=lambda f: f["task"] + "-cpu-v2")
    data.loc[data["task"] == "satellite", "protocol"] = "nb360-nb201-200ep"
    table = summarise(data).set_index("task")
    assert table.loc["ecg", "seed_policy"] == "per_architecture"
    assert table.loc["satellite", "seed_policy"] == "imported"  # the NB201 tables' protocol
    assert seed_policy("ecg-cpu-v99") == "unregistered"
    assert table.loc["satellite", "records"] == 1 and "sampler" not in table.columns


def test_by_sampler_splits_each_group() -> None:
    table = summarise(frame(), by_sampler=True).set_index(["task", "sampler"])
    assert list(table.columns[:2]) == ["protocol", "space"]
    random, evolution = table.loc[("ecg", "random")], table.loc[("ecg", "regularized_evolution")]
    assert (random["records"], random["archs"], random["diverged"], random["repeated_archs"]) == (4, 2, 1, 1)
    assert math.isclose(random["repeat_noise_mad"], 0.03)
    assert (evolution["records"], evolution["archs"], evolution["failed"]) == (3, 2, 1)
    assert math.isclose(evolution["repeat_noise_mad"], 0.10)
    assert len(table) == 3


def runs(arch_means: np.ndarray, noise: float, seeds: int, rng: np.random.Generator,
         prefix: str = "a") -> pd.DataFrame:
    rows = [(f"{prefix}{i}", s, "ok", m + noise * rng.normal())
            for i, m in enumerate(arch_means) for s in range(seeds)]
    return pd.DataFrame(rows, columns=["arch_hash", "seed", "status", "score"])


def test_architecture_share_recovers_the_variance_split() -> None:
    rng = np.random.default_rng(0)
    means = rng.normal(scale=1.0, size=2000)
    for noise, expected in ((1.0, 0.5), (0.5, 0.8), (3.0, 0.1)):
        assert architecture_share(runs(means, noise, 3, rng)) == pytest.approx(expected, abs=0.03)
    unbalanced = pd.concat([runs(means[:1000], 1.0, 2, rng), runs(means[1000:], 1.0, 4, rng, "b")])
    assert architecture_share(unbalanced) == pytest.approx(0.5, abs=0.03)
    assert architecture_share(runs(np.zeros(500), 1.0, 3, rng)) == pytest.approx(0.0, abs=0.02)
    assert math.isnan(architecture_share(runs(means[:1], 1.0, 3, rng)))  # one architecture only


def test_the_share_interval_is_narrow_on_many_architectures_and_wide_on_a_screen() -> None:
    rng = np.random.default_rng(2)
    many = runs(rng.normal(size=2000), 1.0, 3, rng)  # share 0.5
    low, high = architecture_share_interval(many)
    assert low < architecture_share(many) < high
    assert 0.44 < low < 0.5 < high < 0.56
    screen = runs(rng.normal(size=20), 1.0, 2, rng)  # 20 architectures x 2 seeds
    low, high = architecture_share_interval(screen)
    assert low <= architecture_share(screen) <= high and high - low > 0.2
    unbalanced = pd.concat([runs(rng.normal(size=1000), 1.0, 2, rng), runs(rng.normal(size=1000), 1.0, 4, rng, "b")])
    low, high = architecture_share_interval(unbalanced)
    assert low < 0.5 < high and high - low < 0.12


def test_the_share_interval_covers_the_true_share_of_small_screens() -> None:
    rng = np.random.default_rng(3)
    hits = 0
    for trial in range(200):
        low, high = architecture_share_interval(runs(rng.normal(size=40), 1.0, 3, rng), n_boot=400, seed=trial)
        hits += low <= 0.5 <= high
    assert 0.8 <= hits / 200 <= 0.97  # a percentile bootstrap of 40 groups: near its 90 %


def test_the_share_interval_is_reproducible_and_refuses_bad_settings() -> None:
    rng = np.random.default_rng(4)
    screen = runs(rng.normal(size=20), 1.0, 2, rng)
    assert architecture_share_interval(screen, seed=7) == architecture_share_interval(screen, seed=7)
    assert all(math.isnan(v) for v in architecture_share_interval(runs(np.zeros(1), 1.0, 3, rng)))
    with pytest.raises(ValueError, match="level=1.5"):
        architecture_share_interval(screen, level=1.5)
    with pytest.raises(ValueError, match="n_boot=0"):
        architecture_share_interval(screen, n_boot=0)


def test_the_tau_ceiling_is_what_a_perfect_model_reaches_on_single_runs() -> None:
    from scipy import stats

    rng = np.random.default_rng(1)
    true = rng.normal(size=4000)
    single = true + rng.normal(scale=1.0, size=4000)  # share 0.5
    measured = stats.kendalltau(true, single).statistic
    assert tau_ceiling(0.5) == pytest.approx(measured, abs=0.02)
    assert tau_ceiling(1.0) == 1.0 and tau_ceiling(0.0) == 0.0 and math.isnan(tau_ceiling(float("nan")))


def test_the_share_of_a_mean_of_runs_is_measured_on_simulated_means() -> None:
    rng = np.random.default_rng(5)
    archs = rng.normal(size=3000)
    seeds = rng.normal(scale=1.2, size=(3000, 3))  # one run's share: 1 / (1 + 1.44) = 0.41
    single = pd.DataFrame({"arch_hash": np.repeat(np.arange(3000).astype(str), 3), "status": "ok",
                           "score": (archs[:, None] + seeds).ravel()})
    share = architecture_share(single)
    assert share == pytest.approx(1 / 2.44, abs=0.03)
    # the means of 3 runs, each measured against a fresh mean of 3 other runs of the same arch
    again = rng.normal(scale=1.2, size=(3000, 3)).mean(axis=1)
    means = pd.DataFrame({"arch_hash": np.repeat(np.arange(3000).astype(str), 2), "status": "ok",
                          "score": np.column_stack([archs + seeds.mean(axis=1), archs + again]).ravel()})
    assert share_of_mean(share, 3) == pytest.approx(architecture_share(means), abs=0.03)
    assert share_of_mean(share, 1) == share and share_of_mean(1.0, 5) == 1.0 and share_of_mean(0.0, 3) == 0.0
    assert math.isnan(share_of_mean(float("nan"), 3))
    with pytest.raises(ValueError, match="runs=0"):
        share_of_mean(0.5, 0)


def test_the_share_is_measured_over_connected_cells_and_disconnected_ones_are_counted() -> None:
    """Two chance-level disconnected NB201 cells would make nearly all of the variance the
    architecture's; the share leaves them out and ``disconnected_archs`` counts them."""
    from graph_encodings import get_space

    nb201 = get_space("nb201")
    rng = np.random.default_rng(0)
    connected = [a for a in nb201.sample_many(200, rng=1) if not nb201.is_disconnected(a)][:30]
    dead = ["|none~0|+|none~0|none~1|+|none~0|none~1|skip_connect~2|",
            "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|nor_conv_1x1~2|"]
    assert all(nb201.is_disconnected(nb201.parse(a)) for a in dead)
    data = runs(np.zeros(30), noise=1.0, seeds=3, rng=rng)  # pure seed noise: share ~0
    data["arch"] = [str(connected[int(h[1:])]) for h in data["arch_hash"]]
    chance = pd.DataFrame([(f"d{i}", s, "ok", 95.8, arch) for i, arch in enumerate(dead) for s in range(3)],
                          columns=["arch_hash", "seed", "status", "score", "arch"])
    data = pd.concat([data, chance], ignore_index=True).assign(
        task="satellite", protocol="satellite-nb201-cpu-v1", space="nb201", sampler="random")
    row = summarise(data).iloc[0]
    assert row["disconnected_archs"] == 2 and row["archs"] == 32
    assert row["arch_share"] < 0.3, "the chance-level cells were counted"
    assert math.isclose(row["arch_share"], architecture_share(data.iloc[:90]))
    assert architecture_share(data) > 0.99  # what counting them would have said


def test_rank_figures_see_through_a_heavy_tail_that_the_variance_share_does_not() -> None:
    """A set whose bulk is half seed noise plus a few cells far worse: the variance share reads
    nearly 1, the rank share and the seed-pair tau stay near the bulk's figures."""
    rng = np.random.default_rng(6)
    bulk = runs(rng.normal(size=600), 1.0, 3, rng)  # share 0.5
    assert rank_share(bulk) == pytest.approx(architecture_share(bulk), abs=0.05)
    assert seed_pair_tau(bulk) == pytest.approx(2 / np.pi * np.arcsin(0.5), abs=0.05)  # run vs run
    tailed = pd.concat([bulk, runs(np.full(12, 60.0), 1.0, 3, rng, "t")], ignore_index=True)
    assert architecture_share(tailed) > 0.95
    assert rank_share(tailed) < 0.6 and seed_pair_tau(tailed) < 0.45
    table = summarise(tailed.assign(task="ninapro", protocol="ninapro-nb201-cpu-v1", space="nb201"))
    assert math.isclose(table.loc[0, "rank_share"], rank_share(tailed))
    assert math.isclose(table.loc[0, "seed_pair_tau"], seed_pair_tau(tailed))


def test_the_seed_pair_tau_pairs_each_architectures_first_two_seeds() -> None:
    rows = [("a", 2, "ok", 9.0), ("a", 0, "ok", 1.0), ("a", 1, "ok", 1.5), ("b", 1, "ok", 2.5),
            ("b", 0, "ok", 2.0), ("c", 0, "ok", 3.0), ("c", 1, "failed", None), ("c", 2, "ok", 3.5)]
    data = pd.DataFrame(rows, columns=["arch_hash", "seed", "status", "score"])
    assert seed_pair_tau(data) == 1.0  # (1.0, 1.5), (2.0, 2.5), (3.0, 3.5): seed 2 of a unused
    data.loc[7, "score"] = 0.5  # c's second ok run (seed 2) now ranks it first: 1 of 3 pairs agree
    assert seed_pair_tau(data) == pytest.approx(-1 / 3)
    assert math.isnan(seed_pair_tau(data[data["arch_hash"] == "a"]))  # one architecture
