"""The NAS-Bench-201 cell search space."""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from graph_encodings.seeds import as_rng
from graph_encodings.spaces.base import SearchSpace

# NB201 op order (the order of NB201's search space list; integer coding of ops uses it).
NB201_OPS: tuple[str, ...] = (
    "none",
    "skip_connect",
    "nor_conv_1x1",
    "nor_conv_3x3",
    "avg_pool_3x3",
)
# The 6 edges in NB201 string order, as (target node, source node).
NB201_EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
N_ARCHS = len(NB201_OPS) ** len(NB201_EDGES)  # 15,625
N_CLASSES = 6466  # isomorphism classes of the 15,625 (canonical forms; tests/graph_encodings recount)


@dataclass(frozen=True)
class NB201Arch:
    """An NB201 cell: one op per edge, edges in the order of :data:`NB201_EDGES`."""

    ops: tuple[str, ...]

    def __str__(self) -> str:
        o = self.ops
        return f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"


_OP_INDEX: dict[str, int] = {op: k for k, op in enumerate(NB201_OPS)}
_ORDER_FILE = Path(__file__).with_name("nb201_order.txt")
_N_NODES = 4


@functools.cache
def _index_order() -> tuple[tuple[tuple[str, ...], ...], dict[tuple[str, ...], int]]:
    """NB201's architecture order (index -> ops) and its inverse, from ``nb201_order.txt``.

    NB201 numbers its 15,625 architectures in the order of its benchmark file, which follows
    no formula (no base-5 reading of the edges in any order reproduces it), so the order ships
    as data: one line of 6 op codes per index.
    """
    lines = [ln for ln in _ORDER_FILE.read_text().splitlines() if ln and not ln.startswith("#")]
    order = tuple(tuple(NB201_OPS[int(c)] for c in ln) for ln in lines)
    inverse = {ops: k for k, ops in enumerate(order)}
    if len(order) != N_ARCHS or len(inverse) != N_ARCHS:
        raise RuntimeError(f"{_ORDER_FILE} is corrupt: {len(order)} lines, {len(inverse)} distinct")
    return order, inverse


def functional_key(ops: tuple[str, ...]) -> str:
    """NB201's isomorphism key: the symbolic expression of the output node (node 3).

    The rules of NB201's ``Structure.to_unique_str(consider_zero=True)``, which define the
    table's ``iso_rep_idx`` classes (checked on all 15,625): node 0 is ``x``; an edge gives the
    zero term ``#`` when its op is ``none`` or its source node is zero, the source expression
    itself for ``skip_connect``, else ``(source)@op``; a node is the ``+``-join of its sorted
    terms, and it is zero only when it is a single zero term (so only node 1 can be zero: a
    node whose several inputs are all zero is kept as a distinct expression, as in NB201).
    """
    exprs = ["x"]
    zero = [False]
    for node in range(1, _N_NODES):
        terms = []
        for (target, source), op in zip(NB201_EDGES, ops, strict=True):
            if target != node:
                continue
            if op == "none" or zero[source]:
                terms.append("#")
            elif op == "skip_connect":
                terms.append(exprs[source])
            else:
                terms.append(f"({exprs[source]})@{op}")
        exprs.append("+".join(sorted(terms)))
        zero.append(terms == ["#"])
    return exprs[-1]


@functools.cache
def _representatives() -> dict[str, int]:
    """Functional key -> smallest NB201 index with that key (NB201's ``iso_rep_idx``)."""
    reps: dict[str, int] = {}
    for k, ops in enumerate(_index_order()[0]):
        reps.setdefault(functional_key(ops), k)
    return reps


if TYPE_CHECKING:  # networkx is imported by to_graph only: importing stays fast
    import networkx as nx


