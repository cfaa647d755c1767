"""Local search: neighbour queue, first improvement, restarts, and search quality."""
from __future__ import annotations

import math

import numpy as np
import pytest

from graph_encodings import get_space
from nas_optimizers import LocalSearch, create
from nas_optimizers.simulation import simulate, toy_benchmark


def test_climbs_through_every_neighbour_then_restarts() -> None:
    space = get_space("nb201")
    search = LocalSearch(space, seed=0, num_init=3)
    starts = [search.ask() for _ in range(3)]
    for score, arch in zip((5.0, 1.0, 7.0), starts, strict=True):
        search.tell(arch, score)
    assert search.current.arch == starts[1]  # the best of the start samples
    neighbours = [search.ask() for _ in range(len(space.neighbours(starts[1])))]
    assert set(neighbours) == set(space.neighbours(starts[1])) - set(starts)
    for arch in neighbours:
        search.tell(arch, 2.0)  # none improves: a local optimum
    assert search.restarts == 0
    restart = search.ask()
    assert search.restarts == 1 and search.current is None
    search.tell(restart, 9.0)
    assert search.current.arch == restart  # a restart takes one random sample as it is


def test_moves_to_the_first_improving_neighbour() -> None:
    search = LocalSearch("nb201", seed=1, num_init=1)
    start = search.ask()
    search.tell(start, 3.0)
    first, second = search.ask(), search.ask()  # two workers hold two neighbours
    search.tell(second, 1.0)
    assert search.current.arch == second
    search.tell(first, 0.5)  # a late result that beats the new current still wins
    assert search.current.arch == first


def test_failed_results_never_become_current() -> None:
    search = LocalSearch("nb201", seed=2, num_init=2)
    a, b = search.ask(), search.ask()
    search.tell(a, math.nan)
    assert search.current is None
    search.tell(b, 4.0)
    c = search.ask()  # still collecting: only one valid start result so far
    search.tell(c, 8.0)
    assert search.current.arch == b


def test_asks_never_repeat_an_architecture() -> None:
    search = create("local_search", "nb201", seed=3, num_init=5)
    bench = toy_benchmark("nb201", noise_std=0.0)
    asked = []
    for _ in range(150):
        arch = search.ask()
        asked.append(arch)
        search.tell(arch, float(bench.query([arch]).mean[0]))
    assert len(set(asked)) == len(asked)


@pytest.mark.parametrize("bad", [{"num_init": 0}, {"restart_samples": 1.5}])
def test_bad_hyper_parameters_name_the_value(bad: dict) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        create("local_search", "nb201", **bad)


def test_beats_random_search_on_the_toy_benchmark() -> None:
    bench = toy_benchmark("nb201", noise_std=0.5)
    final = {
        name: simulate(name, bench, 60, seeds=range(5)).groupby("seed").incumbent_true.last().mean()
        for name in ("random_search", "local_search")
    }
    assert final["local_search"] < final["random_search"] - 1.0
    assert np.isfinite(list(final.values())).all()
