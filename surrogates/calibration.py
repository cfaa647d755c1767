"""Conformal interval calibration: what a model's intervals promise, and how it was measured.

A surrogate's raw spread (member disagreement plus learnt noise) is a shape, not a calibrated
width. Calibration measures the normalised residuals ``r = |y - mean| / sigma`` of architectures
the predicting members never saw and stores, for every level ``l`` of :data:`LEVELS`, the
split-conformal quantile ``q_l``: the ``ceil((m + 1) l)``-th smallest of the ``m`` ratios. On a
new architecture exchangeable with the calibration ones, ``mean +- q_l sigma`` then covers ``y``
with probability at least ``l`` (Vovk et al. 2005; Lei et al. 2018), whatever the residuals'
shape: each level gets its own quantile, so a heavy tail widens the 95 % interval without
widening the 50 % one, which no single Gaussian scale can do.

The model's ``std`` stays the raw spread times one factor, ``scale = q_0.9 / z_0.9``, so the
Gaussian 90 % interval ``mean +- z_0.9 std`` is the conformal one (``predict`` keeps returning
``(mean, std)`` as before); :meth:`Calibration.factor` gives the half-width of the other levels in
units of that ``std`` (``z_l`` for an uncalibrated or Gaussian model).

Methods (:attr:`Calibration.method`):

* ``split_conformal``: the ratios of a held-out share of whole architectures (all seeds and
  isomorphic twins of one canonical architecture on one side), predicted by members fitted on
  the rest;
* ``cross_conformal``: small data; the data are split into folds of whole architectures, every
  fold is predicted by members fitted on the other folds and all ratios are pooled (Vovk 2015's
  cross-conformal, with every architecture calibrating once), then the members are fitted on
  everything;
* ``std_scale``: artifacts saved before per-level quantiles existed: one factor fitted at 90 %
  (the other levels assume a Gaussian shape);
* ``none``: no calibration (too little data, or ``calibration_fraction=0``).

``quantile`` saturates when ``m`` is too small for a level (``ceil((m + 1) l) > m``): it is then
the largest ratio, and :attr:`Calibration.saturated` lists those levels (their promise is not
kept).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np

LEVELS: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95)
STD_LEVEL = 0.9  # the level whose quantile sets the model's std (the Gaussian 90 % interval)
METHODS = ("split_conformal", "cross_conformal", "std_scale", "none")


def z_value(level: float) -> float:
    """The standard normal's central ``level`` half-width (1.645 for 0.9)."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    return NormalDist().inv_cdf(0.5 + level / 2)


def conformal_quantile(ratios: np.ndarray, level: float) -> tuple[float, bool]:
    """The split-conformal quantile of ``ratios`` at ``level`` and whether it saturated.

    The ``ceil((m + 1) level)``-th smallest of the ``m`` ratios (Lei et al. 2018, finite-sample
    valid); when that rank exceeds ``m`` the exact answer is an infinite interval and the largest
    ratio is returned instead, with ``True``.
    """
    z_value(level)  # checks the level
    ratios = np.sort(np.asarray(ratios, dtype=np.float64))
    m = len(ratios)
    if m == 0:
        raise ValueError("conformal_quantile needs at least one ratio")
    rank = int(np.ceil((m + 1) * level - 1e-9))
    return float(ratios[min(rank, m) - 1]), rank > m


def normalised_residuals(y: Any, mean: Any, sigma: Any) -> np.ndarray:
    """``|y - mean| / sigma`` over the rows with ``sigma > 0``."""
    y, mean, sigma = (np.asarray(a, dtype=np.float64) for a in (y, mean, sigma))
    keep = sigma > 0
    return np.abs(y[keep] - mean[keep]) / sigma[keep]


