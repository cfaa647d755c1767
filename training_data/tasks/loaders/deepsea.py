"""DeepSEA (chromatin profile prediction) from NB360's ``deepsea_filtered.npz``.

Format (rtu715/NAS-Bench-360 DeepSEA utilities, ``load_deepsea_data``): one npz with
``x_train``, ``y_train``, ``x_val``, ``y_val``, ``x_test``, ``y_test``; ``x_*`` one-hot DNA of
shape ``(n, 1000, 4)``, ``y_*`` 36 binary chromatin labels ``(n, 36)``. Inputs are transposed
to channels-first ``(n, 4, 1000)`` as NB360's 1D networks read them. The npz is read without
pickle. ``max_samples`` keeps the first n samples of each split (the full file is ~250k samples).
"""
from __future__ import annotations

import os

import numpy as np

from training_data.tasks.data_root import candidate_dirs, find_file
from training_data.tasks.dataset import Split, TaskData

TASK = "deepsea"
FILE = "deepsea_filtered.npz"
SOURCE = (
    "NAS-Bench-360 DeepSEA file deepsea_filtered.npz (https://nb360.ml.cmu.edu/, shared drive "
    "linked from github.com/rtu715/NAS-Bench-360)"
)
SPLITS = ("train", "val", "test")


def has_data(data_root: str | os.PathLike[str] | None = None) -> bool:
    return any((d / FILE).exists() for d in candidate_dirs(TASK, data_root))


def load(data_root: str | os.PathLike[str] | None = None, *, max_samples: int | None = None) -> TaskData:
    """NB360's DeepSEA splits: ``x`` float32 ``(n, 4, 1000)``, ``y`` float32 ``(n, 36)``."""
    if max_samples is not None and max_samples < 1:
        raise ValueError(f"max_samples must be a positive integer or None, got {max_samples!r}")
    path = find_file(TASK, FILE, SOURCE, data_root)
    limit = slice(None, max_samples)
    splits = {}
    with np.load(path, allow_pickle=False) as data:
        missing = [f"{k}_{s}" for s in SPLITS for k in ("x", "y") if f"{k}_{s}" not in data.files]
        if missing:
            raise KeyError(f"{path} lacks arrays {missing}; it has {sorted(data.files)}")
        for split in SPLITS:
            x = np.asarray(data[f"x_{split}"][limit])
            if x.ndim != 3 or x.shape[-1] != 4:
                raise ValueError(f"{path}: x_{split} must be one-hot (n, length, 4), got {x.shape}")
            splits[split] = Split(
                x=np.ascontiguousarray(x.transpose(0, 2, 1), dtype=np.float32),
                y=np.asarray(data[f"y_{split}"][limit], dtype=np.float32),
            )
    meta = {"files": [str(path)], "split_rule": "NB360's x/y_{train,val,test} arrays", "max_samples": max_samples}
    return TaskData(TASK, **splits, meta=meta)
