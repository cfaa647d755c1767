"""NinaPro (sEMG gesture classification): NB360's DB5 files, or real Myo-armband sEMG as stand-in.

``source="ninapro-db5"`` - NB360's ``ninapro_{train,val,test}.npy`` (rtu715/NAS-Bench-360,
``backbone/data_utils/load_data.py``, ``load_ninapro``): each holds float windows of shape
``(n, 52, 16)`` (time x electrodes) and ``label_<split>.npy`` the 18 gesture ids. NB360 transposes
to ``(n, 16, 52)`` and adds a channel axis -> ``(n, 1, 16, 52)``; no normalisation. The three
splits are NB360's own files.

``source="myo-armband"`` - :mod:`.myo_emg`: 8-electrode Myo windows ``(n, 1, 8, 52)``, 7 gestures,
split by repetition (needs a protocol with that ``input_shape`` / ``n_outputs``).

``source="auto"`` (default) - NB360's files when all six are present, else the Myo windows.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from training_data.tasks.data_root import candidate_dirs, find_file
from training_data.tasks.dataset import Split, TaskData
from training_data.tasks.loaders import load_plain_npy, myo_emg

TASK = "ninapro"
DB5_SOURCE = (
    "NAS-Bench-360 NinaPro DB5 files ninapro_{train,val,test}.npy and label_{train,val,test}.npy "
    "(https://nb360.ml.cmu.edu/, shared drive linked from github.com/rtu715/NAS-Bench-360)"
)
SOURCE = f"{DB5_SOURCE}; or, as a stand-in (source='myo-armband'), {myo_emg.SOURCE}"
SOURCES = ("auto", "ninapro-db5", "myo-armband")
SPLITS = ("train", "val", "test")
FILES = tuple(f"{kind}_{split}.npy" for split in SPLITS for kind in ("ninapro", "label"))


def has_db5(data_root: str | os.PathLike[str] | None = None) -> bool:
    """Whether NB360's six NinaPro files are all in one of the task's folders."""
    return any(all((d / f).exists() for f in FILES) for d in candidate_dirs(TASK, data_root))


def has_data(data_root: str | os.PathLike[str] | None = None) -> bool:
    return has_db5(data_root) or myo_emg.has_data(data_root)


def _split(split: str, data_root: str | os.PathLike[str] | None) -> tuple[Split, list[str]]:
    x_path = find_file(TASK, f"ninapro_{split}.npy", DB5_SOURCE, data_root)
    y_path = find_file(TASK, f"label_{split}.npy", DB5_SOURCE, data_root)
    x = load_plain_npy(x_path)
    if x.ndim != 3:
        raise ValueError(f"{x_path}: expected windows of shape (n, 52, 16), got {x.shape}")
    x = np.ascontiguousarray(np.transpose(x, (0, 2, 1))[:, None].astype(np.float32))
    y = load_plain_npy(y_path).reshape(-1).astype(np.int64)
    return Split(x=x, y=y), [str(Path(x_path)), str(Path(y_path))]


def _load_db5(data_root: str | os.PathLike[str] | None) -> TaskData:
    """NB360's NinaPro splits, ``x`` float32 ``(n, 1, 16, 52)``, ``y`` int64 gesture ids 0..17."""
    splits, files = {}, []
    for split in SPLITS:
        splits[split], paths = _split(split, data_root)
        files += paths
    meta = {"source": "ninapro-db5", "files": files, "split_rule": "NB360's own split files"}
    return TaskData(TASK, **splits, meta=meta)


def _resolve(source: str, data_root: str | os.PathLike[str] | None) -> str:
    """The concrete source ``source`` names ("auto": NB360's files if complete, else Myo's)."""
    if source not in SOURCES:
        valid = ", ".join(map(repr, SOURCES))
        raise ValueError(f"unknown ninapro source {source!r}; valid: {valid}")
    if source != "auto":
        return source
    if has_db5(data_root):
        return "ninapro-db5"
    if myo_emg.has_data(data_root):
        return "myo-armband"
    find_file(TASK, [FILES[0], myo_emg.FILE], SOURCE, data_root)  # neither: error naming both
    return "ninapro-db5"  # some NB360 files exist: its loader names the missing one


def load(data_root: str | os.PathLike[str] | None = None, *, source: str = "auto",
         **options: Any) -> TaskData:
    """NinaPro data from ``source`` (module docstring); ``meta["source"]`` says which was read.

    ``options`` go to :func:`.myo_emg.load` (``subjects``, ``sessions``, ``stride``, ``layout``); NB360's files
    take none.
    """
    chosen = _resolve(source, data_root)
    if chosen == "myo-armband":
        return myo_emg.load(data_root, **options)
    if options:
        raise ValueError(f"ninapro source 'ninapro-db5' takes no options, got {sorted(options)}")
    return _load_db5(data_root)
