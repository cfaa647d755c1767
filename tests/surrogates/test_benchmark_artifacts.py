"""Benchmark artifacts written by ``fit_benchmark``: manifest, hashes, versions, DARTS runtime."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import graph_encodings
import surrogates
from surrogates import ArtifactError, Benchmark, VersionMismatchError
from surrogates.artifacts import _content_hash
from surrogates.benchmark import fit_benchmark
from surrogates.benchmark.fitting import records_root_label
from surrogates.benchmark.records import (
    held_out_rows,
    load_training_set,
    split_architectures,
    split_records,
    training_data_hash,
)
from surrogates.benchmark.scoring import HeldOutPrediction, seed_mean_metrics
from surrogates.calibration import z_value
from surrogates.metrics import INTERVAL_LEVELS, kendall_tau
from training_data.records import DEFAULT_STORE, Record, RecordStore

NB201_PROTOCOL = "nb360-nb201-200ep"
CHECK = surrogates.checking_parameters("ensemble")


@pytest.fixture
def holdout_from_100_archs(monkeypatch):
    """Score by a 10 % holdout from 100 architectures (shipped: 1,000), so small constructed
    record sets exercise the holdout path."""
    from surrogates.benchmark import fitting

    monkeypatch.setattr(fitting, "HOLDOUT_MIN_ARCHS", 100)


def tiny_nb201_store(root: Path, n: int = 60) -> Path:
    """The first ``n`` shipped NinaPro records as a record store of its own."""
    RecordStore(root).extend(RecordStore(DEFAULT_STORE).records("ninapro", NB201_PROTOCOL)[:n])
    return root


def darts_store(root: Path, n: int = 40, seeds: int = 1, identity_scores: bool = False,
                samplers: tuple[str, ...] = ("random",)) -> Path:
    """``n`` random DARTS archs with a synthetic score and train time (ECG CPU protocol), each
    "trained" with ``seeds`` seeds. ``identity_scores``: each arch's score is a random number
    that all its seeds share, tied to nothing a model can see but the architecture's identity.
    ``samplers``: the i-th architecture's records name sampler ``samplers[i % len(samplers)]``."""
    space = graph_encodings.get_space("darts")
    rng = np.random.default_rng(0)
    store = RecordStore(root)
    for i, arch in enumerate(space.sample_many(n, rng=rng)):
        sep = str(arch).count("sep_conv")
        shared = rng.normal()
        for seed in range(seeds):
            score = shared if identity_scores else 0.5 - 0.02 * sep + 0.01 * rng.normal()
            store.append(Record(
                space="darts", arch=str(space.canonical(arch)), arch_hash=space.canonical_hash(arch),
                task="ecg", protocol="ecg-cpu-v1", protocol_version=1, seed=seed, status="ok",
                score=score, train_seconds=20.0 + 3.0 * sep, sampler=samplers[i % len(samplers)]))
    return root


