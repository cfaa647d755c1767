"""A replay of real training records as a benchmark: the architectures that have records, their
recorded final scores and learning curves.

A table of DARTS records holds about a thousand of the space's ~10^18 cells, so optimizers must
search among those: :class:`RecordSpace` is the table's architectures as a search space
(``sample`` draws one uniformly; ``neighbours`` are the ``n_neighbours`` nearest other ones by
Hamming distance of the one-hot encoding, ties in table order; ``mutate`` picks one of them);
everything else (parsing, validation, canonical forms, hashes, encodings) is the base space's.
:class:`RecordReplay` puts that space in front of a :class:`~surrogates.TabularBenchmark`:
``query(archs, epochs=E)`` answers the recorded learning curves after ``E`` epochs and the
recorded time of ``E`` epochs, ``query(archs)`` the recorded final scores, noisy draws are
real runs (:mod:`surrogates.tabular_curves`).
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from graph_encodings import SearchSpace, encode
from graph_encodings.seeds import as_rng

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from surrogates.benchmark.query import QueryResult
    from surrogates.tabular import TabularBenchmark


class RecordSpace(SearchSpace):
    """The architectures of a table as a search space over ``base`` (module docstring)."""

    def __init__(self, base: SearchSpace, archs: Sequence[Any], n_neighbours: int = 8) -> None:
        if isinstance(n_neighbours, bool) or not isinstance(n_neighbours, int) or n_neighbours < 1:
            raise ValueError(f"n_neighbours must be an integer >= 1, got {n_neighbours!r}")
        if len(archs) < 2:
            raise ValueError(f"a record space needs at least 2 architectures, got {len(archs)}")
        self.base = base
        self.name = base.name
        self.arch_type = base.arch_type
        self.archs = [base.validate(a) for a in archs]
        self.n_neighbours = n_neighbours
        self._onehot = encode(base, self.archs, "onehot").astype(np.int16)
        self._hashes = np.array(base.canonical_hash_many(self.archs))

    def __len__(self) -> int:
        return len(self.archs)

    def sample(self, rng: np.random.Generator | int | None = None) -> Any:
        return self.archs[int(as_rng(rng, "rng").integers(len(self.archs)))]

    def neighbours(self, arch: Any) -> list[Any]:
        """The ``n_neighbours`` nearest other table architectures (one-hot Hamming distance)."""
        arch = self.base.validate(arch)
        x = encode(self.base, [arch], "onehot").astype(np.int16)[0]
        distance = np.abs(self._onehot - x).sum(axis=1)
        distance[self._hashes == self.base.canonical_hash(arch)] = np.iinfo(np.int16).max
        order = np.argsort(distance, kind="stable")[: self.n_neighbours]
        return [self.archs[i] for i in order]

    def validate(self, arch: Any) -> Any:
        return self.base.validate(arch)

    def parse(self, text: Any) -> Any:
        return self.base.parse(text)

    def coerce(self, item: Any) -> Any:
        return self.base.coerce(item)

    def format(self, arch: Any) -> str:
        return self.base.format(arch)

    def canonical(self, arch: Any) -> Any:
        return self.base.canonical(arch)

    def canonical_key(self, arch: Any) -> Hashable:
        return self.base.canonical_key(arch)

    def canonical_many(self, archs: Sequence[Any], validated: bool = False) -> list[Any]:
        return self.base.canonical_many(archs, validated)

    def canonical_keys(self, archs: Sequence[Any]) -> list[Hashable]:
        return self.base.canonical_keys(archs)

    def is_disconnected(self, arch: Any) -> bool:
        return self.base.is_disconnected(arch)

    def to_graph(self, arch: Any) -> nx.DiGraph:
        return self.base.to_graph(arch)

    def __repr__(self) -> str:
        return f"RecordSpace(base={self.name!r}, archs={len(self)})"


class RecordReplay:
    """Real records replayed as a benchmark over their own architectures (module docstring).

    Build it with :meth:`from_records`; ``table`` is the underlying
    :class:`~surrogates.TabularBenchmark`, ``space`` its :class:`RecordSpace`.
    """

    def __init__(self, table: TabularBenchmark, n_neighbours: int = 8) -> None:
        if table.archs is None:
            raise ValueError("the table has no architectures to replay (build it with "
                             "TabularBenchmark.from_records)")
        self.table = table
        self.space = RecordSpace(table.space, table.archs, n_neighbours)

    @classmethod
    def from_records(
        cls, task: str, space: str = "darts", protocol: str | None = None,
        records: pd.DataFrame | None = None, n_neighbours: int = 8,
    ) -> RecordReplay:
        """The replay of ``task``'s records in ``space`` under ``protocol`` (``None``: the only
        one there); ``records``: a :func:`training_data.load_records` frame (default: shipped)."""
        from surrogates.tabular import TabularBenchmark

        return cls(TabularBenchmark.from_records(task, space, protocol, records), n_neighbours)

    @property
    def task(self) -> str:
        return self.table.task

    @property
    def protocol(self) -> str:
        return self.table.protocol

    @property
    def max_epochs(self) -> int | None:
        """The recorded curves' epochs (None: records without curves)."""
        return self.table.max_epochs

    @property
    def best_score(self) -> float:
        """The lowest recorded final score (class mean): the optimum regret is measured against."""
        return self.table.best_score

    def query(
        self, archs: Sequence[Any], with_noise: bool = False,
        seed: int | np.random.Generator | None = None, epochs: int | None = None,
    ) -> QueryResult:
        """The records' answer (:meth:`surrogates.TabularBenchmark.query`)."""
        return self.table.query(archs, with_noise=with_noise, seed=seed, epochs=epochs)

    def cost(self, archs: Sequence[Any]) -> np.ndarray:
        return self.table.cost(archs)

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        return (f"RecordReplay(task={self.task!r}, space={self.space.name!r}, "
                f"protocol={self.protocol!r}, archs={len(self)}, max_epochs={self.max_epochs})")
