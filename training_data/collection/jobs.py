"""One unit of collection work (an evaluation request) and the function that runs it anywhere."""
from __future__ import annotations

import os
import traceback
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class EvalJob:
    """Everything a worker needs to run one ``training_data.evaluate`` call.

    Plain strings and numbers only, so a job pickles cheaply to a process pool, a Ray worker or
    a SLURM node. ``arch`` is the architecture's text form.
    """

    space: str
    arch: str
    arch_hash: str
    task: str
    protocol: str
    seed: int
    sampler: str
    device: str = "auto"
    data_root: str | None = None
    n_threads: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


ENVIRONMENT_ERROR = "environment_error"  # the key of a result that is not a record
ENVIRONMENT_TRACEBACK = "environment_traceback"  # ... and of the worker's traceback, if any
WORKER_DIED = "worker process died"  # the message prefix of runs the campaign retries


class CollectionEnvironmentError(RuntimeError):
    """An evaluation could not start where it was sent (a missing data file, an absent device,
    a broken installation on that worker): not a property of the architecture, so nothing was
    recorded for it. The message is the worker's error; ``worker_traceback`` its traceback."""

    def __init__(self, message: str, worker_traceback: str = "") -> None:
        super().__init__(message)
        self.worker_traceback = worker_traceback


def run_job(job: EvalJob) -> dict[str, Any]:
    """Run ``job`` and return its record as a dict; never raises.

    ``evaluate`` itself turns training failures (NaN, CUDA out of memory, any error while building
    or training the network) into records with ``status`` ``"diverged"`` or ``"failed"``. What
    escapes it went wrong before training (``evaluate`` raises for a missing data file or device)
    and would fail for every architecture alike: it comes back as ``{ENVIRONMENT_ERROR: message}``,
    which the campaign does not record (recording it would mark the architecture as evaluated).
    """
    from training_data.evaluation import evaluate

    try:
        record = evaluate(
            job.arch,
            job.task,
            job.protocol,
            seed=job.seed,
            device=job.device,
            data_root=job.data_root,
            sampler=job.sampler,
            n_threads=job.n_threads,
        )
        return record.to_dict()
    except Exception as error:  # noqa: BLE001 - a worker reports every error, never raises
        return environment_error(f"{type(error).__name__}: {error}", traceback.format_exc(limit=5))


def environment_error(message: str, worker_traceback: str = "") -> dict[str, Any]:
    """The result of a job that could not start where it was sent (see :func:`run_job`)."""
    return {ENVIRONMENT_ERROR: message, **({ENVIRONMENT_TRACEBACK: worker_traceback} if worker_traceback else {})}


def worker_died_record(job: EvalJob, detail: str) -> dict[str, Any]:
    """The ``failed`` record of a job whose worker died under it (a killed process, a lost node,
    a scheduler timeout): the campaign retries such runs before it stores them."""
    return failed_record(job, f"{WORKER_DIED} ({detail})")


def failed_record(job: EvalJob, message: str) -> dict[str, Any]:
    """A ``status="failed"`` record for ``job`` (used when a worker or its process died)."""
    from training_data.protocols import get_protocol
    from training_data.records.provenance import git_sha, package_version, utc_now_iso
    from training_data.records.schema import Record

    record = Record(
        space=job.space,
        arch=job.arch,
        arch_hash=job.arch_hash,
        task=job.task,
        protocol=job.protocol,
        protocol_version=get_protocol(job.protocol).version,
        seed=job.seed,
        status="failed",
        message=message[:4000],
        sampler=job.sampler,
        device=job.device,
        package_version=package_version(),
        git_sha=git_sha(),
        timestamp=utc_now_iso(),
        extra={"worker_pid": os.getpid()},
    )
    return record.to_dict()
