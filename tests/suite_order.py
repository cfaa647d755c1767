"""The order the suite's files run in: longest first, so `make test`'s two workers (which take
whole files in collection order, ``--dist loadfile --no-loadscope-reorder``) start the notebooks at
once, one each, and the short files fill in around them instead of one worker running the
notebooks alone at the end."""
from __future__ import annotations

from typing import Protocol

NOTEBOOK_TESTS = "tests/notebooks/test_notebook_"


class Item(Protocol):
    nodeid: str

    def get_closest_marker(self, name: str) -> object | None: ...


def start_order(item: Item) -> int:
    """0 for the notebooks (the longest tests), 1 for a test marked slow, 2 for the rest."""
    if item.nodeid.startswith(NOTEBOOK_TESTS):
        return 0
    return 1 if item.get_closest_marker("slow") else 2


def file_of(item: Item) -> str:
    return item.nodeid.split("::", 1)[0]


def longest_files_first(items: list) -> list:
    """``items`` with whole files ordered by their smallest ``start_order``; a file's tests stay
    together and in their order, and files of one rank keep their collection order."""
    rank: dict[str, int] = {}
    for item in items:
        file, order = file_of(item), start_order(item)
        rank[file] = min(rank.get(file, order), order)
    return sorted(items, key=lambda item: rank[file_of(item)])
