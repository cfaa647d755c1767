"""Learning-curve surrogates (issue 20): ``Benchmark.query(archs, epochs=E)``, ``query_curve``,
the shipped curve models, sampled curves against the records, and a tiny fit on real records."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from surrogates import Benchmark
from surrogates.benchmark.artifact_folders import artifact_dir, list_benchmarks
from surrogates.benchmark.records import load_training_set
from surrogates.curves import CurveModel, CurveNoise, curve_records, curves_folder, fit_curve_model
from surrogates.errors import ArtifactError
from surrogates.tabular_curves import NoLearningCurvesError
from training_data.protocols import get_protocol

TINY_XGB = {"n_members": 2, "n_rounds": 8, "booster_params": {"max_depth": 3}, "noise_folds": 2}
SHIPPED_DARTS = sorted({(task, protocol) for space, task, protocol, model in list_benchmarks()
                        if space == "darts" and model == "ensemble"})


CURVE_TASK = "psicov"  # a shipped DARTS benchmark with learning curves and repeated seeds


@pytest.fixture(scope="module")
def curve_bench() -> Benchmark:
    return Benchmark.load(CURVE_TASK, "darts")


@pytest.fixture(scope="module")
def curve_records_of_task(curve_bench: Benchmark):
    data = load_training_set(CURVE_TASK, "darts", curve_bench.protocol)
    return data, curve_records(data.frame["learning_curve"].tolist())


@pytest.mark.parametrize(("task", "protocol"), SHIPPED_DARTS)
def test_every_shipped_darts_benchmark_answers_curves(task: str, protocol: str) -> None:
    bench = Benchmark.load(task, "darts", protocol)
    epochs = get_protocol(protocol).epochs
    archs = bench.space.sample_many(7, rng=1)
    assert bench.max_epochs == epochs
    curve = bench.query_curve(archs)
    assert curve.mean.shape == curve.std.shape == curve.runtime.shape == (7, epochs)
    assert curve.sample is None and np.all(curve.std > 0) and np.all(np.isfinite(curve.mean))
    final = bench.query(archs)
    assert np.all(np.diff(curve.runtime, axis=1) > 0)
    np.testing.assert_allclose(curve.runtime[:, -1], final.runtime)  # E = max: all the seconds
    for e in (1, epochs):
        at = bench.query(archs, epochs=e)
        np.testing.assert_array_equal(at.mean, curve.mean[:, e - 1])
        np.testing.assert_array_equal(at.std, curve.std[:, e - 1])
        np.testing.assert_array_equal(at.runtime, curve.runtime[:, e - 1])
        np.testing.assert_array_equal(at.params, final.params)


def test_noisy_curves_are_the_runs_of_the_noisy_final_query(curve_bench: Benchmark) -> None:
    archs = curve_bench.space.sample_many(20, rng=2)
    curve = curve_bench.query_curve(archs, with_noise=True, seed=5)
    assert curve.sample.shape == (20, curve_bench.max_epochs)
    np.testing.assert_array_equal(curve.sample, curve_bench.query_curve(archs, with_noise=True, seed=5).sample)
    assert not np.array_equal(curve.sample, curve_bench.query_curve(archs, with_noise=True, seed=6).sample)
    at = curve_bench.query(archs, epochs=3, with_noise=True, seed=5)
    np.testing.assert_array_equal(at.sample, curve.sample[:, 2])
    frame = curve.to_frame(archs)
    assert list(frame.columns) == ["query", "arch", "epoch", "mean", "std", "sample", "runtime"]
    epochs = list(range(1, curve_bench.max_epochs + 1))
    assert len(frame) == 20 * len(epochs) and frame["epoch"].tolist()[:len(epochs)] == epochs


def test_the_default_query_does_not_change(curve_bench: Benchmark, tmp_path) -> None:
    """The final-score query of a benchmark with curves answers exactly as the same benchmark
    without them, before and after the curves were used, and never reads them."""
    source = artifact_dir("darts", CURVE_TASK, curve_bench.protocol, "ensemble")
    copy = tmp_path / "darts" / CURVE_TASK / curve_bench.protocol / "ensemble"
    shutil.copytree(source, copy)
    bare = Benchmark.load(CURVE_TASK, "darts", None, "ensemble", tmp_path)
    fresh = Benchmark.load(CURVE_TASK, "darts")
    archs = curve_bench.space.sample_many(25, rng=3)
    before = fresh.query(archs, with_noise=True, seed=11)
    assert not fresh._curves_read and bare.max_epochs is None
    fresh.query_curve(archs, with_noise=True, seed=11)
    after = fresh.query(archs, with_noise=True, seed=11)
    reference = bare.query(archs, with_noise=True, seed=11)
    for result in (before, after):
        for field in ("mean", "std", "sample", "runtime", "params", "flops"):
            np.testing.assert_array_equal(getattr(result, field), getattr(reference, field))


@pytest.mark.parametrize("epochs", [0, 99, -1, 2.5, 2.0, "2", True, np.float64(3)])
def test_bad_epochs_raise_naming_the_value_and_the_range(curve_bench: Benchmark, epochs) -> None:
    with pytest.raises(ValueError, match=rf"1\.\.{curve_bench.max_epochs}\b") as info:
        curve_bench.query(curve_bench.space.sample_many(2, rng=0), epochs=epochs)
    assert repr(epochs) in str(info.value)


def test_numpy_integer_epochs_are_accepted(curve_bench: Benchmark) -> None:
    archs = curve_bench.space.sample_many(3, rng=0)
    np.testing.assert_array_equal(curve_bench.query(archs, epochs=np.int64(2)).mean,
                                  curve_bench.query(archs, epochs=2).mean)


def test_a_table_without_curves_says_so() -> None:
    bench = Benchmark.load("ninapro", "nb201")
    assert bench.max_epochs is None
    with pytest.raises(NoLearningCurvesError, match="final scores only"):
        bench.query([0, 1], epochs=1)
    with pytest.raises(NoLearningCurvesError, match="query_curve"):
        bench.query_curve([0, 1])


def _records_steps(val: np.ndarray) -> tuple[float, float]:
    steps = np.diff(val, axis=1)
    return float(np.std(steps)), float(np.mean(steps < 0))


@pytest.mark.parametrize("task", [CURVE_TASK, "darcyflow"])
def test_sampled_curves_move_from_epoch_to_epoch_as_real_runs_do(task: str) -> None:
    """Over the recorded architectures, a noisy curve's epoch-to-epoch changes have the spread
    of the real curves' changes and improve about as often (not a smooth mean)."""
    bench = Benchmark.load(task, "darts")
    data = load_training_set(task, "darts", bench.protocol)
    val = curve_records(data.frame["learning_curve"].tolist()).val[:400]
    archs = data.archs[:400]
    sampled = bench.query_curve(archs, with_noise=True, seed=0)
    real_std, real_share = _records_steps(val)
    sample_std, sample_share = _records_steps(sampled.sample)
    mean_std, _ = _records_steps(sampled.mean)
    assert 0.75 < sample_std / real_std < 1.33
    assert abs(sample_share - real_share) < 0.1
    assert np.std(sampled.sample - sampled.mean) > 0.5 * np.std(sampled.mean - np.mean(sampled.mean, axis=0))
    assert mean_std < sample_std  # the noise is not smoothed away


