"""Exact params/FLOPs from the per-op tables equal building each network and counting."""
from __future__ import annotations

import numpy as np
import pytest

import graph_encodings
from surrogates.complexity import ComplexityTable, NetworkLayout, complexity_table
from training_data.networks import count_flops, count_params

# 20 random archs per DARTS family (split over two layouts where edge cases differ), 10 per
# NB201 family; layers=3 puts the reduction cells at 1 and 2 (consecutive reductions).
LAYOUTS = [
    (NetworkLayout("darts", "point2d", (3, 8, 8), 10, C=2, layers=3), 10),
    (NetworkLayout("darts", "point2d", (3, 9, 9), 10, C=4, layers=4), 10),  # odd sizes
    (NetworkLayout("darts", "dense2d", (3, 6, 6), 1, C=2, layers=2), 20),
    (NetworkLayout("darts", "point1d", (1, 23), 24, C=4, layers=3), 10),  # odd lengths
    (NetworkLayout("darts", "point1d", (1, 46), 24, C=4, layers=3, stem_multiplier=2), 10),
    (NetworkLayout("nb201", "point2d", (1, 16, 52), 18, C=8, layers=1), 10),
    (NetworkLayout("nb201", "dense2d", (3, 17, 17), 1, C=4, layers=1), 10),
]


@pytest.mark.slow
@pytest.mark.parametrize("layout,n_archs", LAYOUTS,
                         ids=lambda v: f"{v.space}-{v.family}-{v.input_shape}" if not isinstance(v, int) else str(v))
def test_table_equals_built_networks(layout: NetworkLayout, n_archs: int) -> None:
    table = complexity_table(layout)
    space = graph_encodings.get_space(layout.space)
    archs = space.sample_many(n_archs, rng=np.random.default_rng(5))
    params, flops = table.evaluate(archs)
    for arch, p, f in zip(archs, params, flops, strict=True):
        net = layout.build(arch)
        assert p == count_params(net)
        assert f == count_flops(net, layout.input_shape)


def test_table_round_trips_through_a_dict() -> None:
    table = complexity_table(LAYOUTS[3][0])
    again = ComplexityTable.from_dict(table.to_dict())
    archs = graph_encodings.get_space("darts").sample_many(5, rng=1)
    np.testing.assert_array_equal(np.stack(table.evaluate(archs)), np.stack(again.evaluate(archs)))


def test_nb201_table_layout_is_nb201s_network() -> None:
    layout = NetworkLayout.for_protocol("ninapro", "nb201", "nb360-nb201-200ep")
    assert (layout.C, layout.layers, layout.family) == (16, 5, "point2d")
    assert layout.input_shape == (1, 16, 52) and layout.n_outputs == 18
    with pytest.raises(ValueError, match="nb201"):
        NetworkLayout.for_protocol("ninapro", "darts", "nb360-nb201-200ep")
    with pytest.raises(ValueError, match="unknown protocol"):
        NetworkLayout.for_protocol("ecg", "darts", "nope-v1")


def test_counts_match_the_records_of_real_training_runs() -> None:
    """Records of this project's own DARTS runs carry the counts evaluate() measured."""
    from training_data.records import load_records

    try:
        frame = load_records(task="ecg", protocol="ecg-cpu-v1")
    except ValueError:
        pytest.skip("no ECG CPU records yet")
    frame = frame[frame["params"].notna()].head(10)
    if frame.empty:
        pytest.skip("no ECG CPU records with params yet")
    table = complexity_table(NetworkLayout.for_protocol("ecg", "darts", "ecg-cpu-v1"))
    params, flops = table.evaluate(frame["arch"].tolist())
    np.testing.assert_array_equal(params, frame["params"].to_numpy(dtype=np.int64))
    np.testing.assert_array_equal(flops, frame["flops"].to_numpy(dtype=np.int64))


def test_invalid_arch_raises() -> None:
    table = complexity_table(LAYOUTS[5][0])
    with pytest.raises(ValueError):
        table.evaluate(["|bogus~0|"])
