"""Zero-cost proxies (synflow, params, flops), their on-disk cache, and the tree models that take
them as extra inputs (``features="graf+synflow"``)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import graph_encodings
import surrogates
from graph_encodings import UnknownNameError
from surrogates import proxies
from surrogates.proxies import COMPUTED, proxy_network, proxy_values

NB201 = graph_encodings.get_space("nb201")
TASK = "ninapro"  # the smallest NB201 table input (1 x 16 x 52): ~30 ms per synflow


def _cell(op: str) -> str:
    return f"|{op}~0|+|{op}~0|{op}~1|+|{op}~0|{op}~1|{op}~2|"


pytestmark = pytest.mark.usefixtures("private_proxy_cache")


def test_registry_lists_describes_and_names_bad_values():
    names = proxies.list_proxies()
    assert {"synflow", "params", "flops"} <= set(names)
    for name in names:
        assert proxies.describe_proxy(name).startswith(f"{name}: ")
        assert proxies.get_proxy(name).name == name
    with pytest.raises(UnknownNameError) as info:
        proxies.get_proxy("synflw")
    message = str(info.value)
    assert "'synflw'" in message and all(name in message for name in names)
    assert "closest match: 'synflow'" in message
    with pytest.raises(UnknownNameError, match="synflw"):
        proxy_values("synflw", "nb201", TASK, [0])


def test_synflow_is_deterministic_finite_and_tells_cells_apart():
    archs = NB201.sample_many(4, rng=3)
    first = proxy_values("synflow", "nb201", TASK, archs, use_cache=False)
    again = proxy_values("synflow", "nb201", TASK, archs, use_cache=False)
    np.testing.assert_array_equal(first, again)
    assert np.all(np.isfinite(first)) and len(set(first.tolist())) == len(archs)
    wide, narrow, skip, cut = proxy_values(
        "synflow", "nb201", TASK,
        [_cell("nor_conv_3x3"), _cell("nor_conv_1x1"), _cell("skip_connect"), _cell("none")],
        use_cache=False)
    assert wide > narrow > skip > cut  # more (and larger) weights on more paths: more flow
    assert math.isfinite(cut)  # a disconnected cell: only the head carries flow


def test_synflow_matches_a_direct_computation():
    import torch

    arch = NB201.parse(_cell("nor_conv_1x1"))
    net = proxy_network("nb201", TASK).build(arch).double().eval()
    with torch.no_grad():
        for p in net.parameters():
            p.abs_()
    net(torch.ones((1, 1, 16, 52), dtype=torch.float64)).sum().backward()
    score = sum(float((p.detach() * p.grad).abs().sum()) for p in net.parameters() if p.grad is not None)
    value = proxy_values("synflow", "nb201", TASK, [arch], use_cache=False)[0]
    assert value == pytest.approx(math.log1p(score), rel=1e-12)


def test_the_cache_computes_each_canonical_architecture_once(tmp_path):
    archs = NB201.sample_many(3, rng=5)
    twin = next(a for a in NB201.sample_many(200, rng=6) if NB201.canonical(a) != a)
    batch = [*archs, twin, NB201.canonical(twin), archs[0]]
    n_classes = len(set(NB201.canonical_hash_many(batch)))
    before = COMPUTED["synflow"]
    first = proxy_values("synflow", "nb201", TASK, batch)
    assert COMPUTED["synflow"] - before == n_classes  # repeats and isomorphic twins: once
    assert first[3] == first[4] and first[0] == first[5]
    files = list((tmp_path / "proxies").glob("*.jsonl"))
    assert [f.name for f in files] == [f"nb201-{TASK}-synflow-v{proxies.PROXY_CONFIG_VERSION}.jsonl"]
    assert len(files[0].read_text().splitlines()) == n_classes
    before = COMPUTED["synflow"]
    np.testing.assert_array_equal(proxy_values("synflow", "nb201", TASK, batch), first)  # memo
    proxies.clear_memo()
    np.testing.assert_array_equal(proxy_values("synflow", "nb201", TASK, batch), first)  # disk
    assert COMPUTED["synflow"] == before
    other = tmp_path / "elsewhere"  # the argument beats the environment variable
    proxy_values("synflow", "nb201", TASK, archs[:1], cache_dir=other)
    assert COMPUTED["synflow"] == before + 1 and len(list(other.glob("*.jsonl"))) == 1
    with files[0].open("a") as fh:
        fh.write('{"arch": "cut sho')  # a crash mid-line: ignored, never fatal
    proxies.clear_memo()
    np.testing.assert_array_equal(proxy_values("synflow", "nb201", TASK, batch), first)


def test_params_and_flops_are_the_proxy_networks_counts():
    from training_data.networks import count_flops, count_params

    arch = NB201.sample(7)
    network = proxy_network("nb201", TASK)
    net = network.build(arch)
    params = proxy_values("params", "nb201", TASK, [arch])[0]
    flops = proxy_values("flops", "nb201", TASK, [arch])[0]
    assert params == pytest.approx(math.log(count_params(net)))
    assert flops == pytest.approx(math.log(count_flops(net, network.input_shape)))


def test_darts_cells_get_a_synflow_too():
    darts = graph_encodings.get_space("darts")
    values = proxy_values("synflow", "darts", "satellite", darts.sample_many(2, rng=0), use_cache=False)
    assert np.all(np.isfinite(values)) and values[0] != values[1]
    with pytest.raises(ValueError, match="nb101"):
        proxies.proxy_network("nb101", TASK)


def test_trees_take_proxies_as_features(tmp_path):
    archs = NB201.sample_many(40, rng=0)
    y = np.random.default_rng(0).normal(size=40)
    params = surrogates.checking_parameters("xgb")
    model = surrogates.create("xgb", features="graf+synflow", proxy_task=TASK, **params).fit(archs, y)
    plain = surrogates.create("xgb", features="graf", **params)
    plain.fit(archs, y)
    width = model._inputs(NB201, archs[:3]).shape[1]
    assert width == plain._inputs(NB201, archs[:3]).shape[1] + 1
    mean, std = model.predict(archs[:10])
    assert mean.shape == (10,) and np.all(np.isfinite(std))
    model.save(tmp_path / "m")
    loaded = surrogates.SurrogateModel.load(tmp_path / "m")
    assert loaded.hp["features"] == "graf+synflow" and loaded.hp["proxy_task"] == TASK
    np.testing.assert_allclose(loaded.predict(archs[:10])[0], mean)
    only = surrogates.create("xgb", features="synflow", proxy_task=TASK, **params).fit(archs, y)
    bare = surrogates.create("xgb", features=None, **params).fit(archs, y)
    assert only._inputs(NB201, archs[:3]).shape[1] == bare._inputs(NB201, archs[:3]).shape[1] + 1


def test_bad_feature_specs_name_the_value_and_the_valid_parts():
    with pytest.raises(ValueError, match=r"'synflw'.*valid names: graf, .*synflow.*closest match: 'synflow'"):
        surrogates.create("xgb", features="graf+synflw", proxy_task=TASK)
    with pytest.raises(ValueError, match="proxy_task"):
        surrogates.create("xgb", features="graf+synflow")
    with pytest.raises(ValueError, match="cifar10"):
        surrogates.create("xgb", features="graf+synflow", proxy_task="cifar10")
    with pytest.raises(ValueError, match="twice"):
        surrogates.create("xgb", features="graf+graf")
    with pytest.raises(ValueError, match="features"):
        surrogates.create("xgb", features=["graf"])
    assert surrogates.create("xgb").hp["features"] == "graf"  # the default stays the graph features