@pytest.fixture(scope="module")
def nb201_artifact(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("nb201")
    records = tiny_nb201_store(base / "records")
    folder = fit_benchmark("ninapro", "nb201", artifacts=base / "art", params=CHECK, store=records)
    return base / "art", folder


@pytest.fixture()
def copy_of(nb201_artifact, tmp_path) -> tuple[Path, Path]:
    root, folder = nb201_artifact
    shutil.copytree(root, tmp_path / "art")
    return tmp_path / "art", tmp_path / "art" / folder.relative_to(root)


def test_the_shipped_store_is_named_shipped_however_it_is_given() -> None:
    from training_data.records.loading import DEFAULT_STORE

    assert records_root_label(None) == "shipped"
    assert records_root_label(Path(DEFAULT_STORE)) == "shipped"
    assert records_root_label(f"{DEFAULT_STORE}/../records") == "shipped"
    assert records_root_label("elsewhere/records") == "elsewhere/records"


def test_manifest_records_provenance(nb201_artifact) -> None:
    root, folder = nb201_artifact
    bench = Benchmark.load("ninapro", "nb201", artifacts=root)
    m = bench.manifest
    data = load_training_set("ninapro", "nb201", store=folder.parents[4] / "records")
    assert m["training_data"]["n_records"] == 60
    assert m["training_data"]["sha256"] == training_data_hash(data)
    assert m["training_data"]["records_root"] == str(folder.parents[4] / "records")
    assert m["evaluation"]["method"] == "cross_validation" and "small_data" in m["evaluation"]
    assert set(m["requires"]) == {"numpy", "torch", "xgboost"}
    assert m["library_versions"]["torch"] and m["hyper_parameters"]["members"]
    assert all(len(h) == 64 for h in m["files"].values())
    assert m["runtime"]["kind"] == "flops_cost_model"
    assert np.isfinite(bench.held_out_metrics["kendall_tau"])
    assert "run_noise" not in m["noise"] and "fewer than 10 repeated runs" in m["noise"]["note"]
    assert bench.run_noise is None  # 60 records hold too few twins: Gaussian noisy samples


def test_repeated_seeds_become_the_run_noise_of_noisy_samples(tmp_path) -> None:
    from surrogates.run_noise import RunNoise

    records = darts_store(tmp_path / "records", n=15, seeds=2)
    fit_benchmark("ecg", "darts", model="xgb", artifacts=tmp_path / "art",
                  params=surrogates.checking_parameters("xgb"), store=records)
    bench = Benchmark.load("ecg", model="xgb", artifacts=tmp_path / "art")
    data = load_training_set("ecg", "darts", store=records)
    expected = RunNoise.from_runs(data.scores, data.groups)
    assert bench.run_noise == expected and expected.dof == 15 and expected.n_groups == 15
    archs = graph_encodings.get_space("darts").sample_many(50, rng=2)
    result = bench.query(archs, with_noise=True, seed=0)
    np.testing.assert_allclose(result.sample - result.mean,
                               expected.std * np.random.default_rng(0).standard_normal(50))


# A tree ensemble that may memorise: out-of-fold or held-out scores reveal whether an arch's
# other seeds were fitted (record-by-record folds gave Kendall tau 0.62 on these 30 x 2 runs).
MEMORISING_XGB = {"n_members": 1, "n_rounds": 60, "noise_folds": 2, "booster_params": {"max_depth": 6}}


def test_cross_validation_holds_out_whole_architectures(tmp_path) -> None:
    records = darts_store(tmp_path / "records", n=30, seeds=2, identity_scores=True)
    fit_benchmark("ecg", "darts", model="xgb", artifacts=tmp_path / "art", params=MEMORISING_XGB,
                  store=records)
    evaluation = Benchmark.load("ecg", model="xgb", artifacts=tmp_path / "art").manifest["evaluation"]
    assert evaluation["method"] == "cross_validation" and evaluation["split_unit"] == "architecture"
    assert abs(evaluation["metrics"]["kendall_tau"]) < 0.3  # unseen archs: nothing to predict from


def test_holdout_coverage_is_that_of_the_intervals_the_model_returns(tmp_path, holdout_from_100_archs) -> None:
    records = darts_store(tmp_path / "records", n=180, seeds=3)
    params = {**CHECK, "calibration_folds": 3, "calibration_reference": 32}
    fit_benchmark("ecg", "darts", model="ensemble", artifacts=tmp_path / "art", params=params,
                  store=records)
    bench = Benchmark.load("ecg", artifacts=tmp_path / "art")
    evaluation = bench.manifest["evaluation"]
    data = load_training_set("ecg", "darts", store=records)
    test = held_out_rows(data, evaluation)
    prediction = bench.model.predict([data.archs[i] for i in test])
    assert prediction.calibration.method == "cross_conformal"
    factors = [prediction.calibration.factor(level) / z_value(level) for level in (0.5, 0.9)]
    assert max(abs(f - 1) for f in factors) > 1e-3  # per-level quantiles, not a Gaussian interval
    for level in (0.5, 0.9):
        key = f"coverage{int(level * 100)}"
        assert evaluation["metrics"][key] == pytest.approx(prediction.coverage(data.scores[test], level), abs=1e-12)
    per_arch = evaluation["per_architecture"]
    assert per_arch["n_archs"] == len(set(data.groups[test])) == len(test) // 3
    # every held-out architecture has 3 runs, so counting each once changes nothing here
    assert per_arch["coverage90"] == pytest.approx(evaluation["metrics"]["coverage90"], abs=1e-12)


def test_per_architecture_coverage_counts_each_architecture_once() -> None:
    from surrogates.benchmark.scoring import HeldOutPrediction, per_architecture_coverage

    groups = np.array(["a", "a", "a", "a", "b", "c"])
    y = np.array([5.0, 5.0, 5.0, 5.0, 0.0, 0.0])  # a's four runs miss, b and c are inside
    held = HeldOutPrediction(np.zeros(6), np.ones(6), {0.5: np.ones(6), 0.9: np.full(6, 2.0)})
    out = per_architecture_coverage(groups, y, held)
    assert out == {"n_archs": 3, "coverage50": pytest.approx(2 / 3), "coverage90": pytest.approx(2 / 3)}
    assert np.mean(held.inside(y, 0.9)) == pytest.approx(2 / 6)  # row-weighted: a's four runs decide


def test_cross_validation_below_1000_architectures_whatever_the_records(tmp_path) -> None:
    records = darts_store(tmp_path / "records", n=200, seeds=3)  # 600 records, 200 architectures
    fit_benchmark("ecg", "darts", model="xgb", artifacts=tmp_path / "art",
                  params=surrogates.checking_parameters("xgb"), store=records)
    evaluation = Benchmark.load("ecg", model="xgb", artifacts=tmp_path / "art").manifest["evaluation"]
    assert evaluation["method"] == "cross_validation" and evaluation["n_test"] == 600
    assert evaluation["per_architecture"]["n_archs"] == 200
    assert evaluation["seed_mean"]["n_archs"] == 200


def test_holdout_scores_the_shipped_model_on_unseen_architectures(tmp_path, holdout_from_100_archs) -> None:
    records = darts_store(tmp_path / "records", n=260, seeds=2, identity_scores=True)
    fit_benchmark("ecg", "darts", model="xgb", artifacts=tmp_path / "art", params=MEMORISING_XGB,
                  store=records)
    bench = Benchmark.load("ecg", model="xgb", artifacts=tmp_path / "art")
    evaluation = bench.manifest["evaluation"]
    assert evaluation["method"] == "holdout" and evaluation["split_unit"] == "architecture"
    data = load_training_set("ecg", "darts", store=records)
    test = held_out_rows(data, evaluation)
    assert len(test) == evaluation["n_test"] == 50 and evaluation["n_fit"] == 520 - 50  # 25 pairs < 10 %
    assert not set(data.groups[test]) & set(np.delete(data.groups, test))
    assert abs(evaluation["metrics"]["kendall_tau"]) < 0.3
    recomputed = kendall_tau(data.scores[test], bench.query([data.archs[i] for i in test]).mean)
    assert recomputed == pytest.approx(evaluation["metrics"]["kendall_tau"], abs=1e-12)


def test_held_out_rows_of_an_older_manifest_are_record_by_record(tmp_path) -> None:
    records = darts_store(tmp_path / "records", n=30, seeds=2)
    data = load_training_set("ecg", "darts", store=records)
    older = {"method": "holdout", "split_seed": 3, "test_fraction": 0.1}
    np.testing.assert_array_equal(held_out_rows(data, older), split_records(60, 3, 0.1)[1])
    np.testing.assert_array_equal(held_out_rows(data, {**older, "split_unit": "architecture"}),
                                  split_architectures(data.groups, 3, 0.1)[1])
    with pytest.raises(ValueError, match="'cross_validation' holds no rows out"):
        held_out_rows(data, {**older, "method": "cross_validation"})


def test_refuses_to_overwrite(nb201_artifact) -> None:
    root, folder = nb201_artifact
    with pytest.raises(FileExistsError, match="overwrite"):
        fit_benchmark("ninapro", "nb201", artifacts=root, params=CHECK,
                      store=folder.parents[4] / "records")


def test_tampered_file_is_named(copy_of) -> None:
    root, folder = copy_of
    target = next(folder.glob("model/member_1/xgb_0.ubj.gz"))
    data = bytearray(target.read_bytes())
    data[-1] ^= 1
    target.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="xgb_0.ubj.gz"):
        Benchmark.load("ninapro", "nb201", artifacts=root)


