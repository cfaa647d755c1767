"""The fast paths behind quick loads and queries: lazy imports (a fresh process loads and queries
a benchmark without torch or XGBoost), the registry's module table, lazily read GIN members, the
stacked numpy GIN on DARTS cells."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

import graph_encodings
import surrogates
from surrogates import registry
from surrogates.estimators.gin import DenseGraphs, GINRegressor
from surrogates.estimators.gin_numpy import StackedGIN

HEAVY = ("torch", "xgboost", "lightgbm", "scipy", "pandas")


@pytest.mark.parametrize(("task", "space"), [("ninapro", "nb201"), ("psicov", "darts")])
def test_loading_and_querying_a_shipped_benchmark_imports_no_heavy_library(task, space) -> None:
    """GIN members answer in numpy and XGBoost members from their trees read without XGBoost:
    a process that only loads and queries never imports torch or a boosting library."""
    code = (
        "import sys\n"
        "from surrogates import Benchmark\n"
        f"bench = Benchmark.load({task!r}, space={space!r})\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
        f"archs = bench.space.sample_many(10, rng=0)\n"
        "result = bench.query(archs, with_noise=True, seed=0)\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
        "print(result.mean.shape, bool((result.std > 0).all()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, queried, result = out.stdout.split("\n")[:3]
    assert loaded == "[]"
    assert queried == "[]"
    assert result == "(10,) True"


def test_a_large_query_imports_xgboost_but_not_torch() -> None:
    """Above NUMPY_BATCH rows the XGBoost members use XGBoost itself (faster on large batches)."""
    code = (
        "import sys\n"
        "from surrogates import Benchmark\n"
        "from surrogates.estimators.tree_arrays import NUMPY_BATCH\n"
        "bench = Benchmark.load('ninapro', space='nb201')\n"
        "bench.query(bench.space.sample_many(3 * NUMPY_BATCH, rng=0))  # some answered by rule\n"
        "print('torch' in sys.modules, 'xgboost' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[0] == "False True"


def test_fit_benchmark_is_still_exported() -> None:
    import surrogates.benchmark as package
    from surrogates.benchmark.fitting import fit_benchmark

    assert package.fit_benchmark is fit_benchmark
    with pytest.raises(AttributeError, match="no_such_name"):
        package.no_such_name  # noqa: B018


def test_model_module_table_matches_the_registered_models() -> None:
    names = surrogates.list_surrogates()
    assert sorted(registry.MODEL_MODULES) == names
    for name, module in registry.MODEL_MODULES.items():
        assert registry.get_model_class(name).__module__ == module


def test_unknown_surrogate_lists_every_name() -> None:
    with pytest.raises(ValueError, match="unknown surrogate 'gni'.*ensemble.*gin.*xgb"):
        surrogates.create("gni")


def test_gin_members_are_read_on_first_use(tmp_path, nb201_data) -> None:
    archs, y = nb201_data
    model = surrogates.create("gin", **surrogates.checking_parameters("gin")).fit(archs[:80], y[:80])
    model.save(tmp_path / "gin")
    loaded = surrogates.SurrogateModel.load(tmp_path / "gin")
    assert "estimator_" not in loaded.__dict__
    np.testing.assert_allclose(loaded.predict(archs[80:])[0], model.predict(archs[80:])[0])
    assert "estimator_" in loaded.__dict__


def _darts_regressor() -> tuple[GINRegressor, list]:
    space = graph_encodings.get_space("darts")
    archs = space.sample_many(160, rng=4)
    y = np.random.default_rng(4).normal(size=60)
    est = GINRegressor(hidden=8, n_layers=3, n_members=3, epochs=2, seed=2)
    est.fit(graph_encodings.encode(space, archs[:60], "graph"), y)
    return est, archs[60:]


def test_stacked_darts_members_equal_each_member_alone() -> None:
    est, archs = _darts_regressor()
    graphs = graph_encodings.encode(graph_encodings.get_space("darts"), archs, "graph")
    with torch.inference_mode():
        alone = [net(DenseGraphs.from_batch(graphs)) for net in est.nets_]
    stacked = StackedGIN.from_state_dicts([net.state_dict() for net in est.nets_], est.n_layers)
    for chunk in (200, 100_000):
        means, variances = stacked.predict(graphs, chunk_nodes=chunk)
        np.testing.assert_allclose(means, torch.stack([m for m, _ in alone]).numpy(),
                                   rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(variances, torch.stack([v for _, v in alone]).numpy(),
                                   rtol=1e-5, atol=1e-5)


def test_stacked_single_layer_equals_members() -> None:
    space = graph_encodings.get_space("darts")
    archs = space.sample_many(50, rng=5)
    est = GINRegressor(hidden=8, n_layers=1, n_members=2, epochs=1, seed=0)
    est.fit(graph_encodings.encode(space, archs, "graph"), np.linspace(0, 1, 50))
    graphs = graph_encodings.encode(space, archs, "graph")
    with torch.inference_mode():
        alone = torch.stack([net(DenseGraphs.from_batch(graphs))[0] for net in est.nets_])
    means, _ = StackedGIN.from_state_dicts([net.state_dict() for net in est.nets_], 1).predict(graphs)
    np.testing.assert_allclose(means, alone.numpy(), rtol=1e-5, atol=1e-5)


def test_benchmark_rejects_a_non_list() -> None:
    bench = surrogates.Benchmark.load("ninapro", space="nb201")
    with pytest.raises(ValueError, match="archs must be a list of architectures, got int 5"):
        bench.query(5)
    with pytest.raises(ValueError, match="got str"):
        bench.query("|nor_conv_3x3~0|")
