"""The protocol every surrogate model follows (scikit-learn style).

``__init__`` only stores keyword hyper-parameters; ``fit(archs, y)`` returns ``self``;
``predict(archs)`` returns ``(mean, std)`` as float64 arrays of shape ``(n,)`` with ``std >= 0``;
fitted state ends in ``_``; ``save(folder)`` / ``SurrogateModel.load(folder)`` round-trip a fitted
model without pickle (see :mod:`surrogates.artifacts`).

Models take architectures of one search space (objects, text forms or dicts) and encode them
themselves. Targets are standardised inside: subclasses fit and predict on z-scores.
"""
from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

import graph_encodings
from graph_encodings.resolve import resolve_archs
from graph_encodings.seeds import check_seed
from surrogates.archs import fit_inputs
from surrogates.artifacts import read_manifest, write_manifest
from surrogates.calibration import GAUSSIAN, Prediction
from surrogates.errors import ArtifactError, NotFittedError
from surrogates.hyper_parameters import check_bool, check_choice

CANONICAL_MEMO_LIMIT = 1 << 17  # canonical forms kept per space (queries repeat architectures)
_CANONICAL_MEMO: dict[str, dict[Any, Any]] = {}


def canonical_forms(space: Any, archs: Sequence[Any]) -> list[Any]:
    """The canonical form of every (validated) architecture, memoised per space.

    Forms not in the memo are computed in one batch (``space.canonical_many``, vectorised for
    DARTS); the memo is cleared when it would outgrow :data:`CANONICAL_MEMO_LIMIT`.
    """
    memo = _CANONICAL_MEMO.setdefault(space.name, {})
    missing = [a for a in dict.fromkeys(archs) if a not in memo]
    if missing:
        if len(memo) + len(missing) > CANONICAL_MEMO_LIMIT:
            memo.clear()
        memo.update(zip(missing, space.canonical_many(missing, validated=True), strict=True))
    return [memo[a] for a in archs]


# space: None = inferred from the archs; canonical: encode each arch's canonical form, so that
# isomorphic architectures (functionally identical networks) get identical features.
COMMON_DEFAULTS: dict[str, Any] = {"space": None, "seed": 0, "canonical": True}


