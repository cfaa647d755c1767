"""NB360 Satellite: FORMOSAT-2 satellite image time series, length 46, 24 land-cover classes.

Two sources (searched under ``<root>/satellite/`` and ``<root>/``):

* ``"nb360"``: NB360's official ``satellite_train.npy`` / ``satellite_test.npy`` (about 1M series),
  each a pickled dict ``{'data': (n, 46), 'label': (n,) in 1..24}``, read as NB360's
  ``load_satellite_data`` does: labels minus 1, the test file is the test split and the LAST
  ``len(test)`` training series are the validation split. Pickle, so explicit opt-in is needed
  (``allow_pickle=True`` or ``NB360_ALLOW_PICKLE=1``; see :mod:`training_data.tasks.loaders`).
* ``"ucr_crop"``: the UCR archive's ``Crop_TRAIN.tsv`` (7,200 series, 300 per class; label 1..24
  in the first column, then 46 values; also found in ``ucr_crop/`` or ``Crop/``), the same
  FORMOSAT-2 source as NB360's data: a real subsample of it (documented, not the official split).
  Split: stratified by class, seeded (``split_seed``, default 0), 60 / 20 / 20 train/val/test via
  two ``sklearn.model_selection.train_test_split`` calls (4,320 / 1,440 / 1,440 series);
  ``val_fraction`` / ``test_fraction`` choose other shares (a larger test split scores a run on
  more series, so it is less noisy).

``source="auto"`` (default) takes the first accepted file found (the task folder before the root;
within a folder the NB360 files before UCR Crop). Preprocessing as
NB360: every series z-normalised on its own (population std). Output: ``x`` float32
(n, 1, 46), ``y`` int64 in 0..23.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from sklearn.model_selection import train_test_split

from training_data.tasks.data_root import DataFileNotFoundError, candidate_dirs, find_file
from training_data.tasks.dataset import Split, TaskData
from training_data.tasks.loaders import all_exist, require_pickle_opt_in

TASK = "satellite"
SOURCE = (
    "NB360's satellite_train.npy / satellite_test.npy from https://github.com/rtu715/NAS-Bench-360 "
    "(data download links), or the UCR archive's Crop dataset (Crop_TRAIN.tsv) from "
    "https://www.timeseriesclassification.com/description.php?Dataset=Crop"
)
SERIES_LENGTH = 46
N_CLASSES = 24
NB360_FILES = ("satellite_train.npy", "satellite_test.npy")
CROP_NAMES = ("Crop_TRAIN.tsv", "ucr_crop/Crop_TRAIN.tsv", "Crop/Crop_TRAIN.tsv")
SOURCES = ("auto", "nb360", "ucr_crop")
VAL_FRACTION = 0.2
TEST_FRACTION = 0.2

SourceKind = Literal["auto", "nb360", "ucr_crop"]


def znormalise(series: np.ndarray) -> np.ndarray:
    """Per-series ``(x - mean) / std`` along the time axis (NB360), float32."""
    series = np.asarray(series, dtype=np.float64)
    std = series.std(axis=1, keepdims=True)
    if np.any(std == 0):
        bad = np.flatnonzero(std[:, 0] == 0)[:5].tolist()
        raise ValueError(f"satellite series {bad} (row indices) are constant; cannot z-normalise")
    return ((series - series.mean(axis=1, keepdims=True)) / std).astype(np.float32)


def _labels(raw: np.ndarray, origin: str) -> np.ndarray:
    labels = np.asarray(raw)
    if labels.size and (
        np.any(labels != np.round(labels)) or labels.min() < 1 or labels.max() > N_CLASSES
    ):
        raise ValueError(
            f"{origin}: labels must be integers in 1..{N_CLASSES}, got range {labels.min()}..{labels.max()}"
        )
    return labels.astype(np.int64) - 1


def _split(x: np.ndarray, y: np.ndarray) -> Split:
    if x.ndim != 2 or x.shape[1] != SERIES_LENGTH:
        raise ValueError(
            f"satellite series must have length {SERIES_LENGTH}, got array shape {x.shape}"
        )
    return Split(x=znormalise(x)[:, None, :], y=y)


def read_crop(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The UCR tsv: (series (n, 46) float64, labels 0..23)."""
    table = np.loadtxt(path, delimiter="\t", ndmin=2)
    if table.shape[1] != SERIES_LENGTH + 1:
        raise ValueError(
            f"{path}: expected 1 label + {SERIES_LENGTH} values per row, got {table.shape[1]} columns"
        )
    return table[:, 1:], _labels(table[:, 0], str(path))


