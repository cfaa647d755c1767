"""Shared fixtures: the location of the real data in ../shared/data (CI fails when it is missing)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from suite_order import longest_files_first

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-data folder; tests using it fail in CI when it is absent and skip elsewhere."""
    root = Path(os.environ.get("NB360_SHARED_DATA", SHARED_DATA))
    if not root.is_dir():
        message = f"real data folder {root} not found (set NB360_SHARED_DATA)"
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return root


@pytest.fixture(autouse=True, scope="session")
def _point_data_root_at_shared_data() -> None:
    """Loaders find the real data through NB360_DATA_ROOT, as a user's would."""
    if "NB360_DATA_ROOT" not in os.environ and SHARED_DATA.is_dir():
        os.environ["NB360_DATA_ROOT"] = str(SHARED_DATA)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Longest files first (see suite_order): `make test` hands whole files to its workers in
    collection order (``--dist loadfile --no-loadscope-reorder``)."""
    items[:] = longest_files_first(items)
