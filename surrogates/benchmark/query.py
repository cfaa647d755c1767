"""What a benchmark query returns (shared by the surrogate and the tabular backends)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pandas is imported by to_frame only: queries stay fast to import
    import pandas as pd


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

    def to_frame(self, archs: Sequence[Any] | None = None) -> pd.DataFrame:
        """One row per architecture in query order: a column per field that is not ``None``,
        after an ``arch`` column of ``archs`` (their text) when given."""
        import pandas as pd

        columns: dict[str, Any] = {}
        if archs is not None:
            if len(archs) != len(self):
                raise ValueError(f"archs has {len(archs)} entries for a result of {len(self)}")
            columns["arch"] = [str(a) for a in archs]
        for field in fields(self):
            value = getattr(self, field.name)
            if value is not None:
                columns[field.name] = value
        return pd.DataFrame(columns)
