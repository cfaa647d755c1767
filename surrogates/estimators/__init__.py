"""Array-level estimators (fit on feature arrays or graph tensors) under the arch-level models.

Imported on first use (PEP 562): the GIN estimator needs torch, the tree one does not.
"""
from __future__ import annotations

from surrogates.lazy import lazy_attributes

_LAZY: dict[str, str] = {
    "GINRegressor": "surrogates.estimators.gin",
    "TreeEnsembleRegressor": "surrogates.estimators.trees",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_attributes("surrogates.estimators", _LAZY, globals())