def test_curve_noise_measures_repeats_and_conditions_on_the_final_draw() -> None:
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(60), 3)
    shared = rng.standard_normal(180)
    val = np.column_stack([rng.standard_normal(180), shared + 0.1 * rng.standard_normal(180)])
    final = 2.0 * shared
    noise = CurveNoise.from_runs(val, final, groups)
    assert noise.max_epochs == 2 and 1.5 < noise.final_std < 2.5
    corr = np.asarray(noise.correlation)
    assert abs(corr[0, 2]) < 0.3 and corr[1, 2] > 0.9
    assert CurveNoise.from_dict(noise.to_dict()) == noise
    drawn = noise.sample(np.full(4000, 1.0), np.random.default_rng(1))  # final one std up
    np.testing.assert_allclose(drawn.mean(axis=0), corr[:2, 2] * np.asarray(noise.stds), atol=0.05)
    np.testing.assert_allclose(drawn.std(axis=0), np.sqrt(1 - corr[:2, 2] ** 2) * noise.stds, atol=0.05)
    assert CurveNoise.from_runs(val[:5], final[:5], groups[:5]) is None  # too few repeats


def test_a_tiny_fit_on_real_records_saves_loads_and_answers(curve_records_of_task, tmp_path) -> None:
    data, curves = curve_records_of_task
    rows = np.arange(120)
    archs = [data.archs[i] for i in rows]
    model = fit_curve_model(archs, curves.val[rows], data.scores[rows], data.groups[rows],
                            space="darts", seconds=curves.seconds[rows], params=TINY_XGB, folds=3)
    epochs = get_protocol(data.protocol).epochs
    assert model.max_epochs == epochs and model.beta.shape == model.residual_var.shape == (epochs,)
    assert np.all(np.isfinite(model.beta)) and np.all(model.residual_var >= 0)
    assert model.time_fraction[-1] == 1.0 and np.all(np.diff(model.time_fraction) > 0)
    model.save(tmp_path / "curves", {"note": "test"})
    loaded = CurveModel.load(tmp_path / "curves")
    final = Benchmark.load(CURVE_TASK, "darts")
    objs = final.space.sample_many(6, rng=4)
    mean, std = final.predict(objs)
    for a, b in zip(model.predict(final.space, objs, mean, std), loaded.predict(final.space, objs, mean, std),
                    strict=True):
        np.testing.assert_allclose(a, b)
    bench = Benchmark.from_model(final.model, task=CURVE_TASK, space="darts", protocol=final.protocol,
                                 run_noise=final.run_noise, curve_model=loaded)
    assert bench.query_curve(objs, with_noise=True, seed=0).sample.shape == (6, epochs)
    (tmp_path / "curves" / "epoch_2" / "manifest.json").write_text("{}")
    with pytest.raises(ArtifactError):
        CurveModel.load(tmp_path / "curves")


