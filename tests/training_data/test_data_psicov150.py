"""PSICOV stand-in (150 proteins): fake proteins written here, plus the real shared folder.

The real ``apc`` arrays are research-use only: the real-data tests read them from the shared
folder and nothing derived from them is written to the repository.
"""
from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pytest

from graph_encodings import get_space
from training_data import evaluate
from training_data.tasks import DataFileNotFoundError, PickleNotAllowedError, get_task
from training_data.tasks.dataset import Split, TaskData
from training_data.tasks.loaders import psicov, psicov150

# fake proteins: id -> (L, has_apc); "nap0" lacks APC like 1hdo / 1jbe
FAKE = {"fa01": (20, True), "fa02": (30, True), "fa03": (45, True), "fa04": (33, True),
        "fa05": (60, True), "fa06": (26, True), "fa07": (40, True), "nap0": (35, False)}
SPLITS = ("train", "val", "test")


def _write_fake(root: Path) -> dict[str, dict[str, np.ndarray]]:
    """``<root>/psicov150/<id>.npz`` + ``index.json`` with random sequences, distances, APC."""
    folder = root / "psicov150"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    arrays, index = {}, []
    for pdb, (length, has_apc) in FAKE.items():
        coords = rng.normal(scale=4.0, size=(length, 3))
        protein = {
            "seq_idx": rng.integers(0, 21, length).astype(np.int8),
            "dist": np.linalg.norm(coords[:, None] - coords[None], axis=-1).astype(np.float16),
        }
        if has_apc:
            apc = rng.random((length, length))
            protein["apc"] = ((apc + apc.T) * (1 - np.eye(length))).astype(np.float16)
        np.savez_compressed(folder / f"{pdb}.npz", **protein)
        arrays[pdb] = protein
        index.append({"id": pdb, "L": length, "has_apc": has_apc})
    (folder / "index.json").write_text(json.dumps({"proteins": index}))
    return arrays


def _small(root: Path, **options: object) -> TaskData:
    settings = {"crop": 32, "crops_per_protein": 3, "n_val": 2, "n_test": 2, **options}
    return psicov150.load(root, **settings)


def _check_channels(split: Split, lengths: list[int], lo: int = 5) -> None:
    """One-hot rows sum to 1 on real residues and to 0 on padding; separation is |i-j| there."""
    for k, length in enumerate(lengths):
        x = split.x[k]
        real = slice(lo, lo + length)
        for part in (x[:21], x[21:42]):
            sums = part.sum(axis=0)
            np.testing.assert_array_equal(sums[real, real], 1.0)
            assert sums.sum() == length * length  # nothing outside the real pairs
        np.testing.assert_array_equal(x[:21, real, lo].argmax(0), x[21:42, lo, real].argmax(0))
        i = np.arange(length)
        expected = np.log1p(np.abs(i[:, None] - i[None])) / np.log1p(100)
        np.testing.assert_allclose(x[43, real, real], expected, rtol=1e-6)


# ----------------------------------------------------------------------------- fake proteins
def test_fake_proteins_shapes_channels_and_targets(tmp_path: Path) -> None:
    arrays = _write_fake(tmp_path)
    data = _small(tmp_path)
    ids = data.meta["proteins"]
    assert data.meta["source"] == "psicov150" and data.meta["excluded"] == ["nap0"]
    # every protein padded by 10 is larger than 32 except fa01 (L=20): 3 crops, or 1 when it fits
    assert len(data.train) == sum(1 if FAKE[p][0] + 10 <= 32 else 3 for p in ids["train"])
    assert data.train.x.shape[1:] == (44, 32, 32) and data.train.x.dtype == np.float32
    assert data.train.y.shape[1:] == (1, 32, 32) and data.train.y.max() <= 16.0
    for name in ("val", "test"):
        split, lengths = data.split(name), [FAKE[p][0] for p in ids[name]]
        size = max(lengths) + 10
        assert split.x.shape == (2, 44, size, size) and split.y.shape == (2, 1, size, size)
        assert split.mask[:, 0].sum(axis=(1, 2)).tolist() == [n * n for n in lengths]
        _check_channels(split, lengths)
        for k, pdb in enumerate(ids[name]):
            length, real = FAKE[pdb][0], slice(5, 5 + FAKE[pdb][0])
            protein = arrays[pdb]
            np.testing.assert_array_equal(split.x[k, :21, real, 5].argmax(0), protein["seq_idx"])
            apc = protein["apc"].astype(np.float32)
            np.testing.assert_array_equal(split.x[k, 42, real, real], apc)
            y = split.y[k, 0]
            off = ~np.eye(length, dtype=bool)  # PDNET's cleaning: diagonal from its neighbours
            np.testing.assert_allclose(y[real, real][off], np.maximum(protein["dist"], 1)[off])
            assert y[0, 0] == 100.0 and y[real, real].max() > 16.0  # padding; unclipped
    assert get_task("psicov").score(data.val.y, data.val.y, mask=data.val.mask) == 0.0


