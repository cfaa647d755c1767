"""Run-to-run noise of whole learning curves, for sampled curves that look like real runs.

A rerun of an architecture changes every epoch's validation score, and not independently:
neighbouring epochs move together or against each other, and the last epochs move with the
final score. :class:`CurveNoise` measures that on the repeated runs of the records (seeds,
isomorphic twins), as :class:`~surrogates.run_noise.RunNoise` does for the final score: per
epoch the robust std of the scaled deviations from their group mean (``1.4826 x`` the median
absolute deviation), and between epochs (and the final score) the correlation of those
deviations, from their Spearman correlation (``2 sin(pi rho / 6)``, the Pearson correlation of a
Gaussian with that rank correlation, so a few diverging reruns do not set it).

A noisy curve is ``mean + e`` with ``e`` Gaussian with those stds and correlations, drawn given
the final score's noise: the benchmark draws the final score's deviation exactly as a noisy
final query does, and the curve's deviations follow from it by Gaussian conditioning, so the
curve and the final score of one seed are one run.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from surrogates.run_noise import RunNoise, run_deviations

MIN_EIGENVALUE = 1e-6  # the correlation matrix is clipped to be positive definite


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks of every column (ties broken by order: deviations are continuous)."""
    return np.argsort(np.argsort(x, axis=0), axis=0).astype(np.float64)


def _clip_eigenvalues(matrix: np.ndarray) -> np.ndarray:
    """The symmetric ``matrix`` with its eigenvalues clipped at :data:`MIN_EIGENVALUE`."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.maximum(values, MIN_EIGENVALUE)) @ vectors.T


def _positive_definite(corr: np.ndarray) -> np.ndarray:
    """A positive definite correlation matrix near ``corr`` (eigenvalues clipped, then the
    diagonal rescaled to 1)."""
    clipped = _clip_eigenvalues(corr)
    scale = np.sqrt(np.diag(clipped))
    return clipped / np.outer(scale, scale)


@dataclass(frozen=True)
class CurveNoise:
    """``stds`` (T,): per-epoch run-to-run std of the validation score; ``final_std``: the
    final score's (as :class:`RunNoise`); ``correlation`` (T + 1, T + 1): of the deviations at
    epochs 1..T and of the final score (last row/column); ``n_groups``/``dof`` as RunNoise."""

    stds: tuple[float, ...]
    final_std: float
    correlation: tuple[tuple[float, ...], ...]
    n_groups: int
    dof: int

    def __post_init__(self) -> None:
        corr = np.asarray(self.correlation, dtype=np.float64)
        t = len(self.stds)
        if corr.shape != (t + 1, t + 1) or not np.allclose(np.diag(corr), 1.0):
            raise ValueError(f"correlation must be a ({t + 1}, {t + 1}) correlation matrix, "
                             f"got shape {corr.shape}")
        if not all(np.isfinite(s) and s >= 0 for s in (*self.stds, self.final_std)):
            raise ValueError(f"curve noise stds must be finite and >= 0, got {self}")

    @property
    def max_epochs(self) -> int:
        return len(self.stds)

    @classmethod
    def from_runs(cls, val: np.ndarray, final: np.ndarray, groups: Any) -> CurveNoise | None:
        """The noise of curves ``val`` (n, T) and final scores ``final`` (n,) within ``groups``;
        None with fewer repeated runs than :class:`RunNoise` needs."""
        final_noise = RunNoise.from_runs(final, groups)
        if final_noise is None:
            return None
        columns = np.column_stack([val, final])
        stds = [RunNoise.from_runs(columns[:, t], groups).std for t in range(val.shape[1])]
        deviations = np.column_stack([run_deviations(columns[:, t], groups)
                                      for t in range(columns.shape[1])])
        rho = np.corrcoef(_ranks(deviations).T)
        corr = _positive_definite(2 * np.sin(np.pi * np.nan_to_num(rho) / 6))
        return cls(stds=tuple(float(s) for s in stds), final_std=final_noise.std,
                   correlation=tuple(tuple(float(c) for c in row) for row in corr),
                   n_groups=final_noise.n_groups, dof=final_noise.dof)

    def sample(self, final_z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Curve deviations ``(n, T)`` given the final score's standardised deviations
        ``final_z`` (n,) (its deviation over the std it was drawn with)."""
        corr = np.asarray(self.correlation, dtype=np.float64)
        link = corr[:-1, -1]  # correlation of each epoch with the final score
        conditional = corr[:-1, :-1] - np.outer(link, link)
        chol = np.linalg.cholesky(_clip_eigenvalues(conditional))
        z = np.asarray(final_z, dtype=np.float64)[:, None] * link[None, :]
        z = z + rng.standard_normal((len(final_z), self.max_epochs)) @ chol.T
        return z * np.asarray(self.stds)[None, :]

    def to_dict(self) -> dict[str, Any]:
        return {"stds": list(self.stds), "final_std": self.final_std,
                "correlation": [list(row) for row in self.correlation],
                "n_groups": self.n_groups, "dof": self.dof}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CurveNoise:
        try:
            return cls(stds=tuple(float(s) for s in data["stds"]), final_std=float(data["final_std"]),
                       correlation=tuple(tuple(float(c) for c in row) for row in data["correlation"]),
                       n_groups=int(data["n_groups"]), dof=int(data["dof"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"curve noise needs stds, final_std, correlation, n_groups and dof, "
                             f"got {data!r}: {error}") from None

