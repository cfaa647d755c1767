"""benchmarks/bench_protocol_transfer.py: the comparisons it prints, on constructed architectures,
and one real run of the script (the shipped Darcy v1 benchmark against the v2 records)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from benchmark_scripts import load_benchmark_script

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_protocol_transfer.py"
bench = load_benchmark_script("bench_protocol_transfer")


def records(true: np.ndarray, noise: float, seeds: list[int], rng: np.random.Generator) -> pd.DataFrame:
    rows = [(f"h{i}", f"arch{i}", s, "ok", m + noise * rng.normal())
            for i, (m, k) in enumerate(zip(true, seeds, strict=True)) for s in range(k)]
    rows.append(("bad", "archX", 0, "failed", None))
    return pd.DataFrame(rows, columns=["arch_hash", "arch", "seed", "status", "score"])


def test_the_architecture_table_keeps_ok_runs_in_seed_order() -> None:
    frame = pd.DataFrame([("a", "A", 1, "ok", 2.0), ("a", "A", 0, "ok", 1.0), ("b", "B", 0, "failed", None)],
                         columns=["arch_hash", "arch", "seed", "status", "score"])
    table = bench.architecture_table(frame)
    assert list(table.index) == ["a"] and table.loc["a", "scores"] == [1.0, 2.0]
    assert table.loc["a", "mean"] == 1.5 and table.loc["a", "runs"] == 2


def test_a_perfect_model_ranks_means_better_than_single_runs() -> None:
    rng = np.random.default_rng(0)
    true = rng.normal(size=300)
    seeds = [3 if i % 3 == 0 else 1 for i in range(300)]
    archs = bench.architecture_table(records(true, 1.0, seeds, rng))  # share 0.5
    predicted = true[[int(h[1:]) for h in archs.index]]  # the table is in hash order
    rows = {what: (n, figures) for what, n, figures in bench.transfer_rows(predicted, archs)}
    n3, (tau3, low3, high3) = rows["means of architectures with >= 3 seeds"]
    n1, (tau1, low1, high1) = rows["single runs (first seed)"]
    assert n3 == 100 and n1 == 300
    assert low3 <= tau3 <= high3 and low1 <= tau1 <= high1
    assert tau3 > tau1 + 0.1  # three seeds average half the noise away
    assert tau1 == pytest.approx(2 / np.pi * np.arcsin(np.sqrt(0.5)), abs=0.08)  # the tau ceiling
    _, (reference, *_) = rows["reference: seed 0 runs against seed 1 runs"]
    assert reference == pytest.approx(2 / np.pi * np.arcsin(0.5), abs=0.12)  # two noisy runs


@pytest.mark.needs_shared_data
def test_the_script_compares_the_shipped_darcy_benchmark_with_v2_records() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--task", "darcyflow", "--benchmark-protocol",
                           "darcyflow-cpu-v1", "--protocol", "darcyflow-cpu-v2"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    taus = re.findall(r"n= *(\d+)  Kendall tau (-?[\d.]+) \(90 % interval (-?[\d.]+)-(-?[\d.]+)\)", done.stdout)
    assert len(taus) == 4
    for n, tau, low, high in taus:
        assert int(n) >= 40 and float(low) <= float(tau) <= float(high)
    assert float(taus[0][1]) > 0.3  # the v1 benchmark ranks v2 architectures, far from chance
