"""Training losses of the ten tasks (torch modules), as NAS-Bench-360 trains them.

- ``cross_entropy``: ``nn.CrossEntropyLoss`` (point tasks with classes).
- ``bce_with_logits``: ``nn.BCEWithLogitsLoss`` (FSD50K, DeepSEA).
- ``masked_bce_with_logits``: Cosmic; NB360 calls ``BCEWithLogitsLoss()(logits * (1 - ignore),
  mask * (1 - ignore))``, i.e. ignored pixels become logit 0 / target 0 and still count in the mean.
- ``relative_l2``: FNO's ``LpLoss.rel`` (per-sample relative L2 norm); NB360 trains Darcy with
  ``LpLoss(size_average=False)`` = the SUM over the batch, the default here; predictions and
  targets are decoded with the y-normaliser first when one is given.
- ``mse``: ``nn.MSELoss`` (PSICOV, on distance maps clipped at 16 A by the loader).
"""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from training_data.tasks.scores.normaliser import GaussianNormaliser


class MaskedBCEWithLogitsLoss(nn.Module):
    """BCE-with-logits where ``ignore`` (1 = ignore) zeroes logits and targets, as NB360's Cosmic."""

    def __init__(self) -> None:
        super().__init__()
        self.bce = nn.BCEWithLogitsLoss()

    def forward(self, logits: torch.Tensor, target: torch.Tensor, ignore: torch.Tensor | None = None) -> torch.Tensor:
        if ignore is None:
            return self.bce(logits, target)
        keep = 1.0 - ignore
        return self.bce(logits * keep, target * keep)


class RelativeL2Loss(nn.Module):
    """Per-sample ``||pred - target|| / ||target||``, summed (NB360) or averaged over the batch."""

    def __init__(self, normaliser: GaussianNormaliser | None = None, reduction: str = "sum") -> None:
        super().__init__()
        if reduction not in ("sum", "mean", "none"):
            raise ValueError(f"unknown reduction {reduction!r}; valid: 'sum', 'mean', 'none'")
        self.normaliser = normaliser
        self.reduction = reduction

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        pred = pred.reshape(target.shape)
        if self.normaliser is not None:
            pred, target = self.normaliser.decode(pred), self.normaliser.decode(target)
        n = target.shape[0]
        diff = torch.linalg.vector_norm((pred - target).reshape(n, -1), dim=1)
        rel = diff / torch.linalg.vector_norm(target.reshape(n, -1), dim=1)
        if self.reduction == "sum":
            return rel.sum()
        return rel.mean() if self.reduction == "mean" else rel


LOSSES: dict[str, Callable[..., nn.Module]] = {
    "cross_entropy": nn.CrossEntropyLoss,
    "bce_with_logits": nn.BCEWithLogitsLoss,
    "masked_bce_with_logits": MaskedBCEWithLogitsLoss,
    "relative_l2": RelativeL2Loss,
    "mse": nn.MSELoss,
}


def create_loss(name: str, **kwargs: object) -> nn.Module:
    """The loss module called ``name`` (keyword arguments go to its constructor)."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; valid: {', '.join(sorted(LOSSES))}")
    return LOSSES[name](**kwargs)
