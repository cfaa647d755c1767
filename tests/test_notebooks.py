"""Every notebook in notebooks/ runs top to bottom (executed with nbclient), so none rots."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 3, [p.name for p in NOTEBOOKS]


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the small configuration each notebook offers (``NB360_NOTEBOOK_QUICK=1``, which the
    kernel inherits); without it a notebook runs its full configuration."""
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
