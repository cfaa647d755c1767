"""The suite runs its longest files first (tests/suite_order.py, applied by tests/conftest.py)."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from suite_order import file_of, longest_files_first


@dataclass
class FakeItem:
    nodeid: str
    slow: bool = False

    def get_closest_marker(self, name: str) -> object | None:
        return object() if name == "slow" and self.slow else None


def test_this_session_runs_whole_files_longest_first(request: pytest.FixtureRequest) -> None:
    items = request.session.items
    runs = [file_of(item) for i, item in enumerate(items) if i == 0 or file_of(item) != file_of(items[i - 1])]
    assert len(runs) == len(set(runs)), "a file's tests are split apart"
    assert longest_files_first(items) == items, "the session's files are not in longest-first order"


def test_notebooks_then_files_with_a_slow_test_then_the_rest() -> None:
    items = [FakeItem("tests/a.py::t1"), FakeItem("tests/a.py::t2"), FakeItem("tests/b.py::t1"),
             FakeItem("tests/b.py::t2", slow=True), FakeItem("tests/notebooks/test_notebook_03.py::t", slow=True),
             FakeItem("tests/c.py::t1")]
    assert [item.nodeid for item in longest_files_first(items)] == [
        "tests/notebooks/test_notebook_03.py::t", "tests/b.py::t1", "tests/b.py::t2",
        "tests/a.py::t1", "tests/a.py::t2", "tests/c.py::t1"]
