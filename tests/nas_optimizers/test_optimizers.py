"""The ask/tell optimizers: registry, validity of proposals, selection behaviour."""
from __future__ import annotations

import math

import numpy as np
import pytest

from graph_encodings import get_space
from nas_optimizers import RegularizedEvolution, create, hyper_parameters, list_optimizers
from nas_optimizers.multi_fidelity import Job
from nas_optimizers.registry import is_multi_fidelity


def nb201_score(arch) -> float:
    """A synthetic error: fewer 3x3 convolutions -> higher error (min 0 at all-conv3x3)."""
    return float(sum(op != "nor_conv_3x3" for op in arch.ops))


def _create(name: str, space: str, seed: int):
    """``create`` with the epochs a multi-fidelity optimizer needs (8: rungs 1, 2, 4, 8)."""
    return create(name, space, seed=seed, **({"max_epochs": 8} if is_multi_fidelity(name) else {}))


def _ask(optimizer):
    """(arch, what to tell): a multi-fidelity optimizer is told the Job it asked."""
    asked = optimizer.ask()
    return (asked.arch, asked) if isinstance(asked, Job) else (asked, asked)


@pytest.mark.parametrize("name", list_optimizers())
@pytest.mark.parametrize("space_name", ["darts", "nb201"])
def test_every_optimizer_proposes_valid_architectures(name: str, space_name: str) -> None:
    space = get_space(space_name)
    optimizer = _create(name, space_name, seed=3)
    for _ in range(30):
        arch, told = _ask(optimizer)
        assert space.validate(arch) == arch
        optimizer.tell(told, float(np.random.default_rng(0).random()), cost=1.0)
    assert optimizer.incumbent is not None


@pytest.mark.parametrize("name", list_optimizers())
def test_same_seed_same_proposals(name: str) -> None:
    runs = []
    for _ in range(2):
        optimizer = _create(name, "nb201", seed=11)
        archs = []
        for _ in range(40):
            arch, told = _ask(optimizer)
            optimizer.tell(told, nb201_score(arch))
            archs.append(told)
        runs.append(archs)
    assert runs[0] == runs[1]


def test_unknown_optimizer_names_valid_ones() -> None:
    with pytest.raises(ValueError, match="regularized_evolution"):
        create("bogus", "nb201")


def test_bad_hyper_parameters_are_value_errors() -> None:
    with pytest.raises(ValueError, match="sample_size"):
        create("regularized_evolution", "nb201", population_size=5, sample_size=10)
    with pytest.raises(ValueError, match="hyper-parameters"):
        create("random_search", "nb201", nonsense=1)
    with pytest.raises(ValueError, match=r"unknown \['pop'\]; valid: population_size, sample_size"):
        create("regularized_evolution", "nb201", pop=3)


def test_hyper_parameters_follow_kwargs_to_the_base_class() -> None:
    assert hyper_parameters("regularized_evolution") == ["population_size", "sample_size"]
    assert hyper_parameters("random_search") == []
    assert {"n_trees", "num_init", "acquisition"} <= set(hyper_parameters("rf_bo"))
    assert create("rf_bo", "nb201", num_init=4, n_trees=5).num_init == 4
    with pytest.raises(ValueError, match="regularized_evolution"):
        hyper_parameters("bogus")


def test_regularized_evolution_defaults_leave_a_100_budget_room_to_evolve() -> None:
    optimizer = create("regularized_evolution", "nb201")
    assert optimizer.population_size <= 25 and optimizer.sample_size < optimizer.population_size


def test_regularized_evolution_beats_random_on_a_smooth_objective() -> None:
    """On a score that mutation can improve step by step, evolution finds better archs."""
    finals = {}
    for name in ("random_search", "regularized_evolution"):
        best = []
        for seed in range(5):
            optimizer = create(name, "nb201", seed=seed, **(
                {"population_size": 10, "sample_size": 3} if name == "regularized_evolution" else {}))
            for _ in range(60):
                arch = optimizer.ask()
                optimizer.tell(arch, nb201_score(arch))
            best.append(optimizer.incumbent.score)
        finals[name] = np.mean(best)
    assert finals["regularized_evolution"] < finals["random_search"]


def test_failed_evaluations_never_enter_the_population() -> None:
    optimizer = RegularizedEvolution("nb201", seed=0, population_size=4, sample_size=2)
    for _ in range(6):
        optimizer.tell(optimizer.ask(), math.nan)
    assert len(optimizer.population) == 0
    assert optimizer.incumbent is None
    arch = optimizer.ask()  # still proposes (random) with an empty population
    assert get_space("nb201").validate(arch) == arch
