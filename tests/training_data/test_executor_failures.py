"""How the Ray and SLURM executors classify a task that returned no record (no cluster needed)."""
from __future__ import annotations

import pytest

from training_data.collection.executors.ray_executor import ray_failure
from training_data.collection.executors.slurm import slurm_failure
from training_data.collection.jobs import ENVIRONMENT_ERROR, WORKER_DIED, EvalJob

JOB = EvalJob(space="darts", arch="a", arch_hash="0" * 32, task="satellite", protocol="satellite-tiny-v1",
              seed=0, sampler="test")


def ray_errors():
    exceptions = pytest.importorskip("ray.exceptions")
    return exceptions


def test_a_crashed_ray_worker_is_a_run_to_retry() -> None:
    exceptions = ray_errors()
    for error in (exceptions.WorkerCrashedError(), exceptions.NodeDiedError("node 1 died")):
        result = ray_failure(JOB, error)
        assert result["status"] == "failed" and result["message"].startswith(f"{WORKER_DIED} (ray: ")
        assert type(error).__name__ in result["message"]


def test_a_ray_task_that_raised_is_an_environment_error() -> None:
    exceptions = ray_errors()
    error = exceptions.RayTaskError("_run_in_ray", "Traceback ...", ModuleNotFoundError("training_data"))
    result = ray_failure(JOB, error)
    assert set(result) == {ENVIRONMENT_ERROR} and "RayTaskError" in result[ENVIRONMENT_ERROR]


def test_slurm_failures_are_classified() -> None:
    utils = pytest.importorskip("submitit.core.utils")
    lost = slurm_failure(JOB, utils.UncompletedJobError("job 12 has not produced any output (state: TIMEOUT)"))
    assert lost["status"] == "failed" and lost["message"].startswith(f"{WORKER_DIED} (slurm: UncompletedJobError")
    raised = slurm_failure(JOB, utils.FailedJobError("job 13 failed during processing: ImportError"))
    assert set(raised) == {ENVIRONMENT_ERROR} and "FailedJobError" in raised[ENVIRONMENT_ERROR]
