"""Scores (as errors, NB360's definitions), training losses and the Gaussian normaliser."""
from __future__ import annotations

from training_data.tasks.scores.losses import (
    LOSSES,
    MaskedBCEWithLogitsLoss,
    RelativeL2Loss,
    create_loss,
)
from training_data.tasks.scores.normaliser import GaussianNormaliser
from training_data.tasks.scores.task_metrics import (
    auroc,
    auroc_error,
    average_precision,
    fnr_error,
    macro_f1,
    mae8_error,
    majority_vote,
    map_error,
    relative_l2_error,
    vote_f1_error,
    zero_one_error,
)

__all__ = [
    "LOSSES",
    "GaussianNormaliser",
    "MaskedBCEWithLogitsLoss",
    "RelativeL2Loss",
    "auroc",
    "auroc_error",
    "average_precision",
    "create_loss",
    "fnr_error",
    "macro_f1",
    "mae8_error",
    "majority_vote",
    "map_error",
    "relative_l2_error",
    "vote_f1_error",
    "zero_one_error",
]
