"""The DARTS space: sampling, neighbours, validation, text forms, canonical form, graph."""

from __future__ import annotations

import itertools
from collections import Counter, namedtuple

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_encodings.spaces import DartsArch, get_space
from graph_encodings.spaces.darts import CELL_TYPES, DARTS_OPS, DARTS_V2, N_EDGES

SPACE = get_space("darts")
SEEDS = st.integers(0, 2**32 - 1)


def relabel(cell, labels):
    """The cell with intermediate node k + 2 renamed labels[k]; None if that breaks the order."""
    mapping = {0: 0, 1: 1, **{k + 2: new for k, new in enumerate(labels)}}
    new = [None] * 4
    for k in range(4):
        pairs = [(op, mapping[i]) for op, i in cell[2 * k : 2 * k + 2]]
        if any(i >= mapping[k + 2] for _, i in pairs):
            return None
        new[mapping[k + 2] - 2] = pairs
    return tuple(p for pairs in new for p in pairs)


def symmetric_variant(arch: DartsArch, seed: int) -> DartsArch:
    """A random input-swapped, validly renumbered copy of ``arch``."""
    rng = np.random.default_rng(seed)
    cells = []
    for cell_type in CELL_TYPES:
        cell = arch.cell(cell_type)
        valid = [c for p in itertools.permutations(range(2, 6)) if (c := relabel(cell, p))]
        cell = list(valid[rng.integers(len(valid))])
        for k in range(4):
            if rng.random() < 0.5:
                cell[2 * k], cell[2 * k + 1] = cell[2 * k + 1], cell[2 * k]
        cells.append(tuple(cell))
    return DartsArch(*cells)


@settings(max_examples=60, deadline=None)
@given(SEEDS)
def test_format_parse_round_trip(seed: int) -> None:
    arch = SPACE.sample(seed)
    assert SPACE.parse(SPACE.format(arch)) == arch
    assert SPACE.format(arch) == str(arch)


@settings(max_examples=60, deadline=None)
@given(SEEDS, SEEDS)
def test_canonical_hash_invariant_under_symmetries(seed: int, sym_seed: int) -> None:
    arch = SPACE.sample(seed)
    variant = symmetric_variant(arch, sym_seed)
    assert SPACE.validate(variant) is variant
    assert SPACE.canonical(variant) == SPACE.canonical(arch)
    assert SPACE.canonical_hash(variant) == SPACE.canonical_hash(arch)


@settings(max_examples=60, deadline=None)
@given(SEEDS)
def test_canonical_is_idempotent_valid_and_equivalent(seed: int) -> None:
    arch = SPACE.sample(seed)
    canon = SPACE.canonical(arch)
    assert SPACE.validate(canon) is canon
    assert SPACE.canonical(canon) == canon
    # the canonical form is one of arch's symmetric variants (same class)
    for cell_type in CELL_TYPES:
        variants = {
            tuple(tuple(sorted(c[2 * k : 2 * k + 2], key=lambda p: p[1])) for k in range(4))
            for p in itertools.permutations(range(2, 6))
            if (c := relabel(arch.cell(cell_type), p))
        }
        got = canon.cell(cell_type)
        assert tuple(got[2 * k : 2 * k + 2] for k in range(4)) in variants


def test_canonical_by_hand() -> None:
    # nodes 2 and 3 both read only the cell inputs, so they may be swapped; 4 and 5 may not
    normal = (
        ("sep_conv_3x3", 0), ("sep_conv_5x5", 1), ("max_pool_3x3", 1), ("avg_pool_3x3", 0),
        ("skip_connect", 2), ("dil_conv_3x3", 3), ("sep_conv_3x3", 2), ("sep_conv_3x3", 4),
    )  # fmt: skip
    expected = (
        ("avg_pool_3x3", 0), ("max_pool_3x3", 1), ("sep_conv_3x3", 0), ("sep_conv_5x5", 1),
        ("dil_conv_3x3", 2), ("skip_connect", 3), ("sep_conv_3x3", 3), ("sep_conv_3x3", 4),
    )  # fmt: skip
    arch = DartsArch(normal=normal, reduce=normal)
    assert SPACE.canonical(arch) == DartsArch(normal=expected, reduce=expected)


def test_functionally_different_archs_get_different_hashes() -> None:
    arch = SPACE.parse(DARTS_V2)
    other = DartsArch(normal=(("dil_conv_5x5", 0),) + arch.normal[1:], reduce=arch.reduce)
    swapped_cells = DartsArch(normal=arch.reduce, reduce=arch.normal)
    hashes = {SPACE.canonical_hash(a) for a in (arch, other, swapped_cells)}
    assert len(hashes) == 3
    assert all(len(h) == 32 and int(h, 16) >= 0 for h in hashes)


