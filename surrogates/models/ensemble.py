"""``ensemble``: a combined ensemble across model families (the Benchmark's default model).

Each member is itself a registered surrogate (e.g. ``gin``, ``xgb``, ``lgb``) fitted on the same
data. The predictive distribution is the mixture of the members' Gaussians; with equal weights
mean = mean of member means and var = mean of member variances + variance of member means (with
weights w_k, the w-weighted mean and variance, see :func:`mixture`).

Default members and weights chosen by measurement (1,000 training archs of the NB201 NB360
records, 2,000 validation archs carved from the training pool, never the test set; GIN at its
default 100 epochs; KT / R2 / 90 % coverage / NLL):

=======================  ===============================  =================================
members (weights)        NinaPro                          Darcy
=======================  ===============================  =================================
gin                      0.650 / 0.753 / 0.83 / 3.10      0.842 / 0.905 / 0.90 / -3.35
gin+xgb (1/2, 1/2)       0.634 / 0.723 / 0.94 / 2.37      0.822 / 0.897 / 0.97 / -3.33
gin+xgb (2/3, 1/3)       0.646 / 0.740 / 0.93 / 2.45      0.832 / 0.905 / 0.96 / -3.42
gin+xgb (3/4, 1/4)       0.650 / 0.746 / 0.92 / 2.52      0.836 / 0.907 / 0.96 / -3.47
gin+lgb (2/3, 1/3)       0.640 / 0.738 / 0.93 / 2.46      0.834 / 0.906 / 0.97 / -3.37
gin+xgb+lgb (2, 1, 1)/4  0.632 / 0.723 / 0.95 / 2.38      0.825 / 0.899 / 0.97 / -3.30
=======================  ===============================  =================================

The GIN alone ranked best but was over-confident (90 % intervals covered 83 %); mixing in
XGBoost at weight 1/4 kept its ranking (equal on NinaPro, -0.006 on Darcy) and fixed the
calibration (best NLL on both tasks), so the default was ``gin`` + ``xgb`` with weights (3/4, 1/4).

Since issue 22 the intervals are calibrated conformally whatever the weights (class docstring), and
the XGBoost member takes the graph features (:mod:`surrogates.features`), which made it rank
about as well as the GIN. Kendall tau on unseen architectures at 1,000 random training cells
(``python benchmarks/bench_graph_features.py``; CIFAR-100 2 splits, NinaPro and Darcy 1, medians):

===============================  ========  =======  =====
GIN weight, XGBoost member       CIFAR-100 NinaPro  Darcy
===============================  ========  =======  =====
gin alone                        0.805     0.555    0.761
3/4, one-hot                     0.809     0.555    0.757
3/4, one-hot + graph features    0.819     0.573    0.774
1/2, one-hot + graph features    0.822     0.580    0.782
===============================  ========  =======  =====

so the default is ``gin`` + ``xgb`` (with its graph features) with equal weights.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from graph_encodings.resolve import resolve_archs
from surrogates.base import SurrogateModel
from surrogates.calibration import Calibration, normalised_residuals
from surrogates.hyper_parameters import check_bool, check_choice, check_int, check_real
from surrogates.registry import checking_parameters, create, register
from surrogates.splits import group_folds

DEFAULT_MEMBERS: list[dict[str, Any]] = [
    {"name": "gin", "params": {}},
    {"name": "xgb", "params": {}},
]
DEFAULT_WEIGHTS: list[float] | None = [0.5, 0.5]
MIN_CALIBRATION_ARCHS = 10  # fewer held-out architectures than this: no calibration
TARGET_CALIBRATION_ARCHS = 30  # small data: the held-out share grows towards this many ...
MAX_CALIBRATION_FRACTION = 0.3  # ... but never past this share
# Fewer architectures than this: ``calibration_method="auto"`` calibrates by cross-conformal
# prediction (every architecture calibrates once, out of fold) instead of a held-out share.
CROSS_CONFORMAL_BELOW = 1500
CALIBRATION_METHODS = ("auto", "split", "cross")
# ``calibration_folds=None``: about this many training rows over all cross-conformal folds, i.e.
# K ~ CROSS_FIT_ROWS / n folds, clipped to [MIN_FOLDS, MAX_FOLDS]. Fold members see (K-1)/K of the
# data but the final members all of it, so few folds on little data calibrate on residuals larger
# than the final fit's and over-cover (5 folds at 100 CIFAR-100 cells: 90 % intervals covered 0.93
# of unseen cells, 20 folds 0.90; docs/results.md#interval-calibration).
CROSS_FIT_ROWS = 2000
MIN_FOLDS, MAX_FOLDS = 5, 20
# Random architectures of the space on which a fitted mixture's typical (median) spread is read:
# residuals are normalised by the spread relative to it (see ``_out_of_sample``).
REFERENCE_ARCHS = 256


def mixture(
    means: np.ndarray, variances: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of a Gaussian mixture (members along axis 0; equal weights by default).

    mean = sum_k w_k m_k; var = sum_k w_k v_k + sum_k w_k (m_k - mean)^2.
    """
    w = np.full(len(means), 1.0 / len(means)) if weights is None else np.asarray(weights, float)
    w = w.reshape(-1, *([1] * (means.ndim - 1)))
    mean = (w * means).sum(axis=0)
    return mean, (w * variances).sum(axis=0) + (w * (means - mean) ** 2).sum(axis=0)


