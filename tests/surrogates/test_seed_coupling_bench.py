"""benchmarks/bench_seed_coupling.py: it runs and gives well-formed figures on tiny records.

What the figures are on the shipped records (does a seed-0 surrogate learn seed 0's noise?) is
a finding, stated in the script's docstring and printed by running it; it is not tested here.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from benchmark_scripts import load_benchmark_script

import graph_encodings
import surrogates
from training_data.records.schema import Record
from training_data.records.store import RecordStore

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_seed_coupling.py"
CHECK = surrogates.checking_parameters("xgb")
TARGETS = {"seed-0 runs", "seed-1 runs", "seed-2 runs", "mean of the seeds"}


bench_module = load_benchmark_script("bench_seed_coupling")


def tiny_runs(noise: float = 0.05, once: int = 30, repeated: int = 12) -> pd.DataFrame:
    """``once`` DARTS archs run with seed 0, ``repeated`` with seeds 0, 1 and 2; score = a simple
    function of the ops plus ``noise`` x N(0, 1) per run."""
    space = graph_encodings.get_space("darts")
    rng = np.random.default_rng(0)
    rows = []
    for i, arch in enumerate(space.sample_many(once + repeated, rng=rng)):
        base = 0.5 - 0.02 * str(arch).count("sep_conv")
        for seed in range(1 if i < once else 3):
            rows.append({"arch": arch, "arch_hash": space.canonical_hash(arch), "seed": seed,
                         "score": base + noise * rng.normal()})
    return pd.DataFrame(rows)


def test_the_figures_are_well_formed() -> None:
    result = bench_module.seed_coupling(tiny_runs(), "xgb", fits=2, params=CHECK)
    assert result.seeds == [0, 1, 2] and result.n_train == 30 and result.n_held == 12
    assert set(result.taus) == TARGETS and result.n == dict.fromkeys(TARGETS, 12)
    assert all(len(v) == 2 and all(-1 <= t <= 1 for t in v) for v in result.taus.values())
    assert set(result.between_seeds) == {(0, 1), (0, 2), (1, 2)}
    assert all(-1 <= tau <= 1 and n == 12 for tau, n in result.between_seeds.values())
    again = bench_module.seed_coupling(tiny_runs(), "xgb", fits=2, params=CHECK)
    assert again.taus == result.taus  # seeded fits


def test_without_run_noise_every_seed_ranks_alike() -> None:
    """Seeds that give identical scores: each seed's tau is the mean's, and seeds agree fully."""
    result = bench_module.seed_coupling(tiny_runs(noise=0.0), "xgb", fits=1, params=CHECK)
    assert len({tuple(v) for v in result.taus.values()}) == 1
    assert all(tau == pytest.approx(1.0) for tau, _ in result.between_seeds.values())


def test_records_without_repeated_seeds_are_refused() -> None:
    runs = tiny_runs(repeated=0)
    with pytest.raises(ValueError, match=r"need two or more seeds \(\[0\]\)"):
        bench_module.seed_coupling(runs, "xgb", fits=1, params=CHECK)
    with pytest.raises(ValueError, match="fits=0: expected 1 or more"):
        bench_module.seed_coupling(tiny_runs(), "xgb", fits=0)


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=300, check=False)


def test_the_script_prints_every_figure_from_a_store(tmp_path: Path) -> None:
    store = RecordStore(tmp_path)
    store.extend([Record(space="darts", arch=str(row.arch), arch_hash=row.arch_hash, task="ecg",
                         protocol="ecg-cpu-v1", protocol_version=1, seed=int(row.seed),
                         status="ok", score=float(row.score), sampler="random")
                  for row in tiny_runs().itertuples()])
    done = bench("--task", "ecg", "--store", str(tmp_path), "--model", "xgb", "--fits", "1",
                 "--params", json.dumps(CHECK))
    assert done.returncode == 0, done.stdout + done.stderr
    taus = dict(re.findall(r"tau\(prediction, (.+?)\)\s+= ([+-]\d\.\d+)", done.stdout))
    assert set(taus) == TARGETS and all(-1 <= float(t) <= 1 for t in taus.values())
    assert len(re.findall(r"tau\(seed-\d runs, seed-\d runs\)", done.stdout)) == 3


def test_bad_inputs_are_named() -> None:
    no_fits = bench("--task", "darcyflow", "--fits", "0")
    assert no_fits.returncode != 0 and "--fits 0: expected 1 or more" in no_fits.stderr
    unknown = bench("--task", "nope")
    assert unknown.returncode != 0 and "task 'nope'" in unknown.stderr