@dataclass(frozen=True)
class Calibration:
    """How a model's intervals were calibrated (module docstring); JSON-able via :meth:`to_dict`.

    ``n``: normalised residuals the quantiles come from; ``n_groups``: distinct architectures
    among them; ``quantiles[i]``: the conformal quantile of the ratios at ``levels[i]`` (in units
    of the raw spread); ``scale``: the factor on the raw spread that the model's ``std`` carries;
    ``saturated``: levels whose quantile saturated; ``unit``: ``architecture`` (whole canonical
    architectures held out) or ``row``.
    """

    method: str = "none"
    n: int = 0
    n_groups: int = 0
    levels: tuple[float, ...] = ()
    quantiles: tuple[float, ...] = ()
    scale: float = 1.0
    saturated: tuple[float, ...] = ()
    unit: str = "architecture"
    folds: int = 0
    reference: float = 1.0
    notes: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"calibration method must be one of {METHODS}, got {self.method!r}")
        if len(self.levels) != len(self.quantiles):
            raise ValueError(f"one quantile per level: got levels {self.levels} and quantiles "
                             f"{self.quantiles}")
        values = (self.scale, self.reference, *self.quantiles)
        if not all(np.isfinite(v) and v >= 0 for v in values) or not (self.scale > 0 and self.reference > 0):
            raise ValueError(f"calibration needs finite quantiles >= 0 and scale > 0, got {self}")

    @classmethod
    def from_ratios(cls, ratios: np.ndarray, method: str, n_groups: int, *,
                    levels: tuple[float, ...] = LEVELS, unit: str = "architecture",
                    folds: int = 0, reference: float = 1.0) -> Calibration:
        """Quantiles of the normalised residuals ``ratios`` at ``levels`` (plus :data:`STD_LEVEL`).

        ``reference``: the predicting model's typical raw spread when the ratios were taken on
        spreads divided by their own model's (:attr:`reference`), else 1.
        """
        levels = tuple(sorted(set(levels) | {STD_LEVEL}))
        ratios = np.asarray(ratios, dtype=np.float64)
        if not len(ratios):
            return cls()
        found = [conformal_quantile(ratios, level) for level in levels]
        quantiles = tuple(q for q, _ in found)
        std_q = quantiles[levels.index(STD_LEVEL)]
        scale = std_q / (z_value(STD_LEVEL) * reference) if std_q > 0 else 1.0
        return cls(method=method, n=len(ratios), n_groups=int(n_groups), levels=levels,
                   quantiles=quantiles, scale=float(scale), reference=float(reference),
                   saturated=tuple(lv for lv, (_, sat) in zip(levels, found, strict=True) if sat),
                   unit=unit, folds=folds)

    @classmethod
    def std_scale(cls, scale: float, n: int) -> Calibration:
        """An artifact's single 90 % factor (saved before per-level quantiles); ``n`` its rows
        (0: it was not calibrated)."""
        if n <= 0:
            return cls()
        return cls(method="std_scale", n=int(n), levels=(STD_LEVEL,),
                   quantiles=(float(scale) * z_value(STD_LEVEL),), scale=float(scale), unit="unknown")

    def factor(self, level: float) -> float:
        """Half-width of the central ``level`` interval in units of the model's ``std``.

        Stored levels: ``z_0.9 q_l / q_0.9`` (``std`` is the 90 % quantile's spread); others: the
        Gaussian ``z_l`` times the stored levels' ratio to it, interpolated linearly in ``level``
        (held constant beyond them).
        """
        z = z_value(level)
        if not self.levels or self.method in ("none", "std_scale"):
            return z
        unit = self.quantiles[self.levels.index(STD_LEVEL)] / z_value(STD_LEVEL)
        if not unit > 0:
            return z
        ratio = [q / (unit * z_value(lv)) for lv, q in zip(self.levels, self.quantiles, strict=True)]
        return z * float(np.interp(level, self.levels, ratio))

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "n": self.n, "n_groups": self.n_groups,
                "levels": list(self.levels), "quantiles": list(self.quantiles), "scale": self.scale,
                "saturated": list(self.saturated), "unit": self.unit, "folds": self.folds,
                "reference": self.reference, "notes": dict(self.notes)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        """Parse :meth:`to_dict` output (``ValueError`` naming what is wrong)."""
        try:
            return cls(method=str(data["method"]), n=int(data["n"]), n_groups=int(data["n_groups"]),
                       levels=tuple(float(v) for v in data["levels"]),
                       quantiles=tuple(float(v) for v in data["quantiles"]),
                       scale=float(data["scale"]),
                       saturated=tuple(float(v) for v in data.get("saturated", ())),
                       unit=str(data.get("unit", "architecture")), folds=int(data.get("folds", 0)),
                       reference=float(data.get("reference", 1.0)), notes=dict(data.get("notes", {})))
        except (KeyError, TypeError) as err:
            raise ValueError(f"calibration needs method, n, n_groups, levels, quantiles and scale, "
                             f"got {data!r}: {err}") from None


GAUSSIAN = Calibration()


class Prediction(tuple):
    """``(mean, std)`` as :meth:`SurrogateModel.predict` always returned, plus how the
    intervals were calibrated (``calibration``) and the intervals themselves (:meth:`interval`).

    Unpacks like the plain tuple (``mean, std = model.predict(archs)``).
    """

    calibration: Calibration

    def __new__(cls, mean: np.ndarray, std: np.ndarray, calibration: Calibration = GAUSSIAN) -> Prediction:
        obj = super().__new__(cls, (mean, std))
        obj.calibration = calibration
        return obj

    def __getnewargs__(self) -> tuple[Any, ...]:  # pickling: __new__ takes the parts
        return (self[0], self[1], self.calibration)

    @property
    def mean(self) -> np.ndarray:
        return self[0]

    @property
    def std(self) -> np.ndarray:
        return self[1]

    def interval(self, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper ends of the central ``level`` interval (conformal where calibrated)."""
        half = self.calibration.factor(level) * self.std
        return self.mean - half, self.mean + half

    def coverage(self, y: Any, level: float) -> float:
        """Share of ``y`` inside the ``level`` intervals."""
        low, high = self.interval(level)
        y = np.asarray(y, dtype=np.float64)
        if y.shape != self.mean.shape:
            raise ValueError(f"y has shape {y.shape}; expected {self.mean.shape}")
        return float(np.mean((low <= y) & (y <= high)))

    def __repr__(self) -> str:
        return f"Prediction(n={len(self.mean)}, calibration={self.calibration.method!r})"
