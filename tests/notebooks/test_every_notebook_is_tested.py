"""Each notebook in notebooks/ has its test file here, so a new notebook cannot go untested."""
from __future__ import annotations

from pathlib import Path

from notebook_runner import NOTEBOOKS


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 3, [p.name for p in NOTEBOOKS]


def test_every_notebook_has_a_test_file() -> None:
    tests = " ".join(p.read_text() for p in Path(__file__).parent.glob("test_notebook_*.py"))
    untested = [p.name for p in NOTEBOOKS if f'notebook_test("{p.name}")' not in tests]
    assert not untested, f"notebooks without a tests/notebooks/test_notebook_<number>.py: {untested}"