@settings(max_examples=40, deadline=None)
@given(SEEDS)
def test_sample_and_mutate_are_valid(seed: int) -> None:
    arch = SPACE.sample(seed)
    assert SPACE.validate(arch) is arch
    child = SPACE.mutate(arch, seed)
    assert SPACE.validate(child) is child
    assert child != arch


def test_sample_is_uniform_over_ops_and_input_pairs() -> None:
    archs = SPACE.sample_many(3000, rng=0)
    ops = Counter(op for a in archs for op, _ in a.normal)
    expected_op = 3000 * N_EDGES / len(DARTS_OPS)
    assert set(ops) == set(DARTS_OPS)
    assert all(abs(n - expected_op) < 0.1 * expected_op for n in ops.values())
    pairs = Counter((a.reduce[6][1], a.reduce[7][1]) for a in archs)  # node 5: 20 ordered pairs
    assert len(pairs) == 20 and all(abs(n - 150) < 60 for n in pairs.values())


def cell_changes(a: DartsArch, b: DartsArch) -> list[tuple[str, int, str]]:
    """(cell, edge, "op" or "input") for every genotype pair that differs."""
    return [
        (ct, e, "op" if pa[0] != pb[0] else "input")
        for ct in CELL_TYPES
        for e, (pa, pb) in enumerate(zip(a.cell(ct), b.cell(ct), strict=True))
        if pa != pb
    ]


