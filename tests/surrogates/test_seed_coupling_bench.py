"""benchmarks/bench_seed_coupling.py on the shipped Darcy Flow DARTS records (real LightGBM fit)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_seed_coupling.py"


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=300, check=False)


def test_a_seed_0_surrogate_ranks_darcy_seed_0_runs_better_than_other_seeds() -> None:
    done = bench("--task", "darcyflow", "--fits", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    taus = {name: float(value) for name, value in
            re.findall(r"tau\(prediction, (.+?)\)\s+= ([+-]\d\.\d+)", done.stdout)}
    assert set(taus) == {"seed-0 runs", "seed-1 runs", "seed-2 runs", "mean of the seeds"}
    assert taus["seed-0 runs"] > max(taus["seed-1 runs"], taus["seed-2 runs"]) + 0.15
    assert len(re.findall(r"tau\(seed-\d runs, seed-\d runs\)", done.stdout)) == 3


def test_bad_inputs_are_named() -> None:
    no_fits = bench("--task", "darcyflow", "--fits", "0")
    assert no_fits.returncode != 0 and "--fits 0: expected 1 or more" in no_fits.stderr
    unknown = bench("--task", "nope")
    assert unknown.returncode != 0 and "task 'nope'" in unknown.stderr
