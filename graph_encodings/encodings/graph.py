"""The ``graph`` encoding: batched GNN tensors in plain torch (no torch-geometric).

Ops are nodes (as NB301's GIN on DARTS): a cell becomes input nodes -> op nodes -> sum nodes
-> output node; node features are one-hot node types. Edges follow the data flow
(``edge_index[0]`` source, ``edge_index[1]`` target); add the reverse edges in the model if
messages should flow both ways. The graphs of a batch are disjoint, PyG-style: node ids of graph
``g`` follow those of graph ``g - 1`` and ``batch[v]`` is the graph of node ``v``.

DARTS: one graph per arch holding both cells as two disjoint 15-node subgraphs (normal cell
nodes 0..14, reduce cell 15..29), each: 0 = c_{k-2}, 1 = c_{k-1}, 2..9 = the op of edge slots
0..7, 10..13 = intermediate nodes 2..5 (sums), 14 = output (concat of nodes 2..5). Edges per
cell (20): input node -> op node (8), op node -> its intermediate node (8), intermediate node ->
output (4). Features (12): [c_{k-2}, c_{k-1}, the 7 DARTS_OPS, intermediate, output,
is_reduce_cell].

NB201: nodes 0 = input, then one node per edge whose op is not 'none' (in NB201_EDGES order),
then intermediate nodes 1, 2 and the output node 3 (sums); 'none' edges are dropped, so graphs
have 4..10 nodes. Edges: source node -> op node -> target node. Features (7): [input,
intermediate, output, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3].

torch is imported when the first batch is built, not with this module; :class:`GraphArrays`
holds the same graphs as numpy arrays and needs no torch at all (inference in numpy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from graph_encodings.encodings.indices import DartsIndices, NB201Indices
from graph_encodings.spaces.darts import CELL_TYPES, DARTS_OPS, N_EDGES, N_INTERMEDIATE
from graph_encodings.spaces.nb201 import NB201_EDGES, NB201_OPS

if TYPE_CHECKING:  # torch is imported on first use: importing this package stays fast
    import torch


@dataclass
class GraphBatch:
    """A batch of disjoint graphs: what a message-passing GNN needs.

    ``x`` float32 (num_nodes, F) node features; ``edge_index`` int64 (2, E) source/target node
    ids; ``batch`` int64 (num_nodes,) graph id of each node; ``num_graphs``; ``edge_attr``
    optional float32 (E, F_e) (None for the encodings here).
    """

    x: torch.Tensor
    edge_index: torch.Tensor
    batch: torch.Tensor
    num_graphs: int
    edge_attr: torch.Tensor | None = None

    @property
    def num_nodes(self) -> int:
        return int(self.x.shape[0])

    @property
    def num_edges(self) -> int:
        return int(self.edge_index.shape[1])

    def to(self, device: torch.device | str) -> GraphBatch:
        """A copy with every tensor on ``device``."""
        return GraphBatch(
            x=self.x.to(device),
            edge_index=self.edge_index.to(device),
            batch=self.batch.to(device),
            num_graphs=self.num_graphs,
            edge_attr=None if self.edge_attr is None else self.edge_attr.to(device),
        )


@dataclass(frozen=True)
class GraphArrays:
    """The graphs of a :class:`GraphBatch` as numpy arrays (no torch).

    ``x`` float32 (num_nodes, F); ``src``, ``dst`` int64 (E,) edge source and target node ids;
    ``batch`` int64 (num_nodes,) graph id of each node, sorted; ``num_graphs``.
    """

    x: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    batch: np.ndarray
    num_graphs: int

    def to_torch(self) -> GraphBatch:
        """The same graphs as a :class:`GraphBatch` of torch tensors (imports torch)."""
        import torch

        return GraphBatch(
            x=torch.from_numpy(self.x),
            edge_index=torch.from_numpy(np.stack([self.src, self.dst])),
            batch=torch.from_numpy(self.batch),
            num_graphs=self.num_graphs,
        )


def _arrays(x: np.ndarray, src: np.ndarray, dst: np.ndarray, batch: np.ndarray, n: int) -> GraphArrays:
    return GraphArrays(np.ascontiguousarray(x, dtype=np.float32), np.asarray(src, dtype=np.int64),
                       np.asarray(dst, dtype=np.int64), np.asarray(batch, dtype=np.int64), n)


# ---- DARTS ------------------------------------------------------------------------------
_N_OPS = len(DARTS_OPS)
_CELL_NODES = 2 + N_EDGES + N_INTERMEDIATE + 1  # 15
DARTS_NODES = len(CELL_TYPES) * _CELL_NODES  # 30
_OP_NODE0, _SUM_NODE0, _OUT_NODE = 2, 2 + N_EDGES, _CELL_NODES - 1
_F_SUM, _F_OUT, _F_REDUCE = 2 + _N_OPS, 3 + _N_OPS, 4 + _N_OPS
DARTS_FEATURES = 5 + _N_OPS  # 12
DARTS_FEATURE_NAMES: tuple[str, ...] = (
    "c_k-2",
    "c_k-1",
    *DARTS_OPS,
    "intermediate",
    "output",
    "is_reduce_cell",
)


def _darts_template() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Node features without the op one-hots (30, 12) and the fixed edges (src, dst) of one graph."""
    x = np.zeros((DARTS_NODES, DARTS_FEATURES), dtype=np.float32)
    src, dst = [], []
    for c in range(len(CELL_TYPES)):
        base = c * _CELL_NODES
        x[base + 0, 0] = x[base + 1, 1] = 1.0
        x[base + _SUM_NODE0 : base + _OUT_NODE, _F_SUM] = 1.0
        x[base + _OUT_NODE, _F_OUT] = 1.0
        x[base : base + _CELL_NODES, _F_REDUCE] = float(c == 1)
        for j in range(N_EDGES):  # op node -> its intermediate node
            src.append(base + _OP_NODE0 + j)
            dst.append(base + _SUM_NODE0 + j // 2)
        for k in range(N_INTERMEDIATE):  # intermediate node -> output
            src.append(base + _SUM_NODE0 + k)
            dst.append(base + _OUT_NODE)
    return x, np.array(src), np.array(dst)


_DARTS_X, _DARTS_FIXED_SRC, _DARTS_FIXED_DST = _darts_template()
# Input edges: slot j of cell c ends at op node c*15 + 2 + j (16 per graph; the first edges).
_DARTS_OP_NODES = (
    np.arange(len(CELL_TYPES))[:, None] * _CELL_NODES + _OP_NODE0 + np.arange(N_EDGES)
).ravel()
_DARTS_CELL_BASE = np.repeat(np.arange(len(CELL_TYPES)) * _CELL_NODES, N_EDGES)  # (16,)
_DARTS_DST = np.concatenate([_DARTS_OP_NODES, _DARTS_FIXED_DST])  # (40,)


def darts_graph(idx: DartsIndices) -> GraphBatch:
    """One 30-node, 40-edge graph per DARTS arch (layout: module docstring)."""
    return darts_graph_arrays(idx).to_torch()


def darts_graph_arrays(idx: DartsIndices) -> GraphArrays:
    """:func:`darts_graph` as numpy arrays."""
    n = len(idx)
    rows = np.arange(n)[:, None]
    x = np.broadcast_to(_DARTS_X, (n, DARTS_NODES, DARTS_FEATURES)).copy()
    ops = idx.ops.reshape(n, _DARTS_OP_NODES.size)
    x[rows, _DARTS_OP_NODES, _OP_NODE0 + ops] = 1.0
    inputs = idx.inputs.reshape(n, _DARTS_OP_NODES.size).astype(np.int64)
    # input 0/1 -> cell input node; input i >= 2 -> intermediate node i at local id 10 + i - 2.
    in_src = _DARTS_CELL_BASE + np.where(inputs < 2, inputs, inputs + _SUM_NODE0 - 2)
    src = np.concatenate([in_src, np.broadcast_to(_DARTS_FIXED_SRC, (n, _DARTS_FIXED_SRC.size))], 1)
    offset = rows * DARTS_NODES
    batch = np.repeat(np.arange(n), DARTS_NODES)
    x = x.reshape(-1, DARTS_FEATURES)
    return _arrays(x, (src + offset).ravel(), (_DARTS_DST + offset).ravel(), batch, n)


# ---- NB201 ------------------------------------------------------------------------------
_NB201_LABEL_OPS = NB201_OPS[1:]  # 'none' edges are dropped
NB201_FEATURE_NAMES: tuple[str, ...] = ("input", "intermediate", "output", *_NB201_LABEL_OPS)
NB201_FEATURES = len(NB201_FEATURE_NAMES)  # 7
_NB201_E = len(NB201_EDGES)
_NB201_OUT = max(dst for dst, _ in NB201_EDGES)  # 3
# Local ids before dropping: 0 input, 1..6 op nodes, 7.. cell nodes 1..3.
_NB201_SLOTS = 1 + _NB201_E + _NB201_OUT  # 10


def _nb201_cell_node(node: int) -> int:
    return 0 if node == 0 else _NB201_E + node


def _nb201_template() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Type features of the fixed nodes (10, 7) and the 12 edges (src, dst) before dropping."""
    x = np.zeros((_NB201_SLOTS, NB201_FEATURES), dtype=np.float32)
    x[0, 0] = 1.0
    for node in range(1, _NB201_OUT):
        x[_nb201_cell_node(node), 1] = 1.0
    x[_nb201_cell_node(_NB201_OUT), 2] = 1.0
    src = [_nb201_cell_node(s) for _, s in NB201_EDGES] + [1 + e for e in range(_NB201_E)]
    dst = [1 + e for e in range(_NB201_E)] + [_nb201_cell_node(d) for d, _ in NB201_EDGES]
    return x, np.array(src), np.array(dst)


_NB201_X, _NB201_SRC, _NB201_DST = _nb201_template()
# The NB201 edge (op node) behind each of the 12 graph edges: source->op (6), op->target (6).
_NB201_EDGE_OF = np.tile(np.arange(_NB201_E), 2)


def nb201_graph(idx: NB201Indices) -> GraphBatch:
    """One graph per NB201 arch, ops as nodes, 'none' edges dropped (layout: module docstring)."""
    return nb201_graph_arrays(idx).to_torch()


def nb201_graph_arrays(idx: NB201Indices) -> GraphArrays:
    """:func:`nb201_graph` as numpy arrays."""
    n = len(idx)
    ops = idx.ops.astype(np.int64)  # (n, 6)
    x = np.broadcast_to(_NB201_X, (n, _NB201_SLOTS, NB201_FEATURES)).copy()
    rows = np.arange(n)[:, None]
    op_node = 1 + np.arange(_NB201_E)
    # op o >= 1 -> feature column 3 + o - 1 ('none' nodes are dropped below, feature irrelevant)
    x[rows, op_node, np.maximum(ops - 1, 0) + 3] = (ops > 0).astype(np.float32)
    keep = np.ones((n, _NB201_SLOTS), dtype=bool)
    keep[:, op_node] = ops > 0
    new_id = np.cumsum(keep.ravel()) - 1  # global renumbering of kept nodes
    offset = rows * _NB201_SLOTS
    edge_keep = (ops > 0)[:, _NB201_EDGE_OF]  # (n, 12)
    src = new_id[(_NB201_SRC + offset)[edge_keep]]
    dst = new_id[(_NB201_DST + offset)[edge_keep]]
    batch = np.repeat(np.arange(n), keep.sum(axis=1))
    return _arrays(x[keep], src, dst, batch, n)
