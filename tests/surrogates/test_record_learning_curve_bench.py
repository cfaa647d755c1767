"""benchmarks/bench_record_learning_curve.py on the first shipped PSICOV v2 records: fractions of
the training architectures cross-validated on the same folds, resumable output, the report."""
from __future__ import annotations

import argparse
import json

import numpy as np
import pytest
from benchmark_scripts import load_benchmark_script

bench = load_benchmark_script("bench_record_learning_curve")
tables = load_benchmark_script("record_tables")


def test_tables_are_task_slash_protocol():
    assert tables.table_spec("psicov/psicov-cpu-v2") == ("psicov", "psicov-cpu-v2")
    with pytest.raises(argparse.ArgumentTypeError, match="<task>/<protocol>.*'psicov'"):
        tables.table_spec("psicov")


@pytest.mark.parametrize("text", ["0", "1.5", "-0.2"])
def test_a_fraction_outside_zero_one_is_refused(text):
    with pytest.raises(argparse.ArgumentTypeError, match=f"in \\(0, 1\\]; got '{text}'"):
        bench._fraction(text)


@pytest.mark.parametrize("text", ["{not json", "[1, 2]"])
def test_params_that_are_not_a_json_object_are_refused(text):
    with pytest.raises(argparse.ArgumentTypeError, match="--params is a JSON object"):
        bench._params(text)


def test_trend_is_the_slope_per_doubling_and_where_it_reaches_the_goal():
    slope, reach = bench.trend([100, 200, 400], [0.5, 0.55, 0.6], goal=0.7)
    assert slope == pytest.approx(0.05) and reach == pytest.approx(1600)
    assert bench.trend([100, 200], [0.6, 0.5], goal=0.7)[1] is None  # falling: no reach
    assert np.isnan(bench.trend([100, 100], [0.5, 0.6], goal=0.7)[0])  # one size: no line


def test_a_small_run_scores_each_fraction_on_the_same_folds(tmp_path, capsys):
    out = tmp_path / "lc.jsonl"
    argv = ["--tables", "psicov/psicov-cpu-v2", "--records", "60", "--fractions", "0.5", "1.0",
            "--repeats", "1", "--out", str(out)]
    bench.main(argv)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["fraction"] for r in rows] == [0.5, 1.0]
    assert all(r["n_records"] == 60 and r["model"] == "xgb" and -1 <= r["tau"] <= 1 for r in rows)
    half, whole = rows
    assert half["n_archs"] == whole["n_archs"] and half["n_fit_archs"] < whole["n_fit_archs"]
    assert half["n_fit_archs"] == pytest.approx(whole["n_fit_archs"] / 2, abs=1)
    bench.main(argv)  # resumed: nothing is fitted or appended again
    assert len(out.read_text().splitlines()) == len(rows)
    recipe = '{"n_members": 1, "n_rounds": 20}'
    bench.main([*argv[:4], "--fractions", "1.0", "--repeats", "1", "--params", recipe, "--out", str(out)])
    other = json.loads(out.read_text().splitlines()[-1])
    assert json.loads(other["params"]) == json.loads(recipe) and other["tau"] != whole["tau"]
    capsys.readouterr()
    bench.main(["--report", str(out)])
    printed = capsys.readouterr().out
    assert "darts/psicov/psicov-cpu-v2, xgb (shipped hyper-parameters)" in printed
    assert 'xgb {"n_members": 1, "n_rounds": 20}' in printed and "per doubling" in printed
    assert printed.count("one training-set size: no trend") == 1  # the other recipe's one fraction
