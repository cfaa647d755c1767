"""Run-to-run noise as measured on repeated training runs, for noisy benchmark evaluations.

A noisy evaluation should look like one more real training run of the architecture: its
expected score plus the deviation a fresh seed brings. Repeated runs of one network (repeated
seeds, or isomorphic twins trained separately as in the NB201 tables) measure those deviations:
in a group of ``n`` runs with mean ``m``, ``(y_i - m) * sqrt(n / (n - 1))`` has the run-to-run
variance as its expectation (:func:`run_deviations`).

Their distribution is heavy-tailed, and the tail belongs to a few architectures: a group with
one diverged run puts that run far above the mean and its good twins far below it. So the noise
is drawn as ``N(0, std)`` with the robust ``std = 1.4826 x median |deviation|`` (the std of a
Gaussian with that median), the typical run-to-run noise of the architectures that train
normally. Both alternatives were measured in the validation study on the NB201 tables
(``python -m nas_optimizers.validation``; final regret of random search, surrogate vs table):

- the models' learnt noise std (the held-out residual excess, which includes model error) made
  the noise 1.9x (NinaPro) and 5.1x (Darcy) the twins' median std;
- drawing from the pooled deviations themselves (tail included) gave every architecture the
  lucky deviations of the good twins of diverged runs, and optimizers picked their incumbents by
  that luck: random search's final regret on the surrogate became 3.36 against 1.69 on the table
  (NinaPro) and 0.034 against 0.0023 (Darcy), where the robust Gaussian's is in
  ``docs/validation/results.md``.

Divergence itself is not noise of this kind: the surrogate's mean carries an architecture's
risk of it. :meth:`RunNoise.from_runs` needs at least :data:`~surrogates.aleatoric.MIN_REPEAT_DOF`
degrees of freedom (repeats beyond the first run of each group) and returns None with fewer;
callers then fall back on the model's noise std.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from surrogates.aleatoric import MIN_REPEAT_DOF

GAUSSIAN_MAD = 1.4826  # std / median |x| of a Gaussian


def run_deviations(y: Any, groups: Any) -> np.ndarray:
    """``(y_i - m) * sqrt(n / (n - 1))`` for every run of a group (label) with ``n > 1`` runs of
    mean ``m``, in input order; the expected square is the run-to-run variance."""
    y = np.asarray(y, dtype=np.float64)
    groups = np.asarray(groups)
    if y.shape != groups.shape or y.ndim != 1:
        raise ValueError(f"y and groups must be 1-D of one length, got {y.shape} and {groups.shape}")
    if len(y) == 0:
        return np.zeros(0)
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    repeated = counts[inverse] > 1
    means = np.bincount(inverse, weights=y) / counts
    n = counts[inverse][repeated]
    return (y[repeated] - means[inverse][repeated]) * np.sqrt(n / (n - 1))


@dataclass(frozen=True)
class RunNoise:
    """Measured run-to-run noise (target units): noisy draws are ``N(0, std)``.

    ``std``: robust, ``1.4826 x median_abs``; ``median_abs``: median absolute deviation;
    ``rms``: root mean square deviation, the heavy tail included (for reference only);
    ``n_groups``/``dof``: groups with repeats, and repeats beyond each group's first run.
    """

    std: float
    median_abs: float
    rms: float
    n_groups: int
    dof: int

    def __post_init__(self) -> None:
        values = (self.std, self.median_abs, self.rms)
        if not all(np.isfinite(v) and v >= 0 for v in values) or self.dof < 1 or self.n_groups < 1:
            raise ValueError(f"run noise needs finite non-negative spreads and dof, n_groups >= 1, got {self}")

    @classmethod
    def from_runs(cls, y: Any, groups: Any) -> RunNoise | None:
        """The noise of ``y`` within its ``groups`` (same label, same network trained again);
        None with fewer than ``MIN_REPEAT_DOF`` repeats."""
        deviations = run_deviations(y, groups)
        _, counts = np.unique(np.asarray(groups), return_counts=True)
        dof = int(np.sum(counts[counts > 1] - 1))
        if dof < MIN_REPEAT_DOF:
            return None
        median_abs = float(np.median(np.abs(deviations)))
        return cls(std=GAUSSIAN_MAD * median_abs, median_abs=median_abs,
                   rms=float(np.sqrt(np.mean(deviations**2))), n_groups=int(np.sum(counts > 1)), dof=dof)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws of the noise."""
        return self.std * rng.standard_normal(n)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunNoise:
        try:
            return cls(std=float(data["std"]), median_abs=float(data["median_abs"]), rms=float(data["rms"]),
                       n_groups=int(data["n_groups"]), dof=int(data["dof"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"run noise needs std, median_abs, rms, n_groups and dof, got {data!r}: "
                             f"{error}") from None
