"""Canonical forms of DARTS cells: the smallest form over input swaps and node renumberings.

Definition (:func:`reference_canonical_cell`, the slow specification kept for tests): a cell is
relabelled by each of the 24 renumberings of its intermediate nodes 2..5 under which every node
still reads only earlier nodes (the functionally equivalent ones); each node's two pairs are
sorted by input; the canonical cell is the relabelled form whose tuple of ``(input, op index)``
pairs is smallest.

Fast forms of the same definition, exact by construction: an ``(input, op)`` pair is coded as
``input * 7 + op`` (so codes order as the pairs do), a node's two pairs as ``lo * 35 + hi``
(``NODE_BASE`` = 1,225 values) and a whole relabelled cell as the base-1,225 number of its four
node codes, which orders as the tuples do. For every renumbering ``p`` and node ``k`` a table
gives the contribution of each possible node code of ``k`` to the cell number (a huge value when
``p`` puts an input after its node), so one renumbering costs four look-ups and the canonical
cell is the minimum over the 24 sums. :func:`canonical_cell` does this for one cell in Python,
:func:`canonical_cell_numbers` for many cells at once in numpy.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

N_OPS = 7  # len(DARTS_OPS); darts.py checks the two agree
N_NODES = 4  # intermediate nodes 2..5
N_INPUTS = 5  # a pair's input is a node 0..4
PAIR_BASE = N_INPUTS * N_OPS  # 35 pair codes: input * 7 + op
NODE_BASE = PAIR_BASE * PAIR_BASE  # 1,225 node codes: lo * 35 + hi
_INVALID = 1 << 50  # > any cell number (< NODE_BASE ** 4 ~ 2.3e12); 4 * _INVALID fits int64
_WEIGHTS = tuple(NODE_BASE ** (N_NODES - 1 - m) for m in range(N_NODES))  # of new node 2 + m

# Every renumbering of the intermediate nodes: _RELABELLINGS[p][k] = new label of node k + 2.
_RELABELLINGS: tuple[tuple[int, ...], ...] = tuple(itertools.permutations(range(2, 2 + N_NODES)))


def _tables() -> np.ndarray:
    """``(N_NODES * NODE_BASE, 24)`` int64: row ``k * NODE_BASE + code``, column ``p``.

    Entry: what node ``k`` whose first and second edge have pair codes ``ca``, ``cb`` (``code =
    ca * 35 + cb``, unsorted) adds to the cell number under renumbering ``p``; ``_INVALID`` when
    ``p`` puts one of its inputs after it, or when the node cannot read such inputs at all.
    """
    relabel = np.array([(0, 1, *labels) for labels in _RELABELLINGS])[:, None, :]  # (24, 1, 6)
    k = np.arange(N_NODES)[:, None]  # (4, 1)
    code = np.arange(NODE_BASE)[None, :]  # (1, 1225)
    (ia, oa), (ib, ob) = np.divmod(code // PAIR_BASE, N_OPS), np.divmod(code % PAIR_BASE, N_OPS)
    node = np.take_along_axis(relabel, np.broadcast_to(k + 2, (len(_RELABELLINGS), N_NODES, 1)), 2)
    a = np.take_along_axis(relabel, np.broadcast_to(ia, (len(_RELABELLINGS), 1, NODE_BASE)), 2)
    b = np.take_along_axis(relabel, np.broadcast_to(ib, (len(_RELABELLINGS), 1, NODE_BASE)), 2)
    ca, cb = a * N_OPS + oa, b * N_OPS + ob  # (24, 1, 1225)
    sorted_code = np.minimum(ca, cb) * PAIR_BASE + np.maximum(ca, cb)
    weight = np.array(_WEIGHTS, dtype=np.int64)[node - 2]  # (24, 4, 1)
    valid = (ia <= k + 1) & (ib <= k + 1) & (a < node) & (b < node)  # (24, 4, 1225)
    table = np.where(valid, sorted_code * weight, _INVALID)
    return np.ascontiguousarray(table.transpose(1, 2, 0).reshape(N_NODES * NODE_BASE, -1))


_TABLE = _tables()
# The same table as Python lists per (node, code): a tuple over renumberings, for one cell.
_ROWS: tuple[tuple[tuple[int, ...], ...], ...] = tuple(
    tuple(tuple(row) for row in _TABLE[k * NODE_BASE : (k + 1) * NODE_BASE].tolist())
    for k in range(N_NODES)
)


def node_codes(pair_codes: Sequence[int]) -> tuple[int, int, int, int]:
    """The four node codes ``ca * 35 + cb`` of a cell given as its 8 pair codes."""
    c = pair_codes
    return (
        c[0] * PAIR_BASE + c[1],
        c[2] * PAIR_BASE + c[3],
        c[4] * PAIR_BASE + c[5],
        c[6] * PAIR_BASE + c[7],
    )


def canonical_cell_number(pair_codes: Sequence[int]) -> int:
    """The canonical cell number of one valid cell given as its 8 pair codes (input * 7 + op)."""
    n0, n1, n2, n3 = node_codes(pair_codes)
    rows = zip(_ROWS[0][n0], _ROWS[1][n1], _ROWS[2][n2], _ROWS[3][n3], strict=True)
    return min(a + b + c + d for a, b, c, d in rows)


def canonical_cell_numbers(pair_codes: np.ndarray) -> np.ndarray:
    """Canonical cell numbers (int64, shape ``(m,)``) of ``m`` valid cells, codes ``(m, 8)``."""
    codes = pair_codes.astype(np.int64).reshape(-1, 2 * N_NODES)
    rows = codes[:, 0::2] * PAIR_BASE + codes[:, 1::2] + np.arange(N_NODES) * NODE_BASE
    out = np.empty(len(codes), dtype=np.int64)
    chunk = 4096  # (chunk, 4, 24) int64 gathers stay cache-sized
    for start in range(0, len(codes), chunk):
        gathered = _TABLE[rows[start : start + chunk]]  # (c, 4, 24)
        out[start : start + chunk] = gathered.sum(axis=1).min(axis=1)
    return out


def cell_node_codes(numbers: np.ndarray) -> np.ndarray:
    """The four sorted node codes ``lo * 35 + hi`` of canonical cell numbers: ``(m, 4)`` int64."""
    weights = np.array(_WEIGHTS, dtype=np.int64)
    return (np.asarray(numbers, dtype=np.int64)[:, None] // weights) % NODE_BASE


def number_node_codes(number: int) -> tuple[int, int, int, int]:
    """:func:`cell_node_codes` of one cell number."""
    n0, rest = divmod(number, _WEIGHTS[0])
    n1, rest = divmod(rest, _WEIGHTS[1])
    n2, n3 = divmod(rest, _WEIGHTS[2])
    return n0, n1, n2, n3


def reference_canonical_cell(coded: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """The definition, slowly: smallest relabelled tuple of ``(input, op index)`` pairs.

    ``coded`` holds a valid cell's 8 pairs as ``(input, op index)``. Kept as the specification
    that the tests check the fast forms against; not used by the library.
    """
    best_key: tuple[tuple[int, int], ...] | None = None
    for labels in _RELABELLINGS:
        relabel = (0, 1, *labels)
        new_cell: list[tuple[tuple[int, int], ...]] = [()] * N_NODES
        for k in range(N_NODES):
            node = relabel[k + 2]
            (ia, oa), (ib, ob) = coded[2 * k], coded[2 * k + 1]
            a, b = relabel[ia], relabel[ib]
            if a >= node or b >= node:  # an input would come after its node: not equivalent
                break
            new_cell[node - 2] = ((a, oa), (b, ob)) if a < b else ((b, ob), (a, oa))
        else:
            key = tuple(itertools.chain.from_iterable(new_cell))
            if best_key is None or key < best_key:
                best_key = key
    if best_key is None:  # the identity is valid for every valid cell
        raise ValueError(f"not a valid DARTS cell: {coded!r}")
    return best_key
