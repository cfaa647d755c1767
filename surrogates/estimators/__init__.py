"""Array-level estimators (fit on feature arrays or graph tensors) under the arch-level models."""
from surrogates.estimators.gin import GINRegressor
from surrogates.estimators.trees import TreeEnsembleRegressor

__all__ = ["GINRegressor", "TreeEnsembleRegressor"]
