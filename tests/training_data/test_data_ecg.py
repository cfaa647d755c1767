"""ECG loader: tiny PhysioNet-layout files written here, plus the real PhysioNet 2017 folder."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import scipy.io
from sklearn.model_selection import train_test_split

from training_data.tasks import PickleNotAllowedError, get_task
from training_data.tasks.data_root import DataFileNotFoundError
from training_data.tasks.loaders import ecg

# 20 records: lengths and labels chosen so the window counts are easy to count by hand.
LABELS = ["N", "A", "O", "~"] * 5
LENGTHS = [3000] * 16 + [1500, 1500, 1500, 1500]
# windows of a 3000-sample record: len(range(0, 2000, stride)) = ceil(2000 / stride)
HAND_COUNT_3000 = {"N": 4, "A": 25, "O": 8, "~": 80}  # strides 500, 83, 250, 25
# 1500 samples: range(0, 500, stride): N -> [0] only (start 500 excluded, as NB360), A 7, O 2, ~ 20
HAND_COUNT_1500 = {"N": 1, "A": 7, "O": 2, "~": 20}


def _raw_records(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [(rng.normal(0, 300, n) + 50).astype(np.int16) for n in LENGTHS]


def write_physionet(folder: Path, labels: list[str] = LABELS) -> list[np.ndarray]:
    """Write A00001.mat ... (MATLAB v4, variable 'val' int16 (1, n)) and REFERENCE.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    records = _raw_records()
    lines = []
    for i, (values, label) in enumerate(zip(records, labels, strict=True)):
        name = f"A{i + 1:05d}"
        scipy.io.savemat(folder / f"{name}.mat", {"val": values[None, :]}, format="4")
        lines.append(f"{name},{label}\n")
    (folder / "REFERENCE.csv").write_text("".join(lines))
    return records


@pytest.fixture()
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.mark.parametrize("layout", ["ecg", ".", "physionet2017/training2017", "ecg/training2017"])
def test_finds_every_supported_layout(tmp_path: Path, cache: Path, layout: str) -> None:
    write_physionet(tmp_path / "root" / layout)
    data = ecg.load(tmp_path / "root", cache_dir=cache)
    assert data.meta["source_kind"] == "physionet"
    assert data.train.x.shape[1:] == (1, 1000)


def test_window_counts_follow_the_per_class_strides(tmp_path: Path, cache: Path) -> None:
    write_physionet(tmp_path)
    data = ecg.load(tmp_path, cache_dir=cache)
    for split in (data.train, data.val, data.test):
        for record in np.unique(split.groups):
            label = LABELS[record]
            expected = (HAND_COUNT_3000 if LENGTHS[record] == 3000 else HAND_COUNT_1500)[label]
            mine = split.groups == record
            assert mine.sum() == expected, (record, label)
            assert np.all(split.y[mine] == "NAO~".index(label))


