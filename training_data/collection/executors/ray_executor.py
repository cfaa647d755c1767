"""Ray executor: evaluations as Ray tasks, with fractional GPUs so small networks share a GPU.

Connects to a running cluster (``address="auto"`` or ``ray://...``) or starts a local one. With
``gpus_per_job=0.25`` four evaluations run at once on each GPU. Ray is an optional extra
(``pip install nb360-surrogates[ray]``).
"""
from __future__ import annotations

from typing import Any

from training_data.collection.executors.base import Executor, Result
from training_data.collection.jobs import EvalJob, environment_error, run_job, worker_died_record

# Ray errors that mean the task could not run there at all: code in the task raised (``run_job``
# never raises, so it failed before: unpickling the job, importing the package), the runtime
# environment could not be set up, or no node can ever satisfy its resources.
ENVIRONMENT_ERRORS = ("RayTaskError", "RuntimeEnvSetupError", "TaskUnschedulableError")


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as error:
        raise ImportError(
            "the 'ray' executor needs Ray: pip install 'nb360-surrogates[ray]'"
        ) from error
    return ray


class RayExecutor(Executor):
    """Submits each job as a Ray task (``num_cpus=cpus_per_job``, ``num_gpus=gpus_per_job``)."""

    name = "ray"

    def __init__(
        self,
        max_in_flight: int = 8,
        cpus_per_job: float = 1.0,
        gpus_per_job: float = 0.0,
        address: str | None = None,
        num_cpus: int | None = None,
        n_threads: int | None = 1,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be >= 1, got {max_in_flight!r}")
        if cpus_per_job <= 0 or gpus_per_job < 0:
            raise ValueError(
                f"cpus_per_job must be > 0 and gpus_per_job >= 0, got {cpus_per_job!r}, {gpus_per_job!r}"
            )
        self.ray = _import_ray()
        self._started_here = not self.ray.is_initialized()
        if self._started_here:
            self.ray.init(
                address=address,
                num_cpus=num_cpus,
                include_dashboard=False,
                ignore_reinit_error=True,
                log_to_driver=False,
            )
        self.capacity = max_in_flight
        self.n_threads = n_threads
        self._remote = self.ray.remote(num_cpus=cpus_per_job, num_gpus=gpus_per_job, max_retries=0)(
            _run_in_ray
        )
        self._pending: dict[Any, EvalJob] = {}

    @property
    def in_flight(self) -> int:
        return len(self._pending)

    def submit(self, job: EvalJob) -> None:
        self._pending[self._remote.remote(job, self.n_threads)] = job

    def wait(self, timeout: float | None = None) -> list[Result]:
        if not self._pending:
            return []
        ready, _ = self.ray.wait(list(self._pending), num_returns=1, timeout=timeout)
        # Collect everything else that is already done too, without waiting.
        rest = [r for r in self._pending if r not in ready]
        more = self.ray.wait(rest, num_returns=len(rest), timeout=0)[0] if rest else []
        results: list[Result] = []
        for ref in list(ready) + list(more):
            job = self._pending.pop(ref)
            try:
                results.append((job, self.ray.get(ref)))
            except Exception as error:  # noqa: BLE001 - classified below, never raised
                results.append((job, ray_failure(job, error)))
        return results

    def shutdown(self) -> None:
        for ref in list(self._pending):
            self.ray.cancel(ref, force=True)
        self._pending.clear()
        if self._started_here and self.ray.is_initialized():
            self.ray.shutdown()
            self._started_here = False


def ray_failure(job: EvalJob, error: Exception) -> dict[str, Any]:
    """The result of a Ray task that returned no record: an environment error (see
    :data:`ENVIRONMENT_ERRORS`, the campaign stops), or a worker that died under it (a crashed
    or OOM-killed worker, a lost node: the campaign retries the run)."""
    detail = f"ray: {type(error).__name__}: {error}"
    if any(cls.__name__ in ENVIRONMENT_ERRORS for cls in type(error).__mro__):
        return environment_error(detail)
    return worker_died_record(job, detail)


def _run_in_ray(job: EvalJob, n_threads: int | None) -> dict[str, Any]:
    if n_threads:
        import torch

        torch.set_num_threads(n_threads)
    return run_job(job)
