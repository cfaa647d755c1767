"""The 150 PSICOV proteins as the ``psicov`` task's stand-in data (``load(source="psicov150")``).

Files (``<root>/psicov150/`` or ``<root>/psicov/psicov150/``): ``index.json`` (the protein list,
with ``L`` and ``has_apc``) and one ``<pdbid>.npz`` per protein: ``seq_idx`` int8 ``(L,)``
indices into ``ARNDCQEGHILKMFPSTWYV-`` (20 = other), ``dist`` float16 ``(L, L)`` C-beta
distances (A) and, for 148 of 150, ``apc`` float16 ``(L, L)`` GREMLIN APC coupling norms. The
APC arrays are for research use only: they are read from the data root at run time and never
stored by this package.

Input per residue pair (i, j), 44 channels: one-hot of residue i (channels 0-20, constant along
a row), one-hot of residue j (21-41, constant along a column), the APC norm (42, raw: 0-3.6)
and the sequence separation ``log1p(|i - j|) / log1p(100)`` (43: 0 on the diagonal, 0.70 at
the MAE8 threshold 24, 1 at 100, 1.21 at the largest L). The log scale spreads the short
separations where local structure is decided, in the range of the other channels. Indices
count observed residues: unresolved residues are not in the files, so 23 proteins' separations
are shorter than their true ones at the chain breaks.

Target and conventions as the NB360 loader (:mod:`.psicov`, shared helpers): PDNET's distance
cleaning, 5 + 5 padding (input 0, distance 100 A), train windows ``crop x crop`` (64) placed
top-left when the protein fits and otherwise cut at seeded random offsets, ``crops_per_protein``
of them per protein, distances clipped at 16 A; val/test are the full padded maps (``full_size``,
default the split's largest padded length), unclipped, with ``mask`` = real residue pairs.

Split by protein with ``split_seed``: ``n_test`` then ``n_val`` proteins drawn from those with
APC (25 + 25 by default, a sixth each: enough proteins for a per-protein MAE8 average, while
about 100 stay for training), the rest train. The 2 proteins without APC (1hdo, 1jbe) are left
out by default (``missing_apc="exclude"``); ``"zero"`` adds them to train with a zero APC
channel. Val/test do not depend on that choice.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from training_data.tasks.data_root import candidate_dirs, find_file
from training_data.tasks.dataset import TaskData
from training_data.tasks.loaders.psicov import (
    PAD_SIZE,
    PSICOV150_INDEX,
    PSICOV150_SOURCE,
    TASK,
    TRAIN_CLIP,
    Protein,
    clean_distance_map,
    make_split,
)

SOURCE = PSICOV150_SOURCE
ALPHABET = "ARNDCQEGHILKMFPSTWYV-"
N_TYPES = len(ALPHABET)  # 21
N_CHANNELS = 2 * N_TYPES + 2  # one-hot(i), one-hot(j), APC, separation = 44
SEPARATION_SCALE = float(np.log1p(100.0))
MISSING_APC = ("exclude", "zero")


def has_data(data_root: str | os.PathLike[str] | None = None) -> bool:
    """Whether ``psicov150/index.json`` is in the task's folders."""
    return any((d / PSICOV150_INDEX).exists() for d in candidate_dirs(TASK, data_root))


def pair_features(seq_idx: np.ndarray, apc: np.ndarray | None) -> np.ndarray:
    """The 44 input channels ``(44, L, L)`` of a protein (zero APC channel when ``apc`` is None)."""
    seq_idx = np.asarray(seq_idx)
    length = len(seq_idx)
    if seq_idx.ndim != 1 or (length and (seq_idx.min() < 0 or seq_idx.max() >= N_TYPES)):
        raise ValueError(f"seq_idx must be a vector of residue indices 0-{N_TYPES - 1}")
    onehot = np.eye(N_TYPES, dtype=np.float32)[seq_idx.astype(np.int64)].T  # (21, L)
    x = np.zeros((N_CHANNELS, length, length), dtype=np.float32)
    x[:N_TYPES] = onehot[:, :, None]
    x[N_TYPES : 2 * N_TYPES] = onehot[:, None, :]
    if apc is not None:
        if np.shape(apc) != (length, length):
            raise ValueError(f"apc has shape {np.shape(apc)}, expected {(length, length)}")
        x[2 * N_TYPES] = apc
    index = np.arange(length)
    x[2 * N_TYPES + 1] = np.log1p(np.abs(index[:, None] - index[None, :])) / SEPARATION_SCALE
    return x


