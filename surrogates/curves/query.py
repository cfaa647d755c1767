"""Answering ``Benchmark.query(archs, epochs=E)`` and ``Benchmark.query_curve(archs)``.

A benchmark loads its curve model (:mod:`surrogates.curves.model`) on the first question about
epochs, never before: the default (final-score) query reads nothing more and answers exactly as
it did. Predictions are memoised per architecture as the final scores are.

Noisy curves reuse the noisy final query: with the same seed, the final score's deviation is
drawn exactly as ``query(archs, with_noise=True, seed=seed)`` draws it, and the curve's
deviations are drawn given it (:class:`~surrogates.curves.noise.CurveNoise`), so
``query_curve(archs, with_noise=True, seed=s)`` holds the curves of the runs whose final scores
``query(archs, with_noise=True, seed=s)`` returns, and ``query(archs, epochs=E, with_noise=True,
seed=s).sample`` is column ``E - 1`` of those curves.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from graph_encodings.seeds import as_rng
from surrogates.benchmark.query import CurveResult, QueryResult
from surrogates.curves.model import CurveModel, curves_folder
from surrogates.errors import ArtifactError
from surrogates.tabular_curves import NoLearningCurvesError, check_epochs

MEMO_LIMIT = 1 << 16  # memoised curves per benchmark


class BenchmarkCurves:
    """A benchmark's curve model and its memoised predictions."""

    def __init__(self, model: CurveModel) -> None:
        self.model = model
        self._memo: dict[Any, np.ndarray] = {}

    @classmethod
    def for_folder(cls, folder: Path | None, manifest: dict[str, Any]) -> BenchmarkCurves | None:
        """The curve model next to the benchmark in ``folder`` (None: there is none); an
        :class:`ArtifactError` when it was fitted against another version of the benchmark."""
        if folder is None:
            return None
        where = curves_folder(folder)
        if not (where / "manifest.json").is_file():
            return None
        model = CurveModel.load(where)
        if model.manifest.get("benchmark_manifest_sha256") != manifest.get("manifest_sha256"):
            raise ArtifactError(
                f"the learning-curve model in {where} was fitted against another version of the "
                f"benchmark in {folder}; refit it: python -m surrogates.curves.fitting --task "
                f"{manifest.get('task')} --space {manifest.get('space')} --overwrite")
        return cls(model)

    @property
    def max_epochs(self) -> int:
        return self.model.max_epochs

    def predict(self, bench: Any, archs: list[Any]) -> np.ndarray:
        """``(3, n, T)``: mean, std and noise std after every epoch of validated ``archs``."""
        memo = self._memo
        missing = list(dict.fromkeys(a for a in archs if a not in memo))
        if missing:
            final_mean, final_std = bench._predict(missing)[:2]
            parts = np.stack(self.model.predict(bench.space, missing, final_mean, final_std))
            if len(memo) + len(missing) > MEMO_LIMIT:
                memo.clear()
            memo.update(zip(missing, np.moveaxis(parts, 1, 0), strict=True))
        return np.moveaxis(np.stack([memo[a] for a in archs]), 0, 1)

    def runtime(self, bench: Any, archs: list[Any]) -> np.ndarray | None:
        """``(n, T)`` predicted seconds to the end of each epoch (None without a runtime
        surrogate or epoch times)."""
        fraction = self.model.time_fraction
        if bench.runtime_model is None or fraction is None:
            return None
        return bench._predict(archs)[3][:, None] * fraction[None, :]

    def sample(self, bench: Any, archs: list[Any], mean: np.ndarray, noise_std: np.ndarray,
               seed: int | np.random.Generator | None) -> np.ndarray:
        """Noisy curves ``(n, T)`` (module docstring)."""
        rng = as_rng(seed)
        final = bench.query(archs, with_noise=True, seed=rng)
        drawn_std = bench.noise_std(archs)
        z = np.divide(final.sample - final.mean, drawn_std, out=np.zeros(len(archs)),
                      where=drawn_std > 0)
        noise = self.model.noise
        if noise is None:
            return mean + noise_std * rng.standard_normal(mean.shape)
        return mean + noise.sample(z, rng)


def no_curves_error(bench: Any, question: str) -> NoLearningCurvesError:
    """The error for a benchmark without a curve model asked ``question``."""
    where = "" if bench.folder is None else f" (no curve model in {curves_folder(bench.folder)})"
    return NoLearningCurvesError(
        f"the {bench.space.name}/{bench.task} benchmark of protocol {bench.protocol!r} has no "
        f"learning curves{where}, so it cannot answer {question}: the NB201 NB360 tables "
        f"hold final scores only; a benchmark whose records have curves gets its curve model "
        f"from nb360 fit or python -m surrogates.curves.fitting --task {bench.task} "
        f"--space {bench.space.name}")


def query_epochs(bench: Any, archs: list[Any], epochs: Any, with_noise: bool,
                 seed: int | np.random.Generator | None) -> QueryResult:
    """``bench.query(archs, epochs=E)`` for validated ``archs``."""
    curves = bench.curves
    if curves is None:
        raise no_curves_error(bench, f"epochs={epochs!r}")
    column = check_epochs(epochs, curves.max_epochs) - 1
    result = query_curve(bench, archs, with_noise, seed)
    params, flops = bench._complexity_of(archs)

    def pick(values: np.ndarray | None) -> np.ndarray | None:
        return None if values is None else values[:, column].copy()

    return QueryResult(mean=pick(result.mean), std=pick(result.std), sample=pick(result.sample),
                       runtime=pick(result.runtime), params=params, flops=flops)


def query_curve(bench: Any, archs: list[Any], with_noise: bool,
                seed: int | np.random.Generator | None) -> CurveResult:
    """``bench.query_curve(archs)`` for validated ``archs``."""
    curves = bench.curves
    if curves is None:
        raise no_curves_error(bench, "query_curve")
    mean, std, noise_std = curves.predict(bench, archs)
    sample = curves.sample(bench, archs, mean, noise_std, seed) if with_noise else None
    return CurveResult(mean=mean, std=std, sample=sample, runtime=curves.runtime(bench, archs))