@settings(max_examples=30, deadline=None)
@given(SEEDS)
def test_neighbours_are_valid_distinct_single_changes(seed: int) -> None:
    arch = SPACE.sample(seed)
    neighbours = SPACE.neighbours(arch)
    assert len(set(neighbours)) == len(neighbours)
    assert arch not in neighbours
    for n in neighbours:
        SPACE.validate(n)
        changes = cell_changes(arch, n)
        if len(changes) == 1 and changes[0][2] == "op":
            continue  # one op changed
        # otherwise: the inputs (only) of one node changed
        cells_nodes = {(ct, e // 2) for ct, e, _ in changes}
        assert len(cells_nodes) == 1
        ((ct, node),) = cells_nodes
        ops_before = [p[0] for p in arch.cell(ct)[2 * node : 2 * node + 2]]
        ops_after = [p[0] for p in n.cell(ct)[2 * node : 2 * node + 2]]
        assert ops_before == ops_after


def test_neighbour_count_by_hand() -> None:
    # 16 edges x 6 other ops = 96 op changes; input changes per cell: node 2 has 2 ordered
    # pairs, node 3 6, node 4 12, node 5 20, minus the current one each = 1 + 5 + 11 + 19 = 36,
    # minus the pure swap at nodes whose two ops are equal (DARTS_V2: normal nodes 2 and 3,
    # reduce node 2)
    arch = SPACE.parse(DARTS_V2)
    assert len(SPACE.neighbours(arch)) == 96 + (36 - 2) + (36 - 1)


def test_to_graph() -> None:
    arch = SPACE.parse(DARTS_V2)
    g = SPACE.to_graph(arch)
    assert isinstance(g, nx.DiGraph) and nx.is_directed_acyclic_graph(g)
    assert g.number_of_nodes() == 2 * 7 and g.number_of_edges() == 2 * (8 + 4)
    assert g.edges["normal:n2", "normal:n5"] == {"op": "dil_conv_3x3", "edge": 7}
    assert g.edges["reduce:in0", "reduce:n4"]["op"] == "max_pool_3x3"
    assert g.nodes["normal:out"]["kind"] == "output"
    assert sorted(g.predecessors("normal:out")) == [f"normal:n{k}" for k in range(2, 6)]


# -- text variants and errors -----------------------------------------------------------------
def test_parse_darts_variants() -> None:
    arch = SPACE.parse(DARTS_V2)
    variants = [
        DARTS_V2.replace("[2, 3, 4, 5]", "range(2, 6)"),
        DARTS_V2.replace("'", '"'),
        DARTS_V2.replace(", ", ",\n    ").replace("(", "( "),
        "  " + DARTS_V2.replace("normal=", "normal =") + "\n",
        "Genotype("
        + DARTS_V2.split("Genotype(")[1]
        .replace("normal=", "")
        .replace("normal_concat=", "")
        .replace("reduce=", "")
        .replace("reduce_concat=", ""),
        DARTS_V2.replace("[(", "((").replace(")]", "))"),
    ]
    for text in variants:
        assert SPACE.parse(text) == arch, text
    genotype = namedtuple("Genotype", "normal normal_concat reduce reduce_concat")
    nt = genotype(list(arch.normal), range(2, 6), list(arch.reduce), range(2, 6))
    assert SPACE.parse(nt) == arch
    assert SPACE.parse(arch) == arch
    numpy_scalars = with_normal(arch, 0, (np.str_("sep_conv_3x3"), np.int64(0)))
    assert SPACE.parse(numpy_scalars) == arch
    lists = DartsArch(normal=[list(p) for p in arch.normal], reduce=arch.reduce)  # type: ignore[arg-type]
    assert SPACE.parse(lists) == arch


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (DARTS_V2.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=[4, 5]"), "normal_concat"),
        (
            DARTS_V2.replace("reduce_concat=[2, 3, 4, 5]", "reduce_concat=range(2, 5)"),
            "reduce_concat",
        ),
        (DARTS_V2.replace("'dil_conv_3x3', 2", "'conv_7x7', 2"), "unknown op 'conv_7x7'"),
        (
            DARTS_V2.replace("('dil_conv_3x3', 2)", "('dil_conv_3x3', 5)"),
            r"normal cell edge 7: input 5 invalid for node 5 \(valid inputs 0..4\)",
        ),
        (DARTS_V2.replace("('dil_conv_3x3', 2)]", "]"), "normal cell has 7"),
        (DARTS_V2.replace("Genotype(", "Genotyp("), "Genotype"),
        (
            DARTS_V2.replace("normal=[", "normal=__import__('os').listdir('/') or ["),
            "not a literal",
        ),
        (DARTS_V2.replace("reduce_concat=", "reduce_cat="), "reduce_cat"),
        (DARTS_V2.replace(", reduce_concat=[2, 3, 4, 5]", ""), "lacks fields"),
        (DARTS_V2[:-1], "syntax"),
        (DARTS_V2.replace("normal_concat=[2, 3, 4, 5]", "normal_concat='2345'"), "normal_concat"),
        ("", "syntax"),
    ],
)
def test_parse_errors_name_the_problem(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SPACE.parse(text)


def with_normal(arch: DartsArch, edge: int, pair) -> DartsArch:
    cell = list(arch.normal)
    cell[edge] = pair
    return DartsArch(normal=tuple(cell), reduce=arch.reduce)


def test_validate_errors_name_the_problem() -> None:
    arch = SPACE.parse(DARTS_V2)
    cases = [
        (
            with_normal(arch, 5, ("sep_conv_3x3", 4)),
            "normal cell edge 5: input 4 invalid for node 4 (valid inputs 0..3)",
        ),
        (with_normal(arch, 2, ("sep_conv_3x3", 3)), "input 3 invalid for node 3"),  # itself
        (with_normal(arch, 0, ("sep_conv_3x3", -1)), "input -1 invalid for node 2"),
        (with_normal(arch, 1, ("lstm", 1)), "unknown op 'lstm' (valid ops: max_pool_3x3, "),
        (
            with_normal(arch, 3, ("sep_conv_3x3", 0)),
            "normal cell node 3: both inputs are node 0 (edges 2 and 3)",
        ),
        (with_normal(arch, 4, ("sep_conv_3x3", "1")), "edge 4: expected a (str, int) pair"),
        (with_normal(arch, 4, ("sep_conv_3x3", np.int64(1))), "edge 4: expected a (str, int) pair"),
        (with_normal(arch, 4, ("sep_conv_3x3",)), "expected an (op, input) tuple"),
        (
            DartsArch(normal=arch.normal[:6], reduce=arch.reduce),
            "normal cell has 6 (op, input) pairs",
        ),
        (DartsArch(normal=arch.normal, reduce=list(arch.reduce)), "reduce cell must be a tuple"),  # type: ignore[arg-type]
    ]
    for bad, message in cases:
        with pytest.raises(ValueError) as err:
            SPACE.validate(bad)
        assert message in str(err.value)
    with pytest.raises(ValueError, match="expected a DartsArch, got str"):
        SPACE.validate(DARTS_V2)
    with pytest.raises(ValueError, match="cannot parse a DARTS architecture from int"):
        SPACE.parse(3)
    with pytest.raises(ValueError, match="normal cell edge 0: op must be a string"):
        SPACE.parse(DARTS_V2.replace("('sep_conv_3x3', 0)", "(3, 0)", 1))
