"""benchmarks/result_rows.py: the JSON-lines result files of the benchmark scripts."""
from __future__ import annotations

import pytest
from benchmark_scripts import load_benchmark_script

rows_module = load_benchmark_script("result_rows")


def test_rows_are_appended_printed_and_read_back(tmp_path, capsys):
    out = tmp_path / "deeper" / "rows.jsonl"
    rows_module.emit_row({"a": 1}, out)
    rows_module.emit_row({"a": 2, "b": [1.5]}, out)
    rows_module.emit_row({"printed": True}, None)
    assert capsys.readouterr().out.splitlines() == ['{"a": 1}', '{"a": 2, "b": [1.5]}', '{"printed": true}']
    out.write_text(out.read_text() + "\n  \n")  # blank lines are skipped
    assert rows_module.read_rows(out) == [{"a": 1}, {"a": 2, "b": [1.5]}]


def test_a_missing_file_is_named_or_empty_when_allowed(tmp_path):
    missing = tmp_path / "none.jsonl"
    with pytest.raises(SystemExit, match="none.jsonl does not exist"):
        rows_module.read_rows(missing)
    assert rows_module.read_rows(missing, missing_ok=True) == []
    assert rows_module.read_rows(None, missing_ok=True) == []


def test_the_median_skips_missing_values_and_is_nan_when_all_are():
    assert rows_module.median_present([0.3, None, 0.1, 0.2]) == pytest.approx(0.2)
    assert rows_module.median_present([0.1, 0.4]) == pytest.approx(0.25)
    assert rows_module.median_present([None, None]) != rows_module.median_present([None, None])  # NaN
