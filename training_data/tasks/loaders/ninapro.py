"""NinaPro DB5 (sEMG gesture classification) from NB360's ``ninapro_{train,val,test}.npy``.

Format (rtu715/NAS-Bench-360, ``backbone/data_utils/load_data.py``, ``load_ninapro``): each
``ninapro_<split>.npy`` holds float windows of shape ``(n, 52, 16)`` (time x electrodes) and
``label_<split>.npy`` the 18 gesture ids. NB360 transposes to ``(n, 16, 52)`` and adds a channel
axis -> ``(n, 1, 16, 52)``; no normalisation. The three splits are NB360's own files.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from training_data.tasks.data_root import candidate_dirs, find_file
from training_data.tasks.dataset import Split, TaskData
from training_data.tasks.loaders import load_plain_npy

TASK = "ninapro"
SOURCE = (
    "NAS-Bench-360 NinaPro DB5 files ninapro_{train,val,test}.npy and label_{train,val,test}.npy "
    "(https://nb360.ml.cmu.edu/, shared drive linked from github.com/rtu715/NAS-Bench-360)"
)
SPLITS = ("train", "val", "test")
FILES = tuple(f"{kind}_{split}.npy" for split in SPLITS for kind in ("ninapro", "label"))


def has_data(data_root: str | os.PathLike[str] | None = None) -> bool:
    return any(all((d / f).exists() for f in FILES) for d in candidate_dirs(TASK, data_root))


def _split(split: str, data_root: str | os.PathLike[str] | None) -> tuple[Split, list[str]]:
    x_path = find_file(TASK, f"ninapro_{split}.npy", SOURCE, data_root)
    y_path = find_file(TASK, f"label_{split}.npy", SOURCE, data_root)
    x = load_plain_npy(x_path)
    if x.ndim != 3:
        raise ValueError(f"{x_path}: expected windows of shape (n, 52, 16), got {x.shape}")
    x = np.ascontiguousarray(np.transpose(x, (0, 2, 1))[:, None].astype(np.float32))
    y = load_plain_npy(y_path).reshape(-1).astype(np.int64)
    return Split(x=x, y=y), [str(Path(x_path)), str(Path(y_path))]


def load(data_root: str | os.PathLike[str] | None = None) -> TaskData:
    """NB360's NinaPro splits, ``x`` float32 ``(n, 1, 16, 52)``, ``y`` int64 gesture ids 0..17."""
    splits, files = {}, []
    for split in SPLITS:
        splits[split], paths = _split(split, data_root)
        files += paths
    return TaskData(TASK, **splits, meta={"files": files, "split_rule": "NB360's own train/val/test files"})
