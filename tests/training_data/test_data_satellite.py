"""Satellite loader: tiny UCR-Crop tsv and NB360 .npy files written here, plus the real Crop file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from training_data.tasks import PickleNotAllowedError, get_task
from training_data.tasks.data_root import DataFileNotFoundError
from training_data.tasks.loaders import satellite


def write_crop(path: Path, per_class: int = 5, seed: int = 0) -> np.ndarray:
    """A UCR-format tsv: label 1..24 then 46 values per row; returns the table."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(1, 25), per_class)
    values = rng.uniform(0, 1, (len(labels), 46)) + labels[:, None] * 0.01
    table = np.column_stack([labels, values])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savetxt(path, table, delimiter="\t", fmt=["%d"] + ["%.6f"] * 46)
    return table


def test_crop_split_is_stratified_60_20_20_and_z_normalised(tmp_path: Path) -> None:
    table = write_crop(tmp_path / "ucr_crop" / "Crop_TRAIN.tsv")
    data = satellite.load(tmp_path)
    assert (len(data.train), len(data.val), len(data.test)) == (72, 24, 24)
    for split, per_class in ((data.train, 3), (data.val, 1), (data.test, 1)):
        assert split.x.shape[1:] == (1, 46) and split.x.dtype == np.float32
        assert split.y.dtype == np.int64
        np.testing.assert_array_equal(np.bincount(split.y, minlength=24), [per_class] * 24)
        np.testing.assert_allclose(split.x.mean(axis=2), 0, atol=1e-5)
        np.testing.assert_allclose(split.x.std(axis=2), 1, atol=1e-5)
    # every output row is the z-normalised version of one input row with the label shifted by 1
    raw = table[:, 1:]
    z = (raw - raw.mean(1, keepdims=True)) / raw.std(1, keepdims=True)
    row = int(np.argmin(np.abs(z - data.test.x[0, 0]).sum(1)))
    np.testing.assert_allclose(data.test.x[0, 0], z[row], atol=1e-5)
    assert data.test.y[0] == table[row, 0] - 1


def test_split_fractions_choose_the_shares(tmp_path: Path) -> None:
    write_crop(tmp_path / "Crop_TRAIN.tsv", per_class=10)
    data = satellite.load(tmp_path, val_fraction=0.1, test_fraction=0.5)
    assert (len(data.train), len(data.val), len(data.test)) == (96, 24, 120)
    np.testing.assert_array_equal(np.bincount(data.test.y, minlength=24), [5] * 24)
    assert data.meta["split"].startswith("stratified 40/10/50")
    for val, test in ((0.5, 0.5), (0.0, 0.2), (0.2, 1.0)):
        with pytest.raises(ValueError, match=rf"val={val}, test={test}: each must be in \(0, 1\)"):
            satellite.load(tmp_path, val_fraction=val, test_fraction=test)


def test_split_seed_is_deterministic_and_matters(tmp_path: Path) -> None:
    write_crop(tmp_path / "Crop_TRAIN.tsv")
    a, b = satellite.load(tmp_path, split_seed=1), satellite.load(tmp_path, split_seed=1)
    c = satellite.load(tmp_path, split_seed=2)
    np.testing.assert_array_equal(a.train.x, b.train.x)
    assert not np.array_equal(a.train.x, c.train.x)


def _write_nb360(folder: Path, n_train: int = 30, n_test: int = 6) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    train = {"data": rng.normal(size=(n_train, 46)), "label": rng.integers(1, 25, n_train)}
    test = {"data": rng.normal(size=(n_test, 46)), "label": rng.integers(1, 25, n_test)}
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "satellite_train.npy", train, allow_pickle=True)
    np.save(folder / "satellite_test.npy", test, allow_pickle=True)
    return train, test


def test_nb360_files_need_opt_in_and_use_the_last_training_rows_as_validation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NB360_ALLOW_PICKLE", raising=False)
    train, test = _write_nb360(tmp_path / "satellite")
    with pytest.raises(PickleNotAllowedError, match="arbitrary code") as err:
        satellite.load(tmp_path)
    assert f"Where the data comes from: {satellite.SOURCE}" in str(err.value)
    data = satellite.load(tmp_path, allow_pickle=True)
    assert data.meta["source_kind"] == "nb360"
    assert (len(data.train), len(data.val), len(data.test)) == (24, 6, 6)
    np.testing.assert_array_equal(data.val.y, train["label"][-6:] - 1)
    np.testing.assert_array_equal(data.test.y, test["label"] - 1)
    raw = train["data"][24]
    np.testing.assert_allclose(data.val.x[0, 0], (raw - raw.mean()) / raw.std(), atol=1e-5)


def test_bad_inputs_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DataFileNotFoundError) as err:
        satellite.load(tmp_path / "empty")
    assert "satellite_train.npy" in str(err.value) and "Crop_TRAIN.tsv" in str(err.value)
    with pytest.raises(ValueError, match="source"):
        satellite.load(tmp_path, source="landsat")  # type: ignore[arg-type]
    bad = tmp_path / "cols" / "Crop_TRAIN.tsv"
    bad.parent.mkdir()
    np.savetxt(bad, np.ones((3, 10)), delimiter="\t")
    with pytest.raises(ValueError, match="46"):
        satellite.load(tmp_path / "cols")
    table = write_crop(tmp_path / "labels" / "Crop_TRAIN.tsv")
    table[0, 0] = 25
    np.savetxt(tmp_path / "labels" / "Crop_TRAIN.tsv", table, delimiter="\t")
    with pytest.raises(ValueError, match="1..24"):
        satellite.load(tmp_path / "labels")


@pytest.mark.needs_shared_data
def test_real_ucr_crop(shared_data: Path) -> None:
    data = satellite.load(shared_data, source="ucr_crop")
    assert (len(data.train), len(data.val), len(data.test)) == (4320, 1440, 1440)
    np.testing.assert_array_equal(np.bincount(data.train.y), [180] * 24)
    np.testing.assert_array_equal(np.bincount(data.test.y), [60] * 24)
    assert data.train.x.shape[1:] == (1, 46) and np.all(np.isfinite(data.train.x))


def test_has_data_needs_crop_or_both_nb360_files(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert not satellite.has_data(tmp_path / "empty")
    assert not get_task("satellite").has_data(tmp_path / "empty")
    _write_nb360(tmp_path / "nb360" / "satellite")
    assert satellite.has_data(tmp_path / "nb360")  # found; loading it still needs the opt-in
    (tmp_path / "nb360" / "satellite" / "satellite_test.npy").unlink()
    assert not satellite.has_data(tmp_path / "nb360")  # the train file alone cannot be loaded
    write_crop(tmp_path / "crop" / "Crop" / "Crop_TRAIN.tsv", per_class=1)
    assert satellite.has_data(tmp_path / "crop")


@pytest.mark.needs_shared_data
def test_has_data_on_the_real_folder(shared_data: Path) -> None:
    assert satellite.has_data(shared_data)
    assert get_task("satellite").has_data(shared_data)
