"""The simulator: event order with async workers, budgets, noise, determinism, parallel seeds."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from graph_encodings import get_space
from nas_optimizers import Optimizer, create
from nas_optimizers.simulation import (
    COLUMNS,
    FunctionBenchmark,
    evaluation_seed,
    simulate,
    toy_benchmark,
)
from nas_optimizers.simulation.toy import nb201_toy_score

SPACE = get_space("nb201")


class ScriptedOptimizer(Optimizer):
    """Asks a fixed list of architectures in order (to make the schedule computable by hand)."""

    name = "scripted"

    def __init__(self, archs: list[Any]) -> None:
        super().__init__(SPACE, seed=0)
        self.archs = list(archs)

    def ask(self) -> Any:
        return self.archs.pop(0)


def arch(text_ops: str) -> Any:
    """NB201 arch from 6 op codes (n none, s skip, 1 conv1x1, 3 conv3x3, a avg_pool)."""
    names = {"n": "none", "s": "skip_connect", "1": "nor_conv_1x1", "3": "nor_conv_3x3",
             "a": "avg_pool_3x3"}
    ops = [names[c] for c in text_ops]
    return SPACE.parse(f"|{ops[0]}~0|+|{ops[1]}~0|{ops[2]}~1|+|{ops[3]}~0|{ops[4]}~1|{ops[5]}~2|")


# toy runtime = 1 + number of convolutions: 3, 1, 2, 1, 1 seconds
SCRIPT = [arch("33ssss"), arch("ssssss"), arch("3sssss"), arch("aaaaaa"), arch("sasasa")]


def test_two_workers_deliver_results_in_finish_order_with_ties_by_start() -> None:
    # worker 0 runs a0 (0-3 s), worker 1 runs a1 (0-1 s), then a2 (1-3 s); at t=3 a0 and a2
    # finish together, a0 (started first) is told first; worker 0 runs a3 (3-4), worker 1 a4 (3-4)
    optimizer = ScriptedOptimizer(SCRIPT)
    df = simulate(lambda seed: optimizer, toy_benchmark(noise_std=0.0), 5, workers=2)
    assert df.sim_time.tolist() == [1.0, 3.0, 3.0, 4.0, 4.0]
    assert df.arch.tolist() == [str(SCRIPT[i]) for i in (1, 0, 2, 3, 4)]
    assert df.worker.tolist() == [1, 0, 1, 0, 1]
    assert [o.arch for o in optimizer.history] == [SCRIPT[i] for i in (1, 0, 2, 3, 4)]
    assert [o.cost for o in optimizer.history] == [1.0, 3.0, 2.0, 1.0, 1.0]


def test_seconds_budget_reports_only_results_finished_in_time() -> None:
    df = simulate(lambda seed: ScriptedOptimizer(SCRIPT), toy_benchmark(noise_std=0.0), 3.5,
                  workers=2, budget_kind="seconds")
    assert df.sim_time.tolist() == [1.0, 3.0, 3.0]  # a3 and a4 start at 3 s but end at 4 s
    df = simulate("random_search", toy_benchmark(), 40.0, budget_kind="seconds", seeds=[4])
    assert (df.sim_time <= 40.0).all()
    assert df.sim_time.tolist() == df.runtime.cumsum().tolist()  # one worker: back to back
    assert df.runtime.sum() + 7.0 > 40.0  # the next evaluation (<= 7 s) would not have fit


def test_columns_incumbent_and_noise() -> None:
    bench = toy_benchmark(noise_std=0.5)
    df = simulate("regularized_evolution", bench, 30, workers=3, seeds=[2],
                  optimizer_kwargs={"population_size": 8, "sample_size": 3})
    assert list(df.columns) == list(COLUMNS)
    assert df.evaluation.tolist() == list(range(1, 31)) and (df.optimizer == "regularized_evolution").all()
    assert (np.diff(df.sim_time) >= 0).all()
    assert (np.diff(df.incumbent) <= 0).all()
    assert df.incumbent.tolist() == df.score.cummin().tolist()
    best_rows = [int(np.argmin(df.score[: k + 1].to_numpy())) for k in range(len(df))]
    assert df.incumbent_true.tolist() == df.true_score[best_rows].tolist()
    assert df.true_score.tolist() == [nb201_toy_score(SPACE.parse(a)) for a in df.arch]
    assert (df.score != df.true_score).all()
    clean = simulate("regularized_evolution", bench, 30, workers=3, seeds=[2], with_noise=False,
                     optimizer_kwargs={"population_size": 8, "sample_size": 3})
    assert (clean.score == clean.true_score).all()


def test_noise_is_the_benchmarks_draw_for_the_evaluation_seed() -> None:
    bench = toy_benchmark(noise_std=1.0)
    df = simulate("random_search", bench, 6, seeds=[7])  # one worker: start order = finish order
    expected = [bench.query([SPACE.parse(a)], with_noise=True, seed=evaluation_seed(7, i)).sample[0]
                for i, a in enumerate(df.arch)]
    assert df.score.tolist() == expected


def test_same_seed_same_frame_and_different_seeds_differ() -> None:
    bench = toy_benchmark()
    first = simulate("local_search", bench, 40, workers=4, seeds=[0, 1])
    again = simulate("local_search", bench, 40, workers=4, seeds=[0, 1])
    pd.testing.assert_frame_equal(first, again)
    by_seed = dict(tuple(first.groupby("seed")))
    assert by_seed[0].arch.tolist() != by_seed[1].arch.tolist()


@pytest.mark.slow
def test_parallel_seeds_equal_sequential_ones() -> None:
    bench = toy_benchmark()
    sequential = simulate("regularized_evolution", bench, 30, workers=2, seeds=range(3))
    parallel = simulate("regularized_evolution", bench, 30, workers=2, seeds=range(3), n_jobs=2)
    pd.testing.assert_frame_equal(sequential, parallel)


class CostedBenchmark(FunctionBenchmark):
    """A benchmark without runtimes but with a cost model (2 s per evaluation)."""

    def cost(self, archs: list[Any]) -> np.ndarray:
        return np.full(len(archs), 2.0)


def test_fallback_cost_models() -> None:
    no_runtime = FunctionBenchmark("nb201", nb201_toy_score)
    assert simulate("random_search", no_runtime, 5).sim_time.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    costed = CostedBenchmark("nb201", nb201_toy_score)
    assert simulate("random_search", costed, 3).sim_time.tolist() == [2.0, 4.0, 6.0]
    broken = FunctionBenchmark("nb201", nb201_toy_score, runtime_fn=lambda a: 0.0)
    with pytest.raises(ValueError, match="runtime"):
        simulate("random_search", broken, 3)


def test_a_factory_names_the_optimizer_column() -> None:
    df = simulate(lambda seed: create("random_search", "nb201", seed), toy_benchmark(), 4)
    assert (df.optimizer == "random_search").all()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"optimizer": "bogus"}, ValueError, "local_search"),
        ({"optimizer": 3}, TypeError, "optimizer"),
        ({"budget": 0}, ValueError, "budget"),
        ({"budget": 2.5}, ValueError, "whole number"),
        ({"budget_kind": "epochs"}, ValueError, "seconds"),
        ({"workers": 0}, ValueError, "workers"),
        ({"seeds": []}, ValueError, "seeds"),
        ({"seeds": [0, -1]}, ValueError, r"seeds\[1\] must be an integer >= 0, got -1"),
        ({"seeds": 5}, ValueError, "seeds must be a non-empty collection"),
        ({"n_jobs": 0}, ValueError, "n_jobs"),
        ({"benchmark": object()}, TypeError, "query"),
        ({"optimizer": lambda s: create("random_search", "nb201", s),
          "optimizer_kwargs": {"population_size": 3}}, ValueError, "optimizer_kwargs"),
        ({"optimizer": "regularized_evolution", "optimizer_kwargs": {"pop": 3}}, ValueError,
         r"'regularized_evolution': unknown \['pop'\]; valid: population_size, sample_size"),
    ],
)
def test_bad_arguments_name_the_value(kwargs: dict, error: type, match: str) -> None:
    arguments = {"optimizer": "random_search", "benchmark": toy_benchmark(), "budget": 5, **kwargs}
    with pytest.raises(error, match=match):
        simulate(**arguments)


def test_defaults_at_budget_100_make_evolution_differ_from_random_search() -> None:
    """On the shipped NinaPro NB201 benchmark, regularised evolution with its defaults evolves
    within a 100-evaluation budget; a population as large as the budget (passed through
    ``optimizer_kwargs``) makes it random search exactly."""
    from surrogates import Benchmark

    bench = Benchmark.load("ninapro", space="nb201")
    random = simulate("random_search", bench, 100)
    evolution = simulate("regularized_evolution", bench, 100)
    assert not np.array_equal(evolution["incumbent_true"], random["incumbent_true"])
    assert evolution["arch"].tolist() != random["arch"].tolist()
    as_random = simulate("regularized_evolution", bench, 100,
                         optimizer_kwargs={"population_size": 100})
    assert as_random["arch"].tolist() == random["arch"].tolist()
