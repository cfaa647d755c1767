"""Search spaces by name: ``get_space("darts")``, ``get_space("nb201")``, ``list_spaces()``."""

from __future__ import annotations

import functools

from graph_encodings.spaces.base import SearchSpace
from graph_encodings.spaces.darts import DartsArch, DartsSpace
from graph_encodings.spaces.nb201 import NB201Arch, NB201Space

_SPACES: dict[str, type[SearchSpace]] = {"darts": DartsSpace, "nb201": NB201Space}


def list_spaces() -> list[str]:
    """Names of the registered search spaces."""
    return sorted(_SPACES)


@functools.cache
def _instance(name: str) -> SearchSpace:
    return _SPACES[name]()


def get_space(name: str | SearchSpace) -> SearchSpace:
    """The (shared, stateless) space called ``name``; a SearchSpace passes through unchanged."""
    if isinstance(name, SearchSpace):
        return name
    if not isinstance(name, str) or name not in _SPACES:
        raise ValueError(f"unknown search space {name!r}; valid names: {list_spaces()}")
    return _instance(name)


__all__ = [
    "DartsArch",
    "DartsSpace",
    "NB201Arch",
    "NB201Space",
    "SearchSpace",
    "get_space",
    "list_spaces",
]
