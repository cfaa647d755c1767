"""The benchmark contract the simulator codes against (structural: no base class to inherit).

:class:`BenchmarkLike` is what :func:`~nas_optimizers.simulation.simulate` accepts;
:class:`surrogates.Benchmark`, :class:`surrogates.TabularBenchmark` and
:class:`~nas_optimizers.simulation.FunctionBenchmark` all satisfy it.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from graph_encodings import SearchSpace


class QueryResultLike(Protocol):
    """What ``BenchmarkLike.query`` returns: numpy arrays of shape (n,), one entry per arch.

    ``mean``/``std``: the noise-free predicted score (an error, lower is better) and its
    standard deviation. ``sample``: one noisy draw per arch; present (not None) when queried
    with ``with_noise=True``. ``runtime``: predicted training seconds, or None when the
    benchmark has no runtimes (the simulator then uses its fallback cost model).
    """

    mean: np.ndarray
    std: np.ndarray
    sample: np.ndarray | None
    runtime: np.ndarray | None


@runtime_checkable
class BenchmarkLike(Protocol):
    """Anything with a ``space`` and a batched ``query``: surrogate, tabular or analytic.

    Optional: ``cost(archs) -> ndarray`` of seconds, used when ``query`` gives no runtime.
    """

    space: SearchSpace

    def query(
        self, archs: Sequence[Any], with_noise: bool = False, seed: int | None = None
    ) -> QueryResultLike: ...
