"""NB360 ECG: PhysioNet/CinC Challenge 2017 single-lead ECG, 4 classes (N, A, O, ~).

Sources, in order of preference (searched under ``<root>/ecg/`` and ``<root>/``, where ``<root>``
is the data root of :mod:`training_data.tasks.data_root`):

1. The PhysioNet layout: ``REFERENCE.csv`` (``record,label``) next to ``A*.mat`` (MATLAB v4,
   variable ``val``, int16), directly or in ``training2017/`` or ``physionet2017/training2017/``.
   When the folder of ``REFERENCE.csv`` holds no ``.mat`` files but the COMPACT form
   (``index.npz`` + ``signals.bz2``, written by :func:`~training_data.tasks.loaders.ecg_compact.write_compact`, e.g. in a data pack's
   ``physionet2017/compact/``), the same raw int16 values are read from it; the loaded arrays are
   identical (only ``meta['source_format']``, ``source_path`` and the cache key differ).
2. NB360's ``challenge2017.pkl`` (``{'data': records, 'label': labels}``, from hsd1503/resnet1d).
   Unpickling can execute arbitrary code, so it is read only on explicit opt-in:
   ``allow_pickle=True`` or the environment variable ``NB360_ALLOW_PICKLE=1``.

The compact form is :mod:`training_data.tasks.loaders.ecg_compact`.

Preprocessing follows NB360's ``read_data_physionet_4_with_val`` exactly:

* each record is z-normalised on its own (``(x - mean) / std``, population std);
* labels N/A/O/~ -> 0/1/2/3;
* records are split (not windows): ``train_test_split(test_size=0.2, random_state=0)`` then the
  20 % split again ``test_size=0.5, random_state=0`` into val/test; NOT stratified (NB360 passed
  no ``stratify``), over the records in file order (``split=`` other fractions, the same way,
  for CPU protocols that score on more records);
* every split is cut into windows of 1000 samples with NB360's per-class strides
  500 / 83 / 250 / 25 (N / A / O / ~, i.e. ``500 // {1, 6, 2, 20}``), starts
  ``range(0, len - 1000, stride)`` (so a record of exactly ``1000 + k * stride`` samples loses its
  last window, as in NB360); val and test use the same procedure.

``groups`` holds each window's record index (row in ``REFERENCE.csv``) for the per-record
majority vote. Deviation from NB360: training windows are not shuffled here (the training loop
shuffles every epoch). Output: ``x`` float32 (n, 1, 1000), ``y`` int64.

``max_records`` keeps a seeded random subset of records (``numpy.random.default_rng(seed)``,
without replacement, file order kept) BEFORE the split, for fast protocols. The z-normalised
records are cached on disk (see :mod:`training_data.tasks.cache`); windowing is redone per load.
"""

from __future__ import annotations

import csv
import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.io
from sklearn.model_selection import train_test_split

from training_data.tasks.cache import cache_key, cached_arrays, files_fingerprint
from training_data.tasks.data_root import DataFileNotFoundError, find_file
from training_data.tasks.dataset import Split, TaskData
from training_data.tasks.loaders import require_pickle_opt_in
from training_data.tasks.loaders.ecg_compact import COMPACT_INDEX, COMPACT_SIGNALS, read_compact

