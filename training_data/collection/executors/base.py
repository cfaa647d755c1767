"""The interface of a collection executor: submit jobs, wait for finished records."""
from __future__ import annotations

import abc
from typing import Any

from training_data.collection.jobs import EvalJob

Result = tuple[EvalJob, dict[str, Any]]


class Executor(abc.ABC):
    """Runs :class:`EvalJob`s somewhere and hands back their records as they finish.

    ``capacity`` is how many jobs may be in flight at once; the collector keeps it full.
    A job whose worker dies comes back as a ``status="failed"`` record (the collector decides
    whether to retry), so one lost worker never loses other jobs' results.
    """

    name: str = ""
    capacity: int = 1

    @abc.abstractmethod
    def submit(self, job: EvalJob) -> None:
        """Start ``job``."""

    @abc.abstractmethod
    def wait(self, timeout: float | None = None) -> list[Result]:
        """Block until at least one job finished (or ``timeout``); return the finished ones."""

    @property
    @abc.abstractmethod
    def in_flight(self) -> int:
        """Jobs submitted and not yet returned by :meth:`wait`."""

    def shutdown(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Release workers (idempotent)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
