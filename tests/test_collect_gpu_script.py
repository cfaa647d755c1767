"""scripts/collect_gpu.sh, the GPU-lease collection recipe, run here on the CPU.

Everything but CUDA is exercised: the data pack checked, the background collector started in its
own session and followed across two calls, the step benchmark (its CUDA-graph check cannot pass
on a CPU, so the campaigns run eagerly), time-boxed campaigns, the records and figures copied
out; with XGBoost, LightGBM, Ray and submitit made unimportable, as they are on the GPU
machine's image.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from training_data.collection.campaign import collect
from training_data.records.store import RecordStore
from training_data.tasks.pack import LEASE_PACKS, write_pack
from training_data.tasks.pack_parts import DEFAULT_PART_BYTES, part_bytes, split_pack

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "collect_gpu.sh"
ABSENT_ON_THE_GPU_IMAGE = ("xgboost", "lightgbm", "ray", "submitit")


def call(mode: str, env: dict[str, str], *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), mode, *args], env={**env, **extra},
                          capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.needs_shared_data
@pytest.mark.slow
def test_a_lease_on_the_cpu_with_a_tiny_protocol(shared_data: Path, tmp_path: Path) -> None:
    pack, out, run_dir, blocked = (tmp_path / name for name in ("pack", "out", "run", "blocked"))
    manifest = write_pack(pack, tasks=["satellite"], data_root=shared_data)
    parts = split_pack(pack, pack, max_part_bytes=manifest.total_bytes // 2 + 1024)
    assert len(parts) == 2  # the pack reaches the machine in two calls (stage), as ECG's does
    shutil.rmtree(pack)
    out.mkdir()
    blocked.mkdir()
    for module in ABSENT_ON_THE_GPU_IMAGE:
        (blocked / f"{module}.py").write_text(f"raise ImportError('{module} is not installed here')\n")
    inherited = {k: v for k, v in os.environ.items() if k != "NB360_DATA_ROOT"}  # the staged pack's
    env = {**inherited, "OUT": str(out), "RUN_DIR": str(run_dir), "PYTHON": sys.executable,
           "PYTHONPATH": str(blocked), "DEVICE": "cpu",
           "KIND": "tiny-v1", "TASKS": "satellite", "THROUGHPUT_TASK": "satellite", "STEPS": "2",
           "WORKERS": "2", "N": "5", "REPEAT": "0", "LEASE_S": "300"}  # ends by count (N), not the clock

    # committed records of this protocol, one frozen and one live, are resumed, not re-run
    committed = tmp_path / "committed"
    runs = tiny_runs(shared_data, 3, tmp_path / "first_runs")
    RecordStore(committed).extend(runs[:2])
    RecordStore(committed).freeze()
    RecordStore(committed).extend(runs[2:])
    env["COMMITTED"] = str(committed)

    staged = call("stage", env, str(parts[0]))  # first call: part 1 kept, the pack not yet whole
    assert staged.returncode == 0 and "waiting for part(s) [2]" in staged.stdout, staged.stderr
    staged = call("stage", env, str(parts[1]))
    assert staged.returncode == 0 and "joined from 2 part(s)" in staged.stdout, staged.stderr
    assert call("stage", env, str(tmp_path / "absent")).returncode == 2

    first = call("start", env, CALL_S="1")  # returns while the collector runs on
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"pack {run_dir}/data_pack: every file matches its manifest" in first.stdout
    assert "call follow again" in first.stdout
    again = call("start", env, CALL_S="1")
    assert again.returncode == 2 and "already running" in again.stderr

    last = call("follow", env, CALL_S="300")
    assert last.returncode == 0, last.stdout + last.stderr
    assert "collector finished" in last.stdout
    log = (out / "collector.log").read_text()
    assert "data of satellite ready" in log
    assert "proposed 5 architectures; evaluated 2 runs now (ok=2); 3 already in the store" in log
    assert "torch" in (out / "gpu.txt").read_text()
    # the graph check cannot pass on the CPU, so the campaigns train eagerly
    assert "CUDA graphs need a CUDA device" in log and "NB360_CUDA_GRAPHS=0 (GRAPHS=auto)" in log
    expected = re.search(r"campaign satellite: \d+ s of \d+ s left; a run is expected to take ([\d.]+) s", log)
    assert expected and float(expected.group(1)) > 0, log  # from the step figures
    steps = json.loads((out / "concurrency.json").read_text())
    assert [row["processes"] for row in steps["concurrency"]] == [1, 4, 2]
    live = RecordStore(run_dir / "records").records(task="satellite", protocol="satellite-tiny-v1")
    assert len(live) == 5 and len({r.key for r in live}) == 5
    returned = out / "records" / "satellite" / "satellite-tiny-v1.jsonl"
    assert returned.read_bytes() == (run_dir / "records" / "satellite" / "satellite-tiny-v1.jsonl").read_bytes()


TRANSFER_LIMIT = 64 * 2**20  # what may travel to a lent GPU machine: working tree + carried paths
REPO = SCRIPT.parents[1]


@pytest.mark.needs_shared_data
@pytest.mark.slow
@pytest.mark.parametrize("lease", sorted(LEASE_PACKS))
def test_what_travels_to_a_lease_fits(lease: str, shared_data: Path, tmp_path: Path) -> None:
    """The tracked and untracked-not-ignored files plus the largest part of each lease's fresh
    data pack (`nb360 data split-pack`, one part per call) stay under the 64 MiB a call accepts,
    with 2 MiB to spare (records grow: `nb360 data freeze` shrinks them)."""
    if not (REPO / ".git").exists():
        pytest.skip(f"{REPO} is not a git checkout: what travels is what git tracks")
    pack = tmp_path / "pack"
    write_pack(pack, tasks=LEASE_PACKS[lease], data_root=shared_data)
    parts = split_pack(pack, pack, max_part_bytes=DEFAULT_PART_BYTES)
    largest = max(part_bytes(part) for part in parts)
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, check=True).stdout.split(b"\0")
    tree = sum((REPO / name.decode()).stat().st_size for name in listed
               if name and (REPO / name.decode()).is_file())
    total = tree + largest
    assert total <= TRANSFER_LIMIT - 2 * 2**20, (
        f"{total / 2**20:.1f} MiB would travel to the {lease} lease in one call (tree "
        f"{tree / 2**20:.1f} + the largest of {len(parts)} pack part(s) {largest / 2**20:.1f}); "
        "freeze the records, or split the pack finer")


def tiny_runs(data_root: Path, n: int, store: Path) -> list:
    """The records the lease's campaign (seed 0, uniform random) makes for its first n proposals,
    trained into ``store``."""
    collect("satellite", "satellite-tiny-v1", n, store, workers=1, device="cpu", data_root=str(data_root),
            progress=False)
    return RecordStore(store).records()


def test_wrong_calls_name_what_is_wrong(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OUT"}
    done = call("start", env)
    assert done.returncode != 0 and "set OUT to the folder whose files come back" in done.stderr
    env["OUT"], env["RUN_DIR"] = str(tmp_path), str(tmp_path / "run")
    done = call("follow", env)
    assert done.returncode == 2 and "no collector was started" in done.stderr
    done = call("begin", env)
    assert done.returncode == 2 and "start|follow|stage (got 'begin')" in done.stderr


def test_a_pack_without_a_task_of_the_lease_stops_its_start(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    write_pack(pack, tasks=["darcyflow"], data_root=tmp_path)  # Darcy is generated: no data needed
    env = {**os.environ, "OUT": str(tmp_path), "RUN_DIR": str(tmp_path / "run"), "PYTHON": sys.executable,
           "NB360_DATA_ROOT": str(pack), "TASKS": "darcyflow satellite"}
    done = call("start", env)
    assert done.returncode != 0
    assert f"the pack in {pack} lacks task(s) ['satellite']; it holds ['darcyflow']" in done.stderr
    assert not (tmp_path / "run" / "collector.pid").exists()  # no collector started
