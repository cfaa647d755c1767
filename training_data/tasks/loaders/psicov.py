"""PSICOV distance maps: NB360's ``protein.zip`` (PDNET's data and preprocessing), or a stand-in.

Sources (``load(source=...)``): ``"pdnet-nb360"`` reads ``protein.zip`` as below;
``"psicov150"`` reads the 150 PSICOV proteins of :mod:`.psicov150` (44 channels, not NB360's
57); ``"auto"`` (default) takes ``protein.zip`` when it is there, else ``psicov150``.

Format (rtu715/NAS-Bench-360, ``darts/gaea-grid/model_def.py`` + ``data_utils/protein_gen.py``,
which reuse PDNET's ``dataio.py``, github.com/ba-lab/pdnet): the zip holds ``deepcov.lst`` and
``psicov.lst`` (one protein id per line), ``{deepcov,psicov}/features/<id>.pkl`` (pickled dicts:
``seq``, ``ss`` (3, L), ``pssm`` (L, 22), ``sa`` (L,), ``entropy`` (L,), ``ccmpred``,
``freecon``, ``potential`` (L, L)) and ``{deepcov,psicov}/distance/<id>-cb.npy`` (a pickled
object array ``(L, sequence, Cb-Cb distance map)``). Both are pickles: the loader needs the
explicit opt-in (``allow_pickle=True`` or ``NB360_ALLOW_PICKLE=1``).

Preprocessing as PDNET/NB360: 57 input channels (ss, pssm, sa, entropy as row- and column-
broadcast pairs = 6 + 44 + 2 + 2, then ccmpred, freecon, potential); distances below 1 A set
to 1 and the diagonal filled from its neighbours (PDNET ``get_map``); the protein is padded by
``pad_size = 10`` (5 each side; input 0, distance 100 A); NaN -> 0 afterwards.

Splits as NB360: val = the first 100 DeepCov proteins, train = the other DeepCov proteins, test
= the 150 PSICOV proteins. Train samples are ``crop x crop`` (128) windows: a protein that fits
is placed top-left on a 0 / 100 A background, a larger one is cut at a random offset (NB360
re-draws it every epoch; here one seeded draw), and distances are clipped at 16 A
(``label_engineering='16.0'``). Val/test samples are the full padded maps (``full_size``,
default the largest padded length of the split; NB360 used 512), unclipped, for MAE8. ``mask``
marks real residue pairs (1) versus padding and unknown distances (0); NB360 turned unknown
distances into 0 A and so counted them in MAE8 (the PSICOV set has none: PDNET asserts it).
"""
from __future__ import annotations

import inspect
import io
import os
import pickle
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from training_data.tasks.data_root import candidate_dirs, find_file
from training_data.tasks.dataset import Split, TaskData
from training_data.tasks.loaders import require_pickle_opt_in

TASK = "psicov"
FILE = "protein.zip"
SOURCES = ("auto", "pdnet-nb360", "psicov150")
PSICOV150_INDEX = "psicov150/index.json"
PDNET_SOURCE = (
    "NAS-Bench-360 PSICOV/DeepCov file protein.zip (https://nb360.ml.cmu.edu/, shared drive "
    "linked from github.com/rtu715/NAS-Bench-360; data of github.com/ba-lab/pdnet)"
)
PSICOV150_SOURCE = (
    "folder psicov150/ of the 150 PSICOV proteins (<pdbid>.npz + index.json: sequences, C-beta "
    "distances and GREMLIN APC coupling norms from github.com/bestlab/GREMLIN_RF @ 53ead1b; the "
    "APC arrays are for research use only)"
)
SOURCE = f"{PDNET_SOURCE}; or, as a stand-in (source='psicov150'), the {PSICOV150_SOURCE}"
N_CHANNELS = 57
PAD_SIZE = 10
TRAIN_CLIP = 16.0
PAD_DISTANCE = 100.0
_MEMBER = re.compile(r"(?:^|/)(deepcov|psicov|cameo)/(features|distance)/(.+?)(?:\.pkl|-cb\.npy)$")
_LIST = re.compile(r"(?:^|/)(deepcov|psicov)\.lst$")


def has_pdnet_data(data_root: str | os.PathLike[str] | None = None) -> bool:
    """Whether NB360's ``protein.zip`` is in the task's folders."""
    return any((d / FILE).exists() for d in candidate_dirs(TASK, data_root))


def has_data(data_root: str | os.PathLike[str] | None = None) -> bool:
    """Whether ``protein.zip`` or the ``psicov150`` folder is there."""
    from training_data.tasks.loaders import psicov150  # here: psicov150 imports this module

    return has_pdnet_data(data_root) or psicov150.has_data(data_root)


