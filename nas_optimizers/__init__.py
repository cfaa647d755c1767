"""NAS search algorithms with one ask/tell interface, usable against benchmarks and real training."""
from nas_optimizers.bananas import Bananas
from nas_optimizers.base import Observation, Optimizer
from nas_optimizers.local_search import LocalSearch
from nas_optimizers.random_forest_bo import RandomForestBO
from nas_optimizers.random_search import RandomSearch
from nas_optimizers.registry import create, describe_optimizer, hyper_parameters, list_optimizers
from nas_optimizers.regularized_evolution import RegularizedEvolution
from nas_optimizers.simulation import FunctionBenchmark, RecordReplay, simulate, toy_benchmark


def plot_anytime(*args, **kwargs):  # noqa: ANN002, ANN003 - matplotlib is imported lazily
    """See :func:`nas_optimizers.plots.plot_anytime`."""
    from nas_optimizers.plots import plot_anytime as _plot

    return _plot(*args, **kwargs)


__all__ = [
    "Bananas",
    "FunctionBenchmark",
    "LocalSearch",
    "Observation",
    "Optimizer",
    "RandomForestBO",
    "RandomSearch",
    "RecordReplay",
    "RegularizedEvolution",
    "create",
    "describe_optimizer",
    "hyper_parameters",
    "list_optimizers",
    "plot_anytime",
    "simulate",
    "toy_benchmark",
]
