"""benchmarks/bench_zero_cost_records.py on the first shipped PSICOV v2 records: a proxy scored
alone, trees with and without it cross-validated on the same folds, resumable output, the report."""
from __future__ import annotations

import json

from benchmark_scripts import load_benchmark_script

bench = load_benchmark_script("bench_zero_cost_records")


def test_a_small_run_scores_the_proxy_and_both_feature_sets(shared_data, private_proxy_cache, tmp_path,
                                                            capsys):
    out = tmp_path / "zc.jsonl"
    argv = ["--tables", "psicov/psicov-cpu-v2", "--records", "40", "--models", "xgb",
            "--features", "graf", "graf+snip", "--proxies", "snip", "--repeats", "1", "--out", str(out)]
    bench.main(argv)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    alone, cells = rows[0], rows[1:]
    assert list(alone["proxies"]) == ["snip"] and -1 <= alone["proxies"]["snip"]["tau_all"] <= 1
    assert [c["features"] for c in cells] == ["graf", "graf+snip"]
    assert all(c["n_records"] == 40 and -1 <= c["tau"] <= 1 for c in cells)
    bench.main(argv)  # resumed: nothing is fitted or appended again
    assert len(out.read_text().splitlines()) == len(rows)
    capsys.readouterr()
    bench.main(["--report", str(out)])
    printed = capsys.readouterr().out
    assert "snip       all" in printed and "xgb   graf+snip" in printed
