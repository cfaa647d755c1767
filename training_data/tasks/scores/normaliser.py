"""Gaussian normalisation of fields (Darcy Flow), as FNO / NAS-Bench-360 use it.

NB360's Darcy code (``backbone/utils_grid.py``, ``UnitGaussianNormalizer``) normalises pointwise:
the mean and (unbiased) standard deviation over the training samples at every grid point, with
``eps = 1e-5`` added to the std. ``pointwise=False`` gives the scalar variant (FNO's
``GaussianNormalizer``). Stats are plain lists in :meth:`to_dict`, so they go into JSON metadata.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

ArrayLike = np.ndarray | torch.Tensor


@dataclass(frozen=True)
class GaussianNormaliser:
    """``encode(x) = (x - mean) / (std + eps)``; ``decode`` inverts it (numpy or torch input)."""

    mean: np.ndarray
    std: np.ndarray
    eps: float = 1e-5
    # the stats as tensors, per (dtype, device): made once, so a training step copies nothing from
    # the host (a host copy per step would synchronise with the GPU, and cannot be graph-captured)
    _tensors: dict[tuple[torch.dtype, torch.device], tuple[torch.Tensor, torch.Tensor]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def fit(cls, x: ArrayLike, *, pointwise: bool = True, eps: float = 1e-5) -> GaussianNormaliser:
        """Stats of ``x`` (samples on axis 0): per grid point (NB360) or one scalar pair."""
        data = _to_numpy(x).astype(np.float64)
        if data.ndim < 1 or len(data) < 2:
            raise ValueError(f"need at least 2 samples to fit a normaliser, got shape {data.shape}")
        if pointwise:
            mean, std = data.mean(axis=0), data.std(axis=0, ddof=1)
        else:
            mean, std = np.asarray(data.mean()), np.asarray(data.std(ddof=1))
        return cls(mean=mean.astype(np.float32), std=std.astype(np.float32), eps=float(eps))

    def encode(self, x: ArrayLike) -> ArrayLike:
        mean, std = self._stats_like(x)
        return (x - mean) / (std + self.eps)

    def decode(self, x: ArrayLike) -> ArrayLike:
        mean, std = self._stats_like(x)
        return x * (std + self.eps) + mean

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable stats (nested lists)."""
        return {"mean": self.mean.tolist(), "std": self.std.tolist(), "eps": self.eps}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GaussianNormaliser:
        missing = {"mean", "std"} - set(data)
        if missing:
            raise KeyError(f"normaliser stats lack {sorted(missing)}; expected keys 'mean', 'std', 'eps'")
        return cls(
            mean=np.asarray(data["mean"], dtype=np.float32),
            std=np.asarray(data["std"], dtype=np.float32),
            eps=float(data.get("eps", 1e-5)),
        )

    def _stats_like(self, x: ArrayLike) -> tuple[ArrayLike, ArrayLike]:
        if self.mean.ndim and tuple(x.shape[-self.mean.ndim :]) != self.mean.shape:
            raise ValueError(
                f"input of shape {tuple(x.shape)} does not end in the normaliser's grid shape {self.mean.shape}"
            )
        if isinstance(x, torch.Tensor):
            key = (x.dtype, x.device)
            if key not in self._tensors:
                self._tensors[key] = (
                    torch.as_tensor(self.mean, dtype=x.dtype, device=x.device),
                    torch.as_tensor(self.std, dtype=x.dtype, device=x.device),
                )
            return self._tensors[key]
        return self.mean, self.std


def _to_numpy(x: ArrayLike) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
