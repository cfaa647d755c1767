"""Spherical CIFAR-100 from NB360's ``s2_cifar100.gz`` (a gzip-compressed pickle).

Format (rtu715/NAS-Bench-360, ``backbone/data_utils/load_data.py``, ``load_scifar100_data``): a
pickled dict ``{"train": {"images", "labels"}, "test": {"images", "labels"}}`` with images
``(n, 3, 60, 60)``. Split as NB360: validation = the LAST 20% of the training images (no
shuffle), test = the test images; no normalisation. Unpickling needs an explicit opt-in
(``allow_pickle=True`` or ``NB360_ALLOW_PICKLE=1``).
"""
from __future__ import annotations

import gzip
import os
import pickle
from typing import Any

import numpy as np

from training_data.tasks.data_root import candidate_dirs, find_file
from training_data.tasks.dataset import TaskData
from training_data.tasks.loaders import require_pickle_opt_in
from training_data.tasks.loaders._holdout import last_fraction_as_val

TASK = "spherical"
FILE = "s2_cifar100.gz"
SOURCE = (
    "NAS-Bench-360 Spherical CIFAR-100 file s2_cifar100.gz (https://nb360.ml.cmu.edu/, shared "
    "drive linked from github.com/rtu715/NAS-Bench-360)"
)
VAL_FRACTION = 0.2


def has_data(data_root: str | os.PathLike[str] | None = None) -> bool:
    return any((d / FILE).exists() for d in candidate_dirs(TASK, data_root))


def _part(dataset: dict[str, Any], part: str, path: object) -> tuple[np.ndarray, np.ndarray]:
    try:
        images, labels = dataset[part]["images"], dataset[part]["labels"]
    except (KeyError, TypeError) as error:
        raise KeyError(f"{path}: expected {{'train'|'test': {{'images', 'labels'}}}}, missing {error}") from None
    return np.asarray(images, dtype=np.float32), np.asarray(labels).reshape(-1).astype(np.int64)


def load(data_root: str | os.PathLike[str] | None = None, *, allow_pickle: bool | None = None) -> TaskData:
    """NB360's splits: ``x`` float32 ``(n, 3, 60, 60)``, ``y`` int64 in 0..99 (40k/10k/10k)."""
    path = find_file(TASK, FILE, SOURCE, data_root)
    require_pickle_opt_in(path, allow_pickle)
    with gzip.open(path, "rb") as f:
        dataset = pickle.load(f)  # noqa: S301 - opted in above
    meta = {"files": [str(path)], "split_rule": "val = last 20% of train (NB360, no shuffle)"}
    train, test = _part(dataset, "train", path), _part(dataset, "test", path)
    return last_fraction_as_val(TASK, train, test, VAL_FRACTION, meta)