class SurrogateModel:
    """Base class: hyper-parameter handling, space/target checks, standardisation, artifacts.

    Subclasses set ``defaults`` (their hyper-parameters) and implement ``_fit_z``,
    ``_predict_z``, ``_state``/``_set_state`` (JSON-able fitted scalars) and
    ``_write_files``/``_read_files`` (their model files); ``_check_hyper_parameters`` checks
    their values at construction.
    """

    name: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, **hp: Any) -> None:
        valid = {**COMMON_DEFAULTS, **self.defaults}
        unknown = sorted(set(hp) - set(valid))
        if unknown:
            raise ValueError(
                f"{type(self).__name__}: unknown hyper-parameter(s) {unknown}; "
                f"valid: {sorted(valid)}"
            )
        self.hp = copy.deepcopy({**valid, **hp})
        try:
            check_seed(self.hp["seed"])
            check_bool("canonical", self.hp["canonical"])
            check_choice("space", self.hp["space"], [None, *graph_encodings.list_spaces()])
            self._check_hyper_parameters()
        except ValueError as err:
            raise ValueError(f"{type(self).__name__}: {err}") from None

    def _check_hyper_parameters(self) -> None:
        """``ValueError`` naming a hyper-parameter of ``self.hp`` whose value is not valid."""

    # -- sklearn-style helpers ----------------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        """A copy of the hyper-parameters (defaults filled in)."""
        return copy.deepcopy(self.hp)

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.hp.items() if v != {**COMMON_DEFAULTS, **self.defaults}[k]}
        args = ", ".join(f"{k}={v!r}" for k, v in changed.items())
        return f"{type(self).__name__}({args})"

    @property
    def is_fitted(self) -> bool:
        return hasattr(self, "space_")

    def _check_fitted(self, action: str) -> None:
        if not self.is_fitted:
            raise NotFittedError(
                f"this {type(self).__name__} ({self.name!r}) is not fitted; call fit(archs, y) "
                f"before {action}"
            )

    # -- fit / predict ------------------------------------------------------------------------
    def fit(self, archs: Sequence[Any], y: Any, *, noise_groups: Any = None) -> SurrogateModel:
        """Fit on architectures ``archs`` and their scores ``y``; returns ``self``.

        ``noise_groups`` labels repeated evaluations of one architecture (same label = same
        network trained again); by default the canonical hash, so isomorphic twins and
        repeated seeds count as repeats.
        """
        space, archs, y, groups = fit_inputs(archs, y, noise_groups, self.hp["space"])
        if len(archs) < 2:
            raise ValueError(f"fit needs at least 2 architectures, got {len(archs)}")
        self.y_mean_ = float(np.mean(y))
        std = float(np.std(y))
        self.y_std_ = std if std > 0 else 1.0
        self._fit_z(space, archs, (y - self.y_mean_) / self.y_std_, groups)
        self.space_ = space.name
        return self

    def predict(self, archs: Sequence[Any]) -> Prediction:
        """Predictive mean and std (float64, shape ``(n,)``, std >= 0) of the scores of ``archs``.

        A :class:`~surrogates.calibration.Prediction`: it unpacks as ``mean, std`` and carries
        how the intervals were calibrated (``.calibration``; a model without conformal
        calibration says ``none``: Gaussian intervals from ``std``) and ``.interval(level)``.
        """
        mean, std, _ = self.predict_with_noise(archs)
        return Prediction(mean, std, getattr(self, "calibration_", GAUSSIAN))

    def predict_with_noise(self, archs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(mean, std, noise_std)``: :meth:`predict` plus the learnt training-noise std.

        ``noise_std`` is the aleatoric part of ``std`` only (run-to-run noise as the model
        learnt it), without the epistemic spread of ensemble members; ``noise_std <= std``.
        """
        self._check_fitted("predict")
        space, archs = resolve_archs(archs, self.space_)
        mean, var, noise_var = self._predict_units(space, archs)
        return mean, np.sqrt(var), np.sqrt(noise_var)

    def _predict_units(
        self, space: Any, archs: list[Any]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean, variance and noise variance in target units of validated ``archs``.

        The package-internal entry point for callers that validated ``archs`` already (the
        combined ensemble, :class:`surrogates.Benchmark`): no second coercion.
        """
        mean_z, var_z, noise_z = self._predict_z_noise(space, archs)
        scale = self.y_std_**2
        mean = np.asarray(mean_z, dtype=np.float64) * self.y_std_ + self.y_mean_
        var = np.maximum(np.asarray(var_z, dtype=np.float64), 0.0) * scale
        noise = np.clip(np.asarray(noise_z, dtype=np.float64) * scale, 0.0, var)
        return mean, var, np.broadcast_to(noise, mean.shape).copy()

    def _encode(self, space: Any, archs: list[Any], kind: str) -> Any:
        if self.hp["canonical"]:
            archs = canonical_forms(space, archs)
        return graph_encodings.encode(space, archs, kind)

    # -- subclass hooks -----------------------------------------------------------------------
    def _fit_z(self, space: Any, archs: list[Any], z: np.ndarray, groups: np.ndarray) -> None:
        raise NotImplementedError

    def _predict_z(self, space: Any, archs: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _predict_z_noise(
        self, space: Any, archs: list[Any]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean, total variance and aleatoric (noise) variance on the z scale.

        Default: a model that does not separate its noise reports its total variance as noise.
        """
        mean, var = self._predict_z(space, archs)
        return mean, var, var

    def _state(self) -> dict[str, Any]:
        return {}

    def _set_state(self, state: dict[str, Any]) -> None:
        return None

    def _write_files(self, folder: Path) -> None:
        return None

    def _read_files(self, folder: Path) -> None:
        return None

    # -- artifacts ----------------------------------------------------------------------------
    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Save the fitted model into ``folder`` (created; must be empty or absent)."""
        self._check_fitted("save")
        folder = Path(folder)
        if folder.exists() and any(folder.iterdir()):
            raise FileExistsError(f"cannot save into {folder}: the folder is not empty")
        folder.mkdir(parents=True, exist_ok=True)
        self._write_files(folder)
        write_manifest(
            folder,
            {
                "model": self.name,
                "hyper_parameters": self.hp,
                "space": self.space_,
                "y_mean": self.y_mean_,
                "y_std": self.y_std_,
                "state": self._state(),
            },
        )
        return folder

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> SurrogateModel:
        """Load a model saved with :meth:`save`, verifying every file's sha256 first."""
        from surrogates.registry import get_model_class

        manifest = read_manifest(folder)
        try:
            model_cls = get_model_class(manifest["model"])
            model = model_cls(**manifest["hyper_parameters"])
            if cls is not SurrogateModel and not isinstance(model, cls):
                raise ArtifactError(
                    f"{folder} holds a {manifest['model']!r} model, not a {cls.__name__}"
                )
            model.space_ = manifest["space"]
            model.y_mean_ = float(manifest["y_mean"])
            model.y_std_ = float(manifest["y_std"])
            model._set_state(manifest["state"])
        except (KeyError, TypeError, ValueError) as err:
            if isinstance(err, ArtifactError):
                raise
            raise ArtifactError(f"{folder}: manifest content is not usable: {err}") from err
        model._read_files(Path(folder))
        return model

