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


@dataclass(frozen=True)
class CurveResult:
    """Learning curves of a batch of ``n`` architectures: arrays of shape ``(n, max_epochs)``,
    column ``e - 1`` = after ``e`` epochs.

    ``mean``/``std``: the predictive distribution of the validation score after each epoch (an
    error, lower is better). ``sample``: one noisy curve per architecture (``with_noise=True``
    only), a whole run: its epochs move together as reruns do, and it is the run whose final
    score a noisy final query with the same seed draws. ``runtime``: predicted training seconds
    up to the end of each epoch (``None`` without a runtime surrogate).
    """

    mean: np.ndarray
    std: np.ndarray
    sample: np.ndarray | None = None
    runtime: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.mean)

    @property
    def epochs(self) -> np.ndarray:
        """``1..max_epochs``, the epoch of each column."""
        return np.arange(1, self.mean.shape[1] + 1)

    def to_frame(self, archs: Sequence[Any] | None = None) -> pd.DataFrame:
        """One row per (architecture, epoch), architectures in query order: ``query`` (the
        position), ``arch`` (its text, when ``archs`` is given), ``epoch`` and a column per field
        that is not ``None``."""
        import pandas as pd

        n, epochs = self.mean.shape
        columns: dict[str, Any] = {"query": np.repeat(np.arange(n), epochs)}
        if archs is not None:
            if len(archs) != n:
                raise ValueError(f"archs has {len(archs)} entries for a result of {n}")
            columns["arch"] = np.repeat([str(a) for a in archs], epochs)
        columns["epoch"] = np.tile(self.epochs, n)
        for field in fields(self):
            value = getattr(self, field.name)
            if value is not None:
                columns[field.name] = value.reshape(-1)
        return pd.DataFrame(columns)
