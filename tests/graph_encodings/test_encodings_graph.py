"""The ``graph`` encoding: GraphBatch structure, hand-checked graphs, isomorphism behaviour.

Expected node ids, features and edges were worked out by hand from the layout documented in
graph_encodings/encodings/graph.py.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch

from graph_encodings import encode, get_space
from graph_encodings.encodings import GraphBatch, feature_names
from graph_encodings.spaces.darts import DartsArch
from graph_encodings.spaces.nb201 import NB201Arch


def edge_set(batch: GraphBatch) -> set[tuple[int, int]]:
    return set(map(tuple, batch.edge_index.t().tolist()))


def to_networkx(batch: GraphBatch, g: int) -> nx.DiGraph:
    """Graph ``g`` of the batch, node attribute ``f`` = its feature row as a tuple."""
    nodes = torch.nonzero(batch.batch == g).flatten().tolist()
    graph = nx.DiGraph()
    graph.add_nodes_from((v, {"f": tuple(batch.x[v].tolist())}) for v in nodes)
    graph.add_edges_from(e for e in edge_set(batch) if e[0] in graph)
    return graph


@pytest.mark.parametrize("space_name", ["darts", "nb201"])
def test_batch_structure(space_name):
    space = get_space(space_name)
    archs = space.sample_many(9, rng=5)
    batch = encode(space, archs, "graph")
    assert batch.num_graphs == 9
    assert batch.x.dtype == torch.float32 and batch.edge_index.dtype == torch.int64
    assert batch.batch.dtype == torch.int64 and batch.batch.shape == (batch.num_nodes,)
    assert batch.edge_index.shape == (2, batch.num_edges) and batch.edge_attr is None
    assert batch.x.shape[1] == len(feature_names(space, "graph"))
    # batch vector: non-decreasing, every graph present, node rows are one-hot node types
    assert torch.all(batch.batch[1:] >= batch.batch[:-1])
    assert set(batch.batch.tolist()) == set(range(9))
    src, dst = batch.edge_index
    assert torch.all(batch.batch[src] == batch.batch[dst]), "edge between two graphs"
    assert not torch.any(src == dst), "self loop"
    assert int(batch.edge_index.max()) < batch.num_nodes
    # each graph alone encodes to the same graph as inside the batch
    for g in (0, 8):
        alone = encode(space, [archs[g]], "graph")
        assert nx.utils.graphs_equal(
            nx.convert_node_labels_to_integers(to_networkx(batch, g), ordering="sorted"),
            nx.convert_node_labels_to_integers(to_networkx(alone, 0), ordering="sorted"),
        )


def test_darts_graph_of_known_arch(known_darts):
    arch = known_darts
    batch = encode("darts", [arch, arch], "graph")
    assert batch.num_nodes == 60 and batch.num_edges == 80
    assert batch.batch.tolist() == [0] * 30 + [1] * 30
    # Normal cell: 0, 1 inputs; 2..9 op nodes of slots 0..7; 10..13 nodes 2..5; 14 output.
    inputs = {(0, 2), (1, 3), (0, 4), (10, 5), (10, 6), (11, 7), (1, 8), (12, 9)}
    to_sums = {(2 + j, 10 + j // 2) for j in range(8)}
    to_out = {(10 + k, 14) for k in range(4)}
    normal = inputs | to_sums | to_out
    # Reduce cell, nodes 15..29: slots read inputs 0, 1, 0, 1, ...
    reduce = {(15 + j % 2, 17 + j) for j in range(8)}
    reduce |= {(a + 15, b + 15) for a, b in to_sums | to_out}
    second = {(a + 30, b + 30) for a, b in normal | reduce}
    assert edge_set(batch) == normal | reduce | second
    # Features: c_k-2, c_k-1, 7 ops (max, avg, skip, sep3, sep5, dil3, dil5), intermediate,
    # output, is_reduce_cell.
    hot = [row.nonzero().flatten().tolist() for row in batch.x[:30]]
    op_cols = [2 + 3, 2 + 2, 2 + 0, 2 + 6, 2 + 1, 2 + 4, 2 + 5, 2 + 2]
    assert hot[:15] == [[0], [1], *([c] for c in op_cols), [9], [9], [9], [9], [10]]
    assert hot[15:] == [[0, 11], [1, 11], *([[2, 11]] * 8), *([[9, 11]] * 4), [10, 11]]
    assert torch.equal(batch.x[30:], batch.x[:30])


def test_nb201_graph_of_known_arch():
    # edges 1<-0 skip, 2<-0 conv3x3, 2<-1 none (dropped), 3<-0 avg, 3<-1 conv1x1, 3<-2 conv1x1
    arch = NB201Arch(
        ops=("skip_connect", "nor_conv_3x3", "none", "avg_pool_3x3", "nor_conv_1x1", "nor_conv_1x1")
    )
    batch = encode("nb201", [arch], "graph")
    # nodes: 0 input; 1..5 op nodes of edges 0, 1, 3, 4, 5; 6 node 1; 7 node 2; 8 output.
    assert batch.num_nodes == 9 and batch.batch.tolist() == [0] * 9
    through_ops = [  # (source node, op node, target node)
        (0, 1, 6),  # input -skip-> node 1
        (0, 2, 7),  # input -conv3x3-> node 2
        (0, 3, 8),  # input -avg-> output
        (6, 4, 8),  # node 1 -conv1x1-> output
        (7, 5, 8),  # node 2 -conv1x1-> output
    ]
    expected = {(s, o) for s, o, _ in through_ops} | {(o, t) for _, o, t in through_ops}
    assert edge_set(batch) == expected
    # features: input, intermediate, output, skip, conv1x1, conv3x3, avg
    hot = [row.nonzero().flatten().tolist() for row in batch.x]
    assert hot == [[0], [3], [5], [6], [4], [4], [1], [1], [2]]


def test_nb201_all_none_keeps_only_the_cell_nodes():
    batch = encode("nb201", [NB201Arch(ops=("none",) * 6)] * 2, "graph")
    assert batch.num_nodes == 8 and batch.num_edges == 0
    assert batch.batch.tolist() == [0] * 4 + [1] * 4


def test_graphbatch_to_moves_every_tensor():
    batch = encode("nb201", get_space("nb201").sample_many(3, rng=6), "graph")
    moved = batch.to("meta")
    assert moved.x.device.type == moved.edge_index.device.type == moved.batch.device.type == "meta"
    assert moved.num_graphs == 3 and batch.x.device.type == "cpu"


def _swap_nodes_2_and_3(arch: DartsArch) -> DartsArch:
    """Renumber intermediate nodes 2 <-> 3 in the normal cell (valid when node 3 reads only 0, 1)."""
    relabel = {0: 0, 1: 1, 2: 3, 3: 2, 4: 4}
    cell = arch.normal
    nodes = [cell[0:2], cell[2:4], cell[4:6], cell[6:8]]
    nodes[0], nodes[1] = nodes[1], nodes[0]
    normal = tuple((op, relabel[i]) for node in nodes for op, i in node)
    return DartsArch(normal=normal, reduce=arch.reduce)


def test_isomorphic_darts_archs_share_the_canonical_graph():
    space = get_space("darts")
    arch = DartsArch(
        normal=(
            ("sep_conv_3x3", 0), ("skip_connect", 1), ("max_pool_3x3", 1), ("dil_conv_5x5", 0),
            ("avg_pool_3x3", 2), ("sep_conv_5x5", 3), ("dil_conv_3x3", 1), ("skip_connect", 2),
        ),
        reduce=(("max_pool_3x3", 0), ("sep_conv_5x5", 1)) * 4,
    )  # fmt: skip
    twin = space.validate(_swap_nodes_2_and_3(arch))
    assert twin != arch and space.canonical(twin) == space.canonical(arch)
    # the flat one-hot sees different architectures ...
    assert not np.array_equal(encode(space, [arch], "onehot"), encode(space, [twin], "onehot"))
    # ... the graphs are isomorphic as labelled graphs, and identical in canonical form
    raw = encode(space, [arch, twin], "graph")
    assert nx.is_isomorphic(
        to_networkx(raw, 0), to_networkx(raw, 1), node_match=lambda a, b: a["f"] == b["f"]
    )
    canon = encode(space, [space.canonical(arch), space.canonical(twin)], "graph")
    assert torch.equal(canon.x[:30], canon.x[30:])
    assert torch.equal(canon.edge_index[:, :40], canon.edge_index[:, 40:] - 30)


def test_isomorphic_nb201_archs_share_the_canonical_graph():
    space = get_space("nb201")
    # node 2 feeds nothing useful when 3<-2 is 'none': its input op does not matter.
    a = NB201Arch(
        ops=("skip_connect", "nor_conv_3x3", "none", "avg_pool_3x3", "nor_conv_1x1", "none")
    )
    b = NB201Arch(
        ops=("skip_connect", "avg_pool_3x3", "none", "avg_pool_3x3", "nor_conv_1x1", "none")
    )
    assert space.canonical(a) == space.canonical(b)
    assert not np.array_equal(encode(space, [a], "onehot"), encode(space, [b], "onehot"))
    canon = encode(space, [space.canonical(a), space.canonical(b)], "graph")
    n0 = int((canon.batch == 0).sum())
    assert torch.equal(canon.x[:n0], canon.x[n0:])
    e0 = canon.edge_index[:, canon.batch[canon.edge_index[0]] == 0]
    e1 = canon.edge_index[:, canon.batch[canon.edge_index[0]] == 1]
    assert torch.equal(e0, e1 - n0)
