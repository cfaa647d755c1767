"""benchmarks/bench_nan_fill.py: times the same steps with and without the NaN fill, and checks them equal."""
from __future__ import annotations

import pytest
from benchmark_scripts import load_benchmark_script

bench = load_benchmark_script("bench_nan_fill")


def test_a_network_is_timed_both_ways_and_trains_the_same() -> None:
    row = bench.time_network("ecg-cpu-v3", 0, steps=2, repeats=1)
    assert row["bitwise_equal"] is True
    assert row["fill_s"] > 0 and row["no_fill_s"] > 0
    assert row["speedup"] == pytest.approx(row["fill_s"] / row["no_fill_s"])


def test_the_report_and_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--protocol", "ecg-cpu-v3", "--archs", "1", "--steps", "2", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "ecg-cpu-v3: 2 steps" in out and "| True" in out and "median on / off over 1 networks" in out
    with pytest.raises(ValueError, match="ecg-cpu-v9"):
        bench.main(["--protocol", "ecg-cpu-v9"])
