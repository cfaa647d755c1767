"""Recorded learning curves of a table: the replay behind ``TabularBenchmark.query(epochs=E)``.

Every DARTS record carries its learning curve: per epoch, the validation score (an error, as the
final score) and the seconds that epoch took. :class:`RecordedCurves` holds them per class of
the table (isomorphic twins and repeated seeds pooled, as the final scores are): the score after
``E`` epochs is the mean of the class's runs' validation scores at epoch ``E`` (their sample
std, ``ddof=1``; 0 for a single run), a noisy evaluation is one real run's value, and the
runtime of ``E`` epochs is the mean over the runs of the seconds of their first ``E`` epochs.

A curve is the validation score recorded during training; the default (final) query of the
table answers the record's ``score`` (the test split), so ``epochs=max_epochs`` is the last
validation score, not the final score.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from surrogates.curves.records import curve_records


class NoLearningCurvesError(ValueError):
    """A benchmark was asked for a score after ``E`` epochs but has no learning curves."""


@dataclass(frozen=True)
class RecordedCurves:
    """Per class ``k`` of a table: ``scores[k]`` (runs, max_epochs) validation scores and
    ``seconds[k]`` (runs, max_epochs) cumulative training seconds (or ``None`` when the records
    have no epoch times)."""

    scores: Sequence[np.ndarray]
    seconds: Sequence[np.ndarray] | None = None
    means: np.ndarray = field(init=False, repr=False)  # (classes, max_epochs)
    stds: np.ndarray = field(init=False, repr=False)
    runtimes: np.ndarray | None = field(init=False, repr=False)  # cumulative seconds

    def __post_init__(self) -> None:
        shapes = {s.shape[1] for s in self.scores}
        if len(shapes) != 1 or not all(s.ndim == 2 and len(s) for s in self.scores):
            raise ValueError(f"every class needs a (runs, epochs) array of one epoch count; "
                             f"got epoch counts {sorted(shapes)}")
        if self.seconds is not None and [s.shape for s in self.seconds] != [
                s.shape for s in self.scores]:
            raise ValueError("seconds must have the shape of scores, class by class")
        object.__setattr__(self, "means", np.stack([s.mean(axis=0) for s in self.scores]))
        object.__setattr__(self, "stds", np.stack([
            s.std(axis=0, ddof=1) if len(s) > 1 else np.zeros(s.shape[1]) for s in self.scores]))
        runtimes = None if self.seconds is None else np.stack(
            [s.mean(axis=0) for s in self.seconds])
        object.__setattr__(self, "runtimes", runtimes)

    @property
    def max_epochs(self) -> int:
        """The number of epochs every recorded curve has."""
        return int(self.scores[0].shape[1])

    def check_epochs(self, epochs: Any) -> int:
        """``epochs`` as an int in 1..max_epochs; ``ValueError`` naming the value otherwise."""
        return check_epochs(epochs, self.max_epochs)

    def sample(self, rows: np.ndarray, picks: np.ndarray, epochs: int) -> np.ndarray:
        """Run ``picks[i]`` of class ``rows[i]`` at epoch ``epochs``."""
        return np.array([self.scores[r][j, epochs - 1] for r, j in zip(rows, picks, strict=True)])


def check_epochs(epochs: Any, max_epochs: int) -> int:
    """``epochs`` as an int in ``1..max_epochs``; ``ValueError`` naming the value otherwise."""
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) \
            or not 1 <= epochs <= max_epochs:
        raise ValueError(f"epochs must be an integer in 1..{max_epochs} (the benchmark's "
                         f"max_epochs), got {epochs!r}")
    return int(epochs)


def curves_from_records(
    curves: Sequence[Any], order: np.ndarray, bounds: np.ndarray
) -> RecordedCurves | None:
    """The records' ``learning_curve`` column grouped by class (``order`` sorts the rows by
    class, ``bounds`` splits them), or ``None`` when a run has no curve, curves differ in
    length or a validation score is missing or not finite (tables imported without curves)."""
    arrays = curve_records(curves)
    if arrays is None:
        return None
    scores = arrays.val
    seconds = None if arrays.seconds is None else np.cumsum(arrays.seconds, axis=1)
    split_scores = np.split(scores[order], bounds)
    split_seconds = None if seconds is None else np.split(seconds[order], bounds)
    return RecordedCurves(split_scores, split_seconds)