def _checking_members() -> list[dict[str, Any]]:
    return [{"name": m["name"], "params": checking_parameters(m["name"])} for m in DEFAULT_MEMBERS]


def _checking() -> dict[str, Any]:
    return {"members": _checking_members(), "weights": DEFAULT_WEIGHTS}


def calibration_candidates(groups: np.ndarray, whole_groups: bool = True) -> np.ndarray:
    """Rows that may calibrate the intervals: the stand-ins for architectures a fit never saw.

    Row by row (``whole_groups=False``) every row. By whole groups, the architectures that occur
    once in the data when they are at least half of its architectures (data drawn at random, as
    a table's cells or a collection's samples), else every architecture (repeats by design, e.g.
    every architecture trained with 3 seeds). Why: in data drawn at random, a new architecture
    whose canonical class the data lack is exchangeable with an architecture the data hold once
    (the Good-Turing argument); architectures held several times are the large isomorphism
    classes of degenerate cells (NB201: cells whose ops are cut off by ``none`` edges), whose
    errors say little about a new architecture and widened the intervals (XGBoost members on
    1,000 CIFAR-100 NB201 cells: 90 % intervals covered 0.95-0.96 of unseen cells calibrated on
    every held-out architecture, 0.93 on those held once; docs/results.md).
    """
    groups = np.asarray(groups)
    if not whole_groups:
        return np.ones(len(groups), dtype=bool)
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    single = counts[inverse] == 1
    return single if np.sum(counts == 1) >= 0.5 * len(counts) else np.ones(len(groups), dtype=bool)


def calibration_mask(groups: np.ndarray, fraction: float, seed: int, whole_groups: bool = False,
                     candidates: np.ndarray | None = None) -> np.ndarray | None:
    """Rows held out to calibrate the intervals: about ``fraction`` of them, chosen at random
    among the ``candidates`` (default: every row).

    Small data hold out more (towards :data:`TARGET_CALIBRATION_ARCHS`, at most
    :data:`MAX_CALIBRATION_FRACTION`); ``None`` when ``fraction`` is 0 or fewer than
    :data:`MIN_CALIBRATION_ARCHS` rows would be held out. ``whole_groups=False`` draws rows one by
    one (a repeat of a fitted architecture can land on the other side, and the intervals then
    under-cover new architectures); ``whole_groups`` keeps every noise group (repeated seeds,
    isomorphic twins) on one side, calibrating for architectures the members never saw, as
    ``nb360 fit`` and :func:`surrogates.evaluate_surrogate` hold them out.
    """
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"calibration_fraction must be in [0, 1), got {fraction!r}")
    n = len(groups)
    if fraction == 0.0:
        return None
    share = min(max(fraction, TARGET_CALIBRATION_ARCHS / n), max(fraction, MAX_CALIBRATION_FRACTION))
    labels, inverse = (np.unique(groups, return_inverse=True) if whole_groups
                       else (np.arange(n), np.arange(n)))
    if candidates is not None:  # groups with a row outside the candidates are never drawn
        outside = np.unique(inverse[~np.asarray(candidates, dtype=bool)])
    else:
        outside = np.zeros(0, dtype=np.int64)
    order = np.random.default_rng([seed, 11]).permutation(len(labels))
    order = order[~np.isin(order, outside)]
    sizes = np.bincount(inverse, minlength=len(labels))[order]
    chosen = order[: int(np.searchsorted(np.cumsum(sizes), share * n, side="right"))]
    mask = np.isin(inverse, chosen)
    if mask.sum() < MIN_CALIBRATION_ARCHS or mask.all():
        return None
    return mask


