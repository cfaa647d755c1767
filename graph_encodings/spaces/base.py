"""The interface every search space implements."""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from graph_encodings.seeds import as_rng

if TYPE_CHECKING:  # networkx is imported by to_graph only: importing stays fast
    import networkx as nx


class SearchSpace(abc.ABC):
    """A cell search space: sampling, neighbourhoods, validation, canonical forms, text forms.

    Architectures are immutable, hashable objects (one dataclass per space). ``format(arch)``
    (equivalently ``str(arch)``) and ``parse(text)`` are exact inverses.
    """

    name: str = ""
    arch_type: type = object
    n_classes: int | None = None
    """How many architecture classes (canonical forms) the space holds, where it is small enough
    to enumerate; ``None`` for spaces like DARTS (~10^18 cells), which no table covers."""

    # -- generation -------------------------------------------------------------------------
    @abc.abstractmethod
    def sample(self, rng: np.random.Generator | int | None = None) -> Any:
        """Draw one architecture uniformly at random from the space."""

    @abc.abstractmethod
    def neighbours(self, arch: Any) -> list[Any]:
        """All architectures one elementary change away (one op or one input changed)."""

    def mutate(self, arch: Any, rng: np.random.Generator | int | None = None) -> Any:
        """A uniformly chosen neighbour of ``arch`` (never ``arch`` itself)."""
        rng = as_rng(rng, "rng")
        options = self.neighbours(self.validate(arch))
        return options[int(rng.integers(len(options)))]

    # -- checking and text ------------------------------------------------------------------
    @abc.abstractmethod
    def validate(self, arch: Any) -> Any:
        """Return ``arch`` if it is valid, else raise ``ValueError`` naming what is wrong."""

    @abc.abstractmethod
    def parse(self, text: Any) -> Any:
        """Architecture from its text form (or other accepted forms); ``ValueError`` if bad."""

    def format(self, arch: Any) -> str:
        """The text form of ``arch`` (inverse of :meth:`parse`)."""
        return str(self.validate(arch))

    def coerce(self, item: Any) -> Any:
        """Accept an architecture object or anything :meth:`parse` accepts.

        The per-space step of :func:`graph_encodings.resolve_archs`, the entry point for lists
        (it names the position and value of a bad architecture).
        """
        if isinstance(item, self.arch_type):
            return self.validate(item)
        return self.parse(item)

    # -- identity ---------------------------------------------------------------------------
    @abc.abstractmethod
    def canonical(self, arch: Any) -> Any:
        """The representative of ``arch``'s class of functionally identical architectures."""

    def canonical_key(self, arch: Any) -> Hashable:
        """A hashable key equal for exactly the architectures with the same canonical form."""
        return self.format(self.canonical(arch))

    def canonical_hash(self, arch: Any) -> str:
        """Hex sha256 (first 16 bytes) of the canonical key; stable across processes/versions."""
        return self._hash_of_key(self.canonical_key(arch))

    def canonical_many(self, archs: Sequence[Any], validated: bool = False) -> list[Any]:
        """:meth:`canonical` of every arch (spaces may vectorise it).

        ``validated=True`` promises that every arch came from :meth:`coerce`/:meth:`validate`, so
        spaces may skip checking them again (callers inside the package that just coerced).
        """
        return [self.canonical(a) for a in archs]

    def canonical_keys(self, archs: Sequence[Any]) -> list[Hashable]:
        """:meth:`canonical_key` of every arch (spaces may vectorise it)."""
        return [self.canonical_key(a) for a in archs]

    def canonical_hash_many(self, archs: Sequence[Any]) -> list[str]:
        """:meth:`canonical_hash` of every arch, through the batched :meth:`canonical_keys`."""
        return [self._hash_of_key(key) for key in self.canonical_keys(archs)]

    def _hash_of_key(self, key: Hashable) -> str:
        return hashlib.sha256(f"{self.name}:{key}".encode()).hexdigest()[:32]

    def is_isomorphic(self, a: Any, b: Any) -> bool:
        return self.canonical_key(a) == self.canonical_key(b)

    def is_disconnected(self, arch: Any) -> bool:
        """Whether no path of operations leads from the cell's input to its output, so the
        network's prediction does not depend on its input (every cell of a space without a
        ``none`` operation is connected)."""
        self.validate(arch)
        return False

    def disconnected_mask(self, archs: Sequence[Any]) -> np.ndarray:
        """Boolean array: which of ``archs`` (architectures of this space) are disconnected
        (:meth:`is_disconnected`)."""
        return np.fromiter((self.is_disconnected(a) for a in archs), dtype=bool, count=len(archs))

    # -- graphs -----------------------------------------------------------------------------
    @abc.abstractmethod
    def to_graph(self, arch: Any) -> nx.DiGraph:
        """The architecture as a networkx DiGraph, operations on edges (edge attribute ``op``)."""

    def sample_many(self, n: int, rng: np.random.Generator | int | None = None) -> list[Any]:
        rng = as_rng(rng, "rng")
        return [self.sample(rng) for _ in range(n)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"
