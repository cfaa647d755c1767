"""The fast DARTS canonical forms and hashes equal the slow reference definition exactly.

Committed ground-truth records are keyed by ``canonical_hash`` and artifacts were fitted on
canonical forms, so every fast path (``canonical``, ``canonical_many``, ``canonical_key``,
``canonical_keys``, ``canonical_hash``, ``canonical_hash_many``) must give what the reference
implementation (:func:`reference_canonical_cell`, the original brute force) gives, bit for bit.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from graph_encodings import get_space
from graph_encodings.spaces.darts import DARTS_OPS, DartsArch
from graph_encodings.spaces.darts_canonical import reference_canonical_cell

SPACE = get_space("darts")


def reference_canonical(arch: DartsArch) -> DartsArch:
    """Canonical form by the reference definition (independent of the fast tables)."""

    def cell(pairs: tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
        coded = [(i, DARTS_OPS.index(op)) for op, i in pairs]
        return tuple((DARTS_OPS[o], i) for i, o in reference_canonical_cell(coded))

    return DartsArch(normal=cell(arch.normal), reduce=cell(arch.reduce))


def reference_hash(arch: DartsArch) -> str:
    """sha256 of ``darts:`` + the Genotype text of the reference canonical form."""
    text = f"darts:{reference_canonical(arch)}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def tie_heavy_archs(n: int, rng: np.random.Generator) -> list[DartsArch]:
    """Random archs from two ops and mostly the cell inputs: many identical nodes and swaps."""
    archs = []
    for _ in range(n):
        cells = []
        for _ in range(2):
            pairs = []
            for node in range(2, 6):
                pool = [0, 1] if rng.random() < 0.6 else list(range(node))
                a, b = rng.choice(pool, size=2, replace=False)
                ops = rng.choice(["max_pool_3x3", "skip_connect"], size=2)
                pairs += [(str(ops[0]), int(a)), (str(ops[1]), int(b))]
            cells.append(tuple(pairs))
        archs.append(DartsArch(normal=cells[0], reduce=cells[1]))
    return archs


def cell_of(*nodes: tuple[str, int, str, int]) -> tuple[tuple[str, int], ...]:
    """A cell from four ``(op_a, input_a, op_b, input_b)`` nodes."""
    return tuple(pair for oa, ia, ob, ib in nodes for pair in ((oa, ia), (ob, ib)))


MAX, SKIP, SEP3 = "max_pool_3x3", "skip_connect", "sep_conv_3x3"
TRICKY_CELLS = {
    # one op on both inputs everywhere: every node identical, every renumbering valid
    "all identical": cell_of(*[(MAX, 0, MAX, 1)] * 4),
    # the same, with each node's inputs swapped
    "identical, swapped inputs": cell_of(*[(MAX, 1, MAX, 0)] * 4),
    # identical nodes 2 and 3 read by different later nodes: the tie must be explored both ways
    "identical sources, different readers": cell_of(
        (SKIP, 0, SKIP, 1), (SKIP, 0, SKIP, 1), (SEP3, 2, MAX, 0), (SKIP, 3, MAX, 1)
    ),
    # a chain: 2 <- 1, 3 <- 2, 4 <- 3, 5 <- 4; only the identity renumbering is valid
    "chain": cell_of((SEP3, 0, SKIP, 1), (MAX, 2, SKIP, 0), (MAX, 3, SKIP, 1), (SEP3, 4, MAX, 3)),
    # no node reads another (all "unused" until the concat): 24 valid renumberings
    "no intermediate inputs": cell_of(
        (SEP3, 0, SKIP, 1), (MAX, 1, SKIP, 0), (MAX, 0, SEP3, 1), (SKIP, 1, MAX, 0)
    ),  # fmt: skip
    # node 5 reads nodes 2 and 3 only; node 4 unused by anyone
    "unused middle node": cell_of(
        (SKIP, 0, SKIP, 1), (SEP3, 1, MAX, 0), (MAX, 0, MAX, 1), (SEP3, 3, SEP3, 2)
    ),  # fmt: skip
}


@pytest.fixture(scope="module")
def random_archs() -> list[DartsArch]:
    """5,000 uniform archs plus 1,000 tie-heavy ones and every tricky cell pairing (seeded)."""
    rng = np.random.default_rng(2024)
    archs = SPACE.sample_many(5000, rng=rng) + tie_heavy_archs(1000, rng)
    cells = list(TRICKY_CELLS.values())
    return archs + [DartsArch(normal=a, reduce=b) for a in cells for b in cells]


def test_canonical_equals_reference(random_archs):
    expected = [reference_canonical(a) for a in random_archs]
    assert [SPACE.canonical(a) for a in random_archs] == expected
    assert SPACE.canonical_many(random_archs) == expected


def test_canonical_keys_and_hashes_equal_reference(random_archs):
    expected_keys = [str(reference_canonical(a)) for a in random_archs]
    assert [SPACE.canonical_key(a) for a in random_archs] == expected_keys
    assert SPACE.canonical_keys(random_archs) == expected_keys
    expected_hashes = [reference_hash(a) for a in random_archs]
    assert [SPACE.canonical_hash(a) for a in random_archs] == expected_hashes
    assert SPACE.canonical_hash_many(random_archs) == expected_hashes


@pytest.mark.parametrize("name", sorted(TRICKY_CELLS))
def test_tricky_cells(name):
    arch = DartsArch(normal=TRICKY_CELLS[name], reduce=TRICKY_CELLS["chain"])
    assert SPACE.canonical(arch) == reference_canonical(arch)
    assert SPACE.canonical(SPACE.canonical(arch)) == SPACE.canonical(arch)


def test_tie_between_identical_nodes_is_resolved_exactly():
    # Worked by hand. Old nodes 2 and 3 are both (skip 0, skip 1); old node 4 = (sep3 from 2,
    # max from 0), old node 5 = (skip from 3, max from 1); op codes max 0 < skip 2 < sep3 3.
    # Label 2 ties between old 2 and old 3. Giving it to old 2 frees old 4, whose form
    # ((0, max), (2, sep3)) beats old 3's ((0, skip), (1, skip)) for label 3; then old 3 gets
    # label 4 and old 5 label 5: ((1, max), (4, skip)). Giving label 2 to old 3 instead frees
    # old 5, but label 3 then goes to old 2 ((0, skip) ...), a larger form. So:
    cell = TRICKY_CELLS["identical sources, different readers"]
    canonical = SPACE.canonical(DartsArch(normal=cell, reduce=cell)).normal
    assert canonical == cell_of(
        (SKIP, 0, SKIP, 1), (MAX, 0, SEP3, 2), (SKIP, 0, SKIP, 1), (MAX, 1, SKIP, 4)
    )


def test_isomorphic_renumbering_and_swaps_share_a_hash():
    # nodes 2 and 3 read only the cell inputs: renumbering them (and swapping inputs) is the
    # same network
    a = DartsArch(
        normal=cell_of((SEP3, 0, SKIP, 1), (MAX, 1, SEP3, 0), (MAX, 2, SKIP, 3), (SEP3, 4, MAX, 0)),
        reduce=TRICKY_CELLS["chain"],
    )
    b = DartsArch(
        normal=cell_of((SEP3, 0, MAX, 1), (SKIP, 1, SEP3, 0), (SKIP, 2, MAX, 3), (MAX, 0, SEP3, 4)),
        reduce=TRICKY_CELLS["chain"],
    )
    assert a != b
    assert SPACE.canonical_hash(a) == SPACE.canonical_hash(b)
    assert SPACE.canonical_hash_many([a, b]) == [SPACE.canonical_hash(a)] * 2


def test_batched_forms_validate_like_the_scalar_ones():
    bad = DartsArch(
        normal=TRICKY_CELLS["chain"][:7] + (("conv_9x9", 4),), reduce=TRICKY_CELLS["chain"]
    )
    for batched in (SPACE.canonical_many, SPACE.canonical_keys, SPACE.canonical_hash_many):
        with pytest.raises(ValueError, match="unknown op 'conv_9x9'"):
            batched([SPACE.sample(0), bad])
    numpy_input = DartsArch(
        normal=TRICKY_CELLS["chain"][:7] + (("max_pool_3x3", np.int64(3)),),
        reduce=TRICKY_CELLS["chain"],
    )
    with pytest.raises(ValueError, match=r"edge 7: expected a \(str, int\) pair"):
        SPACE.canonical_many([numpy_input])
    assert SPACE.canonical_many([]) == [] and SPACE.canonical_hash_many([]) == []


def test_committed_darts_records_keep_their_hashes():
    """Every committed DARTS record's stored hash and canonical text are recomputed exactly."""
    from training_data.records.loading import load_records

    records = load_records(space="darts")
    assert len(records) > 0
    archs = [SPACE.parse(text) for text in records["arch"]]
    assert SPACE.canonical_hash_many(archs) == list(records["arch_hash"])
    assert [SPACE.canonical_hash(a) for a in archs] == list(records["arch_hash"])
    assert SPACE.canonical_keys(archs) == list(records["arch"])
