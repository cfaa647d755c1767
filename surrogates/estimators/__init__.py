"""Array-level estimators (fit on feature arrays or graph tensors) under the arch-level models.

Imported on first use (PEP 562): the GIN estimator needs torch, the tree one does not.
"""
from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    "GINRegressor": "surrogates.estimators.gin",
    "TreeEnsembleRegressor": "surrogates.estimators.trees",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'surrogates.estimators' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
