"""A ground-truth collection campaign: propose architectures, evaluate them, append the records.

Resumable by construction: the store is the campaign's only state. Re-running the same call
re-asks the (seeded) proposer; every (architecture, seed) already in the store is answered from
the store without training (and told to the proposer, so an optimizer replays its past), and only
what is missing is evaluated. Results reach the proposer in proposal order, ``feedback_lag``
proposals behind (proposal k is asked after exactly the results of proposals 0..k-lag were told),
whatever order the runs finish in. An optimizer's trajectory therefore depends only on its seed,
the lag and the results, so a stopped or extended campaign replays its past exactly and goes on
along the same trajectory (the CPU protocols reproduce results bit for bit; a run lost in flight
and trained again under a non-deterministic GPU protocol may score differently and steer it
elsewhere from there). The main process is the only writer, appending each record as it
arrives (see :class:`~training_data.records.store.RecordStore` for crash safety), so a killed
campaign loses at most the runs in flight.
"""
from __future__ import annotations

import math
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph_encodings import SearchSpace, check_seed, get_space
from training_data.collection.executors import Executor, make_executor
from training_data.collection.jobs import (
    ENVIRONMENT_ERROR,
    ENVIRONMENT_TRACEBACK,
    WORKER_DIED,
    CollectionEnvironmentError,
    EvalJob,
)
from training_data.collection.samplers import Proposer, as_proposer
from training_data.protocols import training_protocol
from training_data.records.schema import Record
from training_data.records.store import RecordStore
from training_data.tasks import get_task


@dataclass
class CollectionSummary:
    """What a campaign did (printed at its end)."""

    task: str
    protocol: str
    sampler: str
    store: str
    proposed: int = 0
    evaluated: int = 0
    already_present: int = 0
    skipped_other_shard: int = 0
    retried: int = 0
    status_counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    best_score: float = math.inf
    best_arch: str = ""
    wall_seconds: float = 0.0
    stopped_by_time_budget: bool = False
    feedback_lag: int = 1

    def __str__(self) -> str:
        statuses = ", ".join(f"{k}={v}" for k, v in sorted(self.status_counts.items())) or "none"
        rate = self.evaluated / self.wall_seconds * 3600 if self.wall_seconds > 0 else 0.0
        best = f"{self.best_score:.4g}" if math.isfinite(self.best_score) else "n/a"
        stopped = ("\n  stopped by the time budget before proposing all; re-run to continue"
                   if self.stopped_by_time_budget else "")
        return (
            f"campaign {self.task} / {self.protocol} / sampler={self.sampler} "
            f"(feedback lag {self.feedback_lag}) -> {self.store}\n"
            f"  proposed {self.proposed} architectures; evaluated {self.evaluated} runs now "
            f"({statuses}); {self.already_present} already in the store; "
            f"{self.skipped_other_shard} left to other shards; {self.retried} retried\n"
            f"  {self.wall_seconds:.1f} s wall, {rate:.1f} runs/hour; best score this campaign: {best}"
            f"{stopped}"
        )


def repeat_seeds_for(arch_hash: str, repeat_fraction: float, repeat_seeds: int) -> tuple[int, ...]:
    """Seeds to run for an architecture: ``(0,)``, or ``0..repeat_seeds-1`` for a fixed fraction.

    The choice depends only on the canonical hash, so it is the same in every run, shard and
    resume of a campaign.
    """
    if not 0.0 <= repeat_fraction <= 1.0:
        raise ValueError(f"repeat_fraction must be in [0, 1], got {repeat_fraction!r}")
    if repeat_seeds < 1:
        raise ValueError(f"repeat_seeds must be >= 1, got {repeat_seeds!r}")
    chosen = int(arch_hash[:8], 16) / 16**8 < repeat_fraction
    return tuple(range(repeat_seeds)) if chosen else (0,)


def _parse_shard(shard: tuple[int, int] | str | None) -> tuple[int, int] | None:
    if shard is None:
        return None
    if isinstance(shard, str):
        try:
            index, count = (int(p) for p in shard.split("/"))
        except ValueError:
            raise ValueError(f"shard must look like 'i/k' (e.g. '0/4'), got {shard!r}") from None
    else:
        index, count = shard
    if not (count >= 1 and 0 <= index < count):
        raise ValueError(f"shard {index}/{count} invalid: need 0 <= i < k")
    return index, count


