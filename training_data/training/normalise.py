"""Task-specific input/target normalisation fitted on the training split (Darcy Flow, as NB360).

NB360 (FNO's ``UnitGaussianNormalizer``) normalises Darcy's coefficient field and its solution
per grid point with the training set's mean and std; the grid channels stay raw; predictions
and targets are decoded before the relative-L2 loss and score. Here every split's coefficient
channel and target are encoded with the train statistics, and the target normaliser goes into
``meta["y_normaliser"]`` (as a dict), from where the loss and the score decode.
"""
from __future__ import annotations

from typing import Any

from training_data.tasks.dataset import Split, TaskData
from training_data.tasks.scores import GaussianNormaliser

NORMALISED_SCORES = frozenset({"relative_l2"})
Y_NORMALISER_KEY = "y_normaliser"


def _encode(split: Split, x_norm: GaussianNormaliser, y_norm: GaussianNormaliser) -> Split:
    x = split.x.copy()
    x[:, :1] = x_norm.encode(split.x[:, :1])
    return Split(x=x, y=y_norm.encode(split.y), groups=split.groups, mask=split.mask)


def normalise_for_task(task: Any, data: TaskData) -> TaskData:
    """``data`` Gaussian-normalised where the task's score asks for it (else unchanged).

    Data that already carries a target normaliser (a loader that normalises itself) is kept.
    """
    if task.score_name not in NORMALISED_SCORES or Y_NORMALISER_KEY in data.meta:
        return data
    x_norm = GaussianNormaliser.fit(data.train.x[:, :1])
    y_norm = GaussianNormaliser.fit(data.train.y)
    splits = {name: _encode(data.split(name), x_norm, y_norm) for name in ("train", "val", "test")}
    meta = {**data.meta, Y_NORMALISER_KEY: y_norm.to_dict(), "x_normalised_channels": [0]}
    return TaskData(task=data.task, meta=meta, **splits)


def target_normaliser(data: TaskData) -> GaussianNormaliser | None:
    """The target normaliser stored in ``data.meta`` (None for tasks without one)."""
    stats = data.meta.get(Y_NORMALISER_KEY)
    if stats is None or isinstance(stats, GaussianNormaliser):
        return stats
    return GaussianNormaliser.from_dict(stats)
