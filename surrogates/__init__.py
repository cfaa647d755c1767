"""What stands in for training: surrogate models, metrics and held-out evaluation.

``create(name, **hp)`` builds any registered model (``list_surrogates()``); every model follows
:class:`SurrogateModel` (fit / predict -> (mean, std) / save / load).
"""
from surrogates.base import SurrogateModel
from surrogates.benchmark import Benchmark, QueryResult, VersionMismatchError, list_benchmarks
from surrogates.errors import ArtifactError, NotFittedError
from surrogates.evaluation import evaluate, isomorphic_twin_mae
from surrogates.registry import checking_parameters, create, list_surrogates

__all__ = [
    "ArtifactError",
    "Benchmark",
    "NotFittedError",
    "QueryResult",
    "SurrogateModel",
    "VersionMismatchError",
    "checking_parameters",
    "create",
    "evaluate",
    "isomorphic_twin_mae",
    "list_benchmarks",
    "list_surrogates",
]
from surrogates.ranking import RankingResult, rank  # noqa: E402
from surrogates.tabular import ArchitectureNotInTableError, TabularBenchmark  # noqa: E402

__all__ += ["ArchitectureNotInTableError", "RankingResult", "TabularBenchmark", "rank"]
