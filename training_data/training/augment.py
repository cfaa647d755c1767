"""Batch augmentations (vectorised, on the batch's device, driven by a seeded CPU generator)."""
from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

Augmentation = Callable[[torch.Tensor, torch.Generator], torch.Tensor]

# Which augmentation suits which network family (dense targets would need the same transform).
FAMILY_AUGMENTATIONS: dict[str, tuple[str, ...]] = {
    "point2d": ("none", "crop_flip"),
    "point1d": ("none", "shift1d"),
    "dense2d": ("none",),
}
CROP_PADDING = 4
MAX_SHIFT_FRACTION = 0.1


def crop_flip(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random crop after zero-padding by 4 and random horizontal flip (the CIFAR recipe).

    ``x``: ``(batch, channels, height, width)``.
    """
    b, c, h, w = x.shape
    p = CROP_PADDING
    padded = F.pad(x, (p, p, p, p))
    oy = torch.randint(0, 2 * p + 1, (b,), generator=generator).to(x.device)
    ox = torch.randint(0, 2 * p + 1, (b,), generator=generator).to(x.device)
    flip = (torch.rand(b, generator=generator) < 0.5).to(x.device)
    rows = oy[:, None] + torch.arange(h, device=x.device)[None, :]
    cols = ox[:, None] + torch.arange(w, device=x.device)[None, :]
    cols = torch.where(flip[:, None], cols.flip(1), cols)
    batch_idx = torch.arange(b, device=x.device)[:, None, None, None]
    chan_idx = torch.arange(c, device=x.device)[None, :, None, None]
    return padded[batch_idx, chan_idx, rows[:, None, :, None], cols[:, None, None, :]]


def shift1d(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random circular shift of each series by up to 10% of its length. ``x``: ``(b, c, length)``."""
    b, c, length = x.shape
    max_shift = max(1, int(length * MAX_SHIFT_FRACTION))
    shifts = torch.randint(-max_shift, max_shift + 1, (b,), generator=generator).to(x.device)
    index = (torch.arange(length, device=x.device)[None, :] - shifts[:, None]) % length
    return torch.gather(x, 2, index[:, None, :].expand(b, c, length))


AUGMENTATIONS: dict[str, Augmentation | None] = {"none": None, "crop_flip": crop_flip, "shift1d": shift1d}


def get_augmentation(name: str, family: str) -> Augmentation | None:
    """The augmentation ``name`` for a network ``family`` (None for ``"none"``).

    Raises ``ValueError`` if the augmentation does not fit the family.
    """
    valid = FAMILY_AUGMENTATIONS.get(family, ("none",))
    if name not in valid:
        raise ValueError(f"augmentation {name!r} does not fit task family {family!r}; valid: {list(valid)}")
    return AUGMENTATIONS[name]