@dataclass
class Protein:
    """One protein's pair features ``(C, L, L)`` and distance map ``(L, L)`` (NaN where unknown)."""

    features: np.ndarray
    distance: np.ndarray


def features_to_channels(features: dict[str, Any]) -> np.ndarray:
    """PDNET's 57 input channels ``(57, L, L)`` from a feature dict."""
    length = len(features["seq"])
    rows: list[np.ndarray] = []

    def pair(vector: np.ndarray) -> None:
        broadcast = np.broadcast_to(np.asarray(vector, dtype=np.float32).reshape(1, length), (length, length))
        rows.extend([broadcast, broadcast.T])

    expected = {"ss": (3, length), "pssm": (length, 22), "sa": (length,), "entropy": (length,)}
    for key, shape in expected.items():
        if np.shape(features[key]) != shape:
            raise ValueError(f"feature {key!r} has shape {np.shape(features[key])}, expected {shape}")
    for j in range(3):
        pair(features["ss"][j])
    for j in range(22):
        pair(np.asarray(features["pssm"])[:, j])
    pair(features["sa"])
    pair(features["entropy"])
    for key in ("ccmpred", "freecon", "potential"):
        if np.shape(features[key]) != (length, length):
            raise ValueError(f"feature {key!r} has shape {np.shape(features[key])}, expected {(length, length)}")
        rows.append(np.asarray(features[key], dtype=np.float32))
    return np.stack(rows).astype(np.float32)


def clean_distance_map(cb_map: np.ndarray, length: int) -> np.ndarray:
    """PDNET's ``get_map``: clip below 1 A, fill the diagonal from its neighbours, pad to L."""
    y = np.array(cb_map, dtype=np.float64)
    ly = y.shape[0]
    y[y < 1.0] = 1.0
    if ly >= 2:
        y[0, 0], y[ly - 1, ly - 1] = y[0, 1], y[ly - 1, ly - 2]
    for q in range(1, ly - 1):
        if np.isnan(y[q, q]):
            continue
        left, right = y[q, q - 1], y[q, q + 1]
        if np.isnan(left) and np.isnan(right):
            y[q, q] = 1.0
        elif np.isnan(left):
            y[q, q] = right
        elif np.isnan(right):
            y[q, q] = left
        else:
            y[q, q] = (left + right) / 2.0
    full = np.full((length, length), np.nan)
    full[:ly, :ly] = y[:length, :length]
    return full.astype(np.float32)


def _pad(protein: Protein) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    length = protein.distance.shape[0]
    size, lo = length + PAD_SIZE, PAD_SIZE // 2
    x = np.zeros((protein.features.shape[0], size, size), dtype=np.float32)
    x[:, lo : lo + length, lo : lo + length] = protein.features
    y = np.full((size, size), PAD_DISTANCE, dtype=np.float32)
    y[lo : lo + length, lo : lo + length] = protein.distance
    valid = np.zeros((size, size), dtype=np.float32)
    valid[lo : lo + length, lo : lo + length] = ~np.isnan(protein.distance)
    return x, y, valid


def _place(padded: tuple[np.ndarray, np.ndarray, np.ndarray], size: int, offset: tuple[int, int]) -> tuple[np.ndarray, ...]:
    x, y, valid = padded
    rx, ry = offset
    out_x = np.zeros((x.shape[0], size, size), dtype=np.float32)
    out_y = np.full((size, size), PAD_DISTANCE, dtype=np.float32)
    out_valid = np.zeros((size, size), dtype=np.float32)
    h = min(size, x.shape[1])
    out_x[:, :h, :h] = x[:, rx : rx + h, ry : ry + h]
    out_y[:h, :h] = y[rx : rx + h, ry : ry + h]
    out_valid[:h, :h] = valid[rx : rx + h, ry : ry + h]
    return out_x, out_y, out_valid


def make_split(
    proteins: Iterable[Protein], size: int, rng: np.random.Generator | None, crops: int = 1
) -> Split:
    """Crops (``rng`` given: train, clipped at 16 A) or full maps placed top-left.

    With ``rng``, each protein larger than ``size`` (padded) gives ``crops`` windows at random
    offsets; one that fits gives one window (copies would be identical).
    """
    xs, ys, masks = [], [], []
    for protein in proteins:
        padded = _pad(protein)
        extra = padded[0].shape[1] - size
        offsets = [(0, 0)]
        if extra > 0:
            if rng is None:
                raise ValueError(f"full_size {size} is smaller than a padded protein ({padded[0].shape[1]})")
            offsets = [(int(rng.integers(0, extra + 1)), int(rng.integers(0, extra + 1)))
                       for _ in range(crops)]
        for offset in offsets:
            x, y, valid = _place(padded, size, offset)
            if rng is not None:
                y = np.minimum(y, TRAIN_CLIP)
            xs.append(np.nan_to_num(x, nan=0.0))
            ys.append(np.nan_to_num(y, nan=0.0)[None])
            masks.append(valid[None])
    return Split(x=np.stack(xs), y=np.stack(ys), mask=np.stack(masks))


