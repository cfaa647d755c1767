"""The Benchmark query API on the shipped NB201 artifacts (NinaPro, Darcy Flow, CIFAR-100)."""
from __future__ import annotations

import sys

import numpy as np
import pytest

import graph_encodings
import surrogates
from surrogates import Benchmark, QueryResult
from surrogates.benchmark.artifact_folders import list_benchmarks
from surrogates.benchmark.retired import RETIRED

TASKS = ("ninapro", "darcyflow", "cifar100")
NB201 = graph_encodings.get_space("nb201")


@pytest.fixture(scope="module", params=TASKS)
def bench(request) -> Benchmark:
    return Benchmark.load(request.param, space="nb201")


def test_shipped_benchmarks_are_listed() -> None:
    listed = surrogates.list_benchmarks()
    for task in TASKS:
        assert ("nb201", task, "nb360-nb201-200ep", "ensemble") in listed


def test_load_attributes(bench: Benchmark) -> None:
    assert bench.space.name == "nb201"
    assert bench.protocol == "nb360-nb201-200ep"
    assert bench.model_name == "ensemble"
    assert bench.manifest["training_data"]["n_records"] == 15625
    metrics = bench.held_out_metrics
    assert metrics["kendall_tau"] > 0.3 and 0 <= metrics["coverage90"] <= 1


def test_query_shapes_and_values(bench: Benchmark) -> None:
    archs = NB201.sample_many(50, rng=1)
    result = bench.query(archs)
    assert isinstance(result, QueryResult) and len(result) == 50
    for field in (result.mean, result.std, result.params, result.flops):
        assert field.shape == (50,)
    assert result.sample is None and result.runtime is None  # the tables have no train times
    assert np.all(result.std > 0) and np.all(np.isfinite(result.mean))
    assert np.all(result.params > 0) and np.all(result.flops > 0)
    frame = result.to_frame(archs)  # query order; no column for what the query did not return
    assert list(frame.columns) == ["arch", "mean", "std", "params", "flops"]
    assert frame["arch"].tolist() == [str(a) for a in archs] and frame["mean"].tolist() == result.mean.tolist()
    assert "sample" in bench.query(archs, with_noise=True, seed=0).to_frame().columns
    with pytest.raises(ValueError, match="archs has 3 entries for a result of 50"):
        result.to_frame(archs[:3])


def test_hardware_figures_of_every_cell(bench: Benchmark) -> None:
    archs = NB201.sample_many(20, rng=5)
    latency = bench.hardware(archs, "lat_ms_median_pixel_litert")
    energy = bench.hardware(archs, "energy_mj_pi5_onnx")
    assert latency.shape == energy.shape == (20,)
    assert np.all(np.isfinite(latency)) and np.all(latency > 0) and np.all(energy > 0)


def test_query_accepts_every_input_kind(bench: Benchmark) -> None:
    arch = NB201.from_index(1234)
    ref = bench.query([arch]).mean[0]
    for form in (str(arch), 1234, np.int64(1234)):
        assert bench.query([form]).mean[0] == ref


def test_query_agrees_with_the_model(bench: Benchmark) -> None:
    archs = NB201.sample_many(20, rng=2)
    mean, std = bench.model.predict(archs)
    result = bench.query(archs)
    np.testing.assert_allclose(result.mean, mean)
    np.testing.assert_allclose(result.std, std)


def test_invalid_arch_is_named(bench: Benchmark) -> None:
    with pytest.raises(ValueError, match=r"archs\[1\] = '\|bogus~0\|'"):
        bench.query([0, "|bogus~0|"])
    with pytest.raises(ValueError, match="99999"):
        bench.query([99999])
    with pytest.raises(ValueError, match="list of architectures"):
        bench.query("|nor_conv_3x3~0|")
    with pytest.raises(ValueError, match="empty"):
        bench.query([])


@pytest.mark.parametrize("seed", [-1, "abc", 1.5, True])
def test_a_bad_seed_is_named(bench: Benchmark, seed: object) -> None:
    with pytest.raises(ValueError, match=rf"seed must be an integer >= 0, None or a numpy Generator, got {seed!r}"):
        bench.query([0], with_noise=True, seed=seed)
    with pytest.raises(ValueError, match="seed must be"):
        bench.query([0], seed=seed)  # refused the same without noise


