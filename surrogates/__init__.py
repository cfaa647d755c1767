"""What stands in for training: surrogate models, metrics and held-out evaluation.

``create(name, **hp)`` builds any registered model (``list_surrogates()``); every model follows
:class:`SurrogateModel` (fit / predict -> (mean, std) / save / load).

The benchmark, evaluation, ranking and tabular names are imported on first use (PEP 562), so
``import surrogates`` stays fast: they pull in pandas, scipy or torch.
"""
from __future__ import annotations

from surrogates.base import SurrogateModel
from surrogates.errors import ArtifactError, NotFittedError
from surrogates.lazy import lazy_attributes
from surrogates.registry import checking_parameters, create, describe_surrogate, list_surrogates

# public name -> the module that defines it, imported when the name is first looked up
_LAZY: dict[str, str] = {
    "Benchmark": "surrogates.benchmark",
    "QueryResult": "surrogates.benchmark",
    "VersionMismatchError": "surrogates.benchmark",
    "list_benchmarks": "surrogates.benchmark",
    "benchmark_names": "surrogates.benchmark",
    "describe_benchmark": "surrogates.benchmark",
    "evaluate_surrogate": "surrogates.held_out",
    "evaluate": "surrogates.held_out",  # deprecated spelling of evaluate_surrogate (warns)
    "isomorphic_twin_mae": "surrogates.held_out",
    "RankingResult": "surrogates.ranking",
    "rank": "surrogates.ranking",
    "ArchitectureNotInTableError": "surrogates.tabular",
    "TabularBenchmark": "surrogates.tabular",
    "SEARCH_SPACES": "surrogates.tuning",
    "TuningResult": "surrogates.tuning",
    "tune": "surrogates.tuning",
}

__all__ = [
    "ArchitectureNotInTableError",
    "ArtifactError",
    "Benchmark",
    "NotFittedError",
    "QueryResult",
    "RankingResult",
    "SEARCH_SPACES",
    "SurrogateModel",
    "TabularBenchmark",
    "TuningResult",
    "VersionMismatchError",
    "benchmark_names",
    "checking_parameters",
    "create",
    "describe_benchmark",
    "describe_surrogate",
    "evaluate_surrogate",
    "isomorphic_twin_mae",
    "list_benchmarks",
    "list_surrogates",
    "rank",
    "tune",
]


__getattr__, __dir__ = lazy_attributes("surrogates", _LAZY, globals())