def test_added_file_is_refused(copy_of) -> None:
    root, folder = copy_of
    (folder / "model" / "extra.pt").write_bytes(b"x")
    with pytest.raises(ArtifactError, match="extra.pt"):
        Benchmark.load("ninapro", "nb201", artifacts=root)


def _rewrite(folder: Path, change) -> None:
    """Edit the manifest as another writer would (content hash recomputed)."""
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    manifest["manifest_sha256"] = _content_hash(manifest)
    path.write_text(json.dumps(manifest))


def test_library_major_version_mismatch(copy_of) -> None:
    root, folder = copy_of
    _rewrite(folder, lambda m: m["library_versions"].update(xgboost="0.90"))
    with pytest.raises(VersionMismatchError, match=r"xgboost 0\.90.*xgboost \d"):
        Benchmark.load("ninapro", "nb201", artifacts=root)


def test_format_version_mismatch(copy_of) -> None:
    root, folder = copy_of
    _rewrite(folder, lambda m: m.update(benchmark_format_version=99))
    with pytest.raises(ArtifactError, match="benchmark_format_version 99"):
        Benchmark.load("ninapro", "nb201", artifacts=root)


def test_edited_manifest_is_detected(copy_of) -> None:
    root, folder = copy_of
    path = folder / "manifest.json"
    path.write_text(path.read_text().replace('"n_records": 60', '"n_records": 61'))
    with pytest.raises(ArtifactError, match="modified"):
        Benchmark.load("ninapro", "nb201", artifacts=root)


