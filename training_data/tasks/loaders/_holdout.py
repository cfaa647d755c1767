"""NB360's validation rule for the image tasks: the last part of the training images, unshuffled."""
from __future__ import annotations

from typing import Any

import numpy as np

from training_data.tasks.dataset import Split, TaskData


def last_fraction_as_val(
    task: str,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    val_fraction: float,
    meta: dict[str, Any],
) -> TaskData:
    """``TaskData`` whose validation split is the last ``val_fraction`` of ``train`` (no shuffle).

    ``train`` and ``test`` are ``(x, y)`` pairs; the training split keeps the first
    ``int((1 - val_fraction) * n)`` samples (NB360's ``val_split`` on CIFAR-100 and Spherical).
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction!r}")
    x, y = train
    n_train = int((1 - val_fraction) * len(x))
    return TaskData(
        task,
        train=Split(x=x[:n_train], y=y[:n_train]),
        val=Split(x=x[n_train:], y=y[n_train:]),
        test=Split(x=test[0], y=test[1]),
        meta=meta,
    )
