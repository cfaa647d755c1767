"""``CurveModel``: the validation score after every epoch, predicted from the architecture.

What it predicts. A record's learning curve holds the validation score after each epoch; the
benchmark's final score is the test score after the last epoch (:mod:`surrogates.curves.records`).
The curve model predicts the curve (``T = max_epochs`` values per architecture); the final
score stays the benchmark's own surrogate's.

How (chosen on held-out architectures, ``python benchmarks/bench_curves.py --compare``):

* one boosted-tree surrogate per epoch (the registered ``xgb`` deep ensemble, small recipe
  :data:`CURVE_XGB`, on the canonical ``onehot`` encoding, fitted on one mean curve per
  architecture as the final-score surrogate is), plus one of the same recipe on the final score;
* the final-score surrogate's knowledge carries over: where the benchmark's ensemble (GIN + XGB)
  predicts the final score differently from the tree model of the final score, each epoch moves
  by ``beta_t`` times that difference, ``mean_t = tree_t + beta_t (ensemble - tree_final)``, with
  ``beta_t`` the regression of the out-of-fold residual at epoch ``t`` on the final score's
  (``beta`` is near 1 where the epoch ranks like the final score, near 0 where it does not);
* uncertainty: ``std_t^2 = residual_var_t + beta_t^2 std_final^2``, with ``std_final`` the
  ensemble's calibrated std and ``residual_var_t`` the variance that makes N(0, var) cover 90 %
  of the out-of-fold residuals left after that transfer (:func:`surrogates.aleatoric.residual_excess_variance`);
* noise (sampled curves): :class:`~surrogates.curves.noise.CurveNoise`, measured on repeated runs.

Measured alternatives (mean held-out Kendall tau over epochs 1, 25 %, 50 % and the last; ECG /
satellite / Darcy): the final-score prediction plus the mean offset of each epoch 0.220 / 0.055 /
0.409; NAS-Bench-x11's compression (2 SVD coefficients of the standardised curve, one tree model
each) 0.288 / 0.211 / 0.544; one tree model per epoch 0.262 / 0.212 / 0.617; per epoch with the
ensemble's transfer (shipped) 0.258 / 0.206 / 0.631. With 4-8 epochs per protocol compression
saves little, and the transfer is what carries the ensemble's better final-score ranking (Darcy)
to the late epochs.

Files: ``<artifacts>/<space>/<task>/<protocol>/curves/<model>/`` next to the benchmark's
``<model>/`` folder (whose manifest does not change), holding ``epoch_<t>/`` and ``final/`` (saved
surrogates) and a manifest with the sha256 of every file and of the benchmark manifest it was
fitted against (:func:`curves_folder`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from surrogates.artifacts import read_manifest, write_manifest
from surrogates.curves.noise import CurveNoise
from surrogates.errors import ArtifactError

CURVES_KIND = "learning_curves"
CURVES_FORMAT_VERSION = 1
CURVES_FOLDER = "curves"
# The per-epoch tree ensembles: 3 members x 150 rounds of depth 4, about 110 KB each (3 MB for the
# 27 models of the four DARTS benchmarks).
CURVE_XGB: dict[str, Any] = {
    "n_members": 3, "n_rounds": 150,
    "booster_params": {"max_depth": 4, "learning_rate": 0.065, "colsample_bytree": 0.8,
                       "min_child_weight": 2},
}
CURVE_DEFINITION = ("validation score after each epoch (the records' learning_curve[t]['val_score']); "
                    "the final score is the benchmark's (test split)")


def curves_folder(benchmark_folder: str | os.PathLike[str]) -> Path:
    """Where the curve model of the benchmark in ``benchmark_folder`` lives:
    ``<protocol folder>/curves/<model>/``."""
    folder = Path(benchmark_folder)
    return folder.parent / CURVES_FOLDER / folder.name


@dataclass
class CurveModel:
    """A fitted learning-curve model (module docstring). ``epoch_models[t]`` predicts the score
    after epoch ``t + 1``; ``final_model`` the final score (the transfer's reference); ``beta``,
    ``residual_var`` (T,); ``time_fraction`` (T,): the share of the training time spent after
    each epoch (None without epoch times); ``noise``: None without repeated runs."""

    epoch_models: list[Any]
    final_model: Any
    beta: np.ndarray
    residual_var: np.ndarray
    time_fraction: np.ndarray | None
    noise: CurveNoise | None
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def max_epochs(self) -> int:
        return len(self.epoch_models)

    def predict(self, space: Any, archs: list[Any], final_mean: np.ndarray,
                final_std: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(mean, std, noise_std)``, each ``(n, T)``, of the validation score after every epoch
        of validated ``archs``, given the benchmark's final-score ``final_mean``/``final_std``.
        ``noise_std``: the run-to-run std (measured, else the tree models' learnt noise)."""
        parts = [m._predict_units(space, archs) for m in self.epoch_models]
        own = np.column_stack([p[0] for p in parts])
        reference = self.final_model._predict_units(space, archs)[0]
        shift = np.asarray(final_mean, dtype=np.float64) - reference
        mean = own + self.beta[None, :] * shift[:, None]
        var = self.residual_var[None, :] + (self.beta[None, :] * np.asarray(final_std)[:, None]) ** 2
        if self.noise is not None:
            noise = np.broadcast_to(np.asarray(self.noise.stds), mean.shape).copy()
        else:
            noise = np.sqrt(np.column_stack([p[2] for p in parts]))
        return mean, np.sqrt(var), noise

    # -- artifacts ----------------------------------------------------------------------------
    def save(self, folder: str | os.PathLike[str], content: dict[str, Any]) -> Path:
        """Write the models and a manifest (``content`` plus the fitted arrays) into ``folder``
        (must be empty or absent)."""
        folder = Path(folder)
        if folder.exists() and any(folder.iterdir()):
            raise FileExistsError(f"cannot save into {folder}: the folder is not empty")
        for t, model in enumerate(self.epoch_models, start=1):
            model.save(folder / f"epoch_{t}")
        self.final_model.save(folder / "final")
        write_manifest(folder, {
            **content, "kind": CURVES_KIND, "curves_format_version": CURVES_FORMAT_VERSION,
            "max_epochs": self.max_epochs, "curve": CURVE_DEFINITION,
            "beta": self.beta.tolist(), "residual_var": self.residual_var.tolist(),
            "time_fraction": None if self.time_fraction is None else self.time_fraction.tolist(),
            "noise": None if self.noise is None else self.noise.to_dict(),
        })
        return folder

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> CurveModel:
        """The curve model saved in ``folder``, every file's sha256 checked (model files are
        read on first use)."""
        from surrogates.base import SurrogateModel
        from surrogates.benchmark.artifact_folders import check_versions

        folder = Path(folder)
        manifest = read_manifest(folder)
        if manifest.get("kind") != CURVES_KIND:
            raise ArtifactError(f"{folder} does not hold a learning-curve model")
        version = manifest.get("curves_format_version")
        if version != CURVES_FORMAT_VERSION:
            raise ArtifactError(f"{folder} has curves_format_version {version!r}; this version of "
                                f"nb360 reads {CURVES_FORMAT_VERSION}")
        check_versions(manifest, folder)
        try:
            epochs = int(manifest["max_epochs"])
            fraction = manifest["time_fraction"]
            return cls(
                epoch_models=[SurrogateModel.load(folder / f"epoch_{t}") for t in range(1, epochs + 1)],
                final_model=SurrogateModel.load(folder / "final"),
                beta=np.asarray(manifest["beta"], dtype=np.float64),
                residual_var=np.asarray(manifest["residual_var"], dtype=np.float64),
                time_fraction=None if fraction is None else np.asarray(fraction, dtype=np.float64),
                noise=None if manifest["noise"] is None else CurveNoise.from_dict(manifest["noise"]),
                manifest=manifest)
        except ArtifactError:
            raise
        except (KeyError, TypeError, ValueError) as err:
            raise ArtifactError(f"{folder}: manifest content is not usable: {err}") from err
