"""Search spaces by name: ``get_space("darts")``, ``list_spaces()``, ``describe_space(name)``."""

from __future__ import annotations

import inspect

from graph_encodings.registry import Registry
from graph_encodings.spaces.base import SearchSpace
from graph_encodings.spaces.darts import DartsArch, DartsSpace
from graph_encodings.spaces.nb201 import NB201Arch, NB201Space


def _describe(name: str, space: SearchSpace) -> str:
    return f"{name}: {' '.join((inspect.getdoc(space) or '').split())}"


# one shared, stateless instance per space
SPACES: Registry[SearchSpace] = Registry("search space", describe=_describe)
for _cls in (DartsSpace, NB201Space):
    SPACES.add(_cls.name, _cls())


def list_spaces() -> list[str]:
    """Names of the registered search spaces."""
    return SPACES.names()


def get_space(name: str | SearchSpace) -> SearchSpace:
    """The (shared, stateless) space called ``name``; a SearchSpace passes through unchanged.

    :class:`~graph_encodings.registry.UnknownNameError` (a ``ValueError``) for an unknown name.
    """
    if isinstance(name, SearchSpace):
        return name
    return SPACES.get(name)


def describe_space(name: str) -> str:
    """What the space ``name`` is and the forms of architecture it accepts."""
    return SPACES.describe(name)


__all__ = [
    "SPACES",
    "DartsArch",
    "DartsSpace",
    "NB201Arch",
    "NB201Space",
    "SearchSpace",
    "describe_space",
    "get_space",
    "list_spaces",
]