def read_protein(folder: Path, pdb: str, use_apc: bool = True) -> Protein:
    """One protein's features and cleaned distance map from ``<folder>/<pdb>.npz``."""
    path = folder / f"{pdb}.npz"
    if not path.exists():
        raise FileNotFoundError(f"{path} is listed in {folder / 'index.json'} but missing")
    with np.load(path, allow_pickle=False) as arrays:
        seq_idx, dist = arrays["seq_idx"], arrays["dist"]
        apc = arrays["apc"] if use_apc else None
    length = len(seq_idx)
    if dist.shape != (length, length):
        raise ValueError(f"{path}: dist has shape {dist.shape}, expected {(length, length)}")
    return Protein(pair_features(seq_idx, apc), clean_distance_map(dist, length))


def _check_int(name: str, value: Any, low: int, high: int | None = None) -> None:
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not ok or value < low or (high is not None and value > high):
        valid = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"psicov150 option {name}={value!r} must be an integer {valid}")


def split_ids(
    proteins: list[dict[str, Any]], n_val: int, n_test: int, split_seed: int, missing_apc: str
) -> dict[str, list[str]]:
    """Protein ids per split (sorted): val/test drawn from the proteins with APC, train the rest."""
    with_apc = sorted(p["id"] for p in proteins if p["has_apc"])
    without = sorted(p["id"] for p in proteins if not p["has_apc"])
    _check_int("n_val + n_test", n_val + n_test, 2, len(with_apc) - 1)
    order = [with_apc[k] for k in np.random.default_rng(split_seed).permutation(len(with_apc))]
    train = order[n_test + n_val :] + (without if missing_apc == "zero" else [])
    return {
        "train": sorted(train),
        "val": sorted(order[n_test : n_test + n_val]),
        "test": sorted(order[:n_test]),
    }


def load(
    data_root: str | os.PathLike[str] | None = None,
    *,
    crop: int = 64,
    crops_per_protein: int = 4,
    full_size: int | None = None,
    n_val: int = 25,
    n_test: int = 25,
    split_seed: int = 0,
    seed: int = 0,
    missing_apc: str = "exclude",
) -> TaskData:
    """Train crops ``(n, 44, crop, crop)``; val/test full padded maps (see the module docstring).

    ``seed`` draws the crop offsets, ``split_seed`` the protein split.
    """
    _check_int("crop", crop, PAD_SIZE + 1)
    _check_int("crops_per_protein", crops_per_protein, 1)
    _check_int("n_val", n_val, 1)
    _check_int("n_test", n_test, 1)
    _check_int("split_seed", split_seed, 0)
    _check_int("seed", seed, 0)
    if full_size is not None:
        _check_int("full_size", full_size, 1)
    if missing_apc not in MISSING_APC:
        raise ValueError(f"psicov150 option missing_apc={missing_apc!r}; "
                         f"valid: {list(MISSING_APC)}")
    index_path = find_file(TASK, PSICOV150_INDEX, SOURCE, data_root)
    folder = index_path.parent
    proteins = json.loads(index_path.read_text())["proteins"]
    ids = split_ids(proteins, n_val, n_test, split_seed, missing_apc)
    lengths = {p["id"]: int(p["L"]) for p in proteins}
    has_apc = {p["id"]: bool(p["has_apc"]) for p in proteins}
    sizes = {}
    for name in ("val", "test"):
        largest = max(lengths[p] for p in ids[name]) + PAD_SIZE
        if full_size is not None and full_size < largest:
            raise ValueError(f"psicov150 option full_size={full_size} is smaller than the largest "
                             f"padded {name} protein ({largest}); valid: None or >= {largest}")
        sizes[name] = full_size or largest

    def read(split: str) -> Iterator[Protein]:
        for pdb in ids[split]:
            protein = read_protein(folder, pdb, has_apc[pdb])
            if protein.distance.shape[0] != lengths[pdb]:
                raise ValueError(f"{folder / pdb}.npz has L={protein.distance.shape[0]}, "
                                 f"index.json says {lengths[pdb]}")
            yield protein

    used = {p for members in ids.values() for p in members}
    return TaskData(
        TASK,
        train=make_split(read("train"), crop, np.random.default_rng(seed), crops=crops_per_protein),
        val=make_split(read("val"), sizes["val"], None),
        test=make_split(read("test"), sizes["test"], None),
        meta={
            "source": "psicov150",
            "files": [str(folder)],
            "split_rule": f"by protein: n_test={n_test} then n_val={n_val} of the proteins with "
                          f"APC (permutation with split_seed), train = the rest",
            "split_seed": split_seed, "proteins": ids,
            "missing_apc": missing_apc, "excluded": sorted(set(lengths) - used),
            "channels": "one-hot(i) 0-20, one-hot(j) 21-41, APC 42, log1p(|i-j|)/log1p(100) 43",
            "crop": crop, "crops_per_protein": crops_per_protein, "crop_seed": seed,
            "full_size": sizes, "pad_size": PAD_SIZE, "train_clip_angstrom": TRAIN_CLIP,
            "lengths": {name: [lengths[p] for p in members] for name, members in ids.items()},
        },
    )
