"""Multi-fidelity optimizers: rungs, promotions, brackets, the Job contract and its errors."""
from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from graph_encodings import get_space
from nas_optimizers import create, list_optimizers
from nas_optimizers.multi_fidelity import (
    ASHA,
    BOHB,
    Hyperband,
    Job,
    SuccessiveHalving,
    rung_levels,
)
from nas_optimizers.registry import is_multi_fidelity

MULTI_FIDELITY = ["asha", "bohb", "hyperband", "successive_halving"]


def test_the_four_methods_are_registered_as_multi_fidelity() -> None:
    assert set(MULTI_FIDELITY) <= set(list_optimizers())
    assert all(is_multi_fidelity(name) for name in MULTI_FIDELITY)
    assert not is_multi_fidelity("regularized_evolution")


@pytest.mark.parametrize(("low", "high", "eta", "levels"), [
    (1, 8, 2, [1, 2, 4, 8]), (1, 5, 2, [1, 3, 5]), (1, 4, 3, [1, 4]), (1, 8, 3, [3, 8]),
    (2, 8, 2, [2, 4, 8]), (1, 1, 2, [1]), (1, 27, 3, [1, 3, 9, 27]),
])
def test_rung_levels(low: int, high: int, eta: int, levels: list[int]) -> None:
    assert rung_levels(low, high, eta) == levels


