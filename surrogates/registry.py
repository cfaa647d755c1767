"""The registry of surrogate models: ``create(name, **hp)``, ``list_surrogates()``.

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

_MODELS: dict[str, type] = {}
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

T = TypeVar("T", bound=type)


def register(
    name: str, checking: dict[str, Any] | Callable[[], dict[str, Any]] | None = None
) -> Callable[[T], T]:
    """Class decorator: register a model under ``name`` with tiny hyper-parameters for tests.

    ``checking`` is a dict, or a function returning one (called at lookup time, when every
    model is registered).
    """

    def decorate(cls: T) -> T:
        if name in _MODELS and _MODELS[name] is not cls:
            raise ValueError(f"surrogate name {name!r} is already registered")
        cls.name = name
        _MODELS[name] = cls
        _CHECKING[name] = checking if callable(checking) else dict(checking or {})
        return cls

    return decorate


def _ensure_loaded() -> None:
    """Import every built-in model module (registering every built-in model)."""
    for module in dict.fromkeys(MODEL_MODULES.values()):
        importlib.import_module(module)


def list_surrogates() -> list[str]:
    """Names of every registered surrogate model, sorted."""
    _ensure_loaded()
    return sorted(_MODELS)


def get_model_class(name: str) -> type:
    """The class registered as ``name``; ``ValueError`` listing the valid names otherwise."""
    if name not in _MODELS:
        module = MODEL_MODULES.get(name) if isinstance(name, str) else None
        if module is not None:
            importlib.import_module(module)
        else:
            _ensure_loaded()  # so that the error lists every valid name
    if name not in _MODELS:
        raise ValueError(f"unknown surrogate {name!r}; valid names: {', '.join(list_surrogates())}")
    return _MODELS[name]


def create(name: str, **hp: Any) -> Any:
    """A new, unfitted surrogate ``name`` with hyper-parameters ``hp`` (the rest default)."""
    return get_model_class(name)(**hp)


def checking_parameters(name: str) -> dict[str, Any]:
    """Tiny hyper-parameters that make surrogate ``name`` fit in well under a second (for tests)."""
    get_model_class(name)
    _ensure_loaded()  # checking functions (the ensemble's) may look up other models
    checking = _CHECKING[name]
    return copy.deepcopy(checking() if callable(checking) else checking)
