"""Provenance fields of a record: package version, git sha, UTC timestamp. These never fail."""
from __future__ import annotations

import subprocess
from datetime import datetime, timezone
from functools import lru_cache
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "nb360-surrogates"
UNKNOWN = "unknown"


@lru_cache(maxsize=1)
def package_version() -> str:
    """The installed version of this project's distribution, or ``"unknown"``."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return UNKNOWN


@lru_cache(maxsize=8)
def git_sha(path: str | None = None) -> str:
    """``git rev-parse HEAD`` of the checkout holding ``path`` (default: this package).

    Returns ``"unknown"`` when not in a git checkout, git is missing, or it fails in any way.
    """
    where = Path(path) if path is not None else Path(__file__).resolve().parent
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return UNKNOWN
    sha = result.stdout.strip()
    if result.returncode != 0 or len(sha) not in (40, 64):
        return UNKNOWN
    return sha


def utc_now_iso() -> str:
    """The current time as an ISO 8601 UTC string with seconds, e.g. ``2024-01-31T12:00:00Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
