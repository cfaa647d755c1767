"""Measured run-to-run noise: robust to diverged twins, drawn by noisy benchmark queries."""
from __future__ import annotations

import numpy as np
import pytest

import graph_encodings
import surrogates
from surrogates import Benchmark
from surrogates.aleatoric import MIN_REPEAT_DOF
from surrogates.run_noise import RunNoise, run_deviations

NB201 = graph_encodings.get_space("nb201")


def test_deviations_are_scaled_to_the_run_variance() -> None:
    y = [1.0, 5.0, 3.0, 0.0, 3.0, 6.0, 9.0]
    groups = ["a", "solo", "a", "b", "b", "b", "other"]
    # a: runs 1 and 3, mean 2, n = 2: (-1, +1) * sqrt(2); b: 0, 3, 6, mean 3, n = 3: (-3, 0, 3) * sqrt(1.5)
    expected = [-np.sqrt(2), np.sqrt(2), -3 * np.sqrt(1.5), 0.0, 3 * np.sqrt(1.5)]
    np.testing.assert_allclose(run_deviations(y, groups), expected)
    assert len(run_deviations([], [])) == 0


def test_the_std_is_robust_to_a_diverged_twin() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=3000)
    y = np.repeat(centres, 2) + rng.normal(scale=0.5, size=6000)
    groups = np.repeat(np.arange(3000), 2)
    clean = RunNoise.from_runs(y, groups)
    assert clean is not None and clean.dof == 3000 and clean.n_groups == 3000
    assert clean.std == pytest.approx(0.5, rel=0.05) and clean.rms == pytest.approx(0.5, rel=0.05)
    assert clean.median_abs == pytest.approx(0.6745 * 0.5, rel=0.06)
    y[::40] += 50.0  # one run in 20 pairs diverges
    diverged = RunNoise.from_runs(y, groups)
    assert diverged.std == pytest.approx(clean.std, rel=0.1)  # the typical rerun is unchanged
    assert diverged.rms > 10 * clean.rms  # the tail is kept for reference only


def test_too_few_repeats_give_no_run_noise() -> None:
    few = MIN_REPEAT_DOF - 1
    y = np.arange(2 * few, dtype=float)
    assert RunNoise.from_runs(y, np.repeat(np.arange(few), 2)) is None
    assert RunNoise.from_runs(np.arange(50.0), np.arange(50)) is None  # no repeats at all
    assert RunNoise.from_runs(np.arange(22.0), np.repeat(np.arange(11), 2)) is not None


def test_draws_are_seeded_gaussian_and_round_trip() -> None:
    noise = RunNoise(std=2.0, median_abs=2.0 / 1.4826, rms=5.0, n_groups=4, dof=10)
    draws = noise.sample(4000, np.random.default_rng(1))
    np.testing.assert_array_equal(draws, noise.sample(4000, np.random.default_rng(1)))
    assert abs(draws.mean()) < 4 * 2.0 / np.sqrt(4000) and draws.std() == pytest.approx(2.0, rel=0.05)
    assert RunNoise.from_dict(noise.to_dict()) == noise


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: RunNoise(std=-1.0, median_abs=1.0, rms=1.0, n_groups=1, dof=1), "non-negative"),
        (lambda: RunNoise(std=float("nan"), median_abs=1.0, rms=1.0, n_groups=1, dof=1), "finite"),
        (lambda: RunNoise.from_dict({"std": 1.0}), "std, median_abs, rms, n_groups and dof"),
        (lambda: run_deviations([1.0, 2.0], ["a"]), "1-D of one length"),
    ],
)
def test_bad_inputs_are_named(make, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


@pytest.fixture(scope="module")
def fitted_model():
    """A small ensemble fitted on NB201 NinaPro records (checking-size members)."""
    from training_data import load_records

    frame = load_records(task="ninapro", space="nb201").iloc[:600]
    model = surrogates.create("ensemble", **surrogates.checking_parameters("ensemble"), seed=0)
    return model.fit(frame["arch"].tolist(), frame["score"].to_numpy(float)), frame


def test_noisy_queries_add_a_measured_deviation(fitted_model) -> None:
    model, frame = fitted_model
    noise = RunNoise.from_runs(frame["score"].to_numpy(float), frame["arch_hash"].to_numpy())
    assert noise is not None
    bench = Benchmark.from_model(model, task="ninapro", space="nb201", protocol="nb360-nb201-200ep",
                                 run_noise=noise)
    archs = NB201.sample_many(300, rng=5)
    result = bench.query(archs, with_noise=True, seed=3)
    z = (result.sample - result.mean) / noise.std
    assert abs(z.mean()) < 4 / np.sqrt(300) and 0.8 < z.std() < 1.2
    np.testing.assert_array_equal(result.sample, bench.query(archs, with_noise=True, seed=3).sample)
    np.testing.assert_allclose(bench.noise_std(archs[:4]), noise.std)
    gaussian = Benchmark.from_model(model, task="ninapro", space="nb201", protocol="nb360-nb201-200ep")
    assert gaussian.run_noise is None
    model_noise = gaussian.noise_std(archs)
    assert not np.allclose(model_noise, noise.std)  # the model's own noise std, per arch
    z = (gaussian.query(archs, with_noise=True, seed=3).sample - result.mean) / model_noise
    assert 0.8 < z.std() < 1.2
