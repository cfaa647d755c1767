"""scripts/collect_cpu.sh, the background CPU collection recipe, run with a tiny protocol.

Real training runs on the real Satellite data; a task whose store already holds ARCHS distinct
architectures is left alone, and the script stops once every task does.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from training_data.records.store import RecordStore
from training_data.records.synthetic import synthetic_record

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "collect_cpu.sh"


def run_script(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=600, check=False)


@pytest.mark.needs_shared_data
def test_archs_stops_each_task_at_its_distinct_architecture_count(shared_data: Path, tmp_path: Path) -> None:
    store = RecordStore(tmp_path / "records")
    full = [synthetic_record(i, task="ecg", protocol="ecg-tiny-v1", seed=0) for i in range(2)]
    store.extend(full)
    env = {"PYTHON": sys.executable, "NB360_DATA_ROOT": str(shared_data), "STORE": str(store.folder),
           "KIND": "tiny-v1", "TASKS": "ecg satellite", "SAMPLERS": "random", "ARCHS": "2", "START": "1"}

    done = run_script(env, "10", "1", "1", "0")  # TARGET 10, STEP 1, 1 worker, no repeats

    assert done.returncode == 0, done.stdout + done.stderr
    assert "ecg: 2 distinct architectures (ARCHS=2): done" in done.stdout
    assert "satellite: 2 distinct architectures (ARCHS=2): done" in done.stdout
    assert "(feedback lag 4)" in done.stdout  # fixed, not twice the 1 worker: resumes replay alike
    assert done.stdout.rstrip().endswith("every task holds ARCHS=2 distinct architectures: stopping")
    grown = store.records(task="satellite", protocol="satellite-tiny-v1")
    assert len({r.arch_hash for r in grown}) == 2 and len(grown) == 2  # rounds n=1 and n=2, no more
    assert all(r.status == "ok" and r.sampler == "random" for r in grown)
    assert store.records(task="ecg", protocol="ecg-tiny-v1") == full  # already full: not touched


@pytest.mark.needs_shared_data
def test_space_collects_nb201_cells_under_an_nb201_protocol(shared_data: Path, tmp_path: Path) -> None:
    store = RecordStore(tmp_path / "records")
    env = {"PYTHON": sys.executable, "NB360_DATA_ROOT": str(shared_data), "STORE": str(store.folder),
           "KIND": "nb201-cpu-v1", "SPACE": "nb201", "TASKS": "satellite", "SAMPLERS": "random",
           "ARCHS": "1", "START": "1"}

    done = run_script(env, "10", "1", "1", "0")

    assert done.returncode == 0, done.stdout + done.stderr
    (record,) = store.records(task="satellite", protocol="satellite-nb201-cpu-v1")
    assert record.space == "nb201" and record.status == "ok" and record.sampler == "random"


def test_until_that_date_cannot_read_is_refused(tmp_path: Path) -> None:
    refused = run_script({"UNTIL": "not a time", "STORE": str(tmp_path)})
    assert refused.returncode == 2
    assert "UNTIL=not a time is not a date that date -d reads" in refused.stderr
