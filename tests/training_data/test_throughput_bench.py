"""benchmarks/bench_collection_throughput.py on the CPU with a tiny protocol (real training)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from training_data.records.store import RecordStore

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_collection_throughput.py"

@pytest.mark.needs_shared_data
@pytest.mark.slow
def test_levels_are_measured_and_their_records_kept(shared_data: Path, tmp_path: Path) -> None:
    store, figures = tmp_path / "records", tmp_path / "throughput.json"
    command = [sys.executable, str(SCRIPT), "--task", "satellite", "--protocol", "satellite-tiny-v1",
               "--device", "cpu", "--levels", "1", "2", "--rounds", "1", "--store", str(store),
               "--json", str(figures), "--data-root", str(shared_data)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    levels = json.loads(figures.read_text())["levels"]
    assert [(lv["concurrency"], lv["archs"], lv["ok"]) for lv in levels] == [(1, 1, 1), (2, 2, 2)]
    assert levels[0]["gain_over_first_level"] == 1.0
    assert all(lv["archs_per_hour"] > 0 and lv["median_train_seconds"] > 0 for lv in levels)
    assert "archs/device-hour" in done.stdout
    records = RecordStore(store).records()
    assert len(records) == 3 and len({r.arch_hash for r in records}) == 3  # levels train different archs


def test_bad_levels_are_clear_errors(tmp_path: Path) -> None:
    command = [sys.executable, str(SCRIPT), "--levels", "0", "--store", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0 and "levels must be concurrency counts >= 1" in done.stderr
