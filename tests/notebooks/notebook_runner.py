"""Runs a notebook of notebooks/ top to bottom with nbclient; each notebook's test is a file of its
own (``tests/notebooks/test_notebook_<number>.py``) so the test workers (``--dist loadfile``) share them
out instead of one worker running them all back to back."""
from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def run_notebook(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Execute a copy of ``path`` in ``tmp_path`` in the small configuration each notebook offers
    (``NB360_NOTEBOOK_QUICK=1``, which the kernel inherits) and fail on any cell's error."""
    import nbclient  # the 'notebooks' extra, which `make test` installs
    import nbformat

    monkeypatch.setenv("NB360_NOTEBOOK_QUICK", "1")
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    book = nbformat.read(copy, as_version=4)
    client = nbclient.NotebookClient(book, timeout=900, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors


def notebook_test(name: str) -> Callable[[Path, pytest.MonkeyPatch], None]:
    """The test that runs notebook ``name`` (a file in notebooks/); a test module assigns it to
    a ``test_*`` name."""
    path = NOTEBOOK_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"no notebook {name!r} in {NOTEBOOK_DIR}; there are {[p.name for p in NOTEBOOKS]}")

    @pytest.mark.slow
    @pytest.mark.timeout(1800)
    def test_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        run_notebook(path, tmp_path, monkeypatch)

    test_notebook_runs.__doc__ = f"notebooks/{name} runs top to bottom in its small configuration."
    return test_notebook_runs
