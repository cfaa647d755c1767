"""Turn a list of architectures into integer index arrays in one pass (the input of every encoder).

Every encoder works on these arrays, never on the arch objects, so an encoding costs one Python
pass over the archs (a list comprehension with precomputed dict look-ups) plus numpy work.
Validation is vectorised too; a bad architecture raises ``ValueError`` naming its position and
what is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from graph_encodings.spaces.darts import CELL_TYPES, DARTS_OPS, N_EDGES, DartsArch
from graph_encodings.spaces.nb201 import NB201_EDGES, NB201_OPS, NB201Arch

# (op, input) pair -> op * N_INPUTS + input, for every pair that can occur in some slot.
DARTS_N_INPUTS = 5  # inputs 0..4 (node 5 may read nodes 0..4)
_DARTS_PAIR_CODE: dict[tuple[str, int], int] = {
    (op, i): o * DARTS_N_INPUTS + i for o, op in enumerate(DARTS_OPS) for i in range(DARTS_N_INPUTS)
}
_NB201_OP_CODE: dict[str, int] = {op: o for o, op in enumerate(NB201_OPS)}
# Largest valid input of each edge slot: slot j feeds node j // 2 + 2, which reads nodes < it.
_DARTS_MAX_INPUT = np.array([j // 2 + 1 for j in range(N_EDGES)], dtype=np.int8)


@dataclass(frozen=True)
class DartsIndices:
    """Integer form of ``n`` DARTS archs: ``ops`` and ``inputs``, each int8 of shape (n, 2, 8).

    Axis 1 is the cell (0 normal, 1 reduce), axis 2 the edge slot (slots 2k, 2k+1 feed node k+2);
    ``ops`` indexes :data:`DARTS_OPS`, ``inputs`` is the input node (0..k+1).
    """

    ops: np.ndarray
    inputs: np.ndarray

    def __len__(self) -> int:
        return self.ops.shape[0]


@dataclass(frozen=True)
class NB201Indices:
    """Integer form of ``n`` NB201 archs: ``ops``, int8 of shape (n, 6), indexing NB201_OPS."""

    ops: np.ndarray

    def __len__(self) -> int:
        return self.ops.shape[0]


def darts_indices(archs: Sequence[DartsArch]) -> DartsIndices:
    """Index arrays of DARTS archs (objects of :class:`DartsArch`), validated as a batch."""
    n = len(archs)
    try:
        codes = [_DARTS_PAIR_CODE[p] for a in archs for cell in (a.normal, a.reduce) for p in cell]
    except (KeyError, TypeError) as err:
        raise _darts_error(archs) from err
    if len(codes) != n * 2 * N_EDGES:
        raise _darts_error(archs)
    code = np.fromiter(codes, dtype=np.int8, count=len(codes)).reshape(n, 2, N_EDGES)
    ops, inputs = np.divmod(code, DARTS_N_INPUTS)
    bad = (inputs > _DARTS_MAX_INPUT).any(axis=(1, 2)) | (
        inputs[:, :, 0::2] == inputs[:, :, 1::2]
    ).any(axis=(1, 2))
    if bad.any():
        raise _darts_error(archs, first=int(np.argmax(bad)))
    return DartsIndices(ops=ops, inputs=inputs)


def nb201_indices(archs: Sequence[NB201Arch]) -> NB201Indices:
    """Index array of NB201 archs (objects of :class:`NB201Arch`), validated as a batch."""
    n = len(archs)
    try:
        codes = [_NB201_OP_CODE[op] for a in archs for op in a.ops]
    except (KeyError, TypeError) as err:
        raise _nb201_error(archs) from err
    if len(codes) != n * len(NB201_EDGES):
        raise _nb201_error(archs)
    return NB201Indices(
        ops=np.fromiter(codes, dtype=np.int8, count=len(codes)).reshape(n, len(NB201_EDGES))
    )


def _darts_error(archs: Sequence[DartsArch], first: int = 0) -> ValueError:
    """A ``ValueError`` naming the first invalid DARTS arch (from index ``first``) and its fault."""
    for k in range(first, len(archs)):
        problem = _darts_problem(archs[k])
        if problem:
            return ValueError(f"archs[{k}] is not a valid DARTS architecture: {problem}")
    return ValueError("invalid DARTS architecture in archs")  # pragma: no cover - defensive


def _darts_problem(arch: DartsArch) -> str:
    for cell_type in CELL_TYPES:
        cell = getattr(arch, cell_type, None)
        if not isinstance(cell, tuple) or len(cell) != N_EDGES:
            return (
                f"the {cell_type} cell must be a tuple of {N_EDGES} (op, input) pairs, got {cell!r}"
            )
        for j, pair in enumerate(cell):
            if not isinstance(pair, tuple) or len(pair) != 2:
                return f"{cell_type} slot {j} must be an (op, input) tuple, got {pair!r}"
            op, inp = pair
            node = j // 2 + 2
            if op not in DARTS_OPS:
                return (
                    f"{cell_type} slot {j} has unknown op {op!r}; valid ops: {', '.join(DARTS_OPS)}"
                )
            if not isinstance(inp, (int, np.integer)) or not 0 <= inp < node:
                return f"{cell_type} slot {j} (node {node}) has input {inp!r}; valid inputs: 0..{node - 1}"
            if j % 2 == 1 and cell[j - 1][1] == inp:
                return f"node {node} of the {cell_type} cell takes input {inp} twice"
    return ""


def _nb201_error(archs: Sequence[NB201Arch]) -> ValueError:
    n_edges = len(NB201_EDGES)
    for k, a in enumerate(archs):
        ops = getattr(a, "ops", None)
        if not isinstance(ops, tuple) or len(ops) != n_edges:
            return ValueError(f"archs[{k}] must have a tuple of {n_edges} ops, got {ops!r}")
        for op in ops:
            if not isinstance(op, str) or op not in _NB201_OP_CODE:
                return ValueError(
                    f"archs[{k}] has unknown NB201 op {op!r}; valid ops: {', '.join(NB201_OPS)}"
                )
    return ValueError("invalid NB201 architecture in archs")  # pragma: no cover - defensive