@register("ensemble", checking=_checking)
class CombinedEnsemble(SurrogateModel):
    """Weighted mixture of surrogates from different families.

    ``members`` is a list of ``{"name": registered name, "params": {hyper-parameters}}``;
    ``weights`` their mixture weights (normalised; None = equal).

    Intervals are calibrated conformally (:mod:`surrogates.calibration`) on architectures the
    predicting members never saw: ``calibration_groups`` (default) holds out whole noise groups
    (an architecture's repeated seeds and isomorphic twins together); ``False`` row by row.
    ``calibration_method``:

    * ``split``: ``calibration_fraction`` of the architectures (see :func:`calibration_mask`) are
      held out once; with ``calibration_refit`` the members are then refitted on all the data
      (twice the fitting time), else the held-out share is left out;
    * ``cross``: ``calibration_folds`` folds of whole architectures, each predicted by members
      fitted on the others, then the members fitted on all the data (folds + 1 fits); ``None``
      (default) picks about ``2000 / n`` folds for ``n`` architectures, 5 to 20 (:meth:`_folds`),
      so fold members see nearly all the data where the data are few;
    * ``auto`` (default): ``cross`` below :data:`CROSS_CONFORMAL_BELOW` architectures when
      ``calibration_refit`` is set (small data: a held-out share would give few, noisy
      residuals), else ``split``.

    ``calibration_fraction=0`` switches calibration off. ``calibration_`` (a
    :class:`~surrogates.calibration.Calibration`) says what was done; ``predict`` returns it
    with the intervals (:class:`~surrogates.calibration.Prediction`).
    """

    def _weights(self) -> np.ndarray | None:
        weights = self.hp["weights"]
        if weights is None:
            return None
        n = len(self._member_specs())
        try:
            w = np.asarray(weights, dtype=np.float64)
        except (TypeError, ValueError):
            w = np.full(0, np.nan)
        if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
            raise ValueError(
                f"weights {weights!r} invalid: need {n} non-negative numbers (one per member) "
                f"with a positive sum"
            )
        return w / w.sum()

    defaults: ClassVar[dict[str, Any]] = {
        "members": DEFAULT_MEMBERS,
        "weights": DEFAULT_WEIGHTS,
        "calibration_fraction": 0.1,
        "calibration_refit": True,
        "calibration_groups": True,
        "calibration_method": "auto",
        "calibration_folds": None,
        "calibration_reference": REFERENCE_ARCHS,
    }

    def _member_specs(self) -> list[dict[str, Any]]:
        specs = self.hp["members"]
        if not isinstance(specs, list) or not specs:
            raise ValueError(f"members must be a non-empty list of {{name, params}}, got {specs!r}")
        for spec in specs:
            if (not isinstance(spec, dict) or "name" not in spec or spec["name"] == "ensemble"
                    or not isinstance(spec.get("params", {}), dict)):
                raise ValueError(
                    f"invalid ensemble member {spec!r}: need {{'name': <surrogate other than "
                    f"'ensemble'>, 'params': {{...}}}}"
                )
        return specs

    def _check_hyper_parameters(self) -> None:
        """Members (each created once, so its own hyper-parameters are checked), weights and
        the calibration settings."""
        for i, spec in enumerate(self._member_specs()):
            try:
                create(spec["name"], **spec.get("params", {}))
            except ValueError as err:
                raise ValueError(f"members[{i}] ({spec['name']!r}): {err}") from None
        self._weights()
        check_real("calibration_fraction", self.hp["calibration_fraction"], 0.0, 1.0, high_open=True)
        check_bool("calibration_refit", self.hp["calibration_refit"])
        check_bool("calibration_groups", self.hp["calibration_groups"])
        check_choice("calibration_method", self.hp["calibration_method"], list(CALIBRATION_METHODS))
        check_int("calibration_folds", self.hp["calibration_folds"], 2, allow_none=True)
        check_int("calibration_reference", self.hp["calibration_reference"], 0)

    def _calibration_method(self, groups: np.ndarray) -> str:
        """``split``, ``cross`` or ``none`` for these noise groups (class docstring)."""
        hp = self.hp
        if float(hp["calibration_fraction"]) == 0.0:
            return "none"
        candidates = calibration_candidates(groups, bool(hp["calibration_groups"]))
        n_units = (len(np.unique(groups[candidates])) if hp["calibration_groups"]
                   else int(candidates.sum()))
        folds = self._folds(n_units)
        can_cross = n_units >= max(folds, MIN_CALIBRATION_ARCHS)
        method = hp["calibration_method"]
        if method == "auto":
            small = n_units < CROSS_CONFORMAL_BELOW and bool(hp["calibration_refit"])
            method = "cross" if small and can_cross else "split"
        if method == "cross" and not can_cross:
            return "none"
        return method

    def _folds(self, n_units: int) -> int:
        """The cross-conformal fold count: ``calibration_folds``, or for ``None`` about
        :data:`CROSS_FIT_ROWS` / ``n_units`` (5 at 400 or more units, 20 at 100 or fewer)."""
        folds = self.hp["calibration_folds"]
        if folds is not None:
            return int(folds)
        return int(np.clip(math.ceil(CROSS_FIT_ROWS / max(n_units, 1)), MIN_FOLDS, MAX_FOLDS))

    def _fit_z(self, space: Any, archs: list[Any], z: np.ndarray, groups: np.ndarray) -> None:
        self._weights()  # fail before the expensive fits
        method = self._calibration_method(groups)
        unit = "architecture" if self.hp["calibration_groups"] else "row"
        members, ratios, cal_groups, folds = None, np.zeros(0), groups[:0], 0
        whole = bool(self.hp["calibration_groups"])
        candidates = calibration_candidates(groups, whole)
        if method == "split":
            held_out = calibration_mask(groups, float(self.hp["calibration_fraction"]),
                                        int(self.hp["seed"]), whole_groups=whole, candidates=candidates)
            if held_out is not None:
                members, ratios = self._out_of_sample(space, archs, z, groups, held_out)
                cal_groups = groups[held_out]
        elif method == "cross":  # folds of the candidates; the other rows are fitted in every fold
            units = groups[candidates] if whole else np.flatnonzero(candidates)
            folds = self._folds(len(np.unique(units)))
            fold = np.full(len(groups), -1)
            fold[candidates] = group_folds(units, folds, np.random.default_rng([int(self.hp["seed"]), 13]))
            ratios = np.concatenate([self._out_of_sample(space, archs, z, groups, fold == f)[1]
                                     for f in range(folds)])
            cal_groups = groups[candidates]
        keep = members is not None and not self.hp["calibration_refit"]
        self.members_ = members if keep else self._fit_members(space, archs, z, groups)
        self.calibration_ = (Calibration.from_ratios(
            ratios, f"{method}_conformal", len(np.unique(cal_groups)), unit=unit, folds=folds,
            reference=self._reference_spread(space, self.members_)) if len(ratios) else Calibration())
        self.calibration_scale_, self.calibration_n_ = self.calibration_.scale, self.calibration_.n

    def _reference_spread(self, space: Any, members: list[SurrogateModel]) -> float:
        """The median raw spread of ``members``' mixture over :data:`REFERENCE_ARCHS` random
        architectures of ``space`` (seeded), or 1 with ``calibration_reference=0``.

        Residuals are normalised by the spread relative to this, so a refit (or a fold's fit)
        whose spread is wider or narrower throughout - the trees' learnt noise and the GIN's
        variance heads change from fit to fit - is calibrated by the shape of its spread, not its
        level.
        """
        n = int(self.hp["calibration_reference"])
        if n == 0:
            return 1.0
        archs = space.sample_many(n, np.random.default_rng([int(self.hp["seed"]), 17]))
        _, var, _ = self._mixture_of(members, space, archs)
        spread = float(np.median(np.sqrt(var)))
        return spread if spread > 0 else 1.0

    def _out_of_sample(self, space: Any, archs: list[Any], z: np.ndarray, groups: np.ndarray,
                       held_out: np.ndarray) -> tuple[list[SurrogateModel], np.ndarray]:
        """Members fitted on the rows outside ``held_out``, and the normalised residuals
        ``|z - mean| / std`` of their (uncalibrated) mixture on the ``held_out`` rows."""
        fit_rows, cal_rows = np.flatnonzero(~held_out), np.flatnonzero(held_out)
        members = self._fit_members(space, [archs[i] for i in fit_rows], z[fit_rows], groups[fit_rows])
        mean, var, _ = self._mixture_of(members, space, [archs[i] for i in cal_rows])
        spread = np.sqrt(var) / self._reference_spread(space, members)
        return members, normalised_residuals(z[cal_rows], mean, spread)

    def _fit_members(self, space: Any, archs: list[Any], z: np.ndarray, groups: np.ndarray) -> list[SurrogateModel]:
        members = []
        for i, spec in enumerate(self._member_specs()):
            params = {**spec.get("params", {}), "space": space.name,
                      "seed": int(self.hp["seed"]) * 100 + i}
            members.append(create(spec["name"], **params).fit(archs, z, noise_groups=groups))
        return members

    def _predict_z(self, space: Any, archs: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        mean, var, _ = self._predict_z_noise(space, archs)
        return mean, var

    def _predict_z_noise(self, space: Any, archs: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Calibrated mixture mean and variance; noise = the weighted mean of the members' noise.

        The spread between members (epistemic) is in the variance, never in the noise. The
        calibration factor scales the whole mixture about its mean (see
        :meth:`member_predictions`), so both parts of the variance scale by its square.
        """
        mean, var, noise = self._mixture_of(self.members_, space, archs)
        factor = self.calibration_scale_**2
        return mean, var * factor, noise * factor

    def _mixture_of(self, members: list[SurrogateModel], space: Any,
                    archs: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Uncalibrated mixture mean, variance and noise variance of ``members``."""
        preds = [m._predict_units(space, archs) for m in members]
        means, variances, noises = (np.stack([p[k] for p in preds]) for k in range(3))
        weights = self._weights()
        w = np.full(len(preds), 1.0 / len(preds)) if weights is None else weights
        mean, var = mixture(means, variances, weights)
        return mean, var, (w[:, None] * noises).sum(axis=0)

    def member_predictions(self, archs: list[Any], calibrated: bool = True) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """``(name, mean, std)`` of every member of the calibrated mixture, in score units.

        Calibration by factor ``s`` scales the mixture about its mean: member means
        ``mu + s (m_k - mu)`` and stds ``s sd_k``, so the members' mixture has exactly the
        model's predicted mean and (calibrated) std. ``calibrated=False``: each member's own
        prediction.
        """
        self._check_fitted("member_predictions")
        space, archs = resolve_archs(archs, self.space_)
        preds = [member._predict_units(space, archs) for member in self.members_]
        center, _ = mixture(np.stack([p[0] for p in preds]), np.stack([p[1] for p in preds]),
                            self._weights())
        s = self.calibration_scale_ if calibrated else 1.0
        return [(member.name, (center + s * (mean - center)) * self.y_std_ + self.y_mean_,
                 s * np.sqrt(var) * self.y_std_)
                for member, (mean, var, _) in zip(self.members_, preds, strict=True)]

    def _state(self) -> dict[str, Any]:
        return {"n_members": len(self.members_), "calibration_scale": self.calibration_scale_,
                "calibration_n": self.calibration_n_, "calibration": self.calibration_.to_dict()}

    def _set_state(self, state: dict[str, Any]) -> None:
        self._n_members = int(state["n_members"])
        # Artifacts saved before interval calibration existed hold uncalibrated mixtures; those
        # saved before per-level quantiles one 90 % factor (their std answers as before).
        self.calibration_scale_ = float(state.get("calibration_scale", 1.0))
        self.calibration_n_ = int(state.get("calibration_n", 0))
        if "calibration" in state:
            self.calibration_ = Calibration.from_dict(state["calibration"])
        else:
            self.calibration_ = Calibration.std_scale(self.calibration_scale_, self.calibration_n_)

    def _write_files(self, folder: Path) -> None:
        for i, member in enumerate(self.members_):
            member.save(folder / f"member_{i}")

    def _read_files(self, folder: Path) -> None:
        self.members_ = [SurrogateModel.load(folder / f"member_{i}") for i in range(self._n_members)]