def test_fake_split_is_by_protein_seeded_and_leak_free(tmp_path: Path) -> None:
    _write_fake(tmp_path)
    data = _small(tmp_path)
    ids = data.meta["proteins"]
    members = [set(ids[name]) for name in SPLITS]
    assert sum(map(len, members)) == len(set().union(*members)) == 7  # disjoint, nap0 excluded
    assert data.meta["lengths"]["train"] == [FAKE[p][0] for p in ids["train"]]
    again = _small(tmp_path)
    np.testing.assert_array_equal(again.train.x, data.train.x)
    assert again.meta["proteins"] == ids
    assert any(_small(tmp_path, split_seed=s).meta["proteins"] != ids for s in (1, 2, 3))
    other_crops = _small(tmp_path, seed=1)
    assert other_crops.meta["proteins"] == ids
    assert not np.array_equal(other_crops.train.y, data.train.y)
    # "zero" adds the protein without APC to train, with a zero APC channel; val/test unchanged
    zero = _small(tmp_path, missing_apc="zero")
    assert zero.meta["proteins"]["train"] == sorted([*ids["train"], "nap0"])
    assert zero.meta["excluded"] == [] and zero.meta["proteins"]["val"] == ids["val"]
    np.testing.assert_array_equal(zero.test.x, data.test.x)


def test_task_loader_picks_the_source(tmp_path: Path) -> None:
    _write_fake(tmp_path)
    task = get_task("psicov")
    assert task.has_data(tmp_path) and psicov150.has_data(tmp_path)
    assert not psicov.has_pdnet_data(tmp_path)
    data = task.load(data_root=tmp_path, crop=32, n_val=2, n_test=2)  # auto -> psicov150
    assert data.meta["source"] == "psicov150" and data.train.x.shape[1:] == (44, 32, 32)
    with pytest.raises(DataFileNotFoundError, match="protein.zip"):
        task.load(data_root=tmp_path, source="pdnet-nb360")
    # with protein.zip present, auto takes it (and so asks for the pickle opt-in)
    zipfile.ZipFile(tmp_path / "protein.zip", "w").close()
    with pytest.raises(PickleNotAllowedError):
        task.load(data_root=tmp_path)
    assert task.load(data_root=tmp_path, source="psicov150", crop=32, n_val=2, n_test=2).meta[
        "source"] == "psicov150"
    assert "protein.zip" in task.source and "psicov150" in task.source


