"""NAS search algorithms with one ask/tell interface, usable against benchmarks and real training."""
from nas_optimizers.base import Observation, Optimizer
from nas_optimizers.random_search import RandomSearch
from nas_optimizers.regularized_evolution import RegularizedEvolution
from nas_optimizers.registry import create, list_optimizers

__all__ = [
    "Observation",
    "Optimizer",
    "RandomSearch",
    "RegularizedEvolution",
    "create",
    "list_optimizers",
]
