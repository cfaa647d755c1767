"""In-memory containers for a task's data splits (the contract every loader returns)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Split:
    """One split of a task.

    ``x``: float32 inputs, shape ``(n, *task.input_shape)``.
    ``y``: targets - int64 class ids ``(n,)``, float32 multi-label ``(n, L)``, or float32 dense
    targets ``(n, *task.output_shape)``.
    ``groups``: optional int64 ``(n,)`` grouping of samples for the score (the ECG record of each
    window for the majority vote, the FSD50K clip of each chunk for clip-averaged logits).
    ``mask``: optional per-sample float32 mask of the target's shape (Cosmic's ignore plane,
    PSICOV's valid-pair mask).
    """

    x: np.ndarray
    y: np.ndarray
    groups: np.ndarray | None = None
    mask: np.ndarray | None = None

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y):
            raise ValueError(f"x has {len(self.x)} samples but y has {len(self.y)}")
        for name in ("groups", "mask"):
            value = getattr(self, name)
            if value is not None and len(value) != len(self.x):
                raise ValueError(f"{name} has {len(value)} entries but x has {len(self.x)}")

    def __len__(self) -> int:
        return len(self.x)

    def subset(self, index: np.ndarray) -> Split:
        """The samples at ``index`` (all arrays indexed together)."""
        return Split(
            x=self.x[index],
            y=self.y[index],
            groups=None if self.groups is None else self.groups[index],
            mask=None if self.mask is None else self.mask[index],
        )


@dataclass
class TaskData:
    """Train / validation / test splits of one task, plus provenance and preprocessing state.

    ``meta`` holds JSON-serialisable facts: the source files, the split rule and seed, and
    anything the score needs to decode predictions (e.g. Darcy's Gaussian normaliser stats).
    """

    task: str
    train: Split
    val: Split
    test: Split
    meta: dict[str, Any] = field(default_factory=dict)

    def split(self, name: str) -> Split:
        if name not in ("train", "val", "test"):
            raise ValueError(f"unknown split {name!r}; valid: 'train', 'val', 'test'")
        return getattr(self, name)
