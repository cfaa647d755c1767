"""The NB201 space: text, index order, neighbours, and the isomorphism classes of the NB360 table."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_encodings.spaces import NB201Arch, get_space
from graph_encodings.spaces.nb201 import N_ARCHS, N_CLASSES, NB201_OPS, functional_key

SPACE = get_space("nb201")
TABLE = Path("nb201_nb360") / "nb201_nb360.parquet"


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_format_parse_round_trip_and_valid_samples(seed: int) -> None:
    arch = SPACE.sample(seed)
    assert SPACE.validate(arch) is arch
    assert SPACE.parse(SPACE.format(arch)) == arch
    assert SPACE.parse(SPACE.index(arch)) == arch
    assert SPACE.parse(np.int64(SPACE.index(arch))) == arch
    child = SPACE.mutate(arch, seed)
    assert SPACE.validate(child) is child and child != arch


@settings(max_examples=60, deadline=None)
@given(st.integers(0, N_ARCHS - 1))
def test_canonical_is_idempotent_and_in_class(index: int) -> None:
    arch = SPACE.from_index(index)
    canon = SPACE.canonical(arch)
    assert SPACE.canonical(canon) == canon
    assert functional_key(canon.ops) == functional_key(arch.ops)
    assert SPACE.index(canon) <= index
    assert SPACE.iso_rep_index(arch) == SPACE.index(canon)


def test_isomorphic_pair_by_hand() -> None:
    # node 3 = node 2 (skip); node 2 = skip(x) + zero in one, zero + skip(node 1 = skip(x)) in
    # the other: both compute x
    a = SPACE.parse("|avg_pool_3x3~0|+|skip_connect~0|none~1|+|none~0|none~1|skip_connect~2|")
    b = SPACE.parse("|skip_connect~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|")
    c = SPACE.parse("|skip_connect~0|+|none~0|nor_conv_1x1~1|+|none~0|none~1|skip_connect~2|")
    assert SPACE.canonical_hash(a) == SPACE.canonical_hash(b) != SPACE.canonical_hash(c)
    # a conv on the only path vs on a dead branch (node 1 unused when its out-edges are none)
    d = SPACE.parse("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|")
    e = SPACE.parse("|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|")
    assert SPACE.canonical(d) == SPACE.canonical(e)


def test_neighbours() -> None:
    arch = SPACE.parse("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|")
    neighbours = SPACE.neighbours(arch)
    assert len(neighbours) == 24 == len(set(neighbours))
    for n in neighbours:
        SPACE.validate(n)
        assert sum(x != y for x, y in zip(arch.ops, n.ops, strict=True)) == 1


def test_to_graph() -> None:
    arch = SPACE.parse("|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|none~1|none~2|")
    g = SPACE.to_graph(arch)
    assert isinstance(g, nx.DiGraph) and nx.is_directed_acyclic_graph(g)
    assert sorted(g.nodes) == [0, 1, 2, 3] and g.number_of_edges() == 6
    assert g.edges[1, 2]["op"] == "avg_pool_3x3" and g.edges[0, 3]["op"] == "skip_connect"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("|nor_conv_3x3~0|+|none~0|none~1|", "must have 3 nodes separated by '\\+', got 2"),
        ("|a~0|+|b~0|c~1|+|d~0|e~1|f~2|+|g~0|", "got 4"),
        (
            "|nor_conv_3x3~0|+|none~0|none~2|+|none~0|none~1|none~2|",
            "entry 'none~2': expected 'op~1'",
        ),
        (
            "|nor_conv_3x3~1|+|none~0|none~1|+|none~0|none~1|none~2|",
            "node 1 entry 'nor_conv_3x3~1'",
        ),
        ("|nor_conv_3x3|+|none~0|none~1|+|none~0|none~1|none~2|", "expected 'op~0'"),
        (
            "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|",
            "unknown op 'conv' \\(valid ops: none, ",
        ),
        ("|none~0|+|none~0|+|none~0|none~1|none~2|", "node 2 must have 2 inputs, got 1"),
        ("none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "node 1: 'none~0\\|' must look like"),
        (15625, "NB201 index 15625 out of range 0..15624"),
        (-1, "NB201 index -1 out of range"),
        (True, "cannot parse an NB201 architecture from bool"),
        (2.0, "cannot parse an NB201 architecture from float"),
    ],
)
def test_parse_errors_name_the_problem(text, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SPACE.parse(text)


def test_validate_errors() -> None:
    with pytest.raises(ValueError, match=r"edge 4 \(1->3\): unknown op 'conv'"):
        SPACE.validate(NB201Arch(("none",) * 4 + ("conv", "none")))
    with pytest.raises(ValueError, match="must be a tuple of 6 ops"):
        SPACE.validate(NB201Arch(("none",) * 5))
    with pytest.raises(ValueError, match="expected an NB201Arch, got str"):
        SPACE.validate("|none~0|")
    with pytest.raises(ValueError, match="NB201 index must be an integer"):
        SPACE.from_index("3")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def nb201_table(shared_data: Path) -> pd.DataFrame:
    path = shared_data / TABLE
    if not path.is_file():
        pytest.fail(f"{path} is missing from the shared data")
    return pd.read_parquet(path, columns=["arch_idx", "arch_str", "iso_rep_idx"])


def test_the_space_counts_its_isomorphism_classes() -> None:
    every = [SPACE.from_index(i) for i in range(N_ARCHS)]
    assert SPACE.n_classes == len(set(SPACE.canonical_hash_many(every))) == N_CLASSES


@pytest.mark.needs_shared_data
def test_index_order_matches_table(nb201_table: pd.DataFrame) -> None:
    assert len(nb201_table) == N_ARCHS
    for idx, text in zip(nb201_table.arch_idx, nb201_table.arch_str, strict=True):
        arch = SPACE.from_index(int(idx))
        assert str(arch) == text
        assert SPACE.index(SPACE.parse(text)) == idx


@pytest.mark.needs_shared_data
def test_isomorphism_classes_equal_table(nb201_table: pd.DataFrame) -> None:
    archs = [SPACE.parse(t) for t in nb201_table.arch_str]
    hashes = [SPACE.canonical_hash(a) for a in archs]
    reps = nb201_table.iso_rep_idx.to_numpy()
    assert len(set(hashes)) == N_CLASSES == len(set(reps))
    # same partition: hash -> rep and rep -> hash are both functions
    assert len(set(zip(hashes, reps, strict=True))) == N_CLASSES
    assert [SPACE.iso_rep_index(a) for a in archs] == reps.tolist()
    assert NB201_OPS[0] == "none"