def test_empty_root_lists_nothing(tmp_path) -> None:
    assert surrogates.list_benchmarks(tmp_path) == []
    with pytest.raises(ValueError, match=r"spaces with artifacts: \[\]"):
        Benchmark.load("ninapro", "nb201", artifacts=tmp_path)


def test_darts_benchmark_with_runtime_surrogate(tmp_path) -> None:
    records = darts_store(tmp_path / "records")
    fit_benchmark("ecg", "darts", model="xgb", artifacts=tmp_path / "art",
                  params=surrogates.checking_parameters("xgb"), store=records)
    bench = Benchmark.load("ecg", model="xgb", artifacts=tmp_path / "art")
    assert bench.protocol == "ecg-cpu-v1" and bench.manifest["runtime"]["kind"] == "surrogate"
    assert bench.manifest["runtime"]["cross_validation"]["median_ratio_error"] >= 1.0
    space = graph_encodings.get_space("darts")
    archs = space.sample_many(5, rng=9)
    result = bench.query(archs)
    assert result.runtime.shape == (5,) and np.all(result.runtime > 0)
    np.testing.assert_allclose(bench.cost(archs), result.runtime)
    np.testing.assert_array_equal(bench.query(archs[::-1]).runtime, result.runtime[::-1])  # memoised
    fresh = Benchmark.load("ecg", model="xgb", artifacts=tmp_path / "art")
    np.testing.assert_allclose(fresh.cost(archs[2:]), result.runtime[2:])  # cost alone, no query
    # NB301 ConfigSpace dicts are accepted too
    from graph_encodings.spaces.nb301_configspace import to_configspace_dict

    as_dicts = bench.query([to_configspace_dict(a) for a in archs])
    np.testing.assert_allclose(as_dicts.mean, result.mean)


def test_from_model_round_trip(nb201_data) -> None:
    archs, y = nb201_data
    model = surrogates.create("ensemble", **CHECK).fit(archs[:200], y[:200])
    bench = Benchmark.from_model(model, task="ninapro", space="nb201", protocol=NB201_PROTOCOL)
    result = bench.query(archs[200:])
    mean, std = model.predict(archs[200:])
    np.testing.assert_allclose(result.mean, mean)
    np.testing.assert_allclose(result.std, std)
    assert np.all(result.params > 0) and np.all(bench.cost(archs[200:]) > 0)
    assert bench.model_name == "ensemble" and bench.manifest["model"] == "ensemble"
    with pytest.raises(ValueError, match="not fitted|unfitted"):
        Benchmark.from_model(surrogates.create("mean"), task="ninapro", space="nb201",
                             protocol=NB201_PROTOCOL)
    with pytest.raises(ValueError, match="darts"):
        Benchmark.from_model(model, task="ninapro", space="darts", protocol=NB201_PROTOCOL)