def test_missing_data_names_both_sources(tmp_path: Path) -> None:
    assert not get_task("psicov").has_data(tmp_path)
    with pytest.raises(DataFileNotFoundError) as error:
        get_task("psicov").load(data_root=tmp_path)
    message = str(error.value)
    assert "protein.zip" in message and "psicov150/index.json" in message
    with pytest.raises(DataFileNotFoundError, match="psicov150/index.json"):
        get_task("psicov").load(data_root=tmp_path, source="psicov150")


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"source": "nb360"},
         r"unknown psicov source 'nb360'; valid: \['auto', 'pdnet-nb360', 'psicov150'\]"),
        ({"source": "psicov150", "allow_pickle": True},
         r"takes no option\(s\) \['allow_pickle'\]; valid: \["),
        ({"crop": 10}, r"crop=10 must be an integer >= 11"),
        ({"crop": 32.0}, r"crop=32.0 must be an integer"),
        ({"crops_per_protein": 0}, r"crops_per_protein=0 must be an integer >= 1"),
        ({"n_val": 0}, r"n_val=0 must be an integer >= 1"),
        ({"n_val": 4, "n_test": 3}, r"n_val \+ n_test=7 must be an integer in \[2, 6\]"),
        ({"seed": -1}, r"seed=-1 must be an integer >= 0"),
        ({"split_seed": True}, r"split_seed=True must be an integer"),
        ({"full_size": 40}, r"full_size=40 is smaller than the largest padded (val|test) protein"),
        ({"missing_apc": "drop"}, r"missing_apc='drop'; valid: \['exclude', 'zero'\]"),
    ],
)
def test_bad_options_raise_clear_errors(tmp_path: Path, options: dict, match: str) -> None:
    _write_fake(tmp_path)
    settings = {"n_val": 2, "n_test": 2, "full_size": 70, **options}
    with pytest.raises(ValueError, match=match):
        get_task("psicov").load(data_root=tmp_path, **settings)


def test_pair_features_layout() -> None:
    x = psicov150.pair_features(np.array([0, 20, 3], dtype=np.int8), np.full((3, 3), 0.5))
    assert x.shape == (44, 3, 3) and x.dtype == np.float32
    assert x[20, 1, :].tolist() == [1, 1, 1] and x[21 + 20, :, 1].tolist() == [1, 1, 1]
    assert x[42].tolist() == [[0.5] * 3] * 3
    assert x[43, 0, 2] == pytest.approx(np.log1p(2) / np.log1p(100))
    assert not psicov150.pair_features(np.array([1, 2]), None)[42].any()
    with pytest.raises(ValueError, match="residue indices 0-20"):
        psicov150.pair_features(np.array([0, 21]), None)


# ----------------------------------------------------------------------------- real proteins
@pytest.fixture(scope="module")
def real(shared_data: Path) -> TaskData:
    return psicov150.load(shared_data)


@pytest.mark.needs_shared_data
@pytest.mark.slow
def test_real_splits_shapes_and_channels(real: TaskData) -> None:
    ids = real.meta["proteins"]
    assert real.meta["source"] == "psicov150" and real.meta["excluded"] == ["1hdo", "1jbe"]
    assert [len(ids[name]) for name in SPLITS] == [98, 25, 25]
    members = [set(ids[name]) for name in SPLITS]
    assert len(set().union(*members)) == 148 and sum(map(len, members)) == 148  # leak-free
    assert real.train.x.shape[1:] == (44, 64, 64) and real.train.y.max() <= 16.0
    assert len(real.train) == sum(1 if n + 10 <= 64 else 4 for n in real.meta["lengths"]["train"])
    for name in ("val", "test"):
        split, lengths = real.split(name), real.meta["lengths"][name]
        size = max(lengths) + 10
        assert split.x.shape == (25, 44, size, size) and split.mask.shape == (25, 1, size, size)
        assert split.mask[:, 0].sum(axis=(1, 2)).tolist() == [n * n for n in lengths]
        _check_channels(split, lengths[:3])
        apc = split.x[:, 42]
        assert apc.min() >= 0 and apc.max() < 4 and apc.any(axis=(1, 2)).all()
        # real pairs hold C-beta distances (>= 1 A after cleaning), padding 100 A
        assert split.y[split.mask > 0].min() >= 1.0 and split.y[split.mask == 0].min() == 100.0
    crops = real.train.x[:, :21].sum(axis=1)
    assert set(np.unique(crops)) <= {0.0, 1.0}


@pytest.mark.needs_shared_data
@pytest.mark.slow
def test_real_tiny_training_run(shared_data: Path) -> None:
    arch = get_space("darts").sample(np.random.default_rng(0))
    record = evaluate(arch, "psicov", "psicov-tiny-v2", seed=0, device="cpu", n_threads=1,
                      data_root=shared_data)
    assert record.status == "ok", record.message
    assert record.extra["data_source"] == "psicov150"
    assert record.metric_name is not None and math.isfinite(record.score) and record.score >= 0.0
