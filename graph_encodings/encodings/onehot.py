"""The ``onehot`` encoding: labelled adjacency (which edges exist, with which op), flat.

DARTS (196 columns): per cell (normal, then reduce), the 14 possible edges ``i -> k`` of the
cell DAG (k = 2..5, i = 0..k-1) in NB301's ConfigSpace edge order (edge 0: 0->2, 1: 1->2,
2: 0->3, 3: 1->3, 4: 2->3, 5: 0->4, ..., 13: 4->5), each a block of 7 columns (the op one-hot in
:data:`DARTS_OPS` order); an absent edge is all zero. Column = ``cell * 98 + edge * 7 + op``.
Each cell has 8 ones. Unlike a per-slot form, it does not depend on the order in which a
node's two inputs are listed, and it has no constant columns.

NB201 (30 columns): the 6 edges in :data:`NB201_EDGES` order, each a 5-column one-hot of its op
in :data:`NB201_OPS` order ('none' included). Column = ``edge * 5 + op``.
"""

from __future__ import annotations

import numpy as np

from graph_encodings.encodings.indices import DartsIndices, NB201Indices
from graph_encodings.spaces.darts import CELL_TYPES, DARTS_OPS, N_EDGES, N_INTERMEDIATE
from graph_encodings.spaces.nb201 import NB201_EDGES, NB201_OPS

# DARTS cell edges (source, target) in NB301 order, and the edge number of slot input i at node k.
DARTS_CELL_EDGES: tuple[tuple[int, int], ...] = tuple(
    (i, k) for k in range(2, 2 + N_INTERMEDIATE) for i in range(k)
)
_NODE_FIRST_EDGE = np.array([(k - 2) * (k + 1) // 2 for k in range(2, 2 + N_INTERMEDIATE)])
SLOT_FIRST_EDGE = _NODE_FIRST_EDGE[np.arange(N_EDGES) // 2]  # (8,)
_N_OPS = len(DARTS_OPS)
_CELL_DIM = len(DARTS_CELL_EDGES) * _N_OPS  # 98

DARTS_DIM = len(CELL_TYPES) * _CELL_DIM  # 196
NB201_DIM = len(NB201_EDGES) * len(NB201_OPS)  # 30


def darts_onehot(idx: DartsIndices) -> np.ndarray:
    """(n, 196) float32 labelled-adjacency one-hot of DARTS archs (layout: module docstring)."""
    n = len(idx)
    cell_base = (np.arange(len(CELL_TYPES)) * _CELL_DIM)[:, None]  # (2, 1)
    cols = cell_base + (SLOT_FIRST_EDGE + idx.inputs) * _N_OPS + idx.ops  # (n, 2, 8)
    out = np.zeros((n, DARTS_DIM), dtype=np.float32)
    out[np.arange(n)[:, None], cols.reshape(n, 2 * N_EDGES)] = 1.0
    return out


def nb201_onehot(idx: NB201Indices) -> np.ndarray:
    """(n, 30) float32 op one-hot per NB201 edge (layout: module docstring)."""
    n = len(idx)
    cols = np.arange(len(NB201_EDGES)) * len(NB201_OPS) + idx.ops
    out = np.zeros((n, NB201_DIM), dtype=np.float32)
    out[np.arange(n)[:, None], cols] = 1.0
    return out


def darts_onehot_names() -> list[str]:
    """Column names, e.g. ``normal:0->2:max_pool_3x3``."""
    return [
        f"{cell}:{i}->{k}:{op}"
        for cell in CELL_TYPES
        for i, k in DARTS_CELL_EDGES
        for op in DARTS_OPS
    ]


def nb201_onehot_names() -> list[str]:
    """Column names, e.g. ``0->1:none`` (edge source -> target, op)."""
    return [f"{src}->{dst}:{op}" for dst, src in NB201_EDGES for op in NB201_OPS]