class NB201Space(SearchSpace):
    """The NAS-Bench-201 cell: 4 nodes, 6 edges, 5 ops per edge (15,625 architectures).

    Text form: NB201's ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``. :meth:`parse` also takes an
    NB201 index (0..15624) or an :class:`NB201Arch`. :meth:`canonical` is the member of the
    architecture's isomorphism class with the smallest NB201 index (the table's ``iso_rep_idx``).
    """

    name = "nb201"
    arch_type = NB201Arch
    n_classes = N_CLASSES

    # -- generation -------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator | int | None = None) -> NB201Arch:
        """Uniform over the 15,625 architectures (one uniform op per edge)."""
        rng = as_rng(rng, "rng")
        codes = rng.integers(len(NB201_OPS), size=len(NB201_EDGES))
        return NB201Arch(tuple(NB201_OPS[c] for c in codes))

    def neighbours(self, arch: NB201Arch) -> list[NB201Arch]:
        """The 24 architectures with exactly one edge's op changed."""
        ops = self.validate(arch).ops
        return [
            NB201Arch(ops[:e] + (op,) + ops[e + 1 :])
            for e in range(len(NB201_EDGES))
            for op in NB201_OPS
            if op != ops[e]
        ]

    # -- checking and text ------------------------------------------------------------------
    def validate(self, arch: Any) -> NB201Arch:
        """Return ``arch`` if valid; ``ValueError`` naming the bad edge or value if not."""
        if not isinstance(arch, NB201Arch):
            raise ValueError(
                f"expected an NB201Arch, got {type(arch).__name__} (NB201Space.parse reads "
                f"NB201 strings and indices)"
            )
        ops = arch.ops
        if not isinstance(ops, tuple) or len(ops) != len(NB201_EDGES):
            raise ValueError(
                f"NB201Arch.ops must be a tuple of {len(NB201_EDGES)} ops, got {ops!r}"
            )
        for e, op in enumerate(ops):
            if type(op) is not str or op not in _OP_INDEX:
                target, source = NB201_EDGES[e]
                raise ValueError(
                    f"edge {e} ({source}->{target}): unknown op {op!r} "
                    f"(valid ops: {', '.join(NB201_OPS)})"
                )
        return arch

    def parse(self, text: Any) -> NB201Arch:
        """An :class:`NB201Arch` from an NB201 string, an index 0..15624 or an NB201Arch."""
        if isinstance(text, NB201Arch):
            return self.validate(NB201Arch(tuple(text.ops)))
        if isinstance(text, numbers.Integral) and not isinstance(text, bool):
            return self.from_index(int(text))
        if not isinstance(text, str):
            raise ValueError(
                f"cannot parse an NB201 architecture from {type(text).__name__} {text!r}; expected "
                f"a string like '|nor_conv_3x3~0|+|none~0|skip_connect~1|+|...|', an index or an NB201Arch"
            )
        return self.validate(NB201Arch(_parse_nb201_string(text)))

    def index(self, arch: NB201Arch) -> int:
        """The NB201 index (0..15624) of ``arch``: its row in NB201's benchmark order."""
        return _index_order()[1][self.validate(arch).ops]

    def from_index(self, index: int) -> NB201Arch:
        """The architecture with NB201 index ``index``."""
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise ValueError(f"NB201 index must be an integer, got {index!r}")
        if not 0 <= index < N_ARCHS:
            raise ValueError(f"NB201 index {index} out of range 0..{N_ARCHS - 1}")
        return NB201Arch(_index_order()[0][int(index)])

    # -- identity ---------------------------------------------------------------------------
    def canonical(self, arch: NB201Arch) -> NB201Arch:
        """The member of ``arch``'s isomorphism class with the smallest NB201 index."""
        return self.from_index(_representatives()[functional_key(self.validate(arch).ops)])

    def iso_rep_index(self, arch: NB201Arch) -> int:
        """NB201 index of :meth:`canonical` (the table's ``iso_rep_idx``)."""
        return _representatives()[functional_key(self.validate(arch).ops)]

    def is_disconnected(self, arch: NB201Arch) -> bool:
        """Whether every path from node 0 to node 3 passes a ``none`` edge (341 of the 15,625
        cells; in NB360's tables each of them scores the same as the others on its task)."""
        ops = self.validate(arch).ops
        reached = [True] + [False] * (_N_NODES - 1)
        for (target, source), op in zip(NB201_EDGES, ops, strict=True):  # sources precede targets
            reached[target] = reached[target] or (reached[source] and op != "none")
        return not reached[-1]

    # -- graphs -----------------------------------------------------------------------------
    def to_graph(self, arch: NB201Arch) -> nx.DiGraph:
        """Nodes 0..3; the 6 edges source -> target with attributes ``op`` and ``edge`` (0..5).

        ``none`` edges are kept (with ``op="none"``) so every graph has the same edge set.
        """
        ops = self.validate(arch).ops
        import networkx as nx

        g = nx.DiGraph(space=self.name)
        g.add_nodes_from(range(_N_NODES))
        for e, ((target, source), op) in enumerate(zip(NB201_EDGES, ops, strict=True)):
            g.add_edge(source, target, op=op, edge=e)
        return g


def _parse_nb201_string(text: str) -> tuple[str, ...]:
    """The 6 ops of ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``; ``ValueError`` naming the fault."""
    nodes = text.strip().split("+")
    if len(nodes) != _N_NODES - 1:
        raise ValueError(
            f"NB201 string must have {_N_NODES - 1} nodes separated by '+', got {len(nodes)}: {text!r}"
        )
    ops: list[str] = []
    for node, part in enumerate(nodes, start=1):
        if len(part) < 2 or not (part.startswith("|") and part.endswith("|")):
            raise ValueError(f"NB201 string node {node}: {part!r} must look like '|op~0|...|'")
        entries = part[1:-1].split("|")
        if len(entries) != node:
            raise ValueError(
                f"NB201 string node {node} must have {node} inputs, got {len(entries)}: {part!r}"
            )
        for source, entry in enumerate(entries):
            op, sep, src = entry.partition("~")
            if not sep or src != str(source):
                raise ValueError(
                    f"NB201 string node {node} entry {entry!r}: expected 'op~{source}' "
                    f"(input {source} of node {node})"
                )
            if op not in _OP_INDEX:
                raise ValueError(
                    f"NB201 string node {node} entry {entry!r}: unknown op {op!r} "
                    f"(valid ops: {', '.join(NB201_OPS)})"
                )
            ops.append(op)
    return tuple(ops)
