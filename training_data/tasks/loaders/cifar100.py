"""CIFAR-100 from the official python pickles (``cifar-100-python``), as NB360 uses it.

NB360 (rtu715/NAS-Bench-360, ``backbone/data_utils/load_data.py``) loads torchvision's
``CIFAR100``, i.e. ``cifar-100-python/{train,test}``: pickled dicts with ``b"data"`` (n x 3072
uint8, channel-major) and ``b"fine_labels"``. Either the extracted folder or the
``cifar-100-python.tar.gz`` archive is read. Split as NB360: validation = the LAST 10,000 of
the 50,000 training images (indices 40000-49999), test = the 10,000 test images. Pixels are
scaled to [0, 1] and normalised with NB360's mean (0.5071, 0.4867, 0.4408) and std
(0.2675, 0.2565, 0.2761). The random crop / flip / cutout augmentation is a training-time
transform, not part of the loaded data. Unpickling needs an explicit opt-in.
"""
from __future__ import annotations

import os
import pickle
import tarfile
from pathlib import Path
from typing import Any

import numpy as np

from training_data.tasks.data_root import candidate_dirs, find_file
from training_data.tasks.dataset import TaskData
from training_data.tasks.loaders import require_pickle_opt_in
from training_data.tasks.loaders._holdout import last_fraction_as_val

TASK = "cifar100"
FOLDER = "cifar-100-python"
ARCHIVE = "cifar-100-python.tar.gz"
SOURCE = "the CIFAR-100 python version, cifar-100-python.tar.gz (https://www.cs.toronto.edu/~kriz/cifar.html)"
MEAN = np.array([0.5071, 0.4867, 0.4408], dtype=np.float32)
STD = np.array([0.2675, 0.2565, 0.2761], dtype=np.float32)
VAL_FRACTION = 0.2  # NB360: val_split=0.2 -> the last 10,000 of 50,000


def has_data(data_root: str | os.PathLike[str] | None = None) -> bool:
    return any((d / FOLDER / "train").exists() or (d / ARCHIVE).exists() for d in candidate_dirs(TASK, data_root))


def _read_parts(path: Path) -> dict[str, dict[bytes, Any]]:
    parts = {}
    if path.is_dir():
        for part in ("train", "test"):
            member = path / part
            if not member.exists():
                raise FileNotFoundError(f"{member} is missing (expected {FOLDER}/train and {FOLDER}/test)")
            with member.open("rb") as f:
                parts[part] = pickle.load(f, encoding="bytes")  # noqa: S301 - opted in
        return parts
    with tarfile.open(path, "r:gz") as archive:
        for part in ("train", "test"):
            try:
                member = archive.extractfile(f"{FOLDER}/{part}")
            except KeyError:
                raise FileNotFoundError(f"{path} has no member {FOLDER}/{part}") from None
            parts[part] = pickle.load(member, encoding="bytes")  # noqa: S301 - opted in
    return parts


def _arrays(batch: dict[bytes, Any], where: str) -> tuple[np.ndarray, np.ndarray]:
    if b"data" not in batch or b"fine_labels" not in batch:
        raise KeyError(f"{where}: expected keys b'data' and b'fine_labels', got {sorted(batch)[:5]}")
    images = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    x = (images.astype(np.float32) / 255.0 - MEAN[:, None, None]) / STD[:, None, None]
    return x.astype(np.float32), np.asarray(batch[b"fine_labels"], dtype=np.int64)


def load(data_root: str | os.PathLike[str] | None = None, *, allow_pickle: bool | None = None) -> TaskData:
    """NB360's CIFAR-100 splits: ``x`` float32 ``(n, 3, 32, 32)`` normalised, ``y`` int64 0..99."""
    path = find_file(TASK, [FOLDER, ARCHIVE], SOURCE, data_root)
    require_pickle_opt_in(path, allow_pickle)
    parts = _read_parts(path)
    meta = {
        "files": [str(path)],
        "split_rule": "val = last 20% of train (10,000 images; NB360, no shuffle)",
        "normalisation": {"mean": MEAN.tolist(), "std": STD.tolist()},
    }
    train = _arrays(parts["train"], f"{path} (train)")
    test = _arrays(parts["test"], f"{path} (test)")
    return last_fraction_as_val(TASK, train, test, VAL_FRACTION, meta)
