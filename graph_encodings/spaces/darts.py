"""The DARTS / NAS-Bench-301 / NAS-Bench-360 cell search space."""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from graph_encodings.seeds import as_rng
from graph_encodings.spaces import darts_canonical as canon
from graph_encodings.spaces.base import SearchSpace
from graph_encodings.spaces.genotype_text import GENOTYPE_FIELDS, parse_genotype_text

if TYPE_CHECKING:  # networkx is imported by to_graph only: importing stays fast
    import networkx as nx

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
# DARTS' published DARTS_V2 cells (Liu et al., 2019), in DARTS' own genotype text.
DARTS_V2 = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
    "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), "
    "('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
    "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
)

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
if len(DARTS_OPS) != canon.N_OPS or N_INTERMEDIATE != canon.N_NODES:  # pragma: no cover
    raise RuntimeError("darts_canonical's codes do not match DARTS_OPS / N_INTERMEDIATE")

# Pair codes of darts_canonical (input * 7 + op) and the pairs / text of each node code.
_PAIR_CODE: dict[tuple[str, int], int] = {
    (op, i): i * canon.N_OPS + o for o, op in enumerate(DARTS_OPS) for i in range(canon.N_INPUTS)
}
_PAIRS: tuple[tuple[str, int], ...] = tuple(
    (DARTS_OPS[c % canon.N_OPS], c // canon.N_OPS) for c in range(canon.PAIR_BASE)
)
_NODE_PAIRS: tuple[tuple[tuple[str, int], tuple[str, int]], ...] = tuple(
    (_PAIRS[c // canon.PAIR_BASE], _PAIRS[c % canon.PAIR_BASE]) for c in range(canon.NODE_BASE)
)
_NODE_TEXT: tuple[str, ...] = tuple(
    ", ".join(f"({op!r}, {i})" for op, i in pairs) for pairs in _NODE_PAIRS
)
_CONCAT_TEXT = "[" + ", ".join(str(c) for c in CONCAT) + "]"
# Every valid ((op, input), (op, input)) of each intermediate node: distinct inputs 0..node-1.
_VALID_NODE_PAIRS: tuple[frozenset[tuple[tuple[str, int], tuple[str, int]]], ...] = tuple(
    frozenset(
        ((op_a, a), (op_b, b))
        for a, b in itertools.permutations(range(node), 2)
        for op_a in DARTS_OPS
        for op_b in DARTS_OPS
    )
    for node in _NODES
)
_TUPLE_TYPE = {tuple}
_STR_INT_TYPES = {str, int}


def _node_of_edge(edge: int) -> int:
    return edge // 2 + 2


def _cell_is_valid(cell: Any) -> bool:
    """Fast exact check of one cell: a tuple of 8 ``(str, int)`` tuples, valid for their nodes."""
    if type(cell) is not tuple or len(cell) != N_EDGES or set(map(type, cell)) != _TUPLE_TYPE:
        return False
    v0, v1, v2, v3 = _VALID_NODE_PAIRS
    return (
        (cell[0], cell[1]) in v0
        and (cell[2], cell[3]) in v1
        and (cell[4], cell[5]) in v2
        and (cell[6], cell[7]) in v3
        and set(map(type, itertools.chain.from_iterable(cell))) == _STR_INT_TYPES
    )


def _cell_number(cell: Cell) -> int:
    """The canonical cell number (:mod:`.darts_canonical`) of a valid cell."""
    return canon.canonical_cell_number([_PAIR_CODE[p] for p in cell])


def _cell_of(node_codes: Sequence[int]) -> Cell:
    n0, n1, n2, n3 = node_codes
    return _NODE_PAIRS[n0] + _NODE_PAIRS[n1] + _NODE_PAIRS[n2] + _NODE_PAIRS[n3]


def _cell_text(node_codes: Sequence[int]) -> str:
    n0, n1, n2, n3 = node_codes
    return f"[{_NODE_TEXT[n0]}, {_NODE_TEXT[n1]}, {_NODE_TEXT[n2]}, {_NODE_TEXT[n3]}]"


def _genotype_text(normal: Sequence[int], reduce: Sequence[int]) -> str:
    """``str(DartsArch)`` of the cells with these node codes, without building the object."""
    return (
        f"Genotype(normal={_cell_text(normal)}, normal_concat={_CONCAT_TEXT}, "
        f"reduce={_cell_text(reduce)}, reduce_concat={_CONCAT_TEXT})"
    )


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
        rng = as_rng(rng, "rng")
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
        if (
            isinstance(arch, DartsArch)
            and _cell_is_valid(arch.normal)
            and _cell_is_valid(arch.reduce)
        ):
            return arch
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
        """Smallest equivalent form under input swaps and consistent renumbering, per cell.

        Definition and algorithm: :mod:`graph_encodings.spaces.darts_canonical`.
        """
        self.validate(arch)
        numbers = (_cell_number(arch.normal), _cell_number(arch.reduce))
        normal, reduce = (_cell_of(canon.number_node_codes(n)) for n in numbers)
        return DartsArch(normal=normal, reduce=reduce)

    def canonical_many(self, archs: Sequence[DartsArch], validated: bool = False) -> list[DartsArch]:
        """:meth:`canonical` of every arch, vectorised over the batch (see the base class)."""
        return [
            DartsArch(normal=_cell_of(n), reduce=_cell_of(r))
            for n, r in self._node_codes(archs, validated)
        ]

    def canonical_key(self, arch: DartsArch) -> str:
        """The Genotype text of :meth:`canonical`, written straight from the canonical codes."""
        self.validate(arch)
        normal, reduce = (
            canon.number_node_codes(_cell_number(c)) for c in (arch.normal, arch.reduce)
        )
        return _genotype_text(normal, reduce)

    def canonical_keys(self, archs: Sequence[DartsArch]) -> list[str]:
        """:meth:`canonical_key` of every arch, vectorised over the batch."""
        return [_genotype_text(n, r) for n, r in self._node_codes(archs)]

    def _node_codes(self, archs: Sequence[DartsArch], validated: bool = False) -> list[list[list[int]]]:
        """Per arch, the canonical node codes of its normal and reduce cell (validated first
        unless ``validated``)."""
        if not validated:
            for arch in archs:
                self.validate(arch)
        codes = np.fromiter(
            (_PAIR_CODE[p] for a in archs for p in a.normal + a.reduce),
            dtype=np.int64,
            count=len(archs) * 2 * N_EDGES,
        )
        numbers = canon.canonical_cell_numbers(codes.reshape(-1, N_EDGES))
        return canon.cell_node_codes(numbers).reshape(len(archs), 2, N_INTERMEDIATE).tolist()

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
        import networkx as nx

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