TASK = "ecg"
SOURCE = (
    "PhysioNet/CinC Challenge 2017 training set (training2017.zip: REFERENCE.csv + A*.mat) from "
    "https://physionet.org/content/challenge-2017/1.0.0/ , or NB360's preprocessed "
    "challenge2017.pkl from https://github.com/rtu715/NAS-Bench-360 (data download links)"
)
PREPROCESSING_VERSION = 1
LABELS = ("N", "A", "O", "~")
WINDOW = 1000
BASE_STRIDE = 500
STRIDE_DIVISORS = (1, 6, 2, 20)  # NB360 slide_and_cut: N, A, O, ~
STRIDES = tuple(BASE_STRIDE // d for d in STRIDE_DIVISORS)  # (500, 83, 250, 25)
REFERENCE_NAMES = (
    "REFERENCE.csv",
    "training2017/REFERENCE.csv",
    "physionet2017/training2017/REFERENCE.csv",
    "compact/REFERENCE.csv",
    "physionet2017/compact/REFERENCE.csv",
)
PICKLE_NAME = "challenge2017.pkl"


@dataclass(frozen=True)
class Records:
    """Z-normalised records in one flat float32 array, cut at ``offsets`` (len n + 1)."""

    signal: np.ndarray
    offsets: np.ndarray
    labels: np.ndarray
    index: np.ndarray  # row of each record in the source (the group id)


def encode_labels(labels: list[str]) -> np.ndarray:
    """N/A/O/~ -> 0..3 (int64); an unknown label raises ValueError naming it."""
    lookup = {name: i for i, name in enumerate(LABELS)}
    bad = sorted({lab for lab in labels if lab not in lookup})
    if bad:
        raise ValueError(f"unknown ECG label(s) {bad}; valid: {list(LABELS)}")
    return np.array([lookup[lab] for lab in labels], dtype=np.int64)


def znormalise(values: np.ndarray, name: str) -> np.ndarray:
    """``(x - mean) / std`` of one record in float64 (NB360), returned as float32."""
    values = np.asarray(values, dtype=np.float64).ravel()
    std = values.std()
    if values.size == 0 or not np.isfinite(std) or std == 0:
        raise ValueError(f"ECG record {name!r} is empty or constant; it cannot be z-normalised")
    return ((values - values.mean()) / std).astype(np.float32)


def window_starts(length: int, label: int) -> np.ndarray:
    """NB360's window starts for one record: ``range(0, length - 1000, stride[label])``."""
    return np.arange(0, length - WINDOW, STRIDES[label], dtype=np.int64)


def cut_windows(records: Records, members: np.ndarray) -> Split:
    """Windows of the records at positions ``members`` (in that order), with record groups."""
    starts, owners = [], []
    for i in members:
        s = window_starts(int(records.offsets[i + 1] - records.offsets[i]), int(records.labels[i]))
        starts.append(records.offsets[i] + s)
        owners.append(np.full(len(s), i, dtype=np.int64))
    flat_starts = np.concatenate(starts) if starts else np.zeros(0, dtype=np.int64)
    owner = np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64)
    if len(records.signal) >= WINDOW:
        x = np.lib.stride_tricks.sliding_window_view(records.signal, WINDOW)[flat_starts][
            :, None, :
        ]
    else:  # no record is long enough for a window
        x = np.zeros((0, 1, WINDOW), dtype=np.float32)
    return Split(x=x, y=records.labels[owner], groups=records.index[owner])


NB360_SPLIT = (0.8, 0.1, 0.1)


def check_split(split: Sequence[float]) -> tuple[float, float, float]:
    """``split`` as (train, val, test) fractions of the records: three positive numbers that sum
    to 1; ``ValueError`` naming the value otherwise."""
    try:
        fractions = tuple(float(f) for f in split)
    except (TypeError, ValueError):
        fractions = ()
    if len(fractions) != 3 or any(not 0 < f < 1 for f in fractions) or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"split must be (train, val, test) fractions of the records, each in (0, 1) "
                         f"and summing to 1, e.g. {NB360_SPLIT} (NB360's), got {split!r}")
    return fractions  # type: ignore[return-value]


def describe_split(split: tuple[float, float, float]) -> str:
    """The record split ``split`` (checked) in words, for ``TaskData.meta`` (NB360's in the words
    its records have always carried)."""
    if split == NB360_SPLIT:
        return ("records 80/10/10: train_test_split(test_size=0.2, random_state=0), then "
                "test_size=0.5, random_state=0 (NB360, unstratified)")
    shares = "/".join(f"{100 * f:g}" for f in split)
    return (f"records {shares}: train_test_split(random_state=0) of the val + test share, then of "
            f"that into val and test (unstratified; NB360: 80/10/10)")


