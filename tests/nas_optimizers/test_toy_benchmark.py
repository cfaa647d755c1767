"""The analytic toy benchmarks: known optimum, noise under a seed, runtimes, errors."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from graph_encodings import get_space
from graph_encodings.spaces.nb201 import NB201_OPS
from nas_optimizers.simulation import TOY_OPTIMUM, BenchmarkLike, FunctionBenchmark, toy_benchmark
from nas_optimizers.simulation.toy import darts_toy_score


def test_nb201_optimum_by_exhaustive_enumeration() -> None:
    space, bench = get_space("nb201"), toy_benchmark("nb201", noise_std=0.0)
    archs = [space.parse("|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|".format(*ops))
             for ops in itertools.product(NB201_OPS, repeat=6)]
    result = bench.query(archs)
    assert len(archs) == 15_625 and result.mean.min() == TOY_OPTIMUM["nb201"]
    best = archs[int(np.argmin(result.mean))]
    assert best.ops == ("nor_conv_3x3",) * 3 + ("skip_connect",) + ("nor_conv_3x3",) * 2
    assert result.runtime.max() == 1 + 6 and result.runtime.min() == 1
    all_none = space.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    assert bench.query([all_none]).mean[0] == 90.0


def test_darts_toy_score_is_above_its_optimum() -> None:
    archs = get_space("darts").sample_many(200, rng=0)
    scores = np.array([darts_toy_score(a) for a in archs])
    assert (scores > TOY_OPTIMUM["darts"]).all()


def test_noise_is_reproducible_and_has_the_stated_spread() -> None:
    bench = toy_benchmark("nb201", noise_std=0.5)
    arch = get_space("nb201").sample(0)
    archs = [arch] * 4000
    a = bench.query(archs, with_noise=True, seed=3)
    b = bench.query(archs, with_noise=True, seed=3)
    c = bench.query(archs, with_noise=True, seed=4)
    assert np.array_equal(a.sample, b.sample) and not np.array_equal(a.sample, c.sample)
    assert np.std(a.sample - a.mean) == pytest.approx(0.5, rel=0.05)
    assert bench.query(archs[:2]).sample is None
    assert bench.query([str(arch)]).mean[0] == a.mean[0]  # text forms are accepted


def test_satisfies_the_benchmark_protocol_and_rejects_bad_input() -> None:
    assert isinstance(toy_benchmark("darts"), BenchmarkLike)
    with pytest.raises(ValueError, match="nb201"):
        toy_benchmark("nb101")
    with pytest.raises(ValueError, match="noise_std"):
        FunctionBenchmark("nb201", len, noise_std=-1.0)
    with pytest.raises(ValueError):
        toy_benchmark().query(["not an architecture"])
