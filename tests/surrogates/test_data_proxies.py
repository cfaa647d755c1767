"""Data-dependent zero-cost proxies (grad_norm, snip, jacob_cov) on a training protocol's own
network and data (the 150 PSICOV proteins of ``psicov-cpu-v2``), and the tree models' ``proxy_protocol``."""
from __future__ import annotations

import math

import numpy as np
import pytest

import graph_encodings
import surrogates
from graph_encodings import UnknownNameError
from surrogates import proxies
from surrogates.proxies import COMPUTED, proxy_batch, proxy_network, proxy_values

DARTS = graph_encodings.get_space("darts")
PROTOCOL = "psicov-cpu-v2"  # 44 x 32 x 32 crops, C=4, 3 cells: ~0.4 s per proxy value
DATA_PROXIES = ("grad_norm", "snip", "jacob_cov")
pytestmark = pytest.mark.usefixtures("private_proxy_cache")


@pytest.fixture(scope="module")
def psicov_data(shared_data):
    if not (shared_data / "psicov150").is_dir():
        pytest.fail(f"{shared_data / 'psicov150'} is missing from the shared data")
    return shared_data


def test_the_protocol_network_has_the_protocols_shapes_and_size():
    network = proxy_network("darts", "psicov", PROTOCOL)
    assert network.input_shape == (44, 32, 32) and network.n_outputs == 1
    assert (network.C, network.layers, network.protocol) == (4, 3, PROTOCOL)
    assert proxy_network("darts", "psicov").input_shape == (57, 128, 128)  # the task's, fixed size
    with pytest.raises(ValueError, match="trains \\['darcyflow'\\], not task 'psicov'"):
        proxy_network("darts", "psicov", "darcyflow-cpu-v2")
    with pytest.raises(UnknownNameError, match="'psicov-cpu-v9'"):
        proxy_network("darts", "psicov", "psicov-cpu-v9")


def test_data_proxies_need_a_protocol():
    for name in DATA_PROXIES:
        assert proxies.get_proxy(name).needs_data
        with pytest.raises(ValueError, match=f"proxy '{name}'.*protocol="):
            proxy_values(name, "darts", "psicov", [DARTS.sample(0)])
    with pytest.raises(ValueError, match="protocol"):
        proxy_batch(proxy_network("darts", "psicov"))


def test_data_proxies_are_deterministic_finite_and_tell_cells_apart(psicov_data, tmp_path):
    archs = DARTS.sample_many(3, rng=1)
    before = COMPUTED["snip"]
    for name in DATA_PROXIES:
        first = proxy_values(name, "darts", "psicov", archs, protocol=PROTOCOL)
        assert np.all(np.isfinite(first)) and len(set(first.tolist())) == 3, name
        proxies.clear_memo()
        again = proxy_values(name, "darts", "psicov", archs, protocol=PROTOCOL, use_cache=False)
        np.testing.assert_allclose(again, first, rtol=1e-6)  # recomputed: same weights, same batch
    assert COMPUTED["snip"] - before == 6
    names = sorted(f.name for f in (tmp_path / "proxies").glob("*.jsonl"))
    version = proxies.PROXY_CONFIG_VERSION
    assert names == sorted(f"darts-{PROTOCOL}-{n}-v{version}.jsonl" for n in DATA_PROXIES)


def test_snip_grad_norm_and_jacob_cov_match_direct_computations(psicov_data):
    import torch

    from training_data.training.loop import compute_loss

    arch = DARTS.canonical(DARTS.sample(4))
    network = proxy_network("darts", "psicov", PROTOCOL)
    batch = proxy_batch(network)
    assert len(batch.x) == proxies.PROXY_BATCH_SIZE and tuple(batch.x.shape[1:]) == (44, 32, 32)
    with proxies._OneThread():  # as the proxies run (several threads crawl on a busy machine)
        net = network.build(arch).train()
        compute_loss(batch.loss_fn, net(batch.x), batch.y, batch.mask).backward()
        grads = [(p.detach(), p.grad) for p in net.parameters() if p.grad is not None]
        snip = math.log1p(sum(float((p * g).abs().sum()) for p, g in grads))
        norm = math.log(sum(float(g.norm()) for _, g in grads))
        x = batch.x.clone().requires_grad_(True)
        out = network.build(arch).train()(x)
        out.backward(torch.ones_like(out))
    eig = np.linalg.eigvalsh(np.corrcoef(x.grad.reshape(len(x), -1).double().numpy()))
    jacob = -float(np.sum(np.log(eig + 1e-5) + 1 / (eig + 1e-5)))
    got = {n: proxy_values(n, "darts", "psicov", [arch], protocol=PROTOCOL, use_cache=False)[0]
           for n in DATA_PROXIES}
    assert got["snip"] == pytest.approx(snip, rel=1e-5)
    assert got["grad_norm"] == pytest.approx(norm, rel=1e-5)
    assert got["jacob_cov"] == pytest.approx(jacob, rel=1e-4)


def test_trees_take_data_proxies_through_proxy_protocol(psicov_data, tmp_path):
    archs = DARTS.sample_many(12, rng=2)
    y = np.random.default_rng(0).normal(size=12)
    params = surrogates.checking_parameters("xgb")
    model = surrogates.create("xgb", features="graf+snip", proxy_protocol=PROTOCOL, **params)
    assert model.hp["proxy_task"] == "psicov"  # the protocol's task
    model.fit(archs, y)
    plain = surrogates.create("xgb", features="graf", **params).fit(archs, y)
    assert model._inputs(DARTS, archs[:2]).shape[1] == plain._inputs(DARTS, archs[:2]).shape[1] + 1
    mean, _ = model.predict(archs[:4])
    model.save(tmp_path / "m")
    loaded = surrogates.SurrogateModel.load(tmp_path / "m")
    assert loaded.hp["proxy_protocol"] == PROTOCOL
    np.testing.assert_allclose(loaded.predict(archs[:4])[0], mean)


def test_bad_proxy_protocols_name_the_value():
    with pytest.raises(ValueError, match=r"\['snip'\].*proxy_protocol"):
        surrogates.create("xgb", features="graf+snip", proxy_task="psicov")
    with pytest.raises(ValueError, match="proxy_protocol 'darcyflow-cpu-v2' trains \\['darcyflow'\\], not proxy_task 'psicov'"):
        surrogates.create("xgb", features="graf+snip", proxy_task="psicov", proxy_protocol="darcyflow-cpu-v2")
    with pytest.raises(ValueError, match="unknown protocol 'psicov-v2'.*closest match: 'psicov-cpu-v2'"):
        surrogates.create("xgb", features="graf+snip", proxy_protocol="psicov-v2")
    with pytest.raises(ValueError, match="imported"):
        surrogates.create("xgb", features="graf+synflow", proxy_protocol="nb360-nb201-200ep")


def test_grad_norm_and_snip_share_one_backward_pass(psicov_data, monkeypatch):
    passes = []
    real = proxies._loss_backward
    monkeypatch.setattr(proxies, "_loss_backward", lambda *a: passes.append(1) or real(*a))
    archs = DARTS.sample_many(2, rng=7)
    proxy_values("grad_norm", "darts", "psicov", archs, protocol=PROTOCOL)
    proxy_values("snip", "darts", "psicov", archs, protocol=PROTOCOL)
    assert len(passes) == 2  # one per architecture, not one per proxy
    proxies.clear_memo()
    proxy_values("snip", "darts", "psicov", archs, protocol=PROTOCOL, use_cache=False)
    assert len(passes) == 4  # forgotten with the memo
