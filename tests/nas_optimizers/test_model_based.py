"""BANANAS and random-forest BO: predictor, acquisition, candidate handling, search quality."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from graph_encodings import encode, get_space
from nas_optimizers import create
from nas_optimizers.bananas import MLPEnsemble
from nas_optimizers.model_based import expected_improvement
from nas_optimizers.simulation import simulate, toy_benchmark

MODEL_BASED = ("bananas", "rf_bo")
SMALL = {"bananas": {"epochs": 60}, "rf_bo": {"n_trees": 20}}


def test_expected_improvement_matches_the_closed_form_by_hand() -> None:
    # at mean == best: EI = std * pdf(0) = std / sqrt(2 pi); far below best: EI ~ best - mean
    ei = expected_improvement(np.array([1.0, -9.0, 1.0]), np.array([2.0, 1.0, 0.0]), best=1.0)
    assert ei[0] == pytest.approx(2.0 / np.sqrt(2 * np.pi))
    assert ei[1] == pytest.approx(10.0, rel=1e-9)
    assert ei[2] == pytest.approx(0.0, abs=1e-9)  # std 0: max(best - mean, 0) = 0


def test_mlp_ensemble_learns_a_path_encoded_score() -> None:
    space, bench = get_space("nb201"), toy_benchmark("nb201", noise_std=0.0)
    archs = space.sample_many(300, rng=0)
    connected = [a for a in archs if bench.query([a]).mean[0] < 90]
    X = encode(space, connected, "path")
    y = bench.query(connected).mean
    model = MLPEnsemble(epochs=200, seed=0).fit(X[:150], y[:150])
    mean, std = model.predict(X[150:])
    assert spearmanr(mean, y[150:]).statistic > 0.7
    assert mean.shape == std.shape == (len(y) - 150,) and (std >= 0).all()


@pytest.mark.parametrize("name", MODEL_BASED)
def test_first_asks_are_random_then_the_model_is_fitted(name: str) -> None:
    bench = toy_benchmark("nb201", noise_std=0.0)
    optimizer = create(name, "nb201", seed=0, num_init=6, **SMALL[name])
    for _ in range(6):
        arch = optimizer.ask()
        optimizer.tell(arch, float(bench.query([arch]).mean[0]))
    assert optimizer.fits == 0
    optimizer.ask()
    assert optimizer.fits == 1


@pytest.mark.parametrize("name", MODEL_BASED)
def test_a_batch_of_asks_gives_distinct_unasked_architectures(name: str) -> None:
    bench = toy_benchmark("darts", noise_std=0.0)
    optimizer = create(name, "darts", seed=1, num_init=8, **SMALL[name])
    first = [optimizer.ask() for _ in range(8)]
    for arch in first:
        optimizer.tell(arch, float(bench.query([arch]).mean[0]))
    batch = [optimizer.ask() for _ in range(12)]  # 12 parallel workers, no result yet
    assert len(set(batch)) == 12 and not set(batch) & set(first)


@pytest.mark.parametrize("name", MODEL_BASED)
def test_bad_hyper_parameters_name_the_value(name: str) -> None:
    with pytest.raises(ValueError, match="acquisition"):
        create(name, "nb201", acquisition="pi")
    with pytest.raises(ValueError, match="random_fraction"):
        create(name, "nb201", random_fraction=1.5)
    with pytest.raises(ValueError, match="encoding"):
        create(name, "nb201", encoding="graph")


@pytest.mark.parametrize("acquisition", ["its", "ucb", "ei"])
def test_every_acquisition_runs(acquisition: str) -> None:
    bench = toy_benchmark("nb201", noise_std=0.0)
    df = simulate("rf_bo", bench, 25, optimizer_kwargs={"acquisition": acquisition,
                                                        "n_trees": 10, "num_init": 5})
    assert len(df) == 25 and df.arch.is_unique


@pytest.mark.parametrize("name", MODEL_BASED)
def test_beats_random_search_on_the_toy_benchmark(name: str) -> None:
    bench = toy_benchmark("nb201", noise_std=0.5)
    final = {
        opt: simulate(opt, bench, 40, seeds=range(4), optimizer_kwargs=kwargs)
        .groupby("seed").incumbent_true.last().mean()
        for opt, kwargs in (("random_search", None), (name, SMALL[name]))
    }
    assert final[name] < final["random_search"] - 1.0
