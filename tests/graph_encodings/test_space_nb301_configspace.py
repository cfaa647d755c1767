"""DartsArch <-> NB301 ConfigSpace dicts, checked against NB301's documented layout."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_encodings.spaces import DartsArch, get_space
from graph_encodings.spaces.nb301_configspace import (
    NB301_FIXED_HYPERPARAMETERS,
    NB301_HYPERPARAMETERS,
    from_configspace_dict,
    to_configspace_dict,
)

SPACE = get_space("darts")
P = "NetworkSelectorDatasetInfo:darts:"
# The architecture keys of automl/nasbench301's nasbench301/data_generation/configs/config_0.json
NB301_CONFIG_0 = {
    P + key: value
    for key, value in re.findall(
        r"(\w+)=(\w+)",
        """
        edge_normal_0=skip_connect edge_normal_1=sep_conv_3x3 inputs_node_normal_3=1_2
        edge_normal_3=dil_conv_5x5 edge_normal_4=avg_pool_3x3 inputs_node_normal_4=2_3
        edge_normal_7=dil_conv_5x5 edge_normal_8=sep_conv_3x3 inputs_node_normal_5=0_1
        edge_normal_9=dil_conv_3x3 edge_normal_10=dil_conv_3x3
        edge_reduce_0=dil_conv_3x3 edge_reduce_1=skip_connect inputs_node_reduce_3=0_1
        edge_reduce_2=max_pool_3x3 edge_reduce_3=dil_conv_5x5 inputs_node_reduce_4=1_2
        edge_reduce_6=dil_conv_3x3 edge_reduce_7=avg_pool_3x3 inputs_node_reduce_5=0_2
        edge_reduce_9=sep_conv_3x3 edge_reduce_11=sep_conv_3x3
        """,
    )
}
# Decoded by hand: node n's edge for input i is offset(n) + i, offsets 0, 2, 5, 9.
CONFIG_0_ARCH = DartsArch(
    normal=(
        ("skip_connect", 0), ("sep_conv_3x3", 1), ("dil_conv_5x5", 1), ("avg_pool_3x3", 2),
        ("dil_conv_5x5", 2), ("sep_conv_3x3", 3), ("dil_conv_3x3", 0), ("dil_conv_3x3", 1),
    ),
    reduce=(
        ("dil_conv_3x3", 0), ("skip_connect", 1), ("max_pool_3x3", 0), ("dil_conv_5x5", 1),
        ("dil_conv_3x3", 1), ("avg_pool_3x3", 2), ("sep_conv_3x3", 0), ("sep_conv_3x3", 2),
    ),
)  # fmt: skip


def test_known_nb301_config_decodes_by_hand() -> None:
    assert from_configspace_dict(NB301_CONFIG_0) == CONFIG_0_ARCH
    # NB301 users' dicts carry the fixed training keys too (values as NB301 writes them)
    full = {**NB301_FIXED_HYPERPARAMETERS, **NB301_CONFIG_0, P + "layers": 20}
    assert SPACE.parse(full) == CONFIG_0_ARCH
    assert to_configspace_dict(CONFIG_0_ARCH) == {**NB301_FIXED_HYPERPARAMETERS, **NB301_CONFIG_0}


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_round_trips(seed: int) -> None:
    arch = SPACE.sample(seed)
    config = to_configspace_dict(arch)
    back = from_configspace_dict(config)
    # a dict cannot order a node's two pairs: they come back sorted by input
    assert back.normal == tuple(
        p for k in range(4) for p in sorted(arch.normal[2 * k : 2 * k + 2], key=lambda p: p[1])
    )
    assert SPACE.canonical_hash(back) == SPACE.canonical_hash(arch)
    assert to_configspace_dict(back) == config
    canon = SPACE.canonical(arch)
    assert from_configspace_dict(to_configspace_dict(canon)) == canon
    active = [k for k in config if k.startswith(P + "edge_") or k.startswith(P + "inputs_")]
    assert len(active) == 2 * (8 + 3)


def test_hyperparameter_list_in_configspace_order() -> None:
    names = [name.removeprefix(P) for name, _ in NB301_HYPERPARAMETERS]
    # depth 0 (unconditional) sorted by name, then depth 1 (conditional edges) sorted by name
    assert names[:10] == [
        "edge_normal_0", "edge_normal_1", "edge_reduce_0", "edge_reduce_1",
        "inputs_node_normal_3", "inputs_node_normal_4", "inputs_node_normal_5",
        "inputs_node_reduce_3", "inputs_node_reduce_4", "inputs_node_reduce_5",
    ]  # fmt: skip
    normal_edges = [f"edge_normal_{e}" for e in (10, 11, 12, 13, 2, 3, 4, 5, 6, 7, 8, 9)]
    assert names[10:] == normal_edges + [n.replace("normal", "reduce") for n in normal_edges]
    choices = dict(NB301_HYPERPARAMETERS)
    assert choices[P + "inputs_node_reduce_4"] == ("0_1", "0_2", "0_3", "1_2", "1_3", "2_3")
    assert choices[P + "edge_normal_13"][0] == "max_pool_3x3"
    assert len(choices[P + "inputs_node_normal_5"]) == 10


def edited(**changes) -> dict:
    config = dict(NB301_CONFIG_0)
    for key, value in changes.items():
        if value is None:
            config.pop(P + key)
        else:
            config[P + key] = value
    return config


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({**NB301_CONFIG_0, "foo": 1}, r"unknown NB301 config keys \['foo'\]"),
        ({**NB301_CONFIG_0, P + "edge_normal_14": "skip_connect"}, "edge_normal_14"),
        (edited(edge_normal_3="conv_9x9"), "edge_normal_3='conv_9x9' is not one of"),
        (edited(inputs_node_normal_4="3_4"), r"inputs_node_normal_4='3_4' is not one of \['0_1'"),
        (
            edited(inputs_node_reduce_5=None),
            "lacks 'NetworkSelectorDatasetInfo:darts:inputs_node_reduce_5'",
        ),
        (edited(edge_normal_8=None), "lacks 'NetworkSelectorDatasetInfo:darts:edge_normal_8'"),
        (
            edited(edge_normal_2="skip_connect"),
            r"inactive edges \['NetworkSelectorDatasetInfo:darts:edge_normal_2'\]",
        ),
        ([("edge_normal_0", "skip_connect")], "cannot parse a DARTS architecture from list"),
    ],
)
def test_bad_configs_name_the_problem(config, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SPACE.parse(config)
    if isinstance(config, dict):
        with pytest.raises(ValueError, match=match):
            from_configspace_dict(config)
