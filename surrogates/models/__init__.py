"""The registered arch-level surrogate models (importing this registers them all)."""
from surrogates.models.baselines import MeanModel
from surrogates.models.ensemble import CombinedEnsemble
from surrogates.models.gin import GINModel
from surrogates.models.trees import (
    NB301LGB,
    NB301XGB,
    LGBEnsemble,
    TreeModel,
    XGBDefaultOnehot,
    XGBEnsemble,
)

__all__ = [
    "CombinedEnsemble",
    "GINModel",
    "LGBEnsemble",
    "MeanModel",
    "NB301LGB",
    "NB301XGB",
    "TreeModel",
    "XGBDefaultOnehot",
    "XGBEnsemble",
]