def test_numpy_seeds_and_generators_are_accepted(bench: Benchmark) -> None:
    a = bench.query([0, 1], with_noise=True, seed=np.int64(3)).sample
    np.testing.assert_array_equal(a, bench.query([0, 1], with_noise=True, seed=3).sample)
    b = bench.query([0, 1], with_noise=True, seed=np.random.default_rng(3)).sample
    assert b is not None and b.shape == (2,)


def test_noise_is_seeded_centred_and_the_measured_run_noise(bench: Benchmark) -> None:
    archs = NB201.sample_many(400, rng=3)
    a = bench.query(archs, with_noise=True, seed=7)
    b = bench.query(archs, with_noise=True, seed=7)
    c = bench.query(archs, with_noise=True, seed=8)
    np.testing.assert_array_equal(a.sample, b.sample)
    assert not np.allclose(a.sample, c.sample)
    fresh = [bench.query(archs[:5], with_noise=True).sample for _ in range(2)]
    assert not np.allclose(*fresh)
    assert bench.run_noise is not None  # the NB201 tables trained isomorphic twins separately
    assert bench.run_noise.dof > 1000 and bench.run_noise.std > 0
    dead = np.array([NB201.is_disconnected(x) for x in archs])
    assert dead.any() and bench.disconnected is not None  # they vary as their records: not at all
    np.testing.assert_allclose(bench.noise_std(archs)[~dead], bench.run_noise.std)
    np.testing.assert_allclose(bench.noise_std(archs)[dead], bench.disconnected.std)
    z = (a.sample - a.mean)[~dead] / bench.run_noise.std  # standard normal when the noise is N(0, std)
    assert abs(z.mean()) < 4 / np.sqrt(len(z))  # NB301's N(1, s) bug would put this near 1/s
    assert 0.8 < z.std() < 1.2


def test_without_run_noise_samples_are_gaussian_with_the_models_noise_std(bench: Benchmark) -> None:
    gaussian = Benchmark.from_model(bench.model, task=bench.task, space="nb201", protocol=bench.protocol)
    archs = NB201.sample_many(400, rng=3)
    a = gaussian.query(archs, with_noise=True, seed=7)
    noise = gaussian.noise_std(archs)
    assert np.all(noise > 0) and np.all(noise <= a.std + 1e-12)  # aleatoric part of the std only
    z = (a.sample - a.mean) / noise  # standard normal when the noise is N(0, noise_std)
    assert abs(z.mean()) < 4 / np.sqrt(len(z))
    assert 0.8 < z.std() < 1.2


def test_many_noisy_samples_average_to_the_mean(bench: Benchmark) -> None:
    arch = [NB201.from_index(42)] * 4000
    result = bench.query(arch, with_noise=True, seed=0)
    noise = bench.noise_std(arch[:1])[0]
    assert abs(result.sample.mean() - result.mean[0]) < 4 * noise / np.sqrt(4000)


def test_cost_is_positive_and_ranks_by_flops(bench: Benchmark) -> None:
    archs = NB201.sample_many(30, rng=4)
    cost = bench.cost(archs)
    flops = bench.query(archs).flops
    assert cost.shape == (30,) and np.all(cost > 0)
    order = np.argsort(flops)
    assert np.all(np.diff(cost[order]) >= 0)


def test_unknown_names_list_what_exists() -> None:
    with pytest.raises(ValueError, match=r"space 'nope'.*'nb201'"):
        Benchmark.load("ninapro", space="nope")
    with pytest.raises(ValueError, match=r"task 'spherical'.*cifar100.*darcyflow.*ninapro"):
        Benchmark.load("spherical", space="nb201")
    with pytest.raises(ValueError, match=r"protocol 'x-v1'.*nb360-nb201-200ep"):
        Benchmark.load("ninapro", space="nb201", protocol="x-v1")
    with pytest.raises(ValueError, match=r"model 'gin'.*ensemble"):
        Benchmark.load("ninapro", space="nb201", model="gin")