def test_fit_curves_binds_the_model_to_its_benchmark(curve_bench: Benchmark, tmp_path) -> None:
    from surrogates.curves import fit_curves

    source = artifact_dir("darts", CURVE_TASK, curve_bench.protocol, "ensemble")
    shutil.copytree(source, tmp_path / "darts" / CURVE_TASK / curve_bench.protocol / "ensemble")
    folder = fit_curves(CURVE_TASK, "darts", artifacts=tmp_path, params=TINY_XGB)
    assert folder == curves_folder(tmp_path / "darts" / CURVE_TASK / curve_bench.protocol / "ensemble")
    with pytest.raises(FileExistsError):
        fit_curves(CURVE_TASK, "darts", artifacts=tmp_path, params=TINY_XGB)
    bench = Benchmark.load(CURVE_TASK, "darts", None, "ensemble", tmp_path)
    assert bench.max_epochs == curve_bench.max_epochs
    assert bench.curves.model.manifest["training_data"]["n_records"] == curve_bench.manifest["evaluation"]["n_fit"]
    other = Benchmark.load(CURVE_TASK, "darts", None, "ensemble", tmp_path)  # as if the benchmark were refit
    other.manifest = {**other.manifest, "manifest_sha256": "0" * 64}
    with pytest.raises(ArtifactError, match="another version"):
        other.query(curve_bench.space.sample_many(1, rng=0), epochs=1)


def test_querying_epochs_imports_no_heavy_library_and_the_default_query_no_curve_code() -> None:
    heavy = ("torch", "xgboost", "lightgbm", "scipy", "pandas")
    code = (
        "import sys\n"
        "from surrogates import Benchmark\n"
        "bench = Benchmark.load('darcyflow', space='darts')\n"
        "archs = bench.space.sample_many(10, rng=0)\n"
        "bench.query(archs, with_noise=True, seed=0)\n"
        "print('surrogates.curves' in sys.modules)\n"  # the default query never reaches it
        "bench.query(archs, epochs=2, with_noise=True, seed=0)\n"
        "bench.query_curve(archs, with_noise=True, seed=0)\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["False", "[]"]


def test_fit_benchmark_fits_the_curves_and_drops_stale_ones(tmp_path) -> None:
    from surrogates.benchmark import fit_benchmark

    art = tmp_path / "art"
    folder = fit_benchmark("psicov", "darts", "psicov-cpu-v2", model="xgb", artifacts=art,
                           params=TINY_XGB, curves=TINY_XGB)
    assert (curves_folder(folder) / "manifest.json").is_file()
    bench = Benchmark.load("psicov", "darts", None, "xgb", art)
    assert bench.query_curve(bench.space.sample_many(1, rng=0)).mean.shape == (1, 6)
    fit_benchmark("psicov", "darts", "psicov-cpu-v2", model="xgb", artifacts=art, params=TINY_XGB,
                  overwrite=True)
    assert not curves_folder(folder).exists()
    assert Benchmark.load("psicov", "darts", None, "xgb", art).max_epochs is None


def test_curves_fit_on_the_benchmarks_records_when_the_store_grew_since(tmp_path) -> None:
    """A collection appending records while `nb360 fit` runs must not break the curve fit: the
    benchmark's records are the store's first n_records."""
    from surrogates.benchmark import fit_benchmark
    from surrogates.curves import fit_curves
    from training_data.records import DEFAULT_STORE
    from training_data.records.store import RecordStore

    store = tmp_path / "store"
    shipped = RecordStore(DEFAULT_STORE).records(task="psicov", protocol="psicov-cpu-v2")
    RecordStore(store).extend(shipped[:60])
    art = tmp_path / "art"
    folder = fit_benchmark("psicov", "darts", "psicov-cpu-v2", model="xgb", artifacts=art,
                           params=TINY_XGB, store=store)
    RecordStore(store).extend(shipped[60:70])  # appended after the benchmark's fit
    fit_curves("psicov", "darts", model="xgb", artifacts=art, store=store, params=TINY_XGB, overwrite=True)
    curves_manifest = json.loads((curves_folder(folder) / "manifest.json").read_text())
    assert curves_manifest["training_data"]["n_records"] == 60  # cross-validated: all its records
    RecordStore(tmp_path / "other").extend(shipped[10:70])  # not the benchmark's records at all
    with pytest.raises(ValueError, match="differ from those the benchmark"):
        fit_curves("psicov", "darts", model="xgb", artifacts=art, store=tmp_path / "other",
                   params=TINY_XGB, overwrite=True)
