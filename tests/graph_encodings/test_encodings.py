"""Flat encodings (onehot, path, nb301_configspace) and the encode() entry point.

Expected vectors of the known architectures below were worked out by hand from the layouts
documented in graph_encodings/encodings/{onehot,path,configspace}.py.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from graph_encodings import encode, get_space, list_encodings
from graph_encodings.encodings import GraphBatch, encoding_dim, feature_names
from graph_encodings.spaces.darts import DARTS_OPS, DartsArch
from graph_encodings.spaces.nb201 import NB201_EDGES, NB201_OPS, NB201Arch

FLAT_KINDS = {"darts": ["onehot", "path", "nb301_configspace"], "nb201": ["onehot", "path"]}
DIMS = {
    ("darts", "onehot"): 196,
    ("darts", "path"): 11204,
    ("darts", "nb301_configspace"): 34,
    ("nb201", "onehot"): 30,
    ("nb201", "path"): 84,
}


def ones(vector: np.ndarray) -> set[int]:
    return set(np.flatnonzero(vector == 1).tolist())


# ---- shapes, dtypes, registry -----------------------------------------------------------
@pytest.mark.parametrize("space_name", ["darts", "nb201"])
def test_every_flat_kind_has_documented_shape_dtype_and_names(space_name):
    space = get_space(space_name)
    archs = space.sample_many(7, rng=0)
    for kind in FLAT_KINDS[space_name]:
        out = encode(space, archs, kind)
        d = DIMS[space_name, kind]
        assert out.shape == (7, d) and out.dtype == np.float32, kind
        assert encoding_dim(space_name, kind) == d
        names = feature_names(space, kind)
        assert len(names) == d and len(set(names)) == d


def test_list_encodings():
    assert list_encodings("darts") == ["graph", "nb301_configspace", "onehot", "path"]
    assert list_encodings(get_space("nb201")) == ["graph", "onehot", "path"]
    assert list_encodings() == ["graph", "nb301_configspace", "onehot", "path"]


@pytest.mark.parametrize("space_name", ["darts", "nb201"])
def test_empty_list_gives_zero_rows(space_name):
    for kind in FLAT_KINDS[space_name]:
        out = encode(space_name, [], kind)
        assert out.shape == (0, DIMS[space_name, kind]) and out.dtype == np.float32
    graphs = encode(space_name, [], "graph")
    assert isinstance(graphs, GraphBatch) and graphs.num_graphs == 0 and graphs.num_nodes == 0
    assert graphs.x.shape[1] == encoding_dim(space_name, "graph")


def test_space_by_name_and_strings_match_objects(known_nb201):
    archs = get_space("darts").sample_many(5, rng=1)
    by_object = encode(get_space("darts"), archs, "onehot")
    by_name_and_text = encode("darts", [str(a) for a in archs], "onehot")
    np.testing.assert_array_equal(by_object, by_name_and_text)
    mixed = encode("nb201", [known_nb201, str(known_nb201)], "onehot")
    np.testing.assert_array_equal(mixed[0], mixed[1])


def test_encoding_is_deterministic_and_row_independent():
    archs = get_space("darts").sample_many(6, rng=2)
    for kind in FLAT_KINDS["darts"]:
        full = encode("darts", archs, kind)
        alone = np.vstack([encode("darts", [a], kind) for a in archs])
        np.testing.assert_array_equal(full, alone)


# ---- errors -----------------------------------------------------------------------------
def test_unknown_kind_lists_valid_kinds(known_darts):
    with pytest.raises(
        ValueError, match=r"'adjacency'.*valid names: graph, nb301_configspace, onehot, path"
    ):
        encode("darts", [known_darts], "adjacency")
    with pytest.raises(ValueError, match="valid names"):
        encoding_dim("nb201", "bogus")
    with pytest.raises(ValueError, match="valid names"):
        feature_names("nb201", "bogus")


def test_kind_of_other_space_says_where_it_exists(known_nb201):
    with pytest.raises(
        ValueError,
        match=r"'nb301_configspace' is defined only for: darts.*valid names: graph, onehot, path",
    ):
        encode("nb201", [known_nb201], "nb301_configspace")


def test_unknown_space_lists_spaces():
    with pytest.raises(ValueError, match=r"'nb101'.*darts, nb201"):
        encode("nb101", [], "onehot")
    with pytest.raises(ValueError, match=r"'nb101'.*darts, nb201"):
        list_encodings("nb101")
    with pytest.raises(TypeError, match="SearchSpace or a space name"):
        encode(3, [], "onehot")


def test_mixing_spaces_names_the_culprit(known_darts, known_nb201):
    with pytest.raises(ValueError, match=r"archs\[1\] = NB201Arch\(.*\) is a NB201Arch \(space 'nb201'\).*'darts'"):
        encode("darts", [known_darts, known_nb201], "onehot")
    with pytest.raises(ValueError, match=r"archs\[0\] = DartsArch\(.*\) is a DartsArch"):
        encode("nb201", [known_darts], "path")


def test_single_string_instead_of_list_is_refused(known_nb201):
    with pytest.raises(TypeError, match="archs must be a list of architectures, got str"):
        encode("nb201", str(known_nb201), "onehot")


def test_unparsable_string_names_its_position(known_nb201):
    with pytest.raises(ValueError, match=r"archs\[1\]"):
        encode("nb201", [known_nb201, "|conv~0|"], "onehot")


@pytest.mark.parametrize(
    ("slot", "pair", "message"),
    [
        (7, None, r"normal cell must be a tuple of 8 \(op, input\) pairs"),
        (7, ("conv_9x9", 4), r"unknown op 'conv_9x9'.*max_pool_3x3"),
        (7, ("skip_connect", 5), r"slot 7 \(node 5\) has input 5; valid inputs: 0..4"),
        (7, ("skip_connect", 1), "node 5 of the normal cell takes input 1 twice"),
        (
            7,
            ["skip_connect", 4],
            r"slot 7 must be an \(op, input\) tuple, got \['skip_connect', 4\]",
        ),
        (2, ("max_pool_3x3", 3), r"slot 2 \(node 3\) has input 3"),
    ],
)
def test_invalid_darts_arch_objects_are_named(known_darts, slot, pair, message):
    """The known arch with normal-cell ``slot`` replaced by ``pair`` (None: dropped)."""
    normal = (
        known_darts.normal[:slot]
        + ((pair,) if pair is not None else ())
        + known_darts.normal[slot + 1 :]
    )
    archs = [known_darts, known_darts, DartsArch(normal=normal, reduce=known_darts.reduce)]
    with pytest.raises(
        ValueError, match=r"archs\[2\] is not a valid DARTS architecture: .*" + message
    ):
        encode("darts", archs, "onehot")


def test_invalid_nb201_arch_objects_are_named(known_nb201):
    with pytest.raises(ValueError, match=r"archs\[1\] has unknown NB201 op 'conv'.*nor_conv_3x3"):
        encode("nb201", [known_nb201, NB201Arch(ops=("conv",) * 6)], "onehot")
    with pytest.raises(ValueError, match=r"archs\[0\] must have a tuple of 6 ops"):
        encode("nb201", [NB201Arch(ops=("none",) * 5)], "path")


# ---- onehot -----------------------------------------------------------------------------
def test_darts_onehot_of_known_arch(known_darts):
    # normal: edge e of op o at column 7e + o; edges 0:0->2 1:1->2 2:0->3 4:2->3 7:2->4 8:3->4
    # 10:1->5 13:4->5; ops sep3=3 skip=2 max=0 dil5=6 avg=1 sep5=4 dil3=5 skip=2.
    normal = {0 + 3, 7 + 2, 14 + 0, 28 + 6, 49 + 1, 56 + 4, 70 + 5, 91 + 2}
    # reduce (offset 98): max_pool (0) on edges 0, 1, 2, 3, 5, 6, 9, 10.
    reduce = {98 + 7 * e for e in (0, 1, 2, 3, 5, 6, 9, 10)}
    out = encode("darts", [known_darts], "onehot")[0]
    assert ones(out) == normal | reduce and out.sum() == 16
    names = feature_names("darts", "onehot")
    assert names[34] == "normal:2->3:dil_conv_5x5" and names[98 + 70] == "reduce:1->5:max_pool_3x3"


def test_darts_onehot_ignores_input_order_within_a_node(known_darts):
    swapped = DartsArch(
        normal=tuple(
            itertools.chain.from_iterable(
                (b, a)
                for a, b in zip(known_darts.normal[::2], known_darts.normal[1::2], strict=True)
            )
        ),
        reduce=known_darts.reduce,
    )
    assert swapped != known_darts
    np.testing.assert_array_equal(
        encode("darts", [swapped], "onehot"), encode("darts", [known_darts], "onehot")
    )


def test_nb201_onehot_of_known_arch(known_nb201):
    # edge e, op o (none 0, skip 1, conv1x1 2, conv3x3 3, avg 4) at column 5e + o.
    out = encode("nb201", [known_nb201], "onehot")[0]
    assert ones(out) == {1, 5 + 3, 10 + 0, 15 + 4, 20 + 2, 25 + 2} and out.sum() == 6
    assert feature_names("nb201", "onehot")[8] == "0->2:nor_conv_3x3"


# ---- path -------------------------------------------------------------------------------
def test_darts_path_of_known_arch(known_darts):
    # label = sum_j 7**j (op_j + 1); max 1, avg 2, skip 3, sep3 4, sep5 5, dil3 6, dil5 7.
    from_c0 = {
        4,  # sep3 (->2)
        1,  # max (->3)
        4 + 7 * 7,  # sep3 > dil5 (->3)
        4 + 7 * 2,  # sep3 > avg (->4)
        1 + 7 * 5,  # max > sep5 (->4)
        4 + 7 * 7 + 49 * 5,  # sep3 > dil5 > sep5 (->4)
        4 + 7 * 2 + 49 * 3,  # sep3 > avg > skip (->5, second input of node 5)
        1 + 7 * 5 + 49 * 3,  # max > sep5 > skip
        4 + 7 * 7 + 49 * 5 + 343 * 3,  # sep3 > dil5 > sep5 > skip
    }
    from_c1 = {
        3,  # skip
        3 + 7 * 7,  # skip > dil5
        3 + 7 * 2,  # skip > avg
        3 + 7 * 7 + 49 * 5,  # skip > dil5 > sep5
        6,  # dil3 (->5)
        3 + 7 * 2 + 49 * 3,  # skip > avg > skip
        3 + 7 * 7 + 49 * 5 + 343 * 3,  # skip > dil5 > sep5 > skip
    }
    reduce = {2 * 2801 + 1, 3 * 2801 + 1}  # max from c_{k-2}, max from c_{k-1}
    expected = from_c0 | {2801 + c for c in from_c1} | reduce
    out = encode("darts", [known_darts], "path")[0]
    assert ones(out) == expected and out.sum() == 18
    names = feature_names("darts", "path")
    assert names[1327] == "normal:c_k-2>sep_conv_3x3>dil_conv_5x5>sep_conv_5x5>skip_connect"
    assert names[2801] == "normal:c_k-1:<empty>"


def _reference_darts_paths(arch: DartsArch) -> set[int]:
    """Columns of the path encoding by explicit path enumeration (BANANAS' algorithm, 8 slots)."""
    cols = set()
    for c, cell in enumerate((arch.normal, arch.reduce)):
        paths_to = {0: [(0, ())], 1: [(1, ())]}  # node -> [(source input, ops so far)]
        for k in range(2, 6):
            paths_to[k] = [
                (src, (*ops, DARTS_OPS.index(op)))
                for op, i in cell[2 * (k - 2) : 2 * (k - 2) + 2]
                for src, ops in paths_to[i]
            ]
            for src, ops in paths_to[k]:
                cols.add((2 * c + src) * 2801 + sum(7**j * (o + 1) for j, o in enumerate(ops)))
    return cols


def test_darts_path_matches_path_enumeration_on_random_archs():
    archs = get_space("darts").sample_many(200, rng=3)
    out = encode("darts", archs, "path")
    for a, row in zip(archs, out, strict=True):
        assert ones(row) == _reference_darts_paths(a)


def test_nb201_path_of_known_arch(known_nb201):
    # codes skip 0, conv1x1 1, conv3x3 2, avg 3; paths: 0->3 avg; 0->1->3 skip>conv1x1;
    # 0->2->3 conv3x3>conv1x1; 0->1->2->3 goes through 'none' (dropped).
    out = encode("nb201", [known_nb201], "path")[0]
    assert ones(out) == {3, 4 + 0 + 4 * 1, 4 + 2 + 4 * 1} and out.sum() == 3
    names = feature_names("nb201", "path")
    assert [names[3], names[8], names[10]] == [
        "avg_pool_3x3",
        "skip_connect>nor_conv_1x1",
        "nor_conv_3x3>nor_conv_1x1",
    ]
    assert names[20 + 1 + 4 * 2 + 16 * 3] == "nor_conv_1x1>nor_conv_3x3>avg_pool_3x3"


def test_nb201_path_all_none_is_zero_and_all_paths_counted_otherwise():
    out = encode(
        "nb201", [NB201Arch(ops=("none",) * 6), NB201Arch(ops=("skip_connect",) * 6)], "path"
    )
    assert out[0].sum() == 0
    assert ones(out[1]) == {0, 4, 20}  # skip, skip>skip, skip>skip>skip


def _reference_nb201_paths(arch: NB201Arch) -> set[int]:
    """Columns of the NB201 path encoding by walking the cell from node 0 to node 3."""
    label_ops = ["skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
    base = {1: 0, 2: 4, 3: 20}
    cols, stack = set(), [(0, ())]
    while stack:
        node, ops = stack.pop()
        if node == 3:
            cols.add(base[len(ops)] + sum(4**j * label_ops.index(o) for j, o in enumerate(ops)))
            continue
        for (dst, src), op in zip(NB201_EDGES, arch.ops, strict=True):
            if src == node and op != "none":
                stack.append((dst, (*ops, op)))
    return cols


def test_nb201_path_matches_path_walk_on_every_arch():
    archs = [NB201Arch(ops=ops) for ops in itertools.product(NB201_OPS, repeat=6)]
    out = encode("nb201", archs, "path")
    assert [ones(row) for row in out] == [_reference_nb201_paths(a) for a in archs]


# ---- nb301_configspace ------------------------------------------------------------------
def test_nb301_configspace_of_known_arch(known_darts):
    prefix = "NetworkSelectorDatasetInfo:darts:"
    expected = {
        "edge_normal_0": 3,
        "edge_normal_1": 2,
        "edge_normal_2": 0,
        "edge_normal_4": 6,
        "edge_normal_7": 1,
        "edge_normal_8": 4,
        "edge_normal_10": 5,
        "edge_normal_13": 2,
        "inputs_node_normal_3": 1,  # "0_2" in (0_1, 0_2, 1_2)
        "inputs_node_normal_4": 5,  # "2_3" in (0_1, 0_2, 0_3, 1_2, 1_3, 2_3)
        "inputs_node_normal_5": 6,  # "1_4" in (0_1, 0_2, 0_3, 0_4, 1_2, 1_3, 1_4, ...)
        **{f"edge_reduce_{e}": 0 for e in (0, 1, 2, 3, 5, 6, 9, 10)},
        **{f"inputs_node_reduce_{k}": 0 for k in (3, 4, 5)},
    }
    names = feature_names("darts", "nb301_configspace")
    out = encode("darts", [known_darts], "nb301_configspace")[0]
    got = {
        name.removeprefix(prefix): value for name, value in zip(names, out.tolist(), strict=True)
    }
    assert {k: v for k, v in got.items() if v != -1} == expected
    assert sum(v == -1 for v in got.values()) == 34 - len(expected)  # inactive edges


def test_nb301_configspace_matches_config_dicts_on_random_archs():
    from graph_encodings.encodings.configspace import row_from_dict
    from graph_encodings.spaces.nb301_configspace import NB301_HYPERPARAMETERS, to_configspace_dict

    archs = get_space("darts").sample_many(100, rng=4)
    expected = np.array(
        [row_from_dict(to_configspace_dict(a), NB301_HYPERPARAMETERS) for a in archs]
    )
    np.testing.assert_array_equal(encode("darts", archs, "nb301_configspace"), expected)