def split_records(n: int, split: Sequence[float] = NB360_SPLIT) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The record split by two unstratified ``train_test_split`` with seed 0: the val + test
    share off the records, then that part into val and test. NB360's 80/10/10 is the default
    (``test_size=0.2`` then ``0.5``); a larger test share scores a run on more records (the rare
    noise class has about 3 % of them) at the cost of scoring them, not of training."""
    _, val_share, test_share = check_split(split)
    if n < 10:
        raise ValueError(f"ECG needs at least 10 records for a train/val/test split, got {n}")
    train, rest = train_test_split(np.arange(n), test_size=val_share + test_share, random_state=0)
    val, test = train_test_split(rest, test_size=test_share / (val_share + test_share), random_state=0)
    return train, val, test


def _select(n: int, max_records: int | None, seed: int) -> np.ndarray:
    if max_records is None or max_records >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=max_records, replace=False))


def read_reference(path: Path) -> tuple[list[str], list[str]]:
    """Record names and labels of a PhysioNet ``REFERENCE.csv`` (``record,label`` rows)."""
    names, labels = [], []
    with path.open(newline="") as handle:
        for row in csv.reader(handle):
            if not row:
                continue
            if len(row) < 2:
                raise ValueError(f"{path}: bad row {row!r}; expected 'record,label'")
            names.append(row[0].strip())
            labels.append(row[1].strip())
    if not names:
        raise ValueError(f"{path} lists no records")
    return names, labels


def _pack(
    signals: list[np.ndarray], labels: np.ndarray, index: np.ndarray
) -> dict[str, np.ndarray]:
    offsets = np.zeros(len(signals) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(s) for s in signals])
    signal = np.concatenate(signals) if signals else np.zeros(0, dtype=np.float32)
    return {"signal": signal, "offsets": offsets, "labels": labels, "index": index}


def _mat_values(reference: Path, name: str) -> np.ndarray:
    mat = reference.parent / f"{name}.mat"
    if not mat.exists():
        raise DataFileNotFoundError(
            f"task 'ecg': record file {mat} listed in {reference} is missing (and there is no "
            f"compact {COMPACT_INDEX} next to it). Get the data: {SOURCE}"
        )
    content = scipy.io.loadmat(mat)
    if "val" not in content:
        raise KeyError(
            f"{mat} has no variable 'val' (PhysioNet 2017 layout); found {sorted(content)}"
        )
    return content["val"]


def compact_folder(reference: Path, names: Sequence[str]) -> Path | None:
    """The folder of the compact form to read records from, or None to read the ``.mat`` files.

    The compact form is used when ``index.npz`` lies next to ``REFERENCE.csv`` and the first
    listed record's ``.mat`` file does not (the original files win when both are there).
    """
    folder = reference.parent
    if (folder / f"{names[0]}.mat").exists() or not (folder / COMPACT_INDEX).exists():
        return None
    return folder


def read_raw_records(
    reference: Path, names: Sequence[str], chosen: Sequence[int]
) -> Iterator[np.ndarray]:
    """The raw (unnormalised) samples of records ``chosen`` (rows of ``REFERENCE.csv``).

    Read from the ``.mat`` files next to ``reference`` or from the compact form there
    (:func:`compact_folder`); a record missing from either raises DataFileNotFoundError naming it.
    """
    folder = compact_folder(reference, names)
    if folder is None:
        return (_mat_values(reference, names[i]) for i in chosen)
    store = read_compact(folder)
    position = {str(name): k for k, name in enumerate(store.names)}
    missing = [names[i] for i in chosen if names[i] not in position]
    if missing:
        raise DataFileNotFoundError(
            f"task 'ecg': {len(missing)} record(s) listed in {reference} (first: {missing[:3]}) "
            f"are not in the compact index {folder / COMPACT_INDEX}; rebuild the pack"
        )
    return (store.record(position[names[i]]) for i in chosen)


def _read_physionet(
    reference: Path, chosen: np.ndarray, names: list[str], labels: np.ndarray
) -> dict[str, np.ndarray]:
    raw = read_raw_records(reference, names, chosen)
    signals = [znormalise(values, names[i]) for values, i in zip(raw, chosen, strict=True)]
    return _pack(signals, labels[chosen], chosen.astype(np.int64))


def _read_pickle(path: Path, max_records: int | None, seed: int) -> dict[str, np.ndarray]:
    with path.open("rb") as handle:
        content = pickle.load(handle)  # noqa: S301 - explicit opt-in, see module docstring
    if not isinstance(content, dict) or "data" not in content or "label" not in content:
        raise KeyError(f"{path}: expected a dict with keys 'data' and 'label' (NB360 format)")
    labels = encode_labels([str(lab) for lab in content["label"]])
    if len(labels) != len(content["data"]):
        raise ValueError(f"{path}: {len(content['data'])} records but {len(labels)} labels")
    chosen = _select(len(labels), max_records, seed)
    signals = [znormalise(content["data"][i], f"{path.name}[{i}]") for i in chosen]
    return _pack(signals, labels[chosen], chosen.astype(np.int64))


def has_data(data_root: str | Path | None = None) -> bool:
    """Whether a PhysioNet ``REFERENCE.csv`` or NB360's ``challenge2017.pkl`` is findable.

    Cheap: only looks for the files. A pickle found here still needs the opt-in to be loaded.
    """
    try:
        find_file(TASK, (*REFERENCE_NAMES, PICKLE_NAME), SOURCE, data_root)
    except DataFileNotFoundError:
        return False
    return True


def find_reference(data_root: str | Path | None = None) -> Path:
    """The PhysioNet ``REFERENCE.csv`` (raises DataFileNotFoundError naming the accepted names)."""
    return find_file(TASK, REFERENCE_NAMES, SOURCE, data_root)


def _locate(data_root: str | Path | None, allow_pickle: bool | None) -> tuple[str, Path]:
    try:
        return "physionet", find_reference(data_root)
    except DataFileNotFoundError:
        pass  # the next search finds the pickle, or raises naming every accepted file
    pkl = find_file(TASK, (*REFERENCE_NAMES, PICKLE_NAME), SOURCE, data_root)
    require_pickle_opt_in(pkl, allow_pickle, SOURCE)
    return "pickle", pkl


def load_records(
    data_root: str | Path | None = None,
    *,
    max_records: int | None = None,
    seed: int = 0,
    allow_pickle: bool | None = None,
    use_cache: bool = True,
    cache_dir: str | Path | None = None,
) -> tuple[Records, dict[str, object]]:
    """The z-normalised records (cached) and provenance facts for ``TaskData.meta``."""
    if max_records is not None and max_records < 10:
        raise ValueError(f"max_records must be None or >= 10 (80/10/10 split), got {max_records}")
    kind, path = _locate(data_root, allow_pickle)
    parts: dict[str, object] = {
        "version": PREPROCESSING_VERSION,
        "kind": kind,
        "path": str(path.resolve()),
    }
    source_format = "pickle"
    if kind == "physionet":
        names, raw_labels = read_reference(path)
        labels = encode_labels(raw_labels)
        chosen = _select(len(names), max_records, seed)
        compact = compact_folder(path, names)
        parts["reference"] = files_fingerprint([path])
        if compact is None:
            source_format = "mat"
            mats = [path.parent / f"{names[i]}.mat" for i in chosen]
            parts["records"] = files_fingerprint(m for m in mats if m.exists())
        else:  # own key: fingerprints of the compact files and the subset that is read
            source_format = "compact"
            files = [compact / COMPACT_INDEX, compact / COMPACT_SIGNALS]
            parts |= {
                "compact": files_fingerprint(f for f in files if f.exists()),
                "max_records": max_records,
                "seed": seed,
            }
        compute = lambda: _read_physionet(path, chosen, names, labels)  # noqa: E731
    else:
        parts |= {"pickle": files_fingerprint([path]), "max_records": max_records, "seed": seed}
        compute = lambda: _read_pickle(path, max_records, seed)  # noqa: E731
    arrays, hit = cached_arrays(cache_key("ecg-records", parts), compute, cache_dir, use_cache)
    records = Records(**{k: arrays[k] for k in ("signal", "offsets", "labels", "index")})
    meta = {
        "source_kind": kind,
        "source_format": source_format,
        "source_path": str(path),
        "cache_hit": hit,
        "max_records": max_records,
        "subsample_seed": seed,
    }
    return records, meta


def downsample_windows(split: Split, factor: int) -> Split:
    """``split`` with each window averaged over ``factor`` consecutive samples (1000 -> 1000 / factor)."""
    if factor == 1:
        return split
    n, channels, length = split.x.shape
    x = split.x.reshape(n, channels, length // factor, factor).mean(axis=-1, dtype=np.float32)
    return Split(x=np.ascontiguousarray(x), y=split.y, groups=split.groups, mask=split.mask)


def load(data_root: str | Path | None = None, *, downsample: int = 1,
         split: Sequence[float] = NB360_SPLIT, **options: Any) -> TaskData:
    """NB360's ECG task (module docstring): windows (n, 1, 1000) float32, labels int64, groups.

    ``downsample``: average every ``downsample`` samples (a divisor of 1000; 2 gives 150 Hz
    windows of 500 samples), a cheaper input for CPU protocols; 1 (default) is NB360's input.
    ``split``: (train, val, test) fractions of the records (:func:`split_records`; default
    NB360's 80/10/10).
    ``options`` are those of :func:`load_records` (``max_records``, ``seed``, ``allow_pickle``,
    ``use_cache``, ``cache_dir``).
    """
    if isinstance(downsample, bool) or not isinstance(downsample, int) or downsample < 1 \
            or WINDOW % downsample:
        raise ValueError(f"downsample must be a positive divisor of {WINDOW}, got {downsample!r}")
    split = check_split(split)
    records, meta = load_records(data_root, **options)
    train, val, test = split_records(len(records.labels), split)
    meta |= {
        "labels": list(LABELS),
        "window": WINDOW,
        "strides": dict(zip(LABELS, STRIDES, strict=True)),
        "split": describe_split(split),
        "n_records": {"train": len(train), "val": len(val), "test": len(test)},
        "preprocessing_version": PREPROCESSING_VERSION,
        **({"downsample": downsample} if downsample != 1 else {}),
    }
    return TaskData(
        task=TASK,
        train=downsample_windows(cut_windows(records, train), downsample),
        val=downsample_windows(cut_windows(records, val), downsample),
        test=downsample_windows(cut_windows(records, test), downsample),
        meta=meta,
    )
