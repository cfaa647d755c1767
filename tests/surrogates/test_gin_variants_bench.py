"""benchmarks/bench_gin_variants.py: variants parsed or refused by name, a real run, its report."""
from __future__ import annotations

import json

import pytest
from benchmark_scripts import load_benchmark_script

bench = load_benchmark_script("bench_gin_variants")


@pytest.mark.parametrize(("text", "reason"), [("{rank_weight: 1}", "is not JSON"),
                                              ("[1, 2]", "must be a JSON object")])
def test_a_bad_variant_is_refused_naming_it(text, reason):
    with pytest.raises(SystemExit, match=reason) as info:
        bench.parse_variant(text)
    assert text in str(info.value)


def test_report_takes_medians_and_paired_gains_over_the_first_variant():
    rows = [{"task": "t", "n": 10, "split": s, "fit_s:{}": 2.0, "tau:{}": base, "tau:{}+xgb": base + 0.1,
             "fit_s:r": 3.0, "tau:r": base + gain, "tau:r+xgb": base + 0.1 + 2 * gain}
            for s, (base, gain) in enumerate([(0.5, 0.01), (0.7, 0.03), (0.6, -0.02)])]
    lines = bench.report(rows).splitlines()
    assert "t, n = 10, 3 splits" in lines[1]
    assert lines[3].split() == ["{}", "0.600", "+0.000", "0.700", "+0.000", "-", "-", "2.0"]
    assert lines[4].split() == ["r", "0.580", "+0.010", "0.660", "+0.020", "-", "-", "3.0"]


def test_a_real_run_scores_every_variant_and_resumes(tmp_path, capsys):
    out = tmp_path / "rows.jsonl"
    argv = ["--tables", "darcyflow", "--n", "100", "--splits", "1", "--n-test", "150", "--out", str(out),
            "--variants", '{"epochs": 2, "n_members": 1}', '{"epochs": 2, "n_members": 1, "rank_weight": 1.0}']
    bench.main(argv)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["n_test"] == 150
    for variant in argv[-2:]:
        assert -1 <= rows[0][f"tau:{variant}"] <= 1 and -1 <= rows[0][f"tau:{variant}+xgb"] <= 1
        assert rows[0][f"mae:{variant}"] > 0 and rows[0][f"r2:{variant}"] <= 1
    assert rows[0][f"tau:{argv[-2]}"] != rows[0][f"tau:{argv[-1]}"]
    bench.main(argv)
    assert len(out.read_text().splitlines()) == 1
    capsys.readouterr()
    bench.main(["--report", str(out)])
    printed = capsys.readouterr().out
    assert "darcyflow, n = 100, 1 splits" in printed and "MAE" in printed
    assert f"{rows[0][f'r2:{argv[-1]}']:6.3f}" in printed