def check_fractions(val_fraction: float, test_fraction: float) -> None:
    """ValueError unless both fractions are in (0, 1) and leave some series for training."""
    if not (0 < val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise ValueError(
            f"satellite split fractions val={val_fraction!r}, test={test_fraction!r}: each must be in "
            "(0, 1) and together below 1"
        )


def stratified_split(
    y: np.ndarray, seed: int, val_fraction: float = VAL_FRACTION, test_fraction: float = TEST_FRACTION
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row indices of a stratified, seeded train/val/test split (default 60/20/20)."""
    check_fractions(val_fraction, test_fraction)
    index = np.arange(len(y))
    rest_fraction = val_fraction + test_fraction
    train, rest = train_test_split(index, test_size=rest_fraction, random_state=seed, stratify=y)
    val, test = train_test_split(
        rest, test_size=test_fraction / rest_fraction, random_state=seed, stratify=y[rest]
    )
    return train, val, test


def _load_crop(path: Path, split_seed: int, val_fraction: float, test_fraction: float) -> TaskData:
    x, y = read_crop(path)
    train, val, test = stratified_split(y, split_seed, val_fraction, test_fraction)
    shares = [round(100 * f) for f in (1 - val_fraction - test_fraction, val_fraction, test_fraction)]
    meta = {
        "source_kind": "ucr_crop",
        "source_path": str(path),
        "split": f"stratified {shares[0]}/{shares[1]}/{shares[2]} by two train_test_split calls",
        "split_seed": split_seed,
        "note": "UCR Crop: a 7,200-series real subsample of NB360's FORMOSAT-2 satellite data",
    }
    return TaskData(
        TASK, _split(x[train], y[train]), _split(x[val], y[val]), _split(x[test], y[test]), meta
    )


def _read_nb360_file(path: Path) -> tuple[np.ndarray, np.ndarray]:
    content = np.load(path, allow_pickle=True)[()]
    if not isinstance(content, dict) or "data" not in content or "label" not in content:
        raise KeyError(
            f"{path}: expected a pickled dict with keys 'data' and 'label' (NB360 format)"
        )
    return np.asarray(content["data"]), _labels(content["label"], str(path))


def _load_nb360(train_path: Path, test_path: Path, allow_pickle: bool | None) -> TaskData:
    require_pickle_opt_in(train_path, allow_pickle, SOURCE)
    x_all, y_all = _read_nb360_file(train_path)
    x_test, y_test = _read_nb360_file(test_path)
    n_val = len(x_test)
    if n_val >= len(x_all):
        raise ValueError(
            f"{train_path}: {len(x_all)} training series, need more than the {n_val} test series"
        )
    meta = {
        "source_kind": "nb360",
        "source_path": str(train_path.parent),
        "split": "NB360: official test file; validation = the last len(test) training series",
    }
    return TaskData(
        TASK,
        _split(x_all[:-n_val], y_all[:-n_val]),
        _split(x_all[-n_val:], y_all[-n_val:]),
        _split(x_test, y_test),
        meta,
    )


def has_data(data_root: str | Path | None = None) -> bool:
    """Whether UCR ``Crop_TRAIN.tsv`` or both NB360 ``.npy`` files (in one folder) are findable.

    Cheap: only looks for the files. The NB360 files still need the pickle opt-in to be loaded.
    """
    for folder in candidate_dirs(TASK, data_root):
        if all_exist([folder / name for name in NB360_FILES]):
            return True
        if any((folder / name).exists() for name in CROP_NAMES):
            return True
    return False


def load(
    data_root: str | Path | None = None,
    *,
    source: SourceKind = "auto",
    split_seed: int = 0,
    val_fraction: float = VAL_FRACTION,
    test_fraction: float = TEST_FRACTION,
    allow_pickle: bool | None = None,
) -> TaskData:
    """NB360's Satellite task from the official files or UCR Crop (module docstring).

    ``val_fraction`` / ``test_fraction`` size UCR Crop's split (NB360's files have their own).
    """
    if source not in SOURCES:
        raise ValueError(f"unknown satellite source {source!r}; valid: {', '.join(SOURCES)}")
    check_fractions(val_fraction, test_fraction)
    if source == "ucr_crop":
        return _load_crop(find_file(TASK, CROP_NAMES, SOURCE, data_root), split_seed, val_fraction,
                          test_fraction)
    names = (NB360_FILES[0],) if source == "nb360" else (NB360_FILES[0], *CROP_NAMES)
    found = find_file(TASK, names, SOURCE, data_root)  # raises naming every accepted file
    if found.name != NB360_FILES[0]:
        return _load_crop(found, split_seed, val_fraction, test_fraction)
    test_path = found.parent / NB360_FILES[1]
    if not test_path.exists():
        raise DataFileNotFoundError(
            f"task 'satellite': {test_path} not found next to {found}. Get the data: {SOURCE}"
        )
    return _load_nb360(found, test_path, allow_pickle)
