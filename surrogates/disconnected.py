"""Disconnected cells: architectures whose output does not depend on their input.

In the NB201 space 341 of the 15,625 cells have no path of operations from input to output
(``SearchSpace.is_disconnected``). Such a network predicts the same thing for every input, so
on a task it scores one value (in NB360's CIFAR-100, NinaPro and Darcy tables every one of them
scores exactly that task's constant: 99.0, 35.2, 0.253), far outside the scores of working
cells. A regressor on graph features smooths over that cliff (it predicted about 45 for
CIFAR-100's dead cells), so a benchmark answers them by rule instead: the median score of the
disconnected cells among its training records, with their spread as the uncertainty, and its
surrogate learns the connected cells only.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

MIN_RECORDS = 3  # disconnected records needed before the rule answers for them
# The std never falls below this share of the score's magnitude: records of one constant differ
# only by float rounding (CIFAR-100's 100 - accuracy spreads 99.0 over +-1e-9), and an interval
# narrower than that would miss them.
RESOLUTION = 1e-6


@dataclass(frozen=True)
class DisconnectedCells:
    """The score a disconnected cell gets (median of its records) and its std (their spread, at
    least :data:`RESOLUTION` of the score's magnitude)."""

    score: float
    std: float
    n_records: int

    @classmethod
    def from_records(cls, disconnected: np.ndarray, scores: np.ndarray) -> DisconnectedCells | None:
        """The rule from the scores of records flagged ``disconnected`` (None with too few)."""
        values = np.asarray(scores, dtype=np.float64)[np.asarray(disconnected, dtype=bool)]
        if len(values) < MIN_RECORDS:
            return None
        score = float(np.median(values))
        std = max(float(values.std()), RESOLUTION * max(1.0, abs(score)))
        return cls(score, std, int(len(values)))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DisconnectedCells:
        """Parse a manifest's ``disconnected_cells`` section (ValueError naming what is wrong)."""
        try:
            rule = cls(float(data["score"]), float(data["std"]), int(data["n_records"]))
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"disconnected_cells must hold score, std and n_records, got {data!r}: "
                             f"{err}") from None
        if not (np.isfinite(rule.score) and np.isfinite(rule.std) and rule.std >= 0):
            raise ValueError(f"disconnected_cells needs a finite score and std >= 0, got {data!r}")
        return rule


def apply_rule(rule: DisconnectedCells | None, mask: np.ndarray, mean: np.ndarray,
               std: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``mean``/``std`` with the rows in ``mask`` answered by ``rule`` (unchanged without one)."""
    if rule is None or not mask.any():
        return mean, std
    mean, std = np.array(mean, dtype=np.float64), np.array(std, dtype=np.float64)
    mean[mask], std[mask] = rule.score, rule.std
    return mean, std