def test_windows_are_z_normalised_per_record_at_the_stride_offsets(
    tmp_path: Path, cache: Path
) -> None:
    raw = write_physionet(tmp_path)
    data = ecg.load(tmp_path, cache_dir=cache)
    for split in (data.train, data.val, data.test):
        assert split.x.dtype == np.float32 and split.y.dtype == np.int64
        record = int(split.groups[0])
        values = raw[record].astype(np.float64)
        z = (values - values.mean()) / values.std()
        stride = ecg.STRIDES["NAO~".index(LABELS[record])]
        windows = split.x[split.groups == record, 0]
        np.testing.assert_allclose(windows[0], z[:1000], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(windows[1], z[stride : stride + 1000], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("factor", [2, 4])
def test_downsample_averages_consecutive_samples(tmp_path: Path, cache: Path, factor: int) -> None:
    write_physionet(tmp_path)
    full = ecg.load(tmp_path, cache_dir=cache)
    reduced = ecg.load(tmp_path, cache_dir=cache, downsample=factor)
    assert reduced.meta["downsample"] == factor and "downsample" not in full.meta
    for name in ("train", "val", "test"):
        a, b = full.split(name), reduced.split(name)
        assert b.x.shape == (len(a), 1, 1000 // factor) and b.x.dtype == np.float32
        np.testing.assert_allclose(b.x, a.x.reshape(len(a), 1, -1, factor).mean(-1), atol=1e-6)
        np.testing.assert_array_equal(b.groups, a.groups)


@pytest.mark.parametrize("factor", [0, 3, 2.0, True])
def test_downsample_must_divide_the_window(tmp_path: Path, cache: Path, factor: object) -> None:
    write_physionet(tmp_path)
    with pytest.raises(ValueError, match="downsample must be a positive divisor of 1000"):
        ecg.load(tmp_path, cache_dir=cache, downsample=factor)


def test_split_is_by_record_and_matches_nb360s_two_train_test_splits(
    tmp_path: Path, cache: Path
) -> None:
    write_physionet(tmp_path)
    data = ecg.load(tmp_path, cache_dir=cache)
    train, rest = train_test_split(np.arange(20), test_size=0.2, random_state=0)
    val, test = train_test_split(rest, test_size=0.5, random_state=0)
    for split, expected in ((data.train, train), (data.val, val), (data.test, test)):
        assert set(np.unique(split.groups)) == set(expected)
    groups = [set(np.unique(s.groups)) for s in (data.train, data.val, data.test)]
    assert not (groups[0] & groups[1] or groups[0] & groups[2] or groups[1] & groups[2])
    assert data.meta["n_records"] == {"train": 16, "val": 2, "test": 2}


def test_another_split_moves_whole_records_into_the_test_share(tmp_path: Path, cache: Path) -> None:
    write_physionet(tmp_path)
    data = ecg.load(tmp_path, cache_dir=cache, split=(0.5, 0.1, 0.4))
    assert data.meta["n_records"] == {"train": 10, "val": 2, "test": 8}
    assert "records 50/10/40" in data.meta["split"]
    groups = [set(np.unique(s.groups)) for s in (data.train, data.val, data.test)]
    assert not (groups[0] & groups[1] or groups[0] & groups[2] or groups[1] & groups[2])
    assert set().union(*groups) == set(range(20))
    train, rest = train_test_split(np.arange(20), test_size=0.5, random_state=0)
    assert groups[0] == set(train)
    # the default is NB360's, described as before
    assert ecg.load(tmp_path, cache_dir=cache).meta["split"].startswith("records 80/10/10: train_test_split")


@pytest.mark.parametrize("split", [(0.8, 0.2), (0.8, 0.1, 0.2), (1.0, 0.0, 0.0), "80/10/10", None])
def test_a_wrong_split_names_the_value_and_what_is_valid(tmp_path: Path, cache: Path, split: object) -> None:
    write_physionet(tmp_path)
    with pytest.raises(ValueError, match=r"split must be \(train, val, test\) fractions .* got "):
        ecg.load(tmp_path, cache_dir=cache, split=split)


def test_cache_hit_returns_identical_arrays(tmp_path: Path, cache: Path) -> None:
    write_physionet(tmp_path)
    cold = ecg.load(tmp_path, cache_dir=cache)
    warm = ecg.load(tmp_path, cache_dir=cache)
    assert (cold.meta["cache_hit"], warm.meta["cache_hit"]) == (False, True)
    for a, b in ((cold.train, warm.train), (cold.test, warm.test)):
        np.testing.assert_array_equal(a.x, b.x)
        np.testing.assert_array_equal(a.groups, b.groups)
    uncached = ecg.load(tmp_path, use_cache=False)
    np.testing.assert_array_equal(uncached.val.x, cold.val.x)


def test_max_records_is_a_seeded_subset(tmp_path: Path, cache: Path) -> None:
    write_physionet(tmp_path)
    one = ecg.load(tmp_path, max_records=10, seed=3, cache_dir=cache)
    again = ecg.load(tmp_path, max_records=10, seed=3, use_cache=False)
    other = ecg.load(tmp_path, max_records=10, seed=4, cache_dir=cache)
    used = lambda d: set(np.concatenate([s.groups for s in (d.train, d.val, d.test)]).tolist())  # noqa: E731
    assert len(used(one)) == 10 and used(one) == used(again)
    assert used(one) != used(other)
    np.testing.assert_array_equal(one.train.x, again.train.x)
    with pytest.raises(ValueError, match="max_records"):
        ecg.load(tmp_path, max_records=5, cache_dir=cache)


def _write_pickle(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    records = np.empty(len(LENGTHS), dtype=object)
    records[:] = _raw_records()
    with (folder / "challenge2017.pkl").open("wb") as handle:
        pickle.dump({"data": records, "label": np.array(LABELS)}, handle)


def test_pickle_needs_opt_in_and_then_matches_the_physionet_layout(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NB360_ALLOW_PICKLE", raising=False)
    _write_pickle(tmp_path / "pkl")
    with pytest.raises(PickleNotAllowedError, match="arbitrary code") as err:
        ecg.load(tmp_path / "pkl", cache_dir=cache)
    assert f"Where the data comes from: {ecg.SOURCE}" in str(err.value)
    from_pickle = ecg.load(tmp_path / "pkl", allow_pickle=True, cache_dir=cache)
    monkeypatch.setenv("NB360_ALLOW_PICKLE", "1")
    assert ecg.load(tmp_path / "pkl", cache_dir=cache).meta["source_kind"] == "pickle"
    write_physionet(tmp_path / "raw")
    from_raw = ecg.load(tmp_path / "raw", cache_dir=cache)
    np.testing.assert_array_equal(from_pickle.train.x, from_raw.train.x)
    np.testing.assert_array_equal(from_pickle.test.groups, from_raw.test.groups)


def test_missing_data_names_the_files_the_folders_and_the_source(
    tmp_path: Path, cache: Path
) -> None:
    with pytest.raises(DataFileNotFoundError) as err:
        ecg.load(tmp_path / "empty", cache_dir=cache)
    message = str(err.value)
    assert "REFERENCE.csv" in message and "challenge2017.pkl" in message
    assert str(tmp_path / "empty") in message and "physionet.org" in message


def test_missing_record_file_and_bad_label_are_clear_errors(tmp_path: Path, cache: Path) -> None:
    write_physionet(tmp_path / "a")
    (tmp_path / "a" / "A00003.mat").unlink()
    with pytest.raises(DataFileNotFoundError, match="A00003.mat"):
        ecg.load(tmp_path / "a", cache_dir=cache)
    write_physionet(tmp_path / "b", labels=LABELS[:-1] + ["X"])
    with pytest.raises(ValueError, match="'X'"):
        ecg.load(tmp_path / "b", cache_dir=cache)


@pytest.mark.needs_shared_data
def test_real_physionet_folder(shared_data: Path, tmp_path: Path) -> None:
    data = ecg.load(shared_data, max_records=100, cache_dir=tmp_path)
    assert data.meta["source_kind"] == "physionet"
    assert data.meta["n_records"] == {"train": 80, "val": 10, "test": 10}
    for split in (data.train, data.val, data.test):
        assert split.x.shape[1:] == (1, 1000) and split.x.dtype == np.float32
        assert np.all(np.isfinite(split.x)) and set(np.unique(split.y)) <= {0, 1, 2, 3}
    # z-normalised records: windows have roughly zero mean and unit spread on average
    assert abs(float(data.train.x.mean())) < 0.1
    assert 0.7 < float(data.train.x.std()) < 1.3


def test_has_data_finds_the_reference_or_the_pickle_and_nothing_in_an_empty_folder(
    tmp_path: Path,
) -> None:
    (tmp_path / "empty").mkdir()
    assert not ecg.has_data(tmp_path / "empty")
    assert not get_task("ecg").has_data(tmp_path / "empty")
    write_physionet(tmp_path / "raw" / "ecg" / "training2017")
    assert ecg.has_data(tmp_path / "raw")
    _write_pickle(tmp_path / "pkl" / "ecg")
    assert ecg.has_data(tmp_path / "pkl")  # found; loading it still needs the opt-in


@pytest.mark.needs_shared_data
def test_has_data_on_the_real_folder(shared_data: Path) -> None:
    assert ecg.has_data(shared_data)
    assert get_task("ecg").has_data(shared_data)
