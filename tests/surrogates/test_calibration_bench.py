"""benchmarks/bench_calibration.py: its splits, its size rule, one real scored fit and its report."""
from __future__ import annotations

import json

import numpy as np
import pytest
from benchmark_scripts import load_benchmark_script

bench = load_benchmark_script("bench_calibration")
DARCY_V2 = "darts/darcyflow/darcyflow-cpu-v2"


def _groups() -> np.ndarray:
    """300 records of 200 architectures: every architecture 1 or 2 records."""
    return np.concatenate([np.arange(200), np.arange(100)])


def test_split_rows_keep_test_architectures_out_of_training():
    groups = _groups()
    train, test, rows = bench.split_rows(groups, 120, 50, seed=3)
    assert len(train) == 120 and len(set(train)) == 120
    assert not set(test) & set(train) and not set(rows) & set(train)
    assert not np.isin(groups[test], groups[train]).any()
    assert len(test) <= 50 and len(rows) == 50
    again = bench.split_rows(groups, 120, 50, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip((train, test, rows), again, strict=True))
    assert not np.array_equal(bench.split_rows(groups, 120, 50, seed=4)[0], train)


def test_unseen_test_rows_counts_the_split_and_is_zero_without_records_left():
    groups = _groups()
    assert bench.unseen_test_rows(groups, 120, 2000, 0) == len(bench.split_rows(groups, 120, 2000, 0)[1])
    assert bench.unseen_test_rows(groups, 300, 2000, 0) == 0
    assert bench.unseen_test_rows(groups, 500, 2000, 0) == 0


def test_parse_table_names_the_bad_spec():
    assert bench.parse_table("nb201/cifar100") == ("nb201", "cifar100", bench.NB201_PROTOCOL)
    assert bench.parse_table(DARCY_V2) == ("darts", "darcyflow", "darcyflow-cpu-v2")
    with pytest.raises(SystemExit, match="darts/ecg"):
        bench.parse_table("darts/ecg")


def test_a_size_without_enough_unseen_test_records_is_skipped_saying_why(tmp_path, capsys):
    out = tmp_path / "rows.jsonl"
    bench.main(["--tables", DARCY_V2, "--sizes", "1320", "--splits", "1", "--models", "xgb_default_onehot",
                "--out", str(out)])
    printed = capsys.readouterr().out
    assert "size 1320 skipped" in printed and "test records of unseen architectures (< 100)" in printed
    assert not out.exists()


def test_one_real_fit_is_scored_and_reported(tmp_path, capsys):
    out = tmp_path / "rows.jsonl"
    bench.main(["--tables", DARCY_V2, "--sizes", "100", "--splits", "1", "--models", "xgb_default_onehot",
                "--n-test", "300", "--out", str(out)])
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 1
    row = rows[0]
    assert (row["table"], row["n"], row["split"], row["n_test"]) == (DARCY_V2, 100, 0, 300)
    for level in (50, 80, 90, 95):
        assert 0.0 <= row[f"cov{level}"] <= 1.0
    assert row["cov50"] <= row["cov80"] <= row["cov90"] <= row["cov95"]
    assert row["width90"] > 0 and -1 <= row["tau"] <= 1
    capsys.readouterr()
    bench.main(["--tables", DARCY_V2, "--sizes", "100", "--splits", "1", "--models", "xgb_default_onehot",
                "--n-test", "300", "--out", str(out)])  # resumes: nothing refitted
    assert len(out.read_text().splitlines()) == 1
    bench.main(["--report", str(out)])
    table = capsys.readouterr().out
    assert f"| {DARCY_V2} | 100 | xgb_default_onehot | 1 |" in table


def test_paired_report_compares_the_same_splits_only(tmp_path, capsys):
    def row(model, split, tau, cov, width):
        return {"table": "t", "n": 10, "split": split, "model": model, "tau": tau, "cov90": cov, "width90": width}

    base = [row("ensemble", 0, 0.5, 0.90, 2.0), row("ensemble", 1, 0.6, 0.92, 4.0),
            row("xgb_default_onehot", 2, 0.1, 0.5, 1.0)]
    new = [row("v", 0, 0.55, 0.91, 3.0), row("v", 1, 0.62, 0.90, 4.0), row("v", 2, 0.9, 0.9, 9.0)]
    lines = bench.paired_report(new, base).splitlines()
    assert lines[2] == "| t | 10 | v | 2 | +0.035 | -0.005 | 1.25 |"
    assert bench.paired_report(new, []).splitlines()[2:] == []
    (tmp_path / "base.jsonl").write_text("".join(json.dumps(r) + "\n" for r in base))
    with pytest.raises(SystemExit, match="none.jsonl does not exist"):
        bench.main(["--report", str(tmp_path / "base.jsonl"), "--against", str(tmp_path / "none.jsonl")])
