"""`make demo` installs the core package only, quietly; `make test` adds the extras it needs to
the same virtual environment (checked on make's dry run: nothing is installed)."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]


def dry_run(target: str, venv: Path, *settings: str) -> list[str]:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    out = subprocess.run(["make", "-n", "-C", str(ROOT), f"VENV={venv}", *settings, target], check=True,
                         capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if not line.startswith("make")]


def test_demo_installs_the_core_quietly_and_test_adds_the_extras(tmp_path) -> None:
    venv = tmp_path / "fresh-venv"  # absent: make plans every install step
    demo = dry_run("demo", venv)
    installs = [line for line in demo if " pip " in line and " install " in line]
    assert installs and all("--quiet --quiet" in line for line in installs)
    assert not any("[" in line for line in installs), "the demo installs extras"
    assert demo[-1].endswith("-m nb360_cli.main demo")
    test = dry_run("test", venv)
    extras = [line for line in test if " install -e " in line and "[" in line]
    assert len(extras) == 1 and all(name in extras[0] for name in ("test", "ray", "slurm", "notebooks"))
    assert test.index(installs[-1]) < test.index(extras[0])  # the extras go on top of the core
    assert "-m pytest -q -p no:cacheprovider" in test[-1] and test[-1].endswith(" tests")
    assert "-n 2 --dist loadfile --no-loadscope-reorder" in test[-1]  # a process per core, files in order
    assert "-n 1 " in dry_run("test", venv, "TEST_WORKERS=1")[-1]


def test_license_is_an_spdx_string() -> None:
    """A license table makes setuptools warn on every install."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "Apache-2.0"


def test_bench_runs_the_performance_benchmarks_with_arguments_they_take(tmp_path) -> None:
    loop = next(line for line in dry_run("bench", tmp_path / "venv") if line.startswith("for b in"))
    commands = re.findall(r'"([^"]+)"', loop.split("; do")[0])
    assert "bench_encode.py" in commands and "bench_query.py --space darts" in commands
    for command in commands:
        script, *arguments = command.split()
        text = (ROOT / "benchmarks" / script).read_text()
        options = [word for word in arguments if word.startswith("--")]
        assert all(f'"{option}"' in text for option in options), f"{command}: an option {script} lacks"
    performance = (ROOT / "docs" / "performance.md").read_text()
    places = [performance.find(f"benchmarks/{command.split()[0]}") for command in commands]
    assert -1 not in places and places == sorted(places), "make bench runs them in the page's order"
