"""Local executor: a pool of worker processes on this machine (CPU, or sharing one GPU).

Each worker is a long-lived ``spawn``ed process with its own pipe, so the pool knows exactly
which job a worker was running: when a worker dies (SIGKILL, the OOM killer) only its own job
is lost - it comes back as a failed record - and a fresh worker takes its place. (joblib's loky
pool marks the whole executor broken and fails every in-flight future when one worker dies,
which would throw away the other workers' runs; that is why this pool does not use it.)
"""
from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
from multiprocessing.connection import Connection, wait
from typing import Any

from training_data.collection.executors.base import Executor, Result
from training_data.collection.jobs import EvalJob, run_job, worker_died_record


def _worker_main(conn: Connection, n_threads: int | None) -> None:
    """Worker loop: receive a job, run it, send its record back; exit on ``None``."""
    if n_threads:
        os.environ.setdefault("OMP_NUM_THREADS", str(n_threads))
        import torch

        torch.set_num_threads(n_threads)
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        conn.send(run_job(job))


class _Worker:
    def __init__(self, ctx: Any, n_threads: int | None) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, n_threads), daemon=True)
        self.process.start()
        child.close()
        self.job: EvalJob | None = None


class LocalExecutor(Executor):
    """``workers`` processes, each running one evaluation at a time with ``n_threads`` threads."""

    name = "local"

    def __init__(self, workers: int = 1, n_threads: int | None = 1) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers!r}")
        self.capacity = workers
        self.n_threads = n_threads
        self._ctx = mp.get_context("spawn")
        self._workers: list[_Worker] = []
        self._queue: list[EvalJob] = []

    @property
    def in_flight(self) -> int:
        return len(self._queue) + sum(w.job is not None for w in self._workers)

    def worker_pids(self) -> list[int]:
        """PIDs of the live worker processes (tests kill one to check recovery)."""
        return [w.process.pid for w in self._workers if w.process.is_alive()]

    def submit(self, job: EvalJob) -> None:
        self._queue.append(job)
        self._dispatch()

    def _dispatch(self) -> None:
        while self._queue:
            idle = next((w for w in self._workers if w.job is None), None)
            if idle is None:
                if len(self._workers) >= self.capacity:
                    return
                idle = _Worker(self._ctx, self.n_threads)
                self._workers.append(idle)
            idle.job = self._queue.pop(0)
            idle.conn.send(idle.job)

    def wait(self, timeout: float | None = None) -> list[Result]:
        busy = [w for w in self._workers if w.job is not None]
        if not busy:
            return []
        handles: list[Any] = [w.conn for w in busy] + [w.process.sentinel for w in busy]
        ready = set(wait(handles, timeout=timeout))
        results: list[Result] = []
        for worker in busy:
            job = worker.job
            assert job is not None  # busy workers hold a job by construction
            if worker.conn in ready:
                try:
                    results.append((job, worker.conn.recv()))
                    worker.job = None
                    continue
                except (EOFError, OSError):
                    pass  # died while sending: handled as a dead worker below
            if worker.conn in ready or worker.process.sentinel in ready:
                worker.process.join(timeout=1)
                code = worker.process.exitcode
                results.append((job, worker_died_record(job, f"exit code {code}")))
                self._workers.remove(worker)
                worker.conn.close()
        self._dispatch()
        return results

    def shutdown(self) -> None:
        for worker in self._workers:
            with contextlib.suppress(BrokenPipeError, OSError):
                worker.conn.send(None)
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
        self._workers.clear()
        self._queue.clear()
