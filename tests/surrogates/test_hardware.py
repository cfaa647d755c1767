"""On-device latency and energy of NB201 cells (HW-NAS-Bench-360), looked up exactly."""
from __future__ import annotations

import numpy as np
import pytest

import graph_encodings
from surrogates import Benchmark
from surrogates.hardware import HardwareTable
from surrogates.tabular import TabularBenchmark
from training_data import load_records

SPACE = graph_encodings.get_space("nb201")
METRICS = ["energy_mj_pi5_litert", "energy_mj_pi5_onnx", "energy_mj_pi5_torchmobile",
           "lat_ms_median_pi5_litert", "lat_ms_median_pi5_onnx", "lat_ms_median_pi5_torchmobile",
           "lat_ms_median_pixel_litert"]
PREFIX = {"ninapro": "ninapro", "darcyflow": "darcy", "cifar100": "cifar100"}
SOLO = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


@pytest.mark.parametrize("task", list(PREFIX))
def test_lookup_equals_the_shipped_records_cell_by_cell(task: str) -> None:
    table = HardwareTable.load(task)
    assert table.metrics == METRICS
    records = load_records(task=task, space="nb201", protocol="nb360-nb201-200ep").set_index("extra.nb201_index")
    index = np.random.default_rng(0).choice(len(records), 200, replace=False)
    cells = [SPACE.from_index(int(i)) for i in index]
    for metric in ("lat_ms_median_pi5_litert", "energy_mj_pi5_onnx"):
        expected = records.loc[index, f"extra.{PREFIX[task]}_{metric}"].to_numpy(float)
        np.testing.assert_array_equal(table.lookup(cells, metric), expected)
        assert np.all(expected > 0)


def test_benchmarks_agree_and_twins_share_their_measurements() -> None:
    surrogate = Benchmark.load("ninapro", space="nb201")
    table = TabularBenchmark.from_records("ninapro", protocol="nb360-nb201-200ep")
    twin_a = "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"
    twin_b = "|nor_conv_1x1~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"
    assert SPACE.is_isomorphic(SPACE.parse(twin_a), SPACE.parse(twin_b))
    metric = "lat_ms_median_pi5_onnx"
    by_text = surrogate.hardware([twin_a, twin_b], metric)
    by_index = surrogate.hardware([SPACE.index(SPACE.parse(twin_a)), SPACE.index(SPACE.parse(twin_b))], metric)
    np.testing.assert_array_equal(by_text, by_index)
    np.testing.assert_array_equal(table.hardware([twin_a, twin_b], metric), by_text)
    assert by_text[0] == by_text[1]  # the source measured once per isomorphism class
    assert surrogate.hardware([SOLO], metric)[0] != by_text[0]


def test_bad_metric_space_or_task_are_clear_errors(tmp_path) -> None:
    bench = Benchmark.load("darcyflow", space="nb201")
    with pytest.raises(ValueError, match=r"unknown hardware metric 'latency' .*valid: energy_mj_pi5_litert"):
        bench.hardware([0], "latency")
    with pytest.raises(ValueError, match="not a valid 'nb201' architecture"):
        bench.hardware(["|bogus~0|"], METRICS[0])
    darts = Benchmark.load("psicov", space="darts")
    with pytest.raises(ValueError, match=r"for the 'nb201' space only .*not for 'darts'"):
        darts.hardware([darts.space.sample(0)], METRICS[0])
    with pytest.raises(ValueError, match=r"no on-device measurements for task 'ecg'"):
        HardwareTable.load("ecg")
