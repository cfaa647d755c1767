"""Real Myo-armband sEMG windows: the stand-in for NB360's NinaPro task when its files are absent.

File ``myo_emg/windows.npz`` (in ``<root>/ninapro/`` or ``<root>/``; its ``README.md`` describes
it): 40,332 non-overlapping windows of 8 electrodes x 52 samples (260 ms at 200 Hz) of raw int8
Myo ADC counts, from the 2,128 recordings (one ~5 s gesture each) of 40 subjects of Côté-Allard
et al.'s Myo Armband Dataset, with per-window ``y`` (7 gestures), ``subject``, ``session``,
``cycle`` (the repetition, 0..3), ``rec`` (recording id) and ``start`` (first sample).

Inputs: ``x`` float32 ``(n, 1, 8, 52)``, electrodes as the image's rows as NB360 feeds NinaPro's
16x52 windows (``layout="image"``), or ``(n, 8, 52)``, the electrodes as the channels of a 1D
signal (``layout="channels"``, for 1D networks). The counts are divided by the fixed constant
128 (range [-1, 1)), so no statistic of any split enters the inputs; NB360 does not normalise
NinaPro either, and the original pipeline's high-pass filter and electrode shift are not applied.

Split, by repetition as NinaPro's protocols split DB5: cycles 0-1 train, cycle 2 val, cycle 3
test, for every selected subject and session (so each split holds every gesture of every
subject). A recording is one repetition of one gesture, so it lies wholly in one split. Every
split's ``groups`` is the recording id: protocol subsets keep whole val/test recordings, and the
0-1 error ignores groups.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from training_data.tasks.data_root import candidate_dirs, find_file
from training_data.tasks.dataset import Split, TaskData

TASK = "ninapro"
FILE = "myo_emg/windows.npz"
SOURCE = (
    "Myo-armband sEMG windows myo_emg/windows.npz (see its README.md), cut from the recordings of "
    "github.com/UlysseCoteAllard/MyoArmbandDataset (GPL-3.0; Côté-Allard et al., IEEE TNSRE 2019)"
)
SOURCE_NAME = "myo-armband"
CLASSES = ("Neutral", "Radial Deviation", "Wrist Flexion", "Ulnar Deviation", "Wrist Extension",
           "Hand Close", "Hand Open")
ELECTRODES, WINDOW = 8, 52
SCALE = 128.0
N_SUBJECTS, N_SESSIONS = 40, 3
SUBJECT_SETS: dict[str, tuple[int, ...]] = {
    "all": tuple(range(N_SUBJECTS)),
    "pretraining": tuple(range(22)),
    "evaluation": tuple(range(22, N_SUBJECTS)),
}
SPLIT_CYCLES: dict[str, tuple[int, ...]] = {"train": (0, 1), "val": (2,), "test": (3,)}
LAYOUTS = ("image", "channels")  # x of (n, 1, 8, 52) as NB360, or (n, 8, 52) for 1D networks
KEYS = ("x", "y", "subject", "session", "cycle", "rec", "start")
SPLIT_RULE = ("by repetition: cycles 0-1 train, cycle 2 val, cycle 3 test (every selected subject "
              "and session); each recording wholly in one split, groups = recording id")


def has_data(data_root: str | os.PathLike[str] | None = None) -> bool:
    return any((d / FILE).exists() for d in candidate_dirs(TASK, data_root))


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _ids(name: str, value: str | Sequence[int], named: dict[str, tuple[int, ...]],
         n: int) -> list[int]:
    """The ids ``value`` selects: a key of ``named`` or a non-empty sequence of ids in 0..n-1."""
    if isinstance(value, str):
        if value not in named:
            raise ValueError(f"{name}={value!r} is not valid; choose one of {sorted(named)} "
                             f"or a sequence of ids 0..{n - 1}")
        return list(named[value])
    ids = list(value) if hasattr(value, "__iter__") else []
    if not ids or any(not _is_int(i) or not 0 <= i < n for i in ids):
        raise ValueError(f"{name}={value!r} is not valid; choose one of {sorted(named)} or a "
                         f"non-empty sequence of ids 0..{n - 1}")
    return sorted({int(i) for i in ids})


def _read(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as npz:
        missing = [k for k in KEYS if k not in npz.files]
        if missing:
            raise ValueError(f"{path}: missing arrays {missing}; expected {list(KEYS)}")
        arrays = {k: npz[k] for k in KEYS}
    if arrays["x"].shape[1:] != (ELECTRODES, WINDOW):
        raise ValueError(f"{path}: expected x of shape (n, {ELECTRODES}, {WINDOW}), "
                         f"got {arrays['x'].shape}")
    if arrays["y"].size and not 0 <= arrays["y"].min() <= arrays["y"].max() < len(CLASSES):
        raise ValueError(f"{path}: gesture ids must be 0..{len(CLASSES) - 1}")
    return arrays


def _rewindow(arrays: dict[str, np.ndarray], stride: int) -> dict[str, np.ndarray]:
    """The windows of every recording cut again with ``stride`` (recordings rebuilt from their
    contiguous stride-52 windows, minus the file's dropped tails; per-window fields repeated,
    ``start`` recomputed)."""
    rec, start = arrays["rec"], arrays["start"].astype(np.int64)
    first = np.flatnonzero(np.r_[True, rec[1:] != rec[:-1]])
    bounds = np.r_[first, len(rec)]
    expected = np.arange(len(rec)) - np.repeat(first, np.diff(bounds))
    if not np.array_equal(start, expected * WINDOW):
        raise ValueError("windows of a recording are not contiguous (start = 0, 52, ...), "
                         "so they cannot be re-windowed")
    xs, index, starts = [], [], []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        signal = arrays["x"][lo:hi].transpose(1, 0, 2).reshape(ELECTRODES, -1)  # (8, samples)
        cut = sliding_window_view(signal, WINDOW, axis=1)[:, ::stride]  # (8, m, 52)
        xs.append(cut.transpose(1, 0, 2))
        index.append(np.full(cut.shape[1], lo))
        starts.append(np.arange(cut.shape[1]) * stride)
    out = {k: v[np.concatenate(index)] for k, v in arrays.items() if k not in ("x", "start")}
    return {**out, "x": np.concatenate(xs), "start": np.concatenate(starts)}


def load(
    data_root: str | os.PathLike[str] | None = None,
    *,
    subjects: str | Sequence[int] = "all",
    sessions: str | Sequence[int] = "all",
    stride: int = WINDOW,
    layout: str = "image",
) -> TaskData:
    """The Myo windows split by repetition (module docstring).

    ``subjects``: "all" (0-39), "pretraining" (0-21, one session each), "evaluation" (22-39,
    three sessions) or a sequence of subject ids. ``sessions``: "all" or a sequence of ids 0..2
    (0 = ``training0``; 1-2 exist for evaluation subjects only). ``stride``: 1..52, re-cut every
    recording with overlapping windows (the original code uses 5; about 52/stride times the data).
    ``layout``: "image" (``x`` of ``(n, 1, 8, 52)``, as NB360) or "channels" (``(n, 8, 52)``).
    """
    chosen_subjects = _ids("subjects", subjects, SUBJECT_SETS, N_SUBJECTS)
    chosen_sessions = _ids("sessions", sessions, {"all": tuple(range(N_SESSIONS))}, N_SESSIONS)
    if not _is_int(stride) or not 1 <= stride <= WINDOW:
        raise ValueError(f"stride={stride!r} is not valid; choose an integer 1..{WINDOW}")
    if layout not in LAYOUTS:
        raise ValueError(f"layout={layout!r} is not valid; choose one of {sorted(LAYOUTS)}")
    path = find_file(TASK, FILE, SOURCE, data_root)
    arrays = _read(path)
    keep = np.isin(arrays["subject"], chosen_subjects) & np.isin(arrays["session"], chosen_sessions)
    if not keep.any():
        raise ValueError(f"{path}: no window of subjects={subjects!r} in sessions={sessions!r}")
    arrays = {k: v[keep] for k, v in arrays.items()}
    if stride != WINDOW:
        arrays = _rewindow(arrays, int(stride))
    splits = {}
    for name, cycles in SPLIT_CYCLES.items():
        index = np.flatnonzero(np.isin(arrays["cycle"], cycles))
        x = arrays["x"][index].astype(np.float32) / np.float32(SCALE)
        if layout == "image":
            x = x[:, None]
        splits[name] = Split(x=x, y=arrays["y"][index].astype(np.int64),
                             groups=arrays["rec"][index].astype(np.int64))
    meta = {
        "source": SOURCE_NAME, "files": [str(path)], "split_rule": SPLIT_RULE,
        "split_cycles": {k: list(v) for k, v in SPLIT_CYCLES.items()}, "classes": list(CLASSES),
        "subjects": chosen_subjects, "sessions": chosen_sessions, "stride": int(stride),
        "layout": layout,
        "input_scale": f"raw int8 counts / {SCALE:g}",
    }
    return TaskData(TASK, **splits, meta=meta)
