"""The ``path`` encoding: BANANAS (White et al., 2021) one-hot over input->output paths.

A path is labelled by the sequence of ops along it; a column is 1 when the cell has at least one
path with that label.

DARTS (11,204 columns, the BANANAS / NASLib ``encode_paths`` layout): 4 blocks of 2,801 columns,
block ``2 * cell + input`` (cell 0 normal, 1 reduce; input 0 = c_{k-2}, 1 = c_{k-1}). A path
from a cell input through ``L`` ops (L = 1..4; every intermediate node feeds the output, so
each path to an intermediate node is a path to the output) has the column
``block * 2801 + sum_j 7**j * (op_j + 1)`` (op_j: the j-th op along the path from the input,
in :data:`DARTS_OPS` order; the first op is the least significant digit). Column 0 of each
block (the empty path) is never set; it is kept so columns line up with BANANAS' vectors.
Difference from the reference code: BANANAS' ``get_paths`` loops ``for j in range(len(OPS))``
(7) over the 8 edge slots and so ignores the second input of node 5; here all 8 slots count.

NB201 (84 columns): the 4 input->output paths of the cell (edge sequences 0->3; 0->1->3;
0->2->3; 0->1->2->3). A path through a 'none' edge carries nothing and is dropped, so labels
use the 4 other ops (code = index in :data:`NB201_OPS` minus 1): length 1 at ``code_0``,
length 2 at ``4 + code_0 + 4 * code_1``, length 3 at ``20 + code_0 + 4 * code_1 + 16 * code_2``
(first op least significant). An all-'none' cell encodes to all zeros. (BANANAS' NB201 code
keeps 'none' as a label, giving 155 columns and a 1 even for paths through 'none'.)
"""

from __future__ import annotations

import itertools

import numpy as np

from graph_encodings.encodings.indices import DartsIndices, NB201Indices
from graph_encodings.spaces.darts import CELL_TYPES, DARTS_OPS, N_INTERMEDIATE
from graph_encodings.spaces.nb201 import NB201_EDGES, NB201_OPS

_N_OPS = len(DARTS_OPS)
DARTS_BLOCK = sum(_N_OPS**length for length in range(N_INTERMEDIATE + 1))  # 2801
DARTS_DIM = 2 * len(CELL_TYPES) * DARTS_BLOCK  # 11,204
_INPUT_NAMES = ("c_k-2", "c_k-1")


