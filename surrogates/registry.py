"""The registry of surrogate models: ``create(name, **hp)``, ``list_surrogates()``,
``describe_surrogate(name)``.

Model classes register themselves with :func:`register` when their module is imported. A lookup
imports only the module of the model it needs (:data:`MODEL_MODULES`), so loading a GIN + XGBoost
benchmark never imports LightGBM's or the baselines' code; :func:`list_surrogates` imports every
built-in model module. A test checks the table against the registered names.
"""
from __future__ import annotations

import copy
import importlib
from collections.abc import Callable
from typing import Any, TypeVar

from graph_encodings.registry import Registry, format_options, summary

_CHECKING: dict[str, dict[str, Any] | Callable[[], dict[str, Any]]] = {}

# built-in surrogate name -> the module that registers it
MODEL_MODULES: dict[str, str] = {
    "ensemble": "surrogates.models.ensemble",
    "gin": "surrogates.models.gin",
    "lgb": "surrogates.models.trees",
    "mean": "surrogates.models.baselines",
    "nb301_lgb": "surrogates.models.trees",
    "nb301_xgb": "surrogates.models.trees",
    "xgb": "surrogates.models.trees",
    "xgb_default_onehot": "surrogates.models.trees",
}


def _load(name: str | None) -> None:
    """Import the module of built-in model ``name`` (None, or a name not built in: every one)."""
    module = MODEL_MODULES.get(name) if name is not None else None
    for path in [module] if module is not None else dict.fromkeys(MODEL_MODULES.values()):
        importlib.import_module(path)


def _describe(name: str, cls: type) -> str:
    from surrogates.base import COMMON_DEFAULTS

    return f"{name}: {summary(cls)} {format_options({**COMMON_DEFAULTS, **cls.defaults})}"


_MODELS: Registry[type] = Registry("surrogate", describe=_describe, load=_load)

T = TypeVar("T", bound=type)


def register(
    name: str, checking: dict[str, Any] | Callable[[], dict[str, Any]] | None = None
) -> Callable[[T], T]:
    """Class decorator: register a model under ``name`` with tiny hyper-parameters for tests.

    ``checking`` is a dict, or a function returning one (called at lookup time, when every
    model is registered).
    """

    def decorate(cls: T) -> T:
        _MODELS.add(name, cls)
        cls.name = name
        _CHECKING[name] = checking if callable(checking) else dict(checking or {})
        return cls

    return decorate


def list_surrogates() -> list[str]:
    """Names of every registered surrogate model, sorted."""
    return _MODELS.names()


def get_model_class(name: str) -> type:
    """The class registered as ``name``; :class:`~graph_encodings.registry.UnknownNameError` (a
    ``ValueError``) listing the valid names and the closest match otherwise."""
    return _MODELS.get(name)


def describe_surrogate(name: str) -> str:
    """What surrogate ``name`` is and its hyper-parameters with their defaults."""
    return _MODELS.describe(name)


def create(name: str, **hp: Any) -> Any:
    """A new, unfitted surrogate ``name`` with hyper-parameters ``hp`` (the rest default)."""
    return get_model_class(name)(**hp)


def checking_parameters(name: str) -> dict[str, Any]:
    """Tiny hyper-parameters that make surrogate ``name`` fit in well under a second (for tests)."""
    get_model_class(name)
    _load(None)  # checking functions (the ensemble's) may look up other models
    checking = _CHECKING[name]
    return copy.deepcopy(checking() if callable(checking) else checking)