@pytest.mark.parametrize(("task", "share", "replacement"), [
    ("satellite", "0.23", "darts/satellite-cpu-v3"),
    ("ecg", "0.09", "darts/ecg-cpu-v3"),
])
def test_a_retired_benchmark_says_why_and_how_to_rebuild_it(task, share, replacement, tmp_path) -> None:
    """DARTS Satellite (share 0.23) and ECG (0.09) under v1 left the package; asking for one names
    the reason, the replacement and the command; the task's DARTS default is the replacement."""
    protocol = f"{task}-cpu-v1"
    with pytest.raises(ValueError, match=(
            rf"darts/{task}/{protocol} was retired: its records' architecture share is "
            rf"{share} .*{replacement}.*`nb360 fit --task {task} --space darts "
            rf"--protocol {protocol}`")):
        Benchmark.load(task, "darts", protocol)
    assert set(RETIRED).isdisjoint(b[:3] for b in list_benchmarks())
    served = Benchmark.load(task, "darts")
    assert f"{served.space.name}/{served.protocol}" == replacement
    with pytest.raises(ValueError) as raised:  # another artifacts folder says nothing of retirements
        Benchmark.load(task, "darts", artifacts=tmp_path)
    assert "was retired" not in str(raised.value)


def test_a_task_whose_only_benchmark_in_a_space_was_retired_says_so(monkeypatch) -> None:
    """Asked without a protocol, a space left with no benchmark of the task names the retired one."""
    monkeypatch.setitem(RETIRED, ("darts", "cifar100", "cifar100-cpu-v1"), "its share is 0.01")
    with pytest.raises(ValueError, match=(
            r"no 'darts' benchmark for task 'cifar100' \(darts/cifar100/cifar100-cpu-v1 was retired: "
            r"its share is 0.01; rebuild it from its shipped records with `nb360 fit --task cifar100 "
            r"--space darts --protocol cifar100-cpu-v1`\)")):
        Benchmark.load("cifar100", "darts")


@pytest.mark.parametrize(("task", "darts_protocol", "nb201_protocol"), [
    ("ecg", "ecg-cpu-v3", "ecg-nb201-cpu-v1"),
    ("ninapro", "ninapro-cpu-v3", "nb360-nb201-200ep"),  # NB360's own table
    ("satellite", "satellite-cpu-v3", "satellite-nb201-cpu-v1"),
])
def test_a_task_with_benchmarks_in_both_spaces_names_them_when_asked_without_one(
        task, darts_protocol, nb201_protocol) -> None:
    assert Benchmark.load(task, "darts").protocol == darts_protocol
    assert Benchmark.load(task, "nb201").protocol == nb201_protocol
    with pytest.raises(ValueError, match=rf"task '{task}' has benchmarks in several spaces "
                                         r"\['darts', 'nb201'\]; pass space="):
        Benchmark.load(task)


def test_darcy_darts_serves_v2_by_default_and_v1_by_name() -> None:
    assert Benchmark.load("darcyflow", "darts").protocol == "darcyflow-cpu-v2"
    v1 = Benchmark.load("darcyflow", "darts", protocol="darcyflow-cpu-v1")
    assert v1.protocol == "darcyflow-cpu-v1" and v1.manifest["training_data"]["n_records"] > 1000


def test_space_defaults_to_the_tasks_only_benchmark_space() -> None:
    assert Benchmark.load("cifar100").space.name == "nb201"
    assert Benchmark.load("psicov").space.name == "darts"
    assert Benchmark.load("darcyflow", "darts").space.name == "darts"  # explicit values still work
    with pytest.raises(ValueError, match=r"task 'darcyflow' has benchmarks in several spaces "
                                         r"\['darts', 'nb201'\]; pass space="):
        Benchmark.load("darcyflow")
    with pytest.raises(ValueError, match=r"no benchmark for task 'spherical'.*ninapro"):
        Benchmark.load("spherical")


def test_load_imports_no_tree_library() -> None:
    """Boosters are read on first use: loading is fast and imports neither XGBoost nor LightGBM."""
    import subprocess

    code = ("import sys, surrogates; surrogates.Benchmark.load('ninapro', space='nb201'); "
            "print('xgboost' in sys.modules, 'lightgbm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("entry", surrogates.list_benchmarks(), ids="/".join)
def test_every_shipped_benchmark_loads_and_answers(entry) -> None:
    space, task, protocol, model = entry
    bench = Benchmark.load(task, space=space, protocol=protocol, model=model)
    archs = bench.space.sample_many(8, rng=0)
    result = bench.query(archs, with_noise=True, seed=0)
    assert np.all(np.isfinite(result.mean)) and np.all(result.std > 0)
    assert np.all(bench.cost(archs) > 0) and np.all(result.flops > 0)
    assert bench.manifest["evaluation"]["n_test"] >= 1
    if bench.manifest["runtime"]["kind"] == "surrogate":
        np.testing.assert_allclose(result.runtime, bench.cost(archs))