@pytest.mark.parametrize(("name", "hp", "message"), [
    ("hyperband", {"max_epochs": 8, "eta": 1}, "eta must be an integer >= 2, got 1"),
    ("asha", {"max_epochs": 0}, "max_epochs must be an integer >= 1, got 0"),
    ("asha", {"max_epochs": "8"}, "max_epochs must be an integer >= 1, got '8'"),
    ("successive_halving", {"max_epochs": 4, "min_epochs": 5}, r"min_epochs \(5\) must be <="),
    ("successive_halving", {"max_epochs": 4, "n_initial": 0}, "n_initial must be an integer"),
    ("bohb", {"max_epochs": 4, "gamma": 1.5}, r"gamma must be a number in \(0, 1\)"),
    ("bohb", {"max_epochs": 4, "random_fraction": -0.1}, r"random_fraction must be a number"),
    ("bohb", {"max_epochs": 4, "min_points_in_model": 1}, "min_points_in_model must be"),
])
def test_bad_hyper_parameters_name_themselves(name: str, hp: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        create(name, "nb201", **hp)


@pytest.mark.parametrize("name", MULTI_FIDELITY)
def test_asking_without_max_epochs_says_what_is_missing(name: str) -> None:
    optimizer = create(name, "nb201")  # the registry can build it; ask needs the benchmark's
    with pytest.raises(ValueError, match="needs max_epochs"):
        optimizer.ask()


def _ask_all(optimizer, n: int) -> list[Job]:
    return [optimizer.ask() for _ in range(n)]


def test_successive_halving_promotes_the_best_half_once_the_rung_is_complete() -> None:
    sh = SuccessiveHalving("nb201", seed=0, max_epochs=8)
    first = _ask_all(sh, 8)
    assert [(j.trial, j.epochs, j.resume_from) for j in first] == [(t, 1, 0) for t in range(8)]
    for job in first[:7]:
        sh.tell(job, 10.0 - job.trial)  # trial 7 is best, then 6, 5, ...
    waiting = sh.ask()  # the rung waits for trial 7: a new bracket starts instead
    assert (waiting.trial, waiting.epochs, waiting.resume_from) == (8, 1, 0)
    sh.tell(first[7], 10.0 - 7)
    rung2 = _ask_all(sh, 4)
    assert [(j.trial, j.epochs, j.resume_from) for j in rung2] == [
        (7, 2, 1), (6, 2, 1), (5, 2, 1), (4, 2, 1)]
    assert rung2[0].arch == first[7].arch  # a continued trial trains the same architecture
    for job, score in zip(rung2, [4.0, 1.0, 3.0, 2.0], strict=True):
        sh.tell(job, score)
    rung3 = _ask_all(sh, 2)
    assert [(j.trial, j.epochs, j.resume_from) for j in rung3] == [(6, 4, 2), (4, 4, 2)]
    sh.tell(rung3[0], 5.0)
    sh.tell(rung3[1], math.nan)  # a failure is never promoted
    top = sh.ask()
    assert (top.trial, top.epochs, top.resume_from) == (6, 8, 4)
    sh.tell(top, 0.5)
    assert sh.incumbent.arch == first[6].arch and sh.incumbent.epochs == 8
    assert len(sh.brackets) == 1  # the first bracket is done; the second is open


def _run_sequentially(optimizer, n: int, score=lambda job: float(job.trial % 7)) -> list[Job]:
    jobs = []
    for _ in range(n):
        job = optimizer.ask()
        optimizer.tell(job, score(job))
        jobs.append(job)
    return jobs


def test_hyperband_cycles_its_brackets() -> None:
    jobs = _run_sequentially(Hyperband("nb201", seed=0, max_epochs=8), 15 + 10 + 6 + 4 + 1)
    new = [j.epochs for j in jobs if j.resume_from == 0]
    # brackets s = 3, 2, 1, 0: 8 trials at 1 epoch, 6 at 2, 4 at 4, 4 at 8, then s = 3 again
    assert new == [1] * 8 + [2] * 6 + [4] * 4 + [8] * 4 + [1]
    firsts = Counter(j.epochs for j in jobs[:15])
    assert firsts == {1: 8, 2: 4, 4: 2, 8: 1}  # 8 -> 4 -> 2 -> 1 in the first bracket
    assert Counter(j.epochs for j in jobs[15:25]) == {2: 6, 4: 3, 8: 1}


def test_asha_promotes_without_waiting_for_a_rung() -> None:
    asha = ASHA("nb201", seed=0, max_epochs=4)  # rungs 1, 2, 4
    a = asha.ask()
    asha.tell(a, 5.0)
    b = asha.ask()  # one result at rung 1: floor(1 / 2) = 0 promotable, so a new trial
    assert (b.trial, b.epochs, b.resume_from) == (1, 1, 0)
    asha.tell(b, 3.0)
    c = asha.ask()  # two results: the best (trial 1) is in the top half and goes up
    assert (c.trial, c.epochs, c.resume_from) == (1, 2, 1)
    d = asha.ask()  # trial 1 is promoted already and trial 0 is not in the top half
    assert (d.trial, d.epochs) == (2, 1)
    asha.tell(d, math.nan)
    e = asha.ask()  # 3 results, top floor(3 / 2) = 1 is trial 1, promoted: a new trial
    assert (e.trial, e.epochs) == (3, 1)
    asha.tell(e, 1.0)
    f = asha.ask()  # 4 results: top 2 are trials 3 and 1; 3 is new to promote
    assert (f.trial, f.epochs, f.resume_from) == (3, 2, 1)
    asha.tell(c, 2.0)
    asha.tell(f, 1.5)
    g = asha.ask()  # rung 2 has two results: the best (trial 3) continues to 4 epochs
    assert (g.trial, g.epochs, g.resume_from) == (3, 4, 2)


def _conv3x3(arch) -> int:
    return sum(op == "nor_conv_3x3" for op in arch.ops)


def test_bohb_proposals_follow_its_model() -> None:
    """On an objective that rewards 3x3 convolutions, TPE proposals have more of them than
    uniform samples (6 edges x 1 / 5 = 1.2 on average)."""
    bohb = BOHB("nb201", seed=1, max_epochs=4, random_fraction=0.0, min_points_in_model=8)
    jobs = _run_sequentially(bohb, 120, score=lambda job: 6.0 - _conv3x3(job.arch))
    assert bohb.model_rung() is not None
    late = [_conv3x3(j.arch) for j in jobs[60:] if j.resume_from == 0]
    assert len(late) >= 10 and np.mean(late) > 2.5
    plain = _run_sequentially(Hyperband("nb201", seed=1, max_epochs=4), 120,
                              score=lambda job: 6.0 - _conv3x3(job.arch))
    assert np.mean([_conv3x3(j.arch) for j in plain[60:] if j.resume_from == 0]) < 2.0


@pytest.mark.parametrize("name", MULTI_FIDELITY)
def test_a_trial_is_continued_only_after_its_result(name: str) -> None:
    """However many jobs are outstanding, no trial has two at once, and every continuation
    resumes from the epochs the trial was told at."""
    optimizer = create(name, "nb201", seed=2, max_epochs=8)
    rng = np.random.default_rng(0)
    outstanding: list[Job] = []
    told: dict[int, int] = {}
    for _ in range(120):
        while len(outstanding) < 4:
            job = optimizer.ask()
            assert job.trial not in {j.trial for j in outstanding}
            assert job.resume_from == told.get(job.trial, 0) < job.epochs <= 8
            assert get_space("nb201").validate(job.arch) == job.arch
            outstanding.append(job)
        job = outstanding.pop(int(rng.integers(len(outstanding))))  # any order
        optimizer.tell(job, float(rng.random()))
        told[job.trial] = job.epochs
    assert max(told.values()) == 8


def test_tell_takes_the_asked_job_once() -> None:
    sh = SuccessiveHalving("nb201", seed=0, max_epochs=4)
    job = sh.ask()
    with pytest.raises(TypeError, match="tell it the Job that ask"):
        sh.tell(job.arch, 1.0)
    sh.tell(job, 1.0)
    with pytest.raises(ValueError, match="not an outstanding job"):
        sh.tell(job, 1.0)
    with pytest.raises(ValueError, match="not an outstanding job"):
        sh.tell(Job(job.arch, 2, 99, 0), 1.0)
