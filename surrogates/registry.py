"""The registry of surrogate models: ``create(name, **hp)``, ``list_surrogates()``.

Model classes register themselves with :func:`register`; the registry imports
:mod:`surrogates.models` lazily so that every built-in model is known before a lookup.
"""
from __future__ import annotations

import copy
import importlib
from collections.abc import Callable
from typing import Any, TypeVar

_MODELS: dict[str, type] = {}
_CHECKING: dict[str, dict[str, Any] | Callable[[], dict[str, Any]]] = {}

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
    importlib.import_module("surrogates.models")


def list_surrogates() -> list[str]:
    """Names of every registered surrogate model, sorted."""
    _ensure_loaded()
    return sorted(_MODELS)


def get_model_class(name: str) -> type:
    """The class registered as ``name``; ``ValueError`` listing the valid names otherwise."""
    _ensure_loaded()
    if name not in _MODELS:
        raise ValueError(f"unknown surrogate {name!r}; valid names: {', '.join(sorted(_MODELS))}")
    return _MODELS[name]


def create(name: str, **hp: Any) -> Any:
    """A new, unfitted surrogate ``name`` with hyper-parameters ``hp`` (the rest default)."""
    return get_model_class(name)(**hp)


def checking_parameters(name: str) -> dict[str, Any]:
    """Tiny hyper-parameters that make surrogate ``name`` fit in well under a second (for tests)."""
    get_model_class(name)
    checking = _CHECKING[name]
    return copy.deepcopy(checking() if callable(checking) else checking)
