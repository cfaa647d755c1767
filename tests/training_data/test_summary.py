"""``nb360 data summary``: counts, score range and seed-to-seed noise, per group and per sampler."""
from __future__ import annotations

import math

import pandas as pd

from training_data.summary import repeat_noise, summarise


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
