"""benchmarks/bench_protocol_signal.py on the CPU with a tiny protocol (real training)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from benchmark_scripts import load_benchmark_script

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_protocol_signal.py"


def bench(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.mark.needs_shared_data
@pytest.mark.slow
def test_a_candidate_protocol_is_measured_and_resumed(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "signal.jsonl"
    args = ["--task", "satellite", "--protocol", "satellite-tiny-v1", "--set", "epochs=2", "--archs", "3",
            "--seeds", "2", "--workers", "2", "--out", str(out), "--data-root", str(shared_data)]
    done = bench(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "satellite-candidate-v1 (epochs=2)" in done.stdout
    runs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(runs) == 6 and {r["seed"] for r in runs} == {0, 1} and len({r["arch_hash"] for r in runs}) == 3
    assert all(r["status"] == "ok" for r in runs)
    assert "runs=6 ok=6 archs_with_repeats=3 arch_share=" in done.stdout
    again = bench(*args)  # everything is in --out already: nothing trains
    assert again.returncode == 0 and "  1/" not in again.stdout
    assert len(out.read_text().splitlines()) == 6
    shown = bench("--task", "satellite", "--out", str(out), "--report-only")
    assert shown.returncode == 0 and "runs=6 ok=6" in shown.stdout and "median_cpu_seconds=" in shown.stdout
    assert "median_score=" in shown.stdout
    missing = bench("--task", "satellite", "--out", str(tmp_path / "none.jsonl"), "--report-only")
    assert missing.returncode == 2 and "none.jsonl does not exist" in missing.stderr


@pytest.mark.needs_shared_data
@pytest.mark.slow
def test_runs_of_a_registered_protocol_can_go_to_the_record_store(shared_data: Path, tmp_path: Path) -> None:
    from training_data.records.store import RecordStore

    store = tmp_path / "records"
    done = bench("--task", "satellite", "--protocol", "satellite-tiny-v1", "--archs", "2", "--seeds", "2",
                 "--out", str(tmp_path / "s.jsonl"), "--store", str(store), "--data-root", str(shared_data))
    assert done.returncode == 0, done.stdout + done.stderr
    records = RecordStore(store).records()
    assert len(records) == 4 and {r.protocol for r in records} == {"satellite-tiny-v1"}
    assert {r.sampler for r in records} == {"random"} and all(r.status == "ok" for r in records)

    # --region: a candidate trained on the architectures a sampler proposed in that store, with the
    # base protocol's figures on them read from the records
    region = ["--task", "satellite", "--protocol", "satellite-tiny-v1", "--set", "epochs=2", "--seeds", "2",
              "--region-store", str(store), "--data-root", str(shared_data)]
    out = tmp_path / "region.jsonl"
    done = bench(*region, "--region", "random", "--archs", "2", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "satellite-tiny-v1 on the same 2 architectures of random (from the records):\nruns=4 ok=4" in done.stdout
    assert "2 random-proposed archs x 2 seeds" in done.stdout
    runs = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["arch_hash"] for r in runs} == {r.arch_hash for r in records} and len(runs) == 4
    stopped = tmp_path / "stopped.jsonl"  # a screen stopped after one architecture: the baseline on it too
    first = runs[0]["arch_hash"]
    stopped.write_text("".join(json.dumps(r) + "\n" for r in runs if r["arch_hash"] == first))
    shown = bench(*region, "--region", "random", "--archs", "2", "--out", str(stopped), "--report-only")
    assert shown.returncode == 0, shown.stderr
    assert f"satellite-tiny-v1 on the 1 of them that {stopped} holds:\nruns=2 ok=2" in shown.stdout
    for args, message in [(["--region", "bananas", "--archs", "2"], "no ok run of satellite-tiny-v1 was proposed "
                            "by it; samplers there: ['random']"),
                          (["--region", "random", "--archs", "3"], "2 of its architectures under satellite-tiny-v1 "
                           "have >= 2 runs, fewer than --archs 3")]:
        refused = bench(*region, *args, "--out", str(tmp_path / "refused.jsonl"))
        assert refused.returncode == 2 and message in refused.stderr, refused.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "epochz=3"], "expected FIELD=VALUE with FIELD one of"),
        (["--seeds", "1"], "need --archs >= 2, --seeds >= 2"),
        (["--set", "epochs=3", "--store", "x"], "--store keeps ground truth of registered protocols only"),
        (["--region", "bananas", "--store", "x"], "--store keeps random architectures' runs only"),
        (["--space", "nb201", "--region", "bananas"], "--region draws DARTS architectures"),
        (["--space", "nas101"], "invalid choice: 'nas101'"),
        (["--protocol", "satellite-nb201-cpu-v1"], "--space 'darts': protocol satellite-nb201-cpu-v1 trains ['nb201']"),
    ],
)
def test_bad_arguments_are_clear_errors(args: list[str], message: str, tmp_path: Path) -> None:
    done = bench("--task", "satellite", "--out", str(tmp_path / "x.jsonl"), *args, timeout=120)
    assert done.returncode == 2 and message in done.stderr


def test_run_refuses_a_list_of_architectures_of_another_length(tmp_path: Path) -> None:
    module = load_benchmark_script("bench_protocol_signal")
    arch = module.get_space("darts").format(module.get_space("darts").sample(0))
    with pytest.raises(ValueError, match="1 architectures given for n_archs=2"):
        module.run("satellite", module.candidate("satellite-tiny-v1", []), 2, 2, 0, 1, tmp_path / "x.jsonl",
                   None, archs=[arch])
    assert not (tmp_path / "x.jsonl").exists()


def _runs(path: Path, scores: dict[str, list[float]]) -> Path:
    path.write_text("".join(json.dumps({"arch_hash": arch, "seed": seed, "status": "ok", "score": score,
                                        "train_seconds": 1.0, "message": None, "cpu_seconds": 1.0}) + "\n"
                            for arch, runs in scores.items() for seed, score in enumerate(runs)))
    return path


def test_compare_reads_the_other_screen_on_the_architectures_finished_here(tmp_path: Path) -> None:
    base = _runs(tmp_path / "base.jsonl", {"a": [1.0, 1.2], "b": [2.0, 2.2], "c": [3.0, 3.2], "d": [9.0, 9.0]})
    # a stopped candidate: a and b and c finished, in the reverse order of the base; d not started
    stopped = _runs(tmp_path / "cand.jsonl", {"a": [5.0, 5.0], "b": [4.0, 4.0], "c": [3.0], "e": [1.0, 1.0]})
    shown = bench("--task", "satellite", "--out", str(stopped), "--report-only", "--compare", str(base))
    assert shown.returncode == 0, shown.stderr
    assert (f"{base} on the 2 architectures finished here (Kendall tau of the two screens' architecture "
            "means: -1.00):\nruns=4 ok=4 archs_with_repeats=2") in shown.stdout
    assert "this screen on them:\nruns=4 ok=4 archs_with_repeats=2" in shown.stdout
    assert "runs=7 ok=7" in shown.stdout  # and the whole candidate file
    missing = bench("--task", "satellite", "--out", str(stopped), "--report-only", "--compare",
                    str(tmp_path / "none.jsonl"))
    assert missing.returncode != 0 and "none.jsonl does not exist" in missing.stderr


def test_nb201_screens_draw_distinct_working_cells() -> None:
    from graph_encodings import get_space

    module = load_benchmark_script("bench_protocol_signal")
    space = get_space("nb201")
    cells = module.random_working_cells("nb201", 40, sample_seed=1)
    hashes = [space.canonical_hash(c) for c in cells]
    assert len(cells) == 40 and len(set(hashes)) == 40
    assert not any(space.is_disconnected(c) for c in cells)
    assert [space.format(c) for c in module.random_working_cells("nb201", 40, sample_seed=1)] == \
        [space.format(c) for c in cells]
    with pytest.raises(ValueError, match="--archs 7000: 700000 draws of the nb201 space gave only"):
        module.random_working_cells("nb201", 7000, sample_seed=1)  # more than its distinct working cells
    # among uniform draws of NB201 cells some have no input-output path, so the filter does work
    assert any(space.is_disconnected(a) for a in space.sample_many(200, rng=1))


@pytest.mark.needs_shared_data
@pytest.mark.slow
def test_an_nb201_screen_trains_nb201_cells(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "signal.jsonl"
    done = bench("--task", "satellite", "--protocol", "satellite-tiny-v1", "--space", "nb201",
                 "--set", "stem_multiplier=1", "--archs", "2", "--seeds", "2", "--workers", "1",
                 "--out", str(out), "--data-root", str(shared_data))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 random NB201 archs" in done.stdout
    runs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(runs) == 4 and all(r["status"] == "ok" for r in runs)
    module = load_benchmark_script("bench_protocol_signal")
    expected = {module.get_space("nb201").canonical_hash(c) for c in module.random_working_cells("nb201", 2, 0)}
    assert {r["arch_hash"] for r in runs} == expected


def test_report_gives_the_share_of_a_three_seed_mean() -> None:
    import pandas as pd

    from training_data.summary import architecture_share, share_of_mean

    module = load_benchmark_script("bench_protocol_signal")
    frame = pd.DataFrame({"arch_hash": ["a", "a", "b", "b", "c", "c"], "seed": [0, 1] * 3, "status": "ok",
                          "score": [1.0, 1.4, 2.0, 2.2, 3.1, 2.9], "train_seconds": 1.0, "cpu_seconds": 1.0})
    figures = module.report(frame)
    assert 0 < architecture_share(frame) < 1
    assert figures["share_of_3_seed_mean"] == share_of_mean(architecture_share(frame), 3) > figures["arch_share"]


def test_fewer_networks_scores_each_run_by_its_first_networks() -> None:
    import pandas as pd

    module = load_benchmark_script("bench_protocol_signal")
    frame = pd.DataFrame({"arch_hash": ["a", "a", "b", "b"], "seed": [0, 1, 0, 1],
                          "status": ["ok", "ok", "ok", "failed"], "score": [2.0, 3.0, 5.0, None],
                          "cpu_seconds": [30.0, 30.0, 30.0, 10.0],
                          "repeat_test_scores": [[1.0, 2.0, 3.0], [2.0, 3.0, 4.0], None, None]})
    one, two = module.fewer_networks(frame, 1), module.fewer_networks(frame, 2)
    assert list(one["score"]) == [1.0, 2.0] and list(two["score"]) == [1.5, 2.5]  # b's runs: none recorded
    assert list(one["cpu_seconds"]) == [10.0, 10.0] and list(two["cpu_seconds"]) == [20.0, 20.0]
    with pytest.raises(ValueError, match="k=4: some runs trained only 3 networks"):
        module.fewer_networks(frame, 4)
    assert module.fewer_networks(frame.drop(columns="repeat_test_scores"), 1).empty


@pytest.mark.needs_shared_data
@pytest.mark.slow
def test_a_screen_with_repeats_reports_its_first_networks_as_fewer_repeats(shared_data: Path, tmp_path: Path) -> None:
    common = ["--task", "satellite", "--protocol", "satellite-tiny-v2", "--archs", "2", "--seeds", "2",
              "--workers", "2", "--data-root", str(shared_data)]
    three = bench(*common, "--set", "repeats=3", "--out", str(tmp_path / "three.jsonl"))
    assert three.returncode == 0, three.stdout + three.stderr
    for k in (1, 2):
        assert f"scored by each run's first {k} of its networks (repeats={k}; 4 runs" in three.stdout
    assert "first 3 of" not in three.stdout
    runs = {(r["arch_hash"], r["seed"]): r for r in map(json.loads, (tmp_path / "three.jsonl").read_text().splitlines())}
    assert all(len(r["repeat_test_scores"]) == 3 for r in runs.values())
    one = bench(*common, "--out", str(tmp_path / "one.jsonl"))  # repeats=1 trains each run's first network
    assert one.returncode == 0, one.stdout + one.stderr
    for r in map(json.loads, (tmp_path / "one.jsonl").read_text().splitlines()):
        assert "repeat_test_scores" not in r
        assert r["score"] == runs[(r["arch_hash"], r["seed"])]["repeat_test_scores"][0]


CHILD = """
import os, sys, time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing
sys.path.insert(0, {benchmarks!r})
from bench_protocol_signal import exit_with_parent
if __name__ == "__main__":
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=exit_with_parent, initargs=(os.getpid(), 0.05))
    print(pool.submit(os.getpid).result(), flush=True)
    time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\\nState:\\tZ" not in state  # a zombie has exited


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to see the worker")
def test_a_killed_screen_leaves_no_worker_behind(tmp_path: Path) -> None:
    import signal
    import time

    script = tmp_path / "screen.py"
    script.write_text(CHILD.format(benchmarks=str(SCRIPT.parent)))
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(parent.stdout.readline())
        assert _alive(worker)
        parent.send_signal(signal.SIGKILL)  # no shutdown of the pool runs
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(worker), f"worker {worker} outlived its killed screen"
    finally:
        parent.kill()
