"""What stands in for training: surrogate models, metrics and held-out evaluation.

``create(name, **hp)`` builds any registered model (``list_surrogates()``); every model follows
:class:`SurrogateModel` (fit / predict -> (mean, std) / save / load).
"""
from surrogates.base import SurrogateModel
from surrogates.errors import ArtifactError, NotFittedError
from surrogates.evaluation import evaluate, isomorphic_twin_mae
from surrogates.registry import checking_parameters, create, list_surrogates

__all__ = [
    "ArtifactError",
    "NotFittedError",
    "SurrogateModel",
    "checking_parameters",
    "create",
    "evaluate",
    "isomorphic_twin_mae",
    "list_surrogates",
]
