"""The DARTS / NAS-Bench-301 / NAS-Bench-360 cell search space."""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from graph_encodings.spaces.base import SearchSpace
from graph_encodings.spaces.genotype_text import GENOTYPE_FIELDS, parse_genotype_text

# The 7 NB301 primitives (order used for every integer coding of ops in this project).
DARTS_OPS: tuple[str, ...] = (
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)
N_INTERMEDIATE = 4  # intermediate nodes 2..5; nodes 0, 1 are the two cell inputs
N_EDGES = 2 * N_INTERMEDIATE  # 8 (op, input) pairs per cell
CONCAT: tuple[int, ...] = (2, 3, 4, 5)
CELL_TYPES: tuple[str, ...] = ("normal", "reduce")

Cell = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class DartsArch:
    """A DARTS genotype: for each cell type, 8 ``(op, input)`` pairs.

    Pairs ``2k`` and ``2k + 1`` feed intermediate node ``k + 2``; an input is a node index
    ``0..k+1`` (0 and 1 are the cell inputs c_{k-2} and c_{k-1}). The two inputs of a node are
    distinct nodes (as in DARTS-derived genotypes and NB301's ConfigSpace). All four intermediate
    nodes are concatenated to the cell output.
    """

    normal: Cell
    reduce: Cell

    def cell(self, cell_type: str) -> Cell:
        return self.normal if cell_type == "normal" else self.reduce

    def __str__(self) -> str:
        def pairs(cell: Cell) -> str:
            return "[" + ", ".join(f"({op!r}, {i})" for op, i in cell) + "]"

        concat = "[" + ", ".join(str(c) for c in CONCAT) + "]"
        return (
            f"Genotype(normal={pairs(self.normal)}, normal_concat={concat}, "
            f"reduce={pairs(self.reduce)}, reduce_concat={concat})"
        )


_OP_INDEX: dict[str, int] = {op: k for k, op in enumerate(DARTS_OPS)}
_NODES: tuple[int, ...] = tuple(range(2, 2 + N_INTERMEDIATE))
# Every relabelling of the intermediate nodes: _RELABELLINGS[p][k] = new label of node k + 2.
_RELABELLINGS: tuple[tuple[int, ...], ...] = tuple(itertools.permutations(_NODES))


def _node_of_edge(edge: int) -> int:
    return edge // 2 + 2


def _canonical_cell(cell: Cell) -> Cell:
    """Smallest relabelled form of ``cell`` over input swaps and topological renumberings.

    A form is compared as the tuple of ``(input, op index)`` pairs, each node's two pairs sorted
    by input. Only relabellings under which every node's inputs stay earlier than the node are
    functionally equivalent ones; at most 24 per cell.
    """
    coded = [(i, _OP_INDEX[op]) for op, i in cell]
    best_key: tuple[tuple[int, int], ...] | None = None
    for labels in _RELABELLINGS:
        relabel = (0, 1, *labels)
        new_cell: list[tuple[tuple[int, int], ...]] = [()] * N_INTERMEDIATE
        for k in range(N_INTERMEDIATE):
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
    assert best_key is not None  # the identity relabelling is always valid
    return tuple((DARTS_OPS[o], i) for i, o in best_key)


def _plain_pair(raw: Any, cell_type: str, edge: int) -> tuple[str, int]:
    """``(op, input)`` with plain ``str``/``int`` types from any 2-sequence (numpy scalars ok)."""
    if isinstance(raw, (str, bytes)) or not hasattr(raw, "__len__") or len(raw) != 2:
        raise ValueError(f"{cell_type} cell edge {edge}: expected an (op, input) pair, got {raw!r}")
    op, i = raw
    if not isinstance(op, str):
        raise ValueError(f"{cell_type} cell edge {edge}: op must be a string, got {op!r}")
    if isinstance(i, bool) or not isinstance(i, numbers.Integral):
        raise ValueError(f"{cell_type} cell edge {edge}: input must be an integer, got {i!r}")
    return str(op), int(i)


def _plain_cell(raw: Any, cell_type: str) -> Cell:
    if isinstance(raw, (str, bytes, Mapping)) or not hasattr(raw, "__iter__"):
        raise ValueError(f"{cell_type} cell must be a list of (op, input) pairs, got {raw!r}")
    return tuple(_plain_pair(p, cell_type, e) for e, p in enumerate(raw))


