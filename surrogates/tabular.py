"""The true benchmark: exact table lookup behind the same query interface as the surrogate one.

:class:`TabularBenchmark` answers ``query(archs, with_noise, seed)`` from real training records
(for example the NB201 NB360 tables of NinaPro, Darcy and CIFAR-100), so a simulated NAS run can use the
ground truth instead of a surrogate with no other change. Architectures are looked up by
canonical hash: isomorphic twins (functionally identical cells) and repeated seeds form one
class, and every real run of that class counts.

Per class: ``mean`` = the mean score of its runs; ``std`` = their sample standard deviation
(``ddof=1``; 0 for a class with a single run); ``with_noise=True`` sets ``sample`` to one of the
class's real runs, drawn uniformly with the query's seed. That is a genuine noisy evaluation:
in the NB201 tables the twins of a class were trained separately, so they differ by training
noise only. ``runtime`` is the class's mean ``train_seconds`` when every record has one, else
``None``; ``cost(archs)`` is then the surrogate benchmark's cost model (nominal seconds from
exact FLOPs, :mod:`surrogates.benchmark.runtime`), so both backends share one clock. An
architecture that is not in the table raises :class:`ArchitectureNotInTableError` (a
``KeyError``) naming it.

Learning curves (multi-fidelity): where every record carries one (the DARTS records),
``query(archs, epochs=E)`` replays them - the class's mean validation score after ``E`` epochs,
a real run's value as the noisy draw (the same run the seed picks for the final score) and the
recorded seconds of ``E`` epochs as ``runtime`` (:mod:`surrogates.tabular_curves`);
``max_epochs`` is the curves' length. Tables without curves (the NB201 NB360 tables) have
``max_epochs = None`` and refuse ``epochs=`` with :class:`NoLearningCurvesError`.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

import graph_encodings
from graph_encodings.resolve import resolve_archs
from graph_encodings.seeds import as_rng, check_seed
from surrogates.benchmark.query import QueryResult
from surrogates.lookup import pick_protocol
from surrogates.tabular_curves import NoLearningCurvesError, RecordedCurves, curves_from_records


class ArchitectureNotInTableError(KeyError):
    """An architecture has no record in a tabular benchmark."""

    def __str__(self) -> str:  # KeyError would show the message repr-quoted
        return str(self.args[0])


class TabularBenchmark:
    """A benchmark backed by a table of real training records (module docstring).

    Build it with :meth:`from_records`. Attributes: ``task``, ``space`` (a
    :class:`graph_encodings.SearchSpace`), ``protocol``, ``archs`` (one canonical architecture
    per class, table order), ``means``/``stds``/``n_runs`` (per class, aligned with ``archs``),
    ``curves`` (:class:`~surrogates.tabular_curves.RecordedCurves` or ``None``).
    """

    def __init__(
        self,
        task: str,
        space: str,
        protocol: str,
        hashes: Sequence[str],
        run_scores: Sequence[np.ndarray],
        runtimes: np.ndarray | None = None,
        archs: Sequence[Any] | None = None,
        curves: RecordedCurves | None = None,
    ) -> None:
        self.task, self.protocol = task, protocol
        self.space = graph_encodings.get_space(space)
        if len(hashes) != len(run_scores) or not len(hashes):
            raise ValueError(f"need one run-score array per hash, got {len(hashes)} hashes and "
                             f"{len(run_scores)} score arrays")
        self._index = {h: i for i, h in enumerate(hashes)}
        self._runs = [np.asarray(r, dtype=np.float64) for r in run_scores]
        self.n_runs = np.array([len(r) for r in self._runs])
        self.means = np.array([r.mean() for r in self._runs])
        self.stds = np.array([r.std(ddof=1) if len(r) > 1 else 0.0 for r in self._runs])
        self.runtimes = None if runtimes is None else np.asarray(runtimes, dtype=np.float64)
        self.archs = list(archs) if archs is not None else None
        if curves is not None and len(curves.scores) != len(self._runs):
            raise ValueError(f"need one curve array per class, got {len(curves.scores)} for "
                             f"{len(self._runs)} classes")
        self.curves = curves
        self._complexity: Any = None

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_records(
        cls,
        task: str,
        space: str = "nb201",
        protocol: str | None = None,
        records: pd.DataFrame | None = None,
    ) -> TabularBenchmark:
        """The table of ``task`` in ``space`` under ``protocol`` (``None``: the only one present).

        ``records`` is a :func:`training_data.load_records` frame (default: the shipped records
        of ``task``); only rows with status ``ok`` and a finite score are used.
        """
        if records is None:
            from training_data import load_records

            records = load_records(task=task, space=space, protocol=protocol)
        missing = {"task", "space", "protocol", "arch", "arch_hash", "status", "score"} - set(
            records.columns)
        if missing:
            raise ValueError(f"records lack column(s) {sorted(missing)}")
        rows = records[(records["task"] == task) & (records["space"] == space)]
        if rows.empty:
            raise ValueError(
                f"no records for task {task!r} in space {space!r}; present: "
                f"{sorted(set(zip(records['task'], records['space'], strict=True)))}")
        protocols = sorted(rows["protocol"].unique())
        protocol = pick_protocol(protocol, protocols, f"the records of task {task!r}")
        rows = rows[(rows["protocol"] == protocol) & (rows["status"] == "ok")
                    & np.isfinite(rows["score"].to_numpy(float))]
        if rows.empty:
            raise ValueError(f"no successful runs for task {task!r}, protocol {protocol!r}")
        codes, hashes = pd.factorize(rows["arch_hash"], sort=False)
        order = np.argsort(codes, kind="stable")
        bounds = np.flatnonzero(np.diff(codes[order])) + 1
        run_scores = np.split(rows["score"].to_numpy(float)[order], bounds)
        runtimes = None
        seconds = rows["train_seconds"].to_numpy(float) if "train_seconds" in rows else None
        if seconds is not None and np.isfinite(seconds).all():
            runtimes = np.array([s.mean() for s in np.split(seconds[order], bounds)])
        space_obj = graph_encodings.get_space(space)
        firsts = rows["arch"].to_numpy()[order[np.r_[0, bounds]]]
        archs = [space_obj.canonical(space_obj.parse(text)) for text in firsts]
        curves = None
        if "learning_curve" in rows:
            curves = curves_from_records(rows["learning_curve"].to_numpy(), order, bounds)
        return cls(task, space, protocol, hashes, run_scores, runtimes, archs, curves)

    # -- queries ------------------------------------------------------------------------------
    def __len__(self) -> int:
        """The number of architecture classes in the table."""
        return len(self._runs)

    @property
    def covers_space(self) -> bool:
        """Whether every architecture of the space has a row: an optimizer may then propose any
        architecture (NB201 tables); a DARTS table is a sample of its space (wrap it in
        :class:`nas_optimizers.RecordReplay` to search among its rows)."""
        return self.space.n_classes is not None and len(self) >= self.space.n_classes

    def __repr__(self) -> str:
        return (f"TabularBenchmark(task={self.task!r}, space={self.space.name!r}, "
                f"protocol={self.protocol!r}, classes={len(self)}, runs={int(self.n_runs.sum())})")

    @property
    def max_epochs(self) -> int | None:
        """The epochs of the recorded learning curves (``None``: the table has no curves)."""
        return None if self.curves is None else self.curves.max_epochs

    @property
    def best_score(self) -> float:
        """The lowest class mean in the table (the optimum that regret is measured against)."""
        return float(self.means.min())

    def rows(self, archs: Sequence[Any]) -> np.ndarray:
        """Class index of each architecture; :class:`ArchitectureNotInTableError` if absent."""
        out = np.empty(len(archs), dtype=np.int64)
        for k, arch in enumerate(resolve_archs(archs, self.space)[1]):
            row = self._index.get(self.space.canonical_hash(arch))
            if row is None:
                raise ArchitectureNotInTableError(
                    f"architecture {arch} (canonical {self.space.canonical(arch)}) is not in the "
                    f"{self.task!r} table of protocol {self.protocol!r} ({len(self)} classes)")
            out[k] = row
        return out

    def query(
        self, archs: Sequence[Any], with_noise: bool = False,
        seed: int | np.random.Generator | None = None, epochs: int | None = None,
    ) -> QueryResult:
        """Table values of ``archs`` (module docstring); ``sample`` = a real run if ``with_noise``.

        ``epochs=E`` (1..``max_epochs``) answers the recorded learning curves after ``E`` epochs
        and the seconds of ``E`` epochs; ``None`` (default) the final scores.
        """
        check_seed(seed, allow_none=True, allow_generator=True)
        if epochs is not None:
            if self.curves is None:
                raise NoLearningCurvesError(
                    f"the {self.task!r} table of protocol {self.protocol!r} has no learning "
                    f"curves (final scores only), so it cannot answer epochs={epochs!r}")
            epochs = self.curves.check_epochs(epochs)
        rows = self.rows(archs)
        picks = None
        if with_noise:
            picks = as_rng(seed).integers(0, self.n_runs[rows])  # one uniform run per queried arch
        if epochs is not None:
            return self._query_epochs(rows, picks, epochs)
        sample = None
        if picks is not None:
            sample = np.array([self._runs[r][j] for r, j in zip(rows, picks, strict=True)])
        runtime = None if self.runtimes is None else self.runtimes[rows]
        return QueryResult(self.means[rows].copy(), self.stds[rows].copy(), sample, runtime)

    def _query_epochs(self, rows: np.ndarray, picks: np.ndarray | None, epochs: int) -> QueryResult:
        """The recorded curves of classes ``rows`` after ``epochs`` epochs (``picks``: the runs
        of the noisy draws)."""
        curves = self.curves
        sample = None if picks is None else curves.sample(rows, picks, epochs)
        runtime = None if curves.runtimes is None else curves.runtimes[rows, epochs - 1]
        return QueryResult(curves.means[rows, epochs - 1], curves.stds[rows, epochs - 1], sample,
                           runtime)

    def run_deviations(self) -> np.ndarray:
        """Every run's deviation from its class mean, scaled to the run-to-run variance, over the
        classes with several runs (:func:`surrogates.run_noise.run_deviations`)."""
        from surrogates.run_noise import run_deviations

        groups = np.repeat(np.arange(len(self._runs)), self.n_runs)
        return run_deviations(np.concatenate(self._runs), groups)

    def runs(self, arch: Any) -> np.ndarray:
        """Every recorded score of ``arch``'s class (a copy)."""
        return self._runs[int(self.rows([arch])[0])].copy()

    def cost(self, archs: Sequence[Any]) -> np.ndarray:
        """Simulated training seconds of ``archs``: the table's runtimes, else the cost model.

        The cost model is the surrogate benchmark's (:mod:`surrogates.benchmark.runtime`):
        nominal seconds from each network's exact FLOPs under the table's protocol, so a
        simulated run has the same clock on the table and on a surrogate of it.
        """
        rows = self.rows(archs)
        if self.runtimes is not None:
            return self.runtimes[rows].copy()
        from surrogates.benchmark.runtime import flops_cost_model, flops_seconds

        spec = flops_cost_model(self.task, self.protocol)
        return flops_seconds(self.complexity([self.archs[r] for r in rows])[1], spec)

    def hardware(self, archs: Sequence[Any], metric: str) -> np.ndarray:
        """Measured on-device latency (ms) or energy (mJ) of each arch, as
        :meth:`surrogates.Benchmark.hardware` (NB201 only, see :mod:`surrogates.hardware`)."""
        from surrogates.hardware import hardware_cost

        return hardware_cost(resolve_archs(archs, self.space)[1], self.task, metric, self.space)

    def complexity(self, archs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        """Exact ``(params, flops)`` of the networks the table's protocol builds for ``archs``.

        The count table is built on first use (seconds: it counts every op once).
        """
        if self._complexity is None:
            from surrogates.complexity import NetworkLayout, complexity_table

            layout = NetworkLayout.for_protocol(self.task, self.space.name, self.protocol)
            self._complexity = complexity_table(layout)
        return self._complexity.evaluate(resolve_archs(archs, self.space)[1], validated=True)