def test_tuning_runs_inside_the_fitting_pool_and_is_recorded(tmp_path, holdout_from_100_archs) -> None:
    from surrogates.benchmark.fitting import TuningOptions

    records = tiny_nb201_store(tmp_path / "records", n=600)
    options = TuningOptions(n_trials=3, validation_fraction=0.3)
    folder = fit_benchmark("ninapro", "nb201", model="xgb", artifacts=tmp_path / "art", store=records,
                           params=surrogates.checking_parameters("xgb"), tuning=options)
    manifest = Benchmark.load("ninapro", "nb201", model="xgb", artifacts=tmp_path / "art").manifest
    tuning = manifest["tuning"]
    assert len(tuning["trials"]) == 3 and tuning["metric"] == "kendall_tau"
    # Tuned within the 90 % pool only (whole twin groups held out: a few records under 60), on
    # one target per architecture text (every NB201 cell is one, isomorphic twins included) but
    # the disconnected cells, which the benchmark answers by its rule.
    n_fit, n_test = manifest["evaluation"]["n_fit"], manifest["evaluation"]["n_test"]
    n_dead = manifest["disconnected_cells"]["n_records"]
    assert tuning["n_train"] + tuning["n_validation"] == n_fit - n_dead and n_fit == 600 - n_test
    assert 50 <= n_test <= 60 and n_dead > 0
    best = max(t["score"] for t in tuning["trials"])
    assert tuning["best_score"] == best
    chosen = tuning["best_params"]
    assert {k: manifest["hyper_parameters"][k] for k in chosen} == chosen
    assert (folder / "manifest.json").exists()


def test_tuning_is_skipped_on_small_data_with_the_reason(tmp_path) -> None:
    from surrogates.benchmark.fitting import TuningOptions

    records = tiny_nb201_store(tmp_path / "records")
    fit_benchmark("ninapro", "nb201", model="xgb", artifacts=tmp_path / "art", store=records,
                  params=surrogates.checking_parameters("xgb"), tuning=TuningOptions(n_trials=2))
    manifest = Benchmark.load("ninapro", "nb201", model="xgb", artifacts=tmp_path / "art").manifest
    assert re.search(r"only \d+ architectures \(< 1000\)", manifest["tuning"]["skipped"])


def test_architecture_means_collapse_seeds_to_one_target(tmp_path) -> None:
    records = darts_store(tmp_path / "records", n=6, seeds=3)
    data = load_training_set("ecg", "darts", store=records)
    archs, means, groups, counts = data.architecture_means(np.arange(len(data)))
    assert len(archs) == len(means) == len(groups) == 6 and counts.tolist() == [3] * 6
    for arch_hash, mean in zip(groups, means, strict=True):
        np.testing.assert_allclose(mean, data.scores[data.groups == arch_hash].mean())
    _, _, _, partial = data.architecture_means(np.array([0, 1, 3]))
    assert partial.tolist() == [2, 1]  # rows 0-1 are arch 0's seeds 0-1, row 3 arch 1's seed 0


def test_imported_isomorphic_twins_stay_separate_targets(tmp_path) -> None:
    records = tiny_nb201_store(tmp_path / "records", n=200)
    data = load_training_set("ninapro", "nb201", store=records)
    archs, means, groups, counts = data.architecture_means(np.arange(len(data)))
    assert archs == data.archs and counts.tolist() == [1] * 200  # one row per imported cell
    np.testing.assert_array_equal(means, data.scores)
    assert len(set(groups)) < len(groups)  # twins share a canonical hash, not a row


