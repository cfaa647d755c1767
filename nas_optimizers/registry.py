"""Optimizers by name: ``create(name, space, seed, **hp)`` and ``list_optimizers()``."""
from __future__ import annotations

from typing import Any

from graph_encodings import SearchSpace
from nas_optimizers.bananas import Bananas
from nas_optimizers.base import Optimizer
from nas_optimizers.local_search import LocalSearch
from nas_optimizers.random_forest_bo import RandomForestBO
from nas_optimizers.random_search import RandomSearch
from nas_optimizers.regularized_evolution import RegularizedEvolution

_OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls
    for cls in (RandomSearch, RegularizedEvolution, LocalSearch, Bananas, RandomForestBO)
}


def list_optimizers() -> list[str]:
    """Names of the registered optimizers."""
    return sorted(_OPTIMIZERS)


def create(name: str, space: SearchSpace | str, seed: int | None = 0, **hp: Any) -> Optimizer:
    """A new optimizer ``name`` over ``space``; ``ValueError`` listing valid names if unknown."""
    if name not in _OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; valid: {', '.join(list_optimizers())}")
    try:
        return _OPTIMIZERS[name](space, seed=seed, **hp)
    except TypeError as error:
        raise ValueError(f"bad hyper-parameters for optimizer {name!r}: {error}") from None
