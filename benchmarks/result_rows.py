"""The JSON-lines result files of the benchmark scripts: one JSON object per measured row,
appended as soon as it is measured (so a stopped run resumes where it stood) and read back for
the report."""
from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any


def read_rows(path: Path | None, missing_ok: bool = False) -> list[dict[str, Any]]:
    """The rows of ``path`` (blank lines skipped). A missing file (or ``None``) is ``[]`` with
    ``missing_ok``, otherwise a ``SystemExit`` naming it."""
    if path is None or not path.exists():
        if missing_ok:
            return []
        raise SystemExit(f"{path} does not exist")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def emit_row(row: dict[str, Any], out: Path | None) -> None:
    """Print ``row`` as JSON and, with ``out``, append it there (its folder created)."""
    text = json.dumps(row)
    print(text, flush=True)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("a") as fh:
            fh.write(text + "\n")


def median_present(values: list[float | None]) -> float:
    """The median of the values that exist (NaN when none do): a report's figure over rows, some
    of which lack it."""
    present = [v for v in values if v is not None]
    return float(statistics.median(present)) if present else float("nan")
