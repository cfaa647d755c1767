"""scripts/collect_gpu.sh, the one-call GPU collection recipe, run here on the CPU.

Everything but CUDA is exercised: a data pack verified, the throughput benchmark, a time-boxed
campaign, the records copied out, and the summary; with XGBoost, LightGBM, Ray and submitit made
unimportable, as they are on the GPU machine's image.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from training_data.records.store import RecordStore
from training_data.tasks.pack import write_pack

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "collect_gpu.sh"
ABSENT_ON_THE_GPU_IMAGE = ("xgboost", "lightgbm", "ray", "submitit")


@pytest.mark.needs_shared_data
@pytest.mark.slow
def test_one_call_on_the_cpu_with_a_tiny_protocol(shared_data: Path, tmp_path: Path) -> None:
    pack, out, store, blocked = (tmp_path / name for name in ("pack", "out", "store", "blocked"))
    write_pack(pack, tasks=["satellite"], data_root=shared_data)
    out.mkdir()
    blocked.mkdir()
    for module in ABSENT_ON_THE_GPU_IMAGE:
        (blocked / f"{module}.py").write_text(f"raise ImportError('{module} is not installed here')\n")
    env = {**os.environ, "OUT": str(out), "STORE": str(store), "PYTHON": sys.executable,
           "PYTHONPATH": str(blocked), "NB360_DATA_ROOT": str(pack), "DEVICE": "cpu",
           "KIND": "tiny-v1", "TASKS": "satellite", "THROUGHPUT_TASK": "satellite", "LEVELS": "1",
           "WORKERS": "2", "BUDGET_S": "25", "MIN_SHARE_S": "3"}
    done = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every file matches its manifest" in done.stdout
    assert "torch" in (out / "gpu.txt").read_text()
    levels = json.loads((out / "throughput.json").read_text())["levels"]
    assert [(lv["concurrency"], lv["ok"]) for lv in levels] == [(1, 1)]
    assert "stopped by the time budget" in done.stdout  # N=2000 tiny runs do not fit in 25 s
    returned = out / "records" / "satellite" / "satellite-tiny-v1.jsonl"
    records = RecordStore(store).records(task="satellite", protocol="satellite-tiny-v1")
    assert len(records) >= 2 and len({r.key for r in records}) == len(records)
    assert returned.read_bytes() == (store / "satellite" / "satellite-tiny-v1.jsonl").read_bytes()
    assert "satellite-tiny-v1" in (out / "summary.txt").read_text()


def test_it_names_what_is_missing() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OUT"}
    done = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode != 0 and "set OUT to the folder whose files come back" in done.stderr
