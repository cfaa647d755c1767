"""``Benchmark``: a fitted surrogate standing in for training, queried in batches.

``Benchmark.load(task, space, protocol, model)`` reads shipped (or ``nb360 fit``-written)
artifacts, verifying every file's sha256 and the library versions, never unpickling.
``Benchmark.from_model`` wraps any fitted :class:`~surrogates.base.SurrogateModel`.

Noise (``query(..., with_noise=True)``): a sample should look like one more real training run of
the architecture: its expected score plus the run-to-run noise. Where the training records
repeat runs (seeds, isomorphic twins) that noise is measured on them
(:class:`~surrogates.run_noise.RunNoise`, in the manifest's ``noise`` section):
``sample = mean + run_noise.std * N(0, 1)`` with a robust std (the typical deviation of a
rerun; see the module for why not the heavy-tailed pool itself). Without enough repeats it falls
back on the model's learnt training-noise std (aleatoric only: the GIN members' variance heads
and the trees' calibrated residual noise, mixed with the ensemble weights). Draws come from
``numpy.random.default_rng(seed)``. The epistemic part of ``std`` (members disagreeing about the
expected score) is never added: it is not noise of a training run. NB-301's ``with_noise`` drew
from the member spread instead (and one of its models centred the noise at 1, not 0).

Disconnected cells (NB201 cells with no input-output path, :mod:`surrogates.disconnected`) are
answered by the benchmark's rule where its records had them: the score every such cell got, its
spread as ``std`` and noise.

Learning curves (DARTS benchmarks whose records have them): ``query(archs, epochs=E)`` answers
the validation score after ``E`` epochs and the seconds of ``E`` epochs, ``query_curve(archs)``
every epoch at once (:mod:`surrogates.curves`); the curve model is read on the first such
question, so the default query reads and answers exactly what it did before. ``max_epochs`` is
``None`` for benchmarks without curves (the NB201 tables), which refuse ``epochs=``.

Speed (``benchmarks/bench_query.py``): predictions are memoised per architecture, the GIN
members run as one batched sparse pass, XGBoost boosters load on first use and answer tiny
batches from numpy copies of their trees; GIN inference runs on one torch thread.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import graph_encodings
from graph_encodings.deprecation import renamed_keywords
from graph_encodings.resolve import resolve_archs
from graph_encodings.seeds import as_rng, check_seed
from surrogates.benchmark.artifact_folders import read_benchmark_manifest, resolve
from surrogates.benchmark.query import CurveResult, QueryResult
from surrogates.benchmark.runtime import flops_seconds
from surrogates.disconnected import DisconnectedCells
from surrogates.hyper_parameters import check_bool
from surrogates.run_noise import RunNoise

if TYPE_CHECKING:  # the curve machinery is imported on the first question about epochs
    from surrogates.curves.query import BenchmarkCurves

MEMO_LIMIT = 1 << 16  # cached predictions per benchmark (archs repeat in NAS runs and tables)


class Benchmark:
    """A surrogate benchmark for one (space, task, protocol): ``query``, ``cost``, complexity.

    Attributes: ``space`` (the SearchSpace), ``task``, ``protocol``, ``model_name``,
    ``model`` (the fitted surrogate), ``manifest`` (dict; for :meth:`from_model` a summary),
    ``run_noise`` (the measured run-to-run noise noisy samples draw from, or None),
    ``disconnected`` (the rule for disconnected cells, or None), ``folder`` (where it was
    loaded from; None for :meth:`from_model`).
    """

    def __init__(self, model: Any, *, task: str, space: str, protocol: str, model_name: str,
                 manifest: dict[str, Any], runtime_model: Any = None,
                 run_noise: RunNoise | None = None, disconnected: DisconnectedCells | None = None,
                 curve_model: Any = None) -> None:
        self.model = model
        self.task = task
        self.space = graph_encodings.get_space(space)
        self.protocol = protocol
        self.model_name = model_name
        self.manifest = manifest
        self.runtime_model = runtime_model
        self.run_noise = run_noise
        self.disconnected = disconnected
        self._complexity: Any = None
        self._memo: dict[Any, tuple[float, float, float]] = {}
        self.folder: Path | None = None
        self._curve_model = curve_model
        self._curves: BenchmarkCurves | None = None
        self._curves_read = False

    # -- construction -------------------------------------------------------------------------
    @classmethod
    @renamed_keywords(root="artifacts")
    def load(cls, task: str, space: str | None = None, protocol: str | None = None,
             model: str = "ensemble", artifacts: str | os.PathLike[str] | None = None) -> Benchmark:
        """The benchmark stored under the artifacts folder ``artifacts`` (default: the shipped one).

        ``space=None``: the only space with a benchmark for ``task`` (``ValueError`` naming the
        spaces when there are several); ``protocol=None``: the only protocol with artifacts for
        ``task``/``space``. Unknown names raise ``ValueError`` listing what exists; a modified
        file or a format/library version mismatch raises :class:`~surrogates.errors.ArtifactError`.
        """
        from surrogates.base import SurrogateModel

        folder = resolve(task, space, protocol, model, artifacts)
        manifest = read_benchmark_manifest(folder)
        fitted = SurrogateModel.load(folder / "model")
        runtime = manifest.get("runtime", {})
        runtime_model = None
        if runtime.get("kind") == "surrogate":
            runtime_model = SurrogateModel.load(folder / runtime["folder"])
        noise = manifest.get("noise", {}).get("run_noise")
        rule = manifest.get("disconnected_cells")
        bench = cls(fitted, task=manifest["task"], space=manifest["space"],
                    protocol=manifest["protocol"], model_name=manifest["model"], manifest=manifest,
                    runtime_model=runtime_model,
                    run_noise=RunNoise.from_dict(noise) if noise is not None else None,
                    disconnected=DisconnectedCells.from_dict(rule) if rule is not None else None)
        if "complexity" in manifest:
            from surrogates.complexity import ComplexityTable

            bench._complexity = ComplexityTable.from_dict(manifest["complexity"])
        bench.folder = folder
        return bench

    @classmethod
    def from_model(cls, model: Any, *, task: str, space: str, protocol: str,
                   runtime_model: Any = None, run_noise: RunNoise | None = None,
                   disconnected: DisconnectedCells | None = None, curve_model: Any = None) -> Benchmark:
        """Wrap a fitted surrogate (``runtime_model``: one fitted on ``log(train_seconds)``;
        ``run_noise``: what noisy samples draw from, e.g. ``RunNoise.from_runs`` of its records;
        ``disconnected``: the rule that answers disconnected cells; ``curve_model``: a fitted
        :class:`~surrogates.curves.CurveModel`, for ``epochs=`` and ``query_curve``)."""
        from training_data.tasks import get_task

        get_task(task)
        if not getattr(model, "is_fitted", False):
            raise ValueError(f"from_model needs a fitted surrogate, got an unfitted {model!r}")
        sp = graph_encodings.get_space(space)
        if getattr(model, "space_", sp.name) != sp.name:
            raise ValueError(f"the model was fitted on space {model.space_!r}, not {sp.name!r}")
        manifest = {"kind": "in-memory", "task": task, "space": sp.name, "protocol": protocol,
                    "model": model.name, "hyper_parameters": model.get_params()}
        return cls(model, task=task, space=sp.name, protocol=protocol, model_name=model.name,
                   manifest=manifest, runtime_model=runtime_model, run_noise=run_noise,
                   disconnected=disconnected, curve_model=curve_model)

    def __repr__(self) -> str:
        return (f"Benchmark(task={self.task!r}, space={self.space.name!r}, "
                f"protocol={self.protocol!r}, model={self.model_name!r})")

    # -- inputs -------------------------------------------------------------------------------
    def _resolve(self, archs: Sequence[Any]) -> list[Any]:
        """``archs`` as arch objects of the benchmark's space (:func:`graph_encodings.resolve_archs`)."""
        return resolve_archs(archs, self.space)[1]

    # -- queries ------------------------------------------------------------------------------
    def _predict(self, archs: list[Any]) -> np.ndarray:
        """``(4, n)``: mean, std, noise std and predicted train seconds (NaN without a runtime
        surrogate), memoised per architecture."""
        memo = self._memo
        missing = list(dict.fromkeys(a for a in archs if a not in memo))
        if missing:
            mean, var, noise = self.model._predict_units(self.space, missing)
            rule = self.disconnected
            if rule is not None:
                dead = self.space.disconnected_mask(missing)
                mean, var, noise = (np.array(v, dtype=np.float64) for v in (mean, var, noise))
                mean[dead], var[dead], noise[dead] = rule.score, rule.std**2, rule.std**2
            runtime = (self._runtime_surrogate(missing) if self.runtime_model is not None
                       else np.full(len(missing), np.nan))
            if len(memo) + len(missing) > MEMO_LIMIT:
                memo.clear()
            memo.update(zip(missing, zip(mean.tolist(), np.sqrt(var).tolist(), np.sqrt(noise).tolist(),
                                         runtime.tolist(), strict=True), strict=True))
        return np.array([memo[a] for a in archs], dtype=np.float64).T.reshape(4, len(archs))

    def query(self, archs: Sequence[Any], with_noise: bool = False,
              seed: int | np.random.Generator | None = None,
              epochs: int | None = None) -> QueryResult:
        """Predicted scores (mean, std), a noisy sample if asked, runtime, params and FLOPs.

        ``seed`` (an int >= 0 or a Generator) seeds the noise (same seed, same samples); None
        draws fresh randomness. ``epochs=None``: the final score after the whole protocol;
        ``epochs=E`` (an int in ``1..max_epochs``): the validation score after ``E`` epochs, its
        noisy sample (the run a noisy final query with this seed draws) and the seconds of ``E``
        epochs as ``runtime`` (:meth:`query_curve`, column ``E - 1``). Out-of-range or
        non-integer ``E`` raises ``ValueError``; a benchmark without learning curves raises
        :class:`~surrogates.tabular_curves.NoLearningCurvesError`.
        """
        check_seed(seed, allow_none=True, allow_generator=True)
        check_bool("with_noise", with_noise)
        objs = self._resolve(archs)
        if epochs is not None:
            from surrogates.curves.query import query_epochs

            return query_epochs(self, objs, epochs, with_noise, seed)
        mean, std, noise, seconds = self._predict(objs)
        sample = None
        if with_noise:
            rng = as_rng(seed)
            if self.run_noise is not None:
                sample = mean + self.run_noise.sample(len(objs), rng)
                if self.disconnected is not None:  # a disconnected cell's runs vary as its records
                    dead = self.space.disconnected_mask(objs)
                    sample[dead] = mean[dead] + noise[dead] * rng.standard_normal(int(dead.sum()))
            else:
                sample = mean + noise * rng.standard_normal(len(objs))
        params, flops = self._complexity_of(objs)
        runtime = seconds if self.runtime_model is not None else None
        return QueryResult(mean=mean, std=std, sample=sample, runtime=runtime,
                           params=params, flops=flops)

    @property
    def curves(self) -> BenchmarkCurves | None:
        """The learning-curve model (read on first use), or None when there is none."""
        if not self._curves_read:
            from surrogates.curves.query import BenchmarkCurves

            self._curves = (BenchmarkCurves(self._curve_model) if self._curve_model is not None
                            else BenchmarkCurves.for_folder(self.folder, self.manifest))
            self._curves_read = True
        return self._curves

    @property
    def max_epochs(self) -> int | None:
        """The epochs of the protocol's learning curves (``None``: no learning curves)."""
        curves = self.curves
        return None if curves is None else curves.max_epochs

    def query_curve(self, archs: Sequence[Any], with_noise: bool = False,
                    seed: int | np.random.Generator | None = None) -> CurveResult:
        """The validation score after every epoch: ``.mean``/``.std`` of shape
        ``(n, max_epochs)``, ``.sample`` (``with_noise``) noisy curves, whole runs that look like
        real ones (seeded as :meth:`query`: the runs whose final scores a noisy final query with
        the same seed draws), ``.runtime`` the seconds to the end of each epoch.
        :class:`~surrogates.tabular_curves.NoLearningCurvesError` without learning curves."""
        from surrogates.curves.query import query_curve

        check_seed(seed, allow_none=True, allow_generator=True)
        return query_curve(self, self._resolve(archs), with_noise, seed)

    def predict(self, archs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        """``(mean, std)`` of the scores (the surrogate protocol)."""
        mean, std, _, _ = self._predict(self._resolve(archs))
        return mean, std

    def noise_std(self, archs: Sequence[Any]) -> np.ndarray:
        """The std of the Gaussian noise ``with_noise`` samples add: the measured run-to-run
        noise's (the same for every architecture but disconnected cells, which get their
        rule's), else the model's learnt training-noise std."""
        objs = self._resolve(archs)
        if self.run_noise is None:
            return self._predict(objs)[2]
        std = np.full(len(objs), self.run_noise.std)
        if self.disconnected is not None:
            std[self.space.disconnected_mask(objs)] = self.disconnected.std
        return std

    def _runtime_surrogate(self, archs: list[Any]) -> np.ndarray:
        mean, _, _ = self.runtime_model._predict_units(self.space, archs)
        return np.exp(mean)

    def cost(self, archs: Sequence[Any]) -> np.ndarray:
        """Seconds per evaluation: the runtime surrogate, else the FLOPs cost model."""
        objs = self._resolve(archs)
        if self.runtime_model is not None:
            return self._predict(objs)[3]
        spec = self.manifest.get("runtime", {})
        if spec.get("kind") != "flops_cost_model":
            from surrogates.benchmark.runtime import flops_cost_model

            spec = flops_cost_model(self.task, self.protocol)
        return flops_seconds(self._complexity_of(objs)[1], spec)

    def hardware(self, archs: Sequence[Any], metric: str) -> np.ndarray:
        """Measured on-device latency (ms) or energy (mJ) of each arch, looked up exactly (NB201
        only: HW-NAS-Bench-360's measurements, see :mod:`surrogates.hardware` for the metrics)."""
        from surrogates.hardware import hardware_cost

        return hardware_cost(self._resolve(archs), self.task, metric, self.space)

    def complexity(self, archs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        """Exact ``(params, flops)`` of the networks the protocol builds (int64 arrays)."""
        return self._complexity_of(self._resolve(archs))

    def _complexity_of(self, objs: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`complexity` of architectures that ``_resolve`` returned."""
        if self._complexity is None:
            from surrogates.complexity import NetworkLayout, complexity_table

            layout = NetworkLayout.for_protocol(self.task, self.space.name, self.protocol)
            self._complexity = complexity_table(layout)
        return self._complexity.evaluate(objs, validated=True)

    @property
    def held_out_metrics(self) -> dict[str, float]:
        """The held-out metrics recorded at fit time (empty for :meth:`from_model`)."""
        return dict(self.manifest.get("evaluation", {}).get("metrics", {}))
