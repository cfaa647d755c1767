"""scripts/screen_on_lease.sh, protocol screens side by side on a lent machine, run here on the CPU
with tiny protocols: the pack checked, every screen's data loaded once, the screens run at once,
their per-run results and figures returned through $OUT."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from training_data.tasks.pack import write_pack

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "screen_on_lease.sh"


def call(spec: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), str(spec)], env=env, capture_output=True, text=True,
                          timeout=600, check=False)


@pytest.mark.needs_shared_data
@pytest.mark.slow
def test_two_screens_on_the_cpu(shared_data: Path, tmp_path: Path) -> None:
    pack, out, results = tmp_path / "pack", tmp_path / "out", tmp_path / "results"
    write_pack(pack, tasks=["satellite"], data_root=shared_data)
    out.mkdir()
    spec = tmp_path / "spec.txt"
    spec.write_text("# two tiny screens\n"
                    "plain 1 cpu satellite satellite-tiny-v1\n"
                    'split 1 cpu satellite satellite-tiny-v1 data_options=(("test_fraction",0.5),) epochs=1\n')
    env = {**os.environ, "OUT": str(out), "RESULTS": str(results), "PYTHON": sys.executable,
           "NB360_DATA_ROOT": str(pack), "ARCHS": "2", "SEEDS": "2", "BUDGET_S": "300", "MPS": "0"}
    done = call(spec, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every file matches its manifest" in done.stdout
    assert "1440 test" in done.stdout and "3600 test" in done.stdout  # each screen's data, loaded once
    with tarfile.open(out / "screens.tar.gz") as tar:
        names = {Path(n).name for n in tar.getnames()}
        runs = [json.loads(line) for line in tar.extractfile("./split.jsonl").read().splitlines()]
    assert {"plain.jsonl", "split.jsonl", "plain.log", "split.log", "facts.txt", "report.txt"} <= names
    assert len(runs) == 4 and {r["seed"] for r in runs} == {0, 1} and all(r["status"] == "ok" for r in runs)
    report = (out / "report.txt").read_text()
    assert report.count("runs=4 ok=4 archs_with_repeats=2") == 2
    assert "cores:" in (out / "facts.txt").read_text()


def test_bad_specs_are_named_before_anything_trains(tmp_path: Path) -> None:
    env = {**os.environ, "OUT": str(tmp_path), "RESULTS": str(tmp_path / "results"), "PYTHON": sys.executable}
    missing = call(tmp_path / "nope.txt", env)
    assert missing.returncode == 2 and "usage: OUT=DIR scripts/screen_on_lease.sh SPEC_FILE" in missing.stderr
    spec = tmp_path / "spec.txt"
    spec.write_text("# only a comment\n")
    assert "holds no screen" in call(spec, env).stderr
    spec.write_text("short two cpu satellite satellite-tiny-v1\n")
    bad = call(spec, env)
    assert bad.returncode == 2 and "bad spec line: 'short two cpu satellite satellite-tiny-v1'" in bad.stderr
    assert not (tmp_path / "results" / "short.jsonl").exists()
