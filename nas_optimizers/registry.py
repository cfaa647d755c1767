"""Optimizers by name: ``create(name, space, seed, **hp)``, ``list_optimizers()``,
``describe_optimizer(name)`` and ``hyper_parameters(name)``."""
from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

from graph_encodings import SearchSpace
from graph_encodings.registry import Registry, format_options, keyword_defaults, summary
from nas_optimizers.bananas import Bananas
from nas_optimizers.base import Optimizer
from nas_optimizers.local_search import LocalSearch
from nas_optimizers.multi_fidelity import (
    ASHA,
    BOHB,
    Hyperband,
    MultiFidelityOptimizer,
    SuccessiveHalving,
)
from nas_optimizers.random_forest_bo import RandomForestBO
from nas_optimizers.random_search import RandomSearch
from nas_optimizers.regularized_evolution import RegularizedEvolution

_NOT_HYPER_PARAMETERS = ("self", "space", "seed")


def _defaults(cls: type[Optimizer]) -> dict[str, Any]:
    """The keyword hyper-parameters of ``cls`` besides ``space`` and ``seed`` and their defaults.

    Follows ``**kwargs`` up the class hierarchy (e.g. ``rf_bo`` also takes the model-based ones;
    the most derived default wins).
    """
    found: dict[str, Any] = {}
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if init is None:
            continue
        for name, default in keyword_defaults(init, _NOT_HYPER_PARAMETERS).items():
            found.setdefault(name, default)
        if not any(p.kind is p.VAR_KEYWORD for p in inspect.signature(init).parameters.values()):
            break
    return dict(sorted(found.items()))


def _describe(name: str, cls: type[Optimizer]) -> str:
    return f"{name}: {summary(cls)} {format_options(_defaults(cls))}"


_OPTIMIZERS: Registry[type[Optimizer]] = Registry("optimizer", describe=_describe)
for _cls in (RandomSearch, RegularizedEvolution, LocalSearch, Bananas, RandomForestBO,
             SuccessiveHalving, Hyperband, ASHA, BOHB):
    _OPTIMIZERS.add(_cls.name, _cls)


def list_optimizers() -> list[str]:
    """Names of the registered optimizers."""
    return _OPTIMIZERS.names()


def is_multi_fidelity(name: str) -> bool:
    """Whether optimizer ``name`` asks for epochs too (a
    :class:`~nas_optimizers.multi_fidelity.MultiFidelityOptimizer`: ``ask()`` returns a ``Job``)."""
    return issubclass(_OPTIMIZERS.get(name), MultiFidelityOptimizer)


def describe_optimizer(name: str) -> str:
    """What optimizer ``name`` does and its hyper-parameters with their defaults."""
    return _OPTIMIZERS.describe(name)


def hyper_parameters(name: str) -> list[str]:
    """The keyword hyper-parameters optimizer ``name`` takes besides ``space`` and ``seed``, sorted.

    Follows ``**kwargs`` up the class hierarchy (e.g. ``rf_bo`` also takes the model-based ones).
    """
    return list(_defaults(_OPTIMIZERS.get(name)))


def check_hyper_parameters(name: str, hp: Iterable[str]) -> None:
    """``ValueError`` naming the keys of ``hp`` optimizer ``name`` does not take, and the valid ones."""
    valid = hyper_parameters(name)
    unknown = sorted(set(hp) - set(valid))
    if unknown:
        raise ValueError(f"bad hyper-parameters for optimizer {name!r}: unknown {unknown}; "
                         f"valid: {', '.join(valid) or 'none'}")


def create(name: str, space: SearchSpace | str, seed: int | None = 0, **hp: Any) -> Optimizer:
    """A new optimizer ``name`` over ``space``; :class:`~graph_encodings.registry.UnknownNameError`
    (a ``ValueError``) listing the valid names if unknown."""
    cls = _OPTIMIZERS.get(name)
    check_hyper_parameters(name, hp)
    try:
        return cls(space, seed=seed, **hp)
    except TypeError as error:
        raise ValueError(f"bad hyper-parameters for optimizer {name!r}: {error}") from None