class _Campaign:
    """The state of one running campaign (see :func:`collect`)."""

    def __init__(self, store: RecordStore, task: str, protocol: str, space: SearchSpace,
                 proposer: Proposer, sampler_name: str, executor: Executor, job_options: dict[str, Any],
                 repeat_fraction: float, repeat_seeds: int, max_attempts: int, progress: Any,
                 summary: CollectionSummary, expected_run_s: float = 0.0, feedback_lag: int = 1) -> None:
        self.store, self.task, self.protocol, self.space = store, task, protocol, space
        self.proposer, self.sampler_name, self.executor = proposer, sampler_name, executor
        self.job_options, self.progress, self.summary = job_options, progress, summary
        self.repeat_fraction, self.repeat_seeds, self.max_attempts = repeat_fraction, repeat_seeds, max_attempts
        self.known: dict[tuple[str, int], Record] = {
            (r.arch_hash, r.seed): r for r in store.records(task=task, protocol=protocol) if not r.run_id
        }
        self.in_flight: dict[tuple[str, int], EvalJob] = {}
        self.proposals: list[tuple[Any, tuple[str, int] | None]] = []  # (arch, seed-0 key or None: other shard)
        self.told = 0  # proposals whose results the proposer has been told (a prefix of proposals)
        self.feedback_lag = feedback_lag
        self.attempts: dict[tuple[str, int], int] = defaultdict(int)
        self.submitted_at: dict[tuple[str, int], float] = {}
        self.durations: list[float] = []  # seconds from submission to result, this campaign
        self.expected_run_s = expected_run_s  # the guess until the first result
        self.environment_error: tuple[EvalJob, str, str] | None = None  # the first one, if any

    def may_start(self, deadline: float | None) -> bool:
        """Whether a new evaluation is expected to finish before ``deadline`` (perf_counter).

        The expected duration is the median submission-to-result time seen so far (before any:
        ``expected_run_s``).
        """
        if self.environment_error is not None:
            return False
        if deadline is None:
            return True
        expected = statistics.median(self.durations) if self.durations else self.expected_run_s
        return time.perf_counter() + expected < deadline

    def feedback_ready(self, index: int) -> bool:
        """Tell the proposer, in proposal order, every result it must know before proposal ``index``
        (those of proposals ``0..index - feedback_lag``); whether all of them were there to tell."""
        return self.tell_in_order(index - self.feedback_lag + 1)

    def tell_in_order(self, count: int) -> bool:
        """Tell the results of the first ``count`` proposals not yet told, in proposal order,
        stopping at the first still missing; whether all ``count`` have now been told."""
        while self.told < min(count, len(self.proposals)):
            arch, key = self.proposals[self.told]
            if key is not None:
                if key not in self.known:
                    return False
                self._tell(arch, self.known[key])
            self.told += 1
            self.progress.update(1)
        return self.told >= count

    def propose(self, index: int, shard: tuple[int, int] | None) -> None:
        arch = self.proposer.ask()
        self.summary.proposed += 1
        if shard is not None and index % shard[1] != shard[0]:
            self.summary.skipped_other_shard += 1
            self.proposals.append((arch, None))
            return
        arch_hash = self.space.canonical_hash(arch)
        self.proposals.append((arch, (arch_hash, 0)))
        for seed in repeat_seeds_for(arch_hash, self.repeat_fraction, self.repeat_seeds):
            key = (arch_hash, seed)
            if key in self.known:
                self.summary.already_present += 1
                continue
            if key not in self.in_flight:
                job = EvalJob(space=self.space.name, arch=self.space.format(self.space.canonical(arch)), arch_hash=arch_hash,
                              task=self.task, protocol=self.protocol, seed=seed,
                              sampler=self.sampler_name, **self.job_options)
                self._submit(key, job)

    def _submit(self, key: tuple[str, int], job: EvalJob) -> None:
        self.in_flight[key] = job
        self.attempts[key] += 1
        self.submitted_at[key] = time.perf_counter()
        self.executor.submit(job)

    def _tell(self, arch: Any, record: Record) -> None:
        score = record.score if record.status == "ok" and record.score is not None else math.nan
        self.proposer.tell(arch, score, record.train_seconds or 0.0)

    def receive(self, timeout: float) -> None:
        for job, data in self.executor.wait(timeout=timeout):
            key = (job.arch_hash, job.seed)
            if ENVIRONMENT_ERROR in data:  # not a record: stop proposing, store nothing for it
                del self.in_flight[key]
                self.submitted_at.pop(key, None)
                self.environment_error = self.environment_error or (
                    job, data[ENVIRONMENT_ERROR], data.get(ENVIRONMENT_TRACEBACK, ""))
                continue
            record = Record.from_dict(data)
            if (record.status == "failed" and WORKER_DIED in record.message
                    and self.attempts[key] < self.max_attempts):
                self.summary.retried += 1
                self._submit(key, job)
                continue
            del self.in_flight[key]
            self.durations.append(time.perf_counter() - self.submitted_at.pop(key))
            self.store.append(record)
            self.known[key] = record
            self.summary.evaluated += 1
            self.summary.status_counts[record.status] += 1
            if record.status == "ok" and record.score is not None and record.score < self.summary.best_score:
                self.summary.best_score, self.summary.best_arch = record.score, record.arch
            self.progress.set_postfix(evaluated=self.summary.evaluated,
                                      failed=self.summary.status_counts.get("failed", 0), refresh=False)