def test_holdout_reports_metrics_against_single_runs_and_seed_means(tmp_path, holdout_from_100_archs) -> None:
    records = darts_store(tmp_path / "records", n=200, seeds=3)
    fit_benchmark("ecg", "darts", model="xgb", artifacts=tmp_path / "art",
                  params=surrogates.checking_parameters("xgb"), store=records)
    bench = Benchmark.load("ecg", model="xgb", artifacts=tmp_path / "art")
    evaluation = bench.manifest["evaluation"]
    assert evaluation["target"] == "per-architecture mean score"
    data = load_training_set("ecg", "darts", store=records)
    test = held_out_rows(data, evaluation)
    seed_mean = evaluation["seed_mean"]
    assert seed_mean["n_archs"] == len(test) // 3 == len(set(data.groups[test]))
    _, means, groups, _ = data.architecture_means(test)
    predicted = bench.query([data.archs[int(np.flatnonzero(data.groups == g)[0])] for g in groups]).mean
    assert seed_mean["metrics"]["kendall_tau"] == pytest.approx(kendall_tau(means, predicted), abs=1e-12)
    # the synthetic score is 0.5 - 0.02 x sep_conv count + noise: the seed means rank better
    assert seed_mean["metrics"]["kendall_tau"] > evaluation["metrics"]["kendall_tau"]
    assert "by_sampler" not in seed_mean  # one sampler: nothing to break down


def test_seed_mean_metrics_are_broken_down_by_the_sampler_that_proposed_each_arch(tmp_path) -> None:
    records = darts_store(tmp_path / "records", n=60, seeds=3, samplers=("random", "bananas", "random"))
    data = load_training_set("ecg", "darts", store=records)
    rows = np.arange(len(data))
    _, means, groups, _ = data.architecture_means(rows)
    first_row = {g: int(np.flatnonzero(data.groups == g)[0]) for g in groups}
    sampler = data.frame["sampler"].to_numpy()
    noisy = data.scores + np.random.default_rng(1).normal(0, 0.02, len(data))  # a prediction per row
    held = HeldOutPrediction(noisy, np.full(len(data), 0.01), {lv: np.full(len(data), 0.02) for lv in INTERVAL_LEVELS})
    section = seed_mean_metrics(data, rows, held)
    assert sorted(section["by_sampler"]) == ["bananas", "random"]
    for name, n_archs in (("random", 40), ("bananas", 20)):
        mine = [i for i, g in enumerate(groups) if sampler[first_row[g]] == name]
        part = section["by_sampler"][name]
        assert part["n_archs"] == n_archs == len(mine)
        expected = kendall_tau(means[mine], noisy[[first_row[groups[i]] for i in mine]])
        assert part["metrics"]["kendall_tau"] == pytest.approx(expected, abs=1e-12)
    few = seed_mean_metrics(data, rows[: 3 * 4], held)  # archs 0-3: random, bananas, random, random
    assert few["by_sampler"]["bananas"] == {"n_archs": 1, "note": "fewer than 3 held-out architectures with >= 3 runs"}


def test_cross_validation_on_a_fraction_fits_fewer_architectures_and_scores_every_fold(tmp_path) -> None:
    from surrogates.benchmark.fitting import cross_validate

    data = load_training_set("ecg", "darts", store=darts_store(tmp_path / "records", n=50, seeds=3))
    params = surrogates.checking_parameters("xgb")
    whole = cross_validate("xgb", params, data, seed=0)
    half = cross_validate("xgb", params, data, seed=0, fit_fraction=0.5)
    assert "fit_fraction" not in whole and whole["n_fit_archs"] == [40] * 5  # 50 archs, 5 folds
    assert half["fit_fraction"] == 0.5 and half["n_fit_archs"] == [20] * 5
    assert half["n_test"] == whole["n_test"] == len(data)  # the same held-out folds, all scored
    assert half["seed_mean"]["n_archs"] == whole["seed_mean"]["n_archs"] == 50
    assert half["metrics"]["kendall_tau"] != whole["metrics"]["kendall_tau"]
    with pytest.raises(ValueError, match=r"fraction must be in \(0, 1\], got 0"):
        cross_validate("xgb", params, data, seed=0, fit_fraction=0)
