"""The benchmark query API: ``Benchmark.load(task, space, ...)``, ``query``, ``cost``, artifacts.

``fit_benchmark`` is imported on first use (PEP 562): fitting needs pandas and scipy, loading and
querying a shipped benchmark does not.
"""
from __future__ import annotations

from typing import Any

from surrogates.benchmark.artifact_folders import VersionMismatchError, list_benchmarks
from surrogates.benchmark.benchmark import Benchmark
from surrogates.benchmark.catalog import benchmark_names, describe_benchmark
from surrogates.benchmark.query import QueryResult

__all__ = ["Benchmark", "QueryResult", "VersionMismatchError", "benchmark_names",
           "describe_benchmark", "fit_benchmark", "list_benchmarks"]


def __getattr__(name: str) -> Any:
    if name == "fit_benchmark":
        from surrogates.benchmark.fitting import fit_benchmark

        globals()[name] = fit_benchmark
        return fit_benchmark
    raise AttributeError(f"module 'surrogates.benchmark' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "fit_benchmark"})
