"""The benchmark query API: ``Benchmark.load(task, space, ...)``, ``query``, ``cost``, artifacts."""
from surrogates.benchmark.benchmark import Benchmark
from surrogates.benchmark.fitting import fit_benchmark
from surrogates.benchmark.query import QueryResult
from surrogates.benchmark.store import VersionMismatchError, list_benchmarks

__all__ = ["Benchmark", "QueryResult", "VersionMismatchError", "fit_benchmark", "list_benchmarks"]