def collect(
    task: str,
    protocol: str,
    n: int,
    store: str | Path | RecordStore,
    *,
    space: str | SearchSpace = "darts",
    sampler: str | Proposer = "random",
    executor: str | Executor = "local",
    workers: int = 1,
    seed: int = 0,
    repeat_fraction: float = 0.0,
    repeat_seeds: int = 3,
    device: str = "auto",
    data_root: str | None = None,
    n_threads: int | None = 1,
    shard: tuple[int, int] | str | None = None,
    max_attempts: int = 2,
    progress: bool = True,
    executor_options: dict[str, Any] | None = None,
    time_budget_s: float | None = None,
    expected_run_s: float = 0.0,
    feedback_lag: int | None = None,
) -> CollectionSummary:
    """Propose ``n`` architectures of ``space`` and evaluate them on ``task`` under ``protocol``.

    ``sampler``: ``"random"`` or any ask/tell proposer (e.g. a NAS optimizer: its name is recorded
    as the sampler). ``repeat_fraction`` of the architectures (chosen by canonical hash) are also
    run with seeds ``1..repeat_seeds-1`` to measure training noise. ``executor``: ``"local"``
    (``workers`` processes), ``"ray"``, ``"slurm"`` or an :class:`Executor`. ``shard="i/k"`` splits
    a uniform-random campaign over k machines (proposal j goes to shard j mod k); merge the stores
    afterwards with ``RecordStore.merge``. Resumable: calling again with the same arguments
    evaluates only what is missing. ``time_budget_s``: start no evaluation that is not expected
    (median duration so far) to finish within this many seconds of the call, then wait for those
    in flight and return; nothing is cut off, so a time-boxed session (a GPU lease) loses no work.
    ``expected_run_s``: that expectation until the first evaluation returns (default 0: the first
    wave always starts), e.g. from ``benchmarks/bench_gpu_step.py``'s estimate of a run.
    ``feedback_lag``: proposal k is asked once the results of proposals 0..k-lag are told, in
    order (default: twice the executor's capacity, so a slow run seldom idles a worker); 1 is a
    strictly sequential optimizer. A campaign resumed with the same lag continues its trajectory.
    """
    from tqdm.auto import tqdm

    get_task(task)  # ValueError naming valid tasks
    proto = training_protocol(protocol)
    if proto.task != task:
        raise ValueError(f"protocol {protocol!r} is for task {proto.task!r}, not {task!r}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n!r}")
    check_seed(seed)
    if time_budget_s is not None and not time_budget_s >= 0:
        raise ValueError(f"time_budget_s must be >= 0 seconds (or None), got {time_budget_s!r}")
    if isinstance(expected_run_s, bool) or not isinstance(expected_run_s, (int, float)) or not expected_run_s >= 0:
        raise ValueError(f"expected_run_s must be >= 0 seconds, got {expected_run_s!r}")
    if feedback_lag is not None and (isinstance(feedback_lag, bool) or not isinstance(feedback_lag, int)
                                     or feedback_lag < 1):
        raise ValueError(f"feedback_lag must be an int >= 1 (or None: twice the executor's "
                         f"capacity), got {feedback_lag!r}")
    space_obj = get_space(space) if isinstance(space, str) else space
    proposer, sampler_name = as_proposer(sampler, space_obj, seed)
    shard_spec = _parse_shard(shard)
    if shard_spec is not None and sampler_name != "random":
        raise ValueError("shard is only valid for the uniform 'random' sampler (an optimizer's "
                         "proposals depend on all earlier results)")
    record_store = store if isinstance(store, RecordStore) else RecordStore(store)
    summary = CollectionSummary(task=task, protocol=protocol, sampler=sampler_name, store=str(record_store.folder))
    start = time.perf_counter()
    deadline = None if time_budget_s is None else start + time_budget_s
    job_options = {"device": device, "data_root": None if data_root is None else str(data_root),
                   "n_threads": n_threads}
    with make_executor(executor, workers=workers, **(executor_options or {})) as pool, tqdm(
        total=n, desc=f"{task}/{protocol}", unit="arch", disable=not progress, smoothing=0.1
    ) as bar:
        summary.feedback_lag = 2 * pool.capacity if feedback_lag is None else feedback_lag
        campaign = _Campaign(record_store, task, protocol, space_obj, proposer, sampler_name, pool,
                             job_options, repeat_fraction, repeat_seeds, max_attempts, bar, summary,
                             float(expected_run_s), summary.feedback_lag)
        index = 0
        while True:
            while (index < n and pool.in_flight < pool.capacity and campaign.may_start(deadline)
                   and campaign.feedback_ready(index)):
                campaign.propose(index, shard_spec)
                index += 1
            if not campaign.in_flight:
                if campaign.environment_error is None and index < n and not campaign.may_start(deadline):
                    summary.stopped_by_time_budget = True
                if index >= n or summary.stopped_by_time_budget or campaign.environment_error:
                    break
                continue
            campaign.receive(timeout=1.0)
        campaign.tell_in_order(len(campaign.proposals))
    summary.wall_seconds = time.perf_counter() - start
    if campaign.environment_error is not None:
        job, message, worker_traceback = campaign.environment_error
        raise CollectionEnvironmentError(
            f"an evaluation of {task}/{protocol} could not start (architecture {job.arch_hash}, seed "
            f"{job.seed}, device {job.device!r}, data root {job.data_root or 'the default'}), so the "
            f"campaign stopped after recording {summary.evaluated} runs; nothing was recorded for "
            f"it. Fix the environment and re-run to continue. The worker said: {message}",
            worker_traceback)
    return summary