def _darts_chains() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every chain of edge slots that can form a path, padded to length 4.

    A path visits intermediate nodes t_1 < ... < t_L and enters each through one of its two
    slots; 3**4 - 1 = 80 such chains. Returns slots (80, 4; -1 pad), the node each slot must
    read for the chain to be a path (80, 4; -1 for the first slot and the padding) and the
    chain length (80,).
    """
    slots, needs, lengths = [], [], []
    nodes = range(2, 2 + N_INTERMEDIATE)
    for length in range(1, N_INTERMEDIATE + 1):
        for targets in itertools.combinations(nodes, length):
            for sides in itertools.product((0, 1), repeat=length):
                chain = [2 * (t - 2) + s for t, s in zip(targets, sides, strict=True)]
                pad = N_INTERMEDIATE - length
                slots.append(chain + [-1] * pad)
                needs.append([-1, *targets[:-1]] + [-1] * pad)
                lengths.append(length)
    return np.array(slots), np.array(needs), np.array(lengths)


_CHAIN_SLOTS, _CHAIN_NEEDS, _CHAIN_LENGTHS = _darts_chains()
_CHAIN_USED = _CHAIN_SLOTS >= 0  # (80, 4)
_CHAIN_LINKED = _CHAIN_NEEDS >= 0  # slots that must read the previous node of the chain
_DIGIT = _N_OPS ** np.arange(N_INTERMEDIATE)  # 7**j


def darts_path(idx: DartsIndices) -> np.ndarray:
    """(n, 11204) float32 BANANAS path encoding of DARTS archs (layout: module docstring)."""
    n = len(idx)
    slots = np.where(_CHAIN_USED, _CHAIN_SLOTS, 0)
    ins = idx.inputs[:, :, slots]  # (n, 2, 80, 4)
    ops = idx.ops[:, :, slots].astype(np.int64)
    first_in = ins[..., 0]
    valid = (first_in < 2) & np.all(~_CHAIN_LINKED | (ins == _CHAIN_NEEDS), axis=-1)
    label = np.sum(np.where(_CHAIN_USED, (ops + 1) * _DIGIT, 0), axis=-1)  # (n, 2, 80)
    block = 2 * np.arange(len(CELL_TYPES))[:, None] + first_in  # (n, 2, 80)
    cols = block * DARTS_BLOCK + label
    rows = np.broadcast_to(np.arange(n)[:, None, None], cols.shape)
    out = np.zeros((n, DARTS_DIM), dtype=np.float32)
    out[rows[valid], cols[valid]] = 1.0
    return out


def darts_path_names() -> list[str]:
    """Column names, e.g. ``normal:c_k-2>sep_conv_3x3>skip_connect``; ``...:<empty>`` is unused."""
    names = [""] * DARTS_DIM
    for b, (cell, inp) in enumerate(itertools.product(CELL_TYPES, _INPUT_NAMES)):
        names[b * DARTS_BLOCK] = f"{cell}:{inp}:<empty>"
        for length in range(1, N_INTERMEDIATE + 1):
            for seq in itertools.product(range(_N_OPS), repeat=length):
                col = b * DARTS_BLOCK + sum(_N_OPS**j * (o + 1) for j, o in enumerate(seq))
                names[col] = ">".join([f"{cell}:{inp}", *(DARTS_OPS[o] for o in seq)])
    return names


def _nb201_paths() -> tuple[tuple[int, ...], ...]:
    """The input->output paths of the NB201 cell as edge positions in :data:`NB201_EDGES`.

    Sorted by length, then lexicographically: ((3,), (0, 4), (1, 5), (0, 2, 5)).
    """
    out_node = max(dst for dst, _ in NB201_EDGES)

    def walk(node: int) -> list[tuple[int, ...]]:
        if node == out_node:
            return [()]
        return [
            (e, *rest)
            for e, (dst, src) in enumerate(NB201_EDGES)
            if src == node
            for rest in walk(dst)
        ]

    return tuple(sorted(walk(0), key=lambda p: (len(p), p)))


_NB201_PATHS = _nb201_paths()
_NB201_LABEL_OPS = NB201_OPS[1:]  # 'none' carries no path
_K = len(_NB201_LABEL_OPS)  # 4
NB201_DIM = _K + _K**2 + _K**3  # 84


def _nb201_path_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges (4, 3; -1 pad), base column (4,) and digit weights (4, 3) of the 4 NB201 paths."""
    base_by_len = {1: 0, 2: _K, 3: _K + _K**2}
    edges = np.full((len(_NB201_PATHS), 3), -1)
    weights = np.zeros((len(_NB201_PATHS), 3), dtype=np.int64)
    for p, path in enumerate(_NB201_PATHS):
        edges[p, : len(path)] = path
        weights[p, : len(path)] = _K ** np.arange(len(path))
    base = np.array([base_by_len[len(p)] for p in _NB201_PATHS])
    return edges, base, weights


_NB201_PATH_EDGES, _NB201_PATH_BASE, _NB201_PATH_WEIGHTS = _nb201_path_tables()


def nb201_path(idx: NB201Indices) -> np.ndarray:
    """(n, 84) float32 path encoding of NB201 archs, 'none' paths dropped (module docstring)."""
    n = len(idx)
    used = _NB201_PATH_EDGES >= 0
    ops = idx.ops[:, np.where(used, _NB201_PATH_EDGES, 0)].astype(np.int64)  # (n, 4, 3)
    valid = np.all(~used | (ops > 0), axis=-1)  # (n, 4): no 'none' on the path
    cols = _NB201_PATH_BASE + np.sum((ops - 1) * _NB201_PATH_WEIGHTS, axis=-1)
    rows = np.broadcast_to(np.arange(n)[:, None], cols.shape)
    out = np.zeros((n, NB201_DIM), dtype=np.float32)
    out[rows[valid], cols[valid]] = 1.0
    return out


def nb201_path_names() -> list[str]:
    """Column names: the op sequence from input to output, e.g. ``skip_connect>nor_conv_3x3``."""
    names = []
    for length in (1, 2, 3):
        # Columns run with the first op as the least significant digit.
        for seq in itertools.product(range(_K), repeat=length):
            names.append(">".join(_NB201_LABEL_OPS[o] for o in reversed(seq)))
    return names
