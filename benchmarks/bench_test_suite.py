"""How long the test suite takes: wall seconds of `pytest` and its slowest tests.

The suite's budget is 15 minutes on 2 cores (CI allows 90; a loaded machine doubles times).
This runs the README's test command's pytest step (not the install) in a subprocess and prints
the wall time, pytest's own summary line and the slowest tests, so a regression shows up as a
figure rather than as a timed unit test.

    python benchmarks/bench_test_suite.py [--slowest 15] [--workers 2] [PYTEST_ARGS ...]

Extra arguments go to pytest (e.g. a folder to time one part: ``tests/surrogates``).
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 15 * 60
_SUMMARY = re.compile(r"\d+ (passed|failed|errors?|skipped|deselected)\b.* in \d")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s+(call|setup|teardown)\s+(\S+)")


def slowest(output: str, n: int) -> list[tuple[float, str, str]]:
    """The ``n`` longest ``(seconds, phase, test id)`` rows of pytest's ``--durations`` report."""
    rows = []
    for line in output.splitlines():
        match = _DURATION.match(line)
        if match:
            rows.append((float(match.group(1)), match.group(2), match.group(3)))
    return sorted(rows, reverse=True)[:n]


def summary_line(output: str) -> str:
    """pytest's closing line, e.g. ``2 passed, 1 skipped in 3.10s`` (``-q`` drops the ``=``s)."""
    lines = [line for line in output.splitlines() if _SUMMARY.search(line)]
    return lines[-1].strip("= ") if lines else "(no pytest summary line)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slowest", type=int, default=15, help="how many of the slowest tests to list")
    parser.add_argument("--workers", type=int, default=2,
                        help="pytest-xdist processes, as `make test` runs (TEST_WORKERS); 0: one process")
    args, pytest_args = parser.parse_known_args(argv)
    if args.slowest < 0:
        parser.error(f"--slowest must be >= 0, got {args.slowest}")
    if args.workers < 0:
        parser.error(f"--workers must be >= 0, got {args.workers}")
    parallel = ["-n", str(args.workers), "--dist", "loadfile", "--no-loadscope-reorder"] if args.workers else []
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *parallel,
               f"--durations={max(args.slowest, 1)}", *(pytest_args or ["tests"])]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    output = done.stdout + done.stderr
    print(f"command: {' '.join(command[2:])}")
    print(f"pytest exit code: {done.returncode}")
    print(f"summary: {summary_line(output)}")
    print(f"wall seconds: {wall:.0f} ({wall / BUDGET_S:.2f} of the {BUDGET_S // 60}-minute budget)")
    for seconds, phase, test in slowest(output, args.slowest):
        print(f"  {seconds:7.1f} s  {phase:8s} {test}")
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
