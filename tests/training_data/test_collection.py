"""Collection campaigns on real data (Satellite, tiny protocol) with real executors.

Every test trains real (tiny) networks: the local process pool, a real local Ray cluster and
submitit's local executor, the kill-a-worker and kill-the-campaign checks.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from graph_encodings import get_space
from nas_optimizers import create
from training_data.collection import (
    CollectionEnvironmentError,
    EvalJob,
    collect,
    make_executor,
    repeat_seeds_for,
)
from training_data.records.store import RecordStore

TASK, PROTOCOL = "satellite", "satellite-tiny-v1"
pytestmark = [pytest.mark.needs_shared_data, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _data(shared_data: Path) -> None:
    """All tests here read the real Satellite data through NB360_DATA_ROOT."""


def job(arch_seed: int, seed: int = 0) -> EvalJob:
    space = get_space("darts")
    arch = space.sample(arch_seed)
    return EvalJob(space="darts", arch=space.format(arch), arch_hash=space.canonical_hash(arch),
                   task=TASK, protocol=PROTOCOL, seed=seed, sampler="test")


def keys(store: Path) -> list[tuple]:
    return [r.key for r in RecordStore(store)]


def test_local_campaign_is_resumable_and_deduplicated(tmp_path: Path) -> None:
    store = tmp_path / "records"
    first = collect(TASK, PROTOCOL, 3, store, executor="local", workers=2, progress=False)
    assert (first.evaluated, first.already_present) == (3, 0)
    assert first.status_counts["ok"] == 3
    again = collect(TASK, PROTOCOL, 4, store, executor="local", workers=2, progress=False)
    assert (again.evaluated, again.already_present) == (1, 3)
    stored = keys(store)
    assert len(stored) == len(set(stored)) == 4
    records = RecordStore(store).records()
    assert {r.sampler for r in records} == {"random"}
    assert all(r.status == "ok" and r.score is not None and r.learning_curve for r in records)


def test_ray_executor_on_a_real_local_cluster(tmp_path: Path) -> None:
    summary = collect(TASK, PROTOCOL, 2, tmp_path / "records", executor="ray", workers=2,
                      progress=False, executor_options={"num_cpus": 2})
    assert summary.status_counts["ok"] == 2
    assert len(keys(tmp_path / "records")) == 2


def test_a_killed_ray_worker_is_retried_and_loses_nothing(tmp_path: Path) -> None:
    """SIGKILL the first Ray worker seen running an evaluation: the campaign retries that run."""
    killed: list[int] = []

    def kill_a_running_task() -> None:
        deadline = time.monotonic() + 300
        while not killed and time.monotonic() < deadline:
            found = subprocess.run(["pgrep", "-f", "ray::_run_in_ray"], capture_output=True, text=True)
            if found.stdout.split():
                killed.append(int(found.stdout.split()[0]))
                os.kill(killed[0], signal.SIGKILL)
            time.sleep(0.02)

    killer = threading.Thread(target=kill_a_running_task, daemon=True)
    killer.start()
    summary = collect(TASK, PROTOCOL, 2, tmp_path / "records", executor="ray", workers=2,
                      progress=False, executor_options={"num_cpus": 2})
    killer.join(timeout=1)
    assert killed, "no Ray worker was seen running an evaluation"
    assert summary.retried == 1 and summary.status_counts == {"ok": 2}
    assert len(keys(tmp_path / "records")) == 2


def test_slurm_executor_through_submitit_local(tmp_path: Path) -> None:
    summary = collect(TASK, PROTOCOL, 2, tmp_path / "records", executor="slurm", workers=2,
                      progress=False, executor_options={"folder": tmp_path / "logs", "cluster": "local"})
    assert summary.status_counts["ok"] == 2


def test_optimizer_driven_sampler_is_recorded(tmp_path: Path) -> None:
    optimizer = create("regularized_evolution", "darts", seed=0, population_size=2, sample_size=1)
    summary = collect(TASK, PROTOCOL, 4, tmp_path / "records", sampler=optimizer, workers=2, progress=False)
    assert summary.sampler == "regularized_evolution"
    records = RecordStore(tmp_path / "records").records()
    assert {r.sampler for r in records} == {"regularized_evolution"}
    assert len(optimizer.history) == 4  # every proposal was told its result


class LoggedEvolution:
    """Regularised evolution (population 2) that logs each ask and tell, to compare trajectories."""

    name = "regularized_evolution"

    def __init__(self) -> None:
        self.optimizer = create("regularized_evolution", "darts", seed=0, population_size=2, sample_size=1)
        self.space = get_space("darts")
        self.events: list[tuple[str, str]] = []

    def ask(self) -> object:
        arch = self.optimizer.ask()
        self.events.append(("ask", self.space.canonical_hash(arch)))
        return arch

    def tell(self, arch: object, score: float, cost: float = 0.0) -> None:
        self.events.append(("tell", self.space.canonical_hash(arch)))
        self.optimizer.tell(arch, score, cost)


def test_an_optimizer_campaign_resumes_along_its_own_trajectory(tmp_path: Path) -> None:
    """Asks and tells follow proposal order with a fixed lag, whatever finishes first: a campaign
    run in two steps with one worker replays and continues exactly the trajectory of one run
    with two, and proposes no architecture that run did not."""
    whole = LoggedEvolution()
    collect(TASK, PROTOCOL, 6, tmp_path / "whole", sampler=whole, workers=2, feedback_lag=2, progress=False)
    collect(TASK, PROTOCOL, 3, tmp_path / "steps", sampler=LoggedEvolution(), workers=1, feedback_lag=2,
            progress=False)
    resumed = LoggedEvolution()
    summary = collect(TASK, PROTOCOL, 6, tmp_path / "steps", sampler=resumed, workers=1, feedback_lag=2,
                      progress=False)
    assert (summary.already_present, summary.evaluated, summary.feedback_lag) == (3, 3, 2)
    assert resumed.events == whole.events
    assert [e for e, _ in whole.events[:5]] == ["ask", "ask", "tell", "ask", "tell"]  # lag 2
    mutated = {h for e, h in whole.events[4:] if e == "ask"} - {h for e, h in whole.events[:4] if e == "ask"}
    assert mutated, "evolution proposed nothing after its first results: the test shows nothing"
    assert sorted(keys(tmp_path / "steps")) == sorted(keys(tmp_path / "whole"))


def test_repeat_seeds_are_chosen_by_hash_and_run(tmp_path: Path) -> None:
    assert repeat_seeds_for("0" * 32, 0.5, 3) == (0, 1, 2)
    assert repeat_seeds_for("f" * 32, 0.5, 3) == (0,)
    summary = collect(TASK, PROTOCOL, 1, tmp_path / "records", repeat_fraction=1.0, repeat_seeds=2,
                      workers=2, progress=False)
    assert summary.evaluated == 2
    assert sorted(r.seed for r in RecordStore(tmp_path / "records").records()) == [0, 1]


def test_shards_merge_into_the_unsharded_campaign(tmp_path: Path) -> None:
    for index in range(2):
        collect(TASK, PROTOCOL, 4, tmp_path / f"shard{index}", shard=f"{index}/2", progress=False)
    merged = RecordStore(tmp_path / "merged")
    assert merged.merge([tmp_path / "shard0", tmp_path / "shard1"]) == 4
    space = get_space("darts")
    rng = np.random.default_rng(0)
    expected = {space.canonical_hash(space.sample(rng)) for _ in range(4)}
    assert {r.arch_hash for r in merged.records()} == expected


def test_a_killed_worker_loses_only_its_own_run() -> None:
    with make_executor("local", workers=2) as pool:
        pool.submit(job(1))
        pool.submit(job(2))
        deadline = time.monotonic() + 60
        while len(pool.worker_pids()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(pool.worker_pids()[0], signal.SIGKILL)
        pool.submit(job(3))
        results = []
        while pool.in_flight:
            results.extend(pool.wait(timeout=5))
    statuses = sorted(record["status"] for _, record in results)
    assert statuses == ["failed", "ok", "ok"]
    failed = next(record for _, record in results if record["status"] == "failed")
    assert "worker process died" in failed["message"]


def test_a_killed_campaign_resumes_without_duplicates(tmp_path: Path) -> None:
    store = tmp_path / "records"
    command = [sys.executable, "-m", "nb360_cli.main", "collect", "--task", TASK, "--protocol",
               PROTOCOL, "--n", "5", "--store", str(store), "--no-progress"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 240
    while len(keys(store)) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = keys(store)
    assert 2 <= len(before) < 5
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert f"{len(before)} already in the store" in finished.stdout
    after = keys(store)
    assert len(after) == len(set(after)) == 5
    assert set(before) <= set(after)


def test_cli_drives_a_configured_optimizer(tmp_path: Path) -> None:
    store = tmp_path / "records"
    command = [sys.executable, "-m", "nb360_cli.main", "collect", "--task", TASK, "--protocol", PROTOCOL,
               "--n", "3", "--store", str(store), "--no-progress", "--sampler", "regularized_evolution",
               "--sampler-option", "population_size=2", "--sampler-option", "sample_size=1",
               "--feedback-lag", "1"]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "sampler=regularized_evolution (feedback lag 1)" in finished.stdout
    records = RecordStore(store).records()
    assert len(records) == 3 and {r.sampler for r in records} == {"regularized_evolution"}


def test_time_budget_stops_starting_runs_and_loses_none(tmp_path: Path) -> None:
    store = tmp_path / "records"
    nothing = collect(TASK, PROTOCOL, 5, store, time_budget_s=0.0, progress=False)
    assert nothing.stopped_by_time_budget and (nothing.proposed, nothing.evaluated) == (0, 0)
    boxed = collect(TASK, PROTOCOL, 200, store, workers=1, time_budget_s=6.0, progress=False)
    assert boxed.stopped_by_time_budget and "stopped by the time budget" in str(boxed)
    assert 1 <= boxed.evaluated == boxed.proposed < 200
    assert len(keys(store)) == boxed.evaluated  # every run it started finished and was stored
    resumed = collect(TASK, PROTOCOL, boxed.proposed + 1, store, progress=False)
    assert (resumed.already_present, resumed.evaluated) == (boxed.proposed, 1)
    assert not resumed.stopped_by_time_budget


def test_an_expected_run_longer_than_the_budget_starts_nothing(tmp_path: Path) -> None:
    store = tmp_path / "records"
    skipped = collect(TASK, PROTOCOL, 3, store, time_budget_s=600.0, expected_run_s=601.0, progress=False)
    assert skipped.stopped_by_time_budget and (skipped.proposed, skipped.evaluated) == (0, 0)
    started = collect(TASK, PROTOCOL, 1, store, time_budget_s=600.0, expected_run_s=5.0, progress=False)
    assert (started.evaluated, started.stopped_by_time_budget) == (1, False)
    with pytest.raises(ValueError, match="expected_run_s must be >= 0 seconds, got -1"):
        collect(TASK, PROTOCOL, 1, store, expected_run_s=-1, progress=False)


def test_cli_time_budget(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "nb360_cli.main", "collect", "--task", TASK, "--protocol", PROTOCOL,
               "--n", "3", "--store", str(tmp_path), "--no-progress", "--time-budget-s", "5",
               "--expect-run-s", "6"]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "proposed 0 architectures" in finished.stdout
    assert "stopped by the time budget" in finished.stdout


def test_an_environment_error_stops_the_campaign_and_records_nothing(tmp_path: Path) -> None:
    """A data root without the task's files fails every architecture alike: it must not be
    stored as 'failed' runs (that would mark them evaluated), but stop the campaign."""
    store, empty_root = tmp_path / "records", tmp_path / "no_data"
    empty_root.mkdir()
    with pytest.raises(CollectionEnvironmentError, match=r"could not start .*recording 0 runs.*Crop") as raised:
        collect(TASK, PROTOCOL, 6, store, workers=2, data_root=empty_root, progress=False)
    assert "Traceback" not in str(raised.value) and "Traceback" in raised.value.worker_traceback
    assert not store.exists() or keys(store) == []
    command = [sys.executable, "-m", "nb360_cli.main", "collect", "--task", TASK, "--protocol", PROTOCOL,
               "--n", "2", "--store", str(store), "--no-progress", "--data-root", str(empty_root)]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 2 and "nb360 collect: error: an evaluation" in finished.stderr
    assert len(finished.stderr.strip().splitlines()) == 1  # the message alone, no worker traceback
    again = collect(TASK, PROTOCOL, 2, store, progress=False)  # fixed: the real data root
    assert (again.evaluated, again.status_counts["ok"]) == (2, 2)


def test_bad_campaign_arguments_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="time_budget_s must be >= 0 seconds"):
        collect(TASK, PROTOCOL, 1, tmp_path, time_budget_s=-1.0)
    with pytest.raises(ValueError, match="is for task"):
        collect("ecg", PROTOCOL, 1, tmp_path)
    with pytest.raises(ValueError, match="'nb360-nb201-200ep' cannot be trained here"):
        collect("ninapro", "nb360-nb201-200ep", 1, tmp_path)
    with pytest.raises(ValueError, match="valid: local, ray, slurm"):
        collect(TASK, PROTOCOL, 1, tmp_path, executor="cluster9")
    with pytest.raises(ValueError, match="shard"):
        collect(TASK, PROTOCOL, 1, tmp_path, shard="2/2")
    with pytest.raises(ValueError, match="random"):
        collect(TASK, PROTOCOL, 1, tmp_path, sampler="bogus")
    for lag in (0, 1.5, True):
        with pytest.raises(ValueError, match=f"feedback_lag must be an int >= 1 .*got {lag!r}"):
            collect(TASK, PROTOCOL, 1, tmp_path, feedback_lag=lag)
