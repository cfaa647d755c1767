"""Executors that run evaluations: ``local`` (process pool), ``ray``, ``slurm`` (submitit)."""
from __future__ import annotations

from typing import Any

from training_data.collection.executors.base import Executor, Result

EXECUTORS: tuple[str, ...] = ("local", "ray", "slurm")


def list_executors() -> list[str]:
    return list(EXECUTORS)


def make_executor(name: str | Executor, workers: int = 1, **options: Any) -> Executor:
    """An executor by name (``workers`` = jobs in flight); an Executor instance passes through."""
    if isinstance(name, Executor):
        return name
    if name == "local":
        from training_data.collection.executors.local import LocalExecutor

        return LocalExecutor(workers=workers, **options)
    if name == "ray":
        from training_data.collection.executors.ray_executor import RayExecutor

        return RayExecutor(max_in_flight=workers, **options)
    if name == "slurm":
        from training_data.collection.executors.slurm import SlurmExecutor

        if "folder" not in options:
            raise ValueError("the 'slurm' executor needs folder=<shared log folder>")
        return SlurmExecutor(max_in_flight=workers, **options)
    raise ValueError(f"unknown executor {name!r}; valid: {', '.join(EXECUTORS)}")


__all__ = ["EXECUTORS", "Executor", "Result", "list_executors", "make_executor"]