def _check_concat(value: Any, field: str) -> None:
    try:
        concat = None if isinstance(value, (str, bytes)) else [int(c) for c in value]
    except (TypeError, ValueError):
        concat = None
    if concat != list(CONCAT):
        raise ValueError(
            f"{field}={value!r} is not supported: this space always concatenates all four "
            f"intermediate nodes, {field}=[2, 3, 4, 5]"
        )


class DartsSpace(SearchSpace):
    """The NB301 / NB360 DARTS cell space (normal and reduction cell, 4 intermediate nodes).

    Text form: DARTS ``Genotype(...)`` text (:meth:`DartsArch.__str__`). :meth:`parse` also takes
    DARTS variants (``range(2, 6)``, other whitespace or quotes), a DARTS ``Genotype`` namedtuple,
    an NB301 ConfigSpace dict, or a :class:`DartsArch`. :meth:`to_graph` puts ops on edges.
    """

    name = "darts"
    arch_type = DartsArch

    # -- generation -------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator | int | None = None) -> DartsArch:
        """Uniform: an ordered pair of distinct inputs per node and an op per edge, uniformly."""
        rng = np.random.default_rng(rng)
        cells = []
        for _ in CELL_TYPES:
            ops = rng.integers(len(DARTS_OPS), size=N_EDGES)
            pairs: list[tuple[str, int]] = []
            for k, node in enumerate(_NODES):
                inputs = rng.choice(node, size=2, replace=False)
                pairs += [(DARTS_OPS[ops[2 * k + j]], int(inputs[j])) for j in range(2)]
            cells.append(tuple(pairs))
        return DartsArch(normal=cells[0], reduce=cells[1])

    def neighbours(self, arch: DartsArch) -> list[DartsArch]:
        """One op changed on one edge, or the inputs of one node replaced (ops kept in place).

        Input changes range over all ordered pairs of distinct valid inputs other than the
        current one; swapping the inputs of a node whose two ops are equal is left out, as it
        gives the same network.
        """
        self.validate(arch)
        out: list[DartsArch] = []
        for cell_type in CELL_TYPES:
            cell = arch.cell(cell_type)
            for e, (op, i) in enumerate(cell):
                for new_op in DARTS_OPS:
                    if new_op != op:
                        out.append(self._replace(arch, cell_type, {e: (new_op, i)}))
            for k, node in enumerate(_NODES):
                (op_a, in_a), (op_b, in_b) = cell[2 * k], cell[2 * k + 1]
                for a, b in itertools.permutations(range(node), 2):
                    if (a, b) == (in_a, in_b) or (op_a == op_b and (a, b) == (in_b, in_a)):
                        continue
                    out.append(
                        self._replace(arch, cell_type, {2 * k: (op_a, a), 2 * k + 1: (op_b, b)})
                    )
        return out

    @staticmethod
    def _replace(arch: DartsArch, cell_type: str, changes: dict[int, tuple[str, int]]) -> DartsArch:
        cell = tuple(changes.get(e, p) for e, p in enumerate(arch.cell(cell_type)))
        if cell_type == "normal":
            return DartsArch(normal=cell, reduce=arch.reduce)
        return DartsArch(normal=arch.normal, reduce=cell)

    # -- checking and text ------------------------------------------------------------------
    def validate(self, arch: Any) -> DartsArch:
        """Return ``arch`` if valid; ``ValueError`` naming the cell, edge and bad value if not."""
        if not isinstance(arch, DartsArch):
            raise ValueError(
                f"expected a DartsArch, got {type(arch).__name__} (DartsSpace.parse reads "
                f"Genotype text, NB301 ConfigSpace dicts and Genotype tuples)"
            )
        for cell_type in CELL_TYPES:
            self._validate_cell(arch.cell(cell_type), cell_type)
        return arch

    @staticmethod
    def _validate_cell(cell: Any, cell_type: str) -> None:
        if not isinstance(cell, tuple):
            raise ValueError(
                f"{cell_type} cell must be a tuple of (op, input) tuples, got "
                f"{type(cell).__name__} (DartsSpace.parse(arch) converts lists)"
            )
        if len(cell) != N_EDGES:
            raise ValueError(
                f"{cell_type} cell has {len(cell)} (op, input) pairs; expected {N_EDGES} "
                f"(2 for each intermediate node 2..{N_INTERMEDIATE + 1})"
            )
        for e, pair in enumerate(cell):
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise ValueError(
                    f"{cell_type} cell edge {e}: expected an (op, input) tuple, got {pair!r}"
                )
            op, i = pair
            op_ok, input_ok = type(op) is str, type(i) is int
            if not (op_ok and input_ok):
                raise ValueError(
                    f"{cell_type} cell edge {e}: expected a (str, int) pair, got {pair!r} "
                    f"(DartsSpace.parse(arch) converts numpy scalars)"
                )
            if op not in _OP_INDEX:
                raise ValueError(
                    f"{cell_type} cell edge {e}: unknown op {op!r} (valid ops: {', '.join(DARTS_OPS)})"
                )
            node = _node_of_edge(e)
            if not 0 <= i < node:
                raise ValueError(
                    f"{cell_type} cell edge {e}: input {i!r} invalid for node {node} "
                    f"(valid inputs 0..{node - 1})"
                )
            if e % 2 == 1 and cell[e - 1][1] == i:
                raise ValueError(
                    f"{cell_type} cell node {node}: both inputs are node {i} "
                    f"(edges {e - 1} and {e}); the two inputs of a node must be distinct"
                )

    def parse(self, text: Any) -> DartsArch:
        """A :class:`DartsArch` from Genotype text, a Genotype tuple, an NB301 dict or a DartsArch."""
        if isinstance(text, DartsArch):
            fields = {"normal": text.normal, "reduce": text.reduce}
        elif isinstance(text, Mapping):
            from graph_encodings.spaces.nb301_configspace import from_configspace_dict

            return self.validate(from_configspace_dict(text))
        elif isinstance(text, str):
            fields = parse_genotype_text(text)
        elif all(hasattr(text, f) for f in GENOTYPE_FIELDS):
            fields = {f: getattr(text, f) for f in GENOTYPE_FIELDS}
        else:
            raise ValueError(
                f"cannot parse a DARTS architecture from {type(text).__name__} {text!r}; expected "
                f"Genotype text, a Genotype tuple, an NB301 ConfigSpace dict or a DartsArch"
            )
        for field in ("normal_concat", "reduce_concat"):
            if field in fields:
                _check_concat(fields[field], field)
        arch = DartsArch(
            normal=_plain_cell(fields["normal"], "normal"),
            reduce=_plain_cell(fields["reduce"], "reduce"),
        )
        return self.validate(arch)

    # -- identity ---------------------------------------------------------------------------
    def canonical(self, arch: DartsArch) -> DartsArch:
        """Smallest equivalent form under input swaps and consistent renumbering, per cell."""
        self.validate(arch)
        return DartsArch(normal=_canonical_cell(arch.normal), reduce=_canonical_cell(arch.reduce))

    # -- graphs -----------------------------------------------------------------------------
    def to_graph(self, arch: DartsArch) -> nx.DiGraph:
        """Both cells as one DiGraph with ops on edges.

        Nodes ``"<cell>:in0"``, ``"<cell>:in1"`` (cell inputs), ``"<cell>:n2"``..``"<cell>:n5"``
        (intermediate sums) and ``"<cell>:out"`` (concatenation), with attributes ``cell`` and
        ``kind`` (``input``/``intermediate``/``output``). Each genotype pair is an edge
        input -> node with attributes ``op`` (the primitive) and ``edge`` (its index 0..7); the
        edges n_k -> out have ``op="concat"``. A node's two inputs are distinct, so no two
        pairs share an edge. The two cells are not connected.
        """
        self.validate(arch)
        g = nx.DiGraph(space=self.name)
        for cell_type in CELL_TYPES:
            names = [f"{cell_type}:in0", f"{cell_type}:in1"] + [f"{cell_type}:n{n}" for n in _NODES]
            for k, name in enumerate(names):
                g.add_node(name, cell=cell_type, kind="input" if k < 2 else "intermediate")
            out = f"{cell_type}:out"
            g.add_node(out, cell=cell_type, kind="output")
            for e, (op, i) in enumerate(arch.cell(cell_type)):
                g.add_edge(names[i], names[_node_of_edge(e)], op=op, edge=e)
            for n in _NODES:
                g.add_edge(names[n], out, op="concat")
        return g
