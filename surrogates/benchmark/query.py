"""What a benchmark query returns (shared by the surrogate and the tabular backends)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class QueryResult:
    """Predictions for a batch of ``n`` architectures, all numpy arrays of shape ``(n,)``.

    ``mean``/``std``: the predictive distribution of the score (an NB360 error, lower is better).
    ``sample``: one noisy draw per architecture (``with_noise=True`` only, else ``None``),
    reproducible from the query's seed. ``runtime``: predicted training seconds under the
    benchmark's protocol (``None`` where the ground truth has no train times). ``params`` /
    ``flops``: exact counts of the network the protocol builds (``None`` where unknown).
    """

    mean: np.ndarray
    std: np.ndarray
    sample: np.ndarray | None = None
    runtime: np.ndarray | None = None
    params: np.ndarray | None = None
    flops: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.mean)
