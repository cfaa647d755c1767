"""The registered arch-level surrogate models.

The model classes are imported on first use (PEP 562): importing one model module does not pull
in the others' libraries (torch, XGBoost). :func:`surrogates.list_surrogates` registers them all.
"""
from __future__ import annotations

from surrogates.lazy import lazy_attributes

# public name -> the module that defines it
_LAZY: dict[str, str] = {
    "CombinedEnsemble": "surrogates.models.ensemble",
    "GINModel": "surrogates.models.gin",
    "LGBEnsemble": "surrogates.models.trees",
    "MeanModel": "surrogates.models.baselines",
    "NB301LGB": "surrogates.models.trees",
    "NB301XGB": "surrogates.models.trees",
    "TreeModel": "surrogates.models.trees",
    "XGBDefaultOnehot": "surrogates.models.trees",
    "XGBEnsemble": "surrogates.models.trees",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_attributes("surrogates.models", _LAZY, globals())
