"""Cosmic-ray detection (deepCR, HST ACS/WFC) from NB360's ``deepCR.ACS-WFC.{train,test}.tar``.

Format (rtu715/NAS-Bench-360, ``backbone/data_utils/cosmic_dataset.py`` after deepCR): each tar
holds ``npy_train/<filter>/<proposal>/<visit>/*.npy`` (``npy_test/...``), every file an array
``(3, H, W)`` = image, cosmic-ray mask, ignore plane (or ``(2, H, W)`` without the ignore plane,
then ignore = 0); ``sky.npy`` files hold sky levels for augmentation and are skipped. Members are
read straight from the tars (no extraction; ``np.load`` without pickle).

Splits as NB360's ``PairedDatasetImagePath``: train = the first 90% of the training files, val =
the remaining 10% (``part='test'`` there), test = all test files. NB360 takes the files in
``os.listdir`` order (file-system dependent); here they are sorted by path, so the split is
reproducible. The random sky-background augmentation (``aug_sky``) is a training-time
transform and is not applied. ``x`` = image ``(n, 1, H, W)``, ``y`` = mask, ``mask`` = ignore
plane (1 = ignore; it enters the loss only).
"""
from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import numpy as np

from training_data.tasks.data_root import candidate_dirs, find_file
from training_data.tasks.dataset import Split, TaskData
from training_data.tasks.loaders import load_plain_npy

TASK = "cosmic"
TRAIN_TAR = "deepCR.ACS-WFC.train.tar"
TEST_TAR = "deepCR.ACS-WFC.test.tar"
SOURCE = (
    "NAS-Bench-360 cosmic files deepCR.ACS-WFC.train.tar and deepCR.ACS-WFC.test.tar "
    "(https://nb360.ml.cmu.edu/, shared drive linked from github.com/rtu715/NAS-Bench-360; "
    "data of github.com/profjsb/deepCR)"
)
VAL_FRACTION = 0.1


def has_data(data_root: str | os.PathLike[str] | None = None) -> bool:
    return any((d / TRAIN_TAR).exists() and (d / TEST_TAR).exists() for d in candidate_dirs(TASK, data_root))


def _read_tar(path: Path, max_samples: int | None) -> Split:
    with tarfile.open(path) as archive:
        members = sorted(
            (m for m in archive.getmembers() if m.isfile() and m.name.endswith(".npy") and Path(m.name).name != "sky.npy"),
            key=lambda m: m.name,
        )[:max_samples]
        if not members:
            raise ValueError(f"{path} contains no image .npy files (expected npy_*/<filter>/<prop>/<visit>/*.npy)")
        images, masks, ignores = [], [], []
        for member in members:
            name = f"{path}:{member.name}"
            planes = load_plain_npy(io.BytesIO(archive.extractfile(member).read()), name)
            if planes.ndim != 3 or planes.shape[0] not in (2, 3):
                raise ValueError(f"{name}: expected (3, H, W) image/mask/ignore planes, got {planes.shape}")
            images.append(planes[0])
            masks.append(planes[1])
            ignores.append(planes[2] if planes.shape[0] == 3 else np.zeros_like(planes[0]))
    shapes = {a.shape for a in images}
    if len(shapes) != 1:
        raise ValueError(f"{path}: images have different shapes {sorted(shapes)}")
    return Split(x=_stack(images), y=_stack(masks), mask=_stack(ignores))


def _stack(planes: list[np.ndarray]) -> np.ndarray:
    return np.stack(planes)[:, None].astype(np.float32)


def load(data_root: str | os.PathLike[str] | None = None, *, max_samples: int | None = None) -> TaskData:
    """NB360's Cosmic splits (``x``, ``y`` and ``mask`` float32 ``(n, 1, H, W)``; H = W = 128)."""
    if max_samples is not None and max_samples < 1:
        raise ValueError(f"max_samples must be a positive integer or None, got {max_samples!r}")
    train_path = find_file(TASK, TRAIN_TAR, SOURCE, data_root)
    test_path = find_file(TASK, TEST_TAR, SOURCE, data_root)
    all_train = _read_tar(train_path, max_samples)
    n_train = max(1, int(len(all_train) * (1 - VAL_FRACTION)))
    index = np.arange(len(all_train))
    return TaskData(
        TASK,
        train=all_train.subset(index[:n_train]),
        val=all_train.subset(index[n_train:]),
        test=_read_tar(test_path, max_samples),
        meta={
            "files": [str(train_path), str(test_path)],
            "split_rule": "train/val = first 90% / last 10% of the training files sorted by path (NB360's 0.9 rule)",
            "max_samples": max_samples,
        },
    )
