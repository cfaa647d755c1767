"""SLURM executor through submitit (its ``local`` cluster runs the same code path in tests).

submitit is an optional extra (``pip install nb360-surrogates[slurm]``). SLURM parameters
(partition, time limit, GPUs per task, ...) pass through ``slurm_parameters`` unchanged.
"""
from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

from training_data.collection.executors.base import Executor, Result
from training_data.collection.jobs import EvalJob, environment_error, run_job, worker_died_record

POLL_SECONDS = 0.5


def _import_submitit() -> Any:
    try:
        import submitit
    except ImportError as error:
        raise ImportError(
            "the 'slurm' executor needs submitit: pip install 'nb360-surrogates[slurm]'"
        ) from error
    return submitit


def slurm_failure(job: EvalJob, error: Exception) -> dict[str, Any]:
    """The result of a submitit job that returned no record. ``FailedJobError``: the job's code
    raised, and ``run_job`` never raises, so it failed before (importing the package on the
    node): an environment error, the campaign stops. Anything else (``UncompletedJobError``: a
    time limit, a preemption, a lost node): the worker died, the campaign retries the run."""
    detail = f"slurm: {type(error).__name__}: {error}"
    if type(error).__name__ == "FailedJobError":
        return environment_error(detail)
    return worker_died_record(job, detail)


class SlurmExecutor(Executor):
    """One submitit job per evaluation; ``cluster=None`` auto-detects SLURM, ``"local"`` for tests."""

    name = "slurm"

    def __init__(
        self,
        folder: str | Path,
        max_in_flight: int = 32,
        cluster: str | None = None,
        timeout_min: int = 60,
        slurm_parameters: dict[str, Any] | None = None,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be >= 1, got {max_in_flight!r}")
        submitit = _import_submitit()
        self.capacity = max_in_flight
        self._executor = submitit.AutoExecutor(folder=str(folder), cluster=cluster)
        params: dict[str, Any] = {"timeout_min": timeout_min}
        if slurm_parameters:
            params.update({f"slurm_{k}" if not k.startswith("slurm_") else k: v for k, v in slurm_parameters.items()})
        self._executor.update_parameters(**params)
        self._pending: list[tuple[Any, EvalJob]] = []

    @property
    def in_flight(self) -> int:
        return len(self._pending)

    def submit(self, job: EvalJob) -> None:
        self._pending.append((self._executor.submit(run_job, job), job))

    def wait(self, timeout: float | None = None) -> list[Result]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._pending:
            done = [(handle, job) for handle, job in self._pending if handle.done()]
            if done:
                results: list[Result] = []
                for handle, job in done:
                    self._pending.remove((handle, job))
                    try:
                        results.append((job, handle.result()))
                    except Exception as error:  # noqa: BLE001 - classified below, never raised
                        results.append((job, slurm_failure(job, error)))
                return results
            if deadline is not None and time.monotonic() >= deadline:
                return []
            time.sleep(POLL_SECONDS)
        return []

    def shutdown(self) -> None:
        for handle, _ in self._pending:
            with contextlib.suppress(Exception):  # best effort on shutdown
                handle.cancel(check=False)
        self._pending.clear()
