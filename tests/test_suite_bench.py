"""benchmarks/bench_test_suite.py times a real pytest run and lists its slowest tests."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "bench_test_suite.py"


def _write_suite(folder: Path, body: str) -> Path:
    folder.mkdir()
    (folder / "test_tiny.py").write_text(body)
    return folder


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)


def test_prints_wall_time_summary_and_slowest(tmp_path: Path) -> None:
    suite = _write_suite(tmp_path / "suite", "import time\n\ndef test_slow():\n    time.sleep(0.3)\n\n"
                                             "def test_fast():\n    pass\n")
    done = _run("--slowest", "5", str(suite))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "summary: 2 passed" in done.stdout
    assert "wall seconds:" in done.stdout and "of the 15-minute budget" in done.stdout
    assert "test_tiny.py::test_slow" in done.stdout


def test_a_failing_suite_gives_pytests_exit_code(tmp_path: Path) -> None:
    suite = _write_suite(tmp_path / "suite", "def test_fails():\n    assert False\n")
    done = _run(str(suite))
    assert done.returncode == 1
    assert "pytest exit code: 1" in done.stdout and "1 failed" in done.stdout


def test_negative_slowest_is_refused() -> None:
    done = _run("--slowest", "-2")
    assert done.returncode == 2 and "--slowest must be >= 0, got -2" in done.stderr


def test_negative_workers_are_refused() -> None:
    done = _run("--workers", "-1")
    assert done.returncode == 2 and "--workers must be >= 0, got -1" in done.stderr


def test_runs_the_suite_in_parallel_processes(tmp_path: Path) -> None:
    suite = _write_suite(tmp_path / "suite", "import os\n\ndef test_worker():\n"
                                             "    assert os.environ.get('PYTEST_XDIST_WORKER')\n")
    done = _run("--workers", "2", str(suite))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "-n 2 --dist loadfile --no-loadscope-reorder" in done.stdout and "1 passed" in done.stdout
