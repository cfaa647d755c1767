"""Shared synthetic data for the surrogates tests: random NB201 cells with an op-driven score."""
from __future__ import annotations

import numpy as np
import pytest

import graph_encodings

# A synthetic "error" per op, summed over the six edges; convolutions help, "none" hurts.
OP_EFFECT = {"none": 3.0, "skip_connect": 1.0, "nor_conv_1x1": -1.0, "nor_conv_3x3": -2.0,
             "avg_pool_3x3": 0.5}


def synthetic_score(arch, rng: np.random.Generator) -> float:
    base = sum(OP_EFFECT[op] for op in arch.ops)
    interaction = 1.5 * (arch.ops[0] == "nor_conv_3x3") * (arch.ops[5] == "nor_conv_3x3")
    return 20.0 + base - interaction + 0.3 * rng.normal()


@pytest.fixture(scope="session")
def nb201_data() -> tuple[list, np.ndarray]:
    """240 random NB201 architectures and their synthetic scores (seeded)."""
    space = graph_encodings.get_space("nb201")
    rng = np.random.default_rng(0)
    archs = [space.sample(rng) for _ in range(240)]
    y = np.array([synthetic_score(a, rng) for a in archs])
    return archs, y


@pytest.fixture
def private_proxy_cache(tmp_path, monkeypatch):
    """The zero-cost proxies of a test go into its own folder, never the user's cache."""
    from surrogates import proxies

    monkeypatch.setenv(proxies.ENV_VAR, str(tmp_path / "proxies"))
    proxies.clear_memo()
    yield
    proxies.clear_memo()
