"""Optimizers by name: ``create(name, space, seed, **hp)``, ``list_optimizers()`` and
``hyper_parameters(name)``."""
from __future__ import annotations

import inspect
from collections.abc import Iterable
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
_NOT_HYPER_PARAMETERS = ("self", "space", "seed")


def list_optimizers() -> list[str]:
    """Names of the registered optimizers."""
    return sorted(_OPTIMIZERS)


def _known(name: str) -> type[Optimizer]:
    if name not in _OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; valid: {', '.join(list_optimizers())}")
    return _OPTIMIZERS[name]


def hyper_parameters(name: str) -> list[str]:
    """The keyword hyper-parameters optimizer ``name`` takes besides ``space`` and ``seed``, sorted.

    Follows ``**kwargs`` up the class hierarchy (e.g. ``rf_bo`` also takes the model-based ones).
    """
    names: set[str] = set()
    for cls in _known(name).__mro__:
        if "__init__" not in vars(cls):
            continue
        params = inspect.signature(cls.__init__).parameters.values()
        names.update(p.name for p in params if p.name not in _NOT_HYPER_PARAMETERS
                     and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return sorted(names)


def check_hyper_parameters(name: str, hp: Iterable[str]) -> None:
    """``ValueError`` naming the keys of ``hp`` optimizer ``name`` does not take, and the valid ones."""
    valid = hyper_parameters(name)
    unknown = sorted(set(hp) - set(valid))
    if unknown:
        raise ValueError(f"bad hyper-parameters for optimizer {name!r}: unknown {unknown}; "
                         f"valid: {', '.join(valid) or 'none'}")


def create(name: str, space: SearchSpace | str, seed: int | None = 0, **hp: Any) -> Optimizer:
    """A new optimizer ``name`` over ``space``; ``ValueError`` listing valid names if unknown."""
    cls = _known(name)
    check_hyper_parameters(name, hp)
    try:
        return cls(space, seed=seed, **hp)
    except TypeError as error:
        raise ValueError(f"bad hyper-parameters for optimizer {name!r}: {error}") from None
