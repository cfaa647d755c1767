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


def run_job(job: EvalJob) -> dict[str, Any]:
    """Run ``job`` and return its record as a dict; never raises for a failed training run.

    ``evaluate`` itself turns training failures into records with ``status="failed"``; what
    escapes it (a broken worker environment, a missing data file on a remote node) is turned
    into a failed record here too, so one bad job never stops a campaign.
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
    except Exception as error:  # noqa: BLE001 - a worker reports every failure as a record
        return failed_record(job, f"{type(error).__name__}: {error}\n{traceback.format_exc(limit=5)}")


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