class _ProteinZip:
    """Lazy access to the members of ``protein.zip`` by (dataset, protein id)."""

    def __init__(self, archive: zipfile.ZipFile, path: object) -> None:
        self.archive, self.path = archive, path
        self.members: dict[tuple[str, str, str], str] = {}
        self.lists: dict[str, str] = {}
        for name in archive.namelist():
            if match := _MEMBER.search(name):
                self.members[match.groups()] = name
            elif match := _LIST.search(name):
                self.lists[match.group(1)] = name

    def ids(self, dataset: str) -> list[str]:
        if dataset not in self.lists:
            raise FileNotFoundError(f"{self.path} has no {dataset}.lst")
        lines = self.archive.read(self.lists[dataset]).decode().splitlines()
        return [line.split()[0] for line in lines if line.strip()]

    def protein(self, dataset: str, pdb: str) -> Protein:
        names = [self.members.get((dataset, kind, pdb)) for kind in ("features", "distance")]
        if None in names:
            raise FileNotFoundError(f"{self.path} lacks {dataset}/features/{pdb}.pkl or {dataset}/distance/{pdb}-cb.npy")
        features = pickle.loads(self.archive.read(names[0]))  # noqa: S301 - opted in by the caller
        stored = np.load(io.BytesIO(self.archive.read(names[1])), allow_pickle=True)
        cb_map = stored[2] if stored.dtype == object else stored
        channels = features_to_channels(features)
        return Protein(channels, clean_distance_map(cb_map, channels.shape[1]))


def load(
    data_root: str | os.PathLike[str] | None = None, *, source: str = "auto", **options: Any
) -> TaskData:
    """The PSICOV splits from ``source`` (see the module docstring); ``options`` go to that
    source's loader (:func:`load_pdnet` or :func:`.psicov150.load`)."""
    from training_data.tasks.loaders import psicov150

    if source not in SOURCES:
        raise ValueError(f"unknown psicov source {source!r}; valid: {list(SOURCES)}")
    if source == "auto":
        if has_pdnet_data(data_root):
            source = "pdnet-nb360"
        elif psicov150.has_data(data_root):
            source = "psicov150"
        else:
            find_file(TASK, [FILE, PSICOV150_INDEX], SOURCE, data_root)  # raises, naming both
    loader = load_pdnet if source == "pdnet-nb360" else psicov150.load
    valid = [name for name in inspect.signature(loader).parameters if name != "data_root"]
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ValueError(f"psicov source {source!r} takes no option(s) {unknown}; valid: {valid}")
    return loader(data_root, **options)


def load_pdnet(
    data_root: str | os.PathLike[str] | None = None,
    *,
    allow_pickle: bool | None = None,
    crop: int = 128,
    full_size: int | None = None,
    n_val: int = 100,
    seed: int = 0,
) -> TaskData:
    """NB360's PSICOV splits: train crops ``(n, 57, crop, crop)``; val/test full padded maps."""
    if crop < 1 or n_val < 1:
        raise ValueError(f"crop and n_val must be positive integers, got crop={crop!r}, n_val={n_val!r}")
    path = find_file(TASK, FILE, PDNET_SOURCE, data_root)
    require_pickle_opt_in(path, allow_pickle)
    with zipfile.ZipFile(path) as archive:
        store = _ProteinZip(archive, path)
        deepcov = store.ids("deepcov")
        if len(deepcov) <= n_val:
            raise ValueError(f"{path}: deepcov.lst has {len(deepcov)} proteins, need more than n_val={n_val}")
        val = [store.protein("deepcov", p) for p in deepcov[:n_val]]
        train = [store.protein("deepcov", p) for p in deepcov[n_val:]]
        test = [store.protein("psicov", p) for p in store.ids("psicov")]

    def full(proteins: list[Protein]) -> int:
        return full_size or max(p.distance.shape[0] for p in proteins) + PAD_SIZE

    return TaskData(
        TASK,
        train=make_split(train, crop, np.random.default_rng(seed)),
        val=make_split(val, full(val), None),
        test=make_split(test, full(test), None),
        meta={
            "source": "pdnet-nb360",
            "files": [str(path)],
            "split_rule": f"val = first {n_val} of deepcov.lst, train = rest, test = psicov.lst (NB360)",
            "crop": crop, "crop_seed": seed, "pad_size": PAD_SIZE, "train_clip_angstrom": TRAIN_CLIP,
            "lengths": {
                "train": [p.distance.shape[0] for p in train],
                "val": [p.distance.shape[0] for p in val],
                "test": [p.distance.shape[0] for p in test],
            },
        },
    )
