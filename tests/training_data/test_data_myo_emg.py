"""The Myo-armband sEMG stand-in of the NinaPro task: loader, split, source choice, a real run."""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from graph_encodings import get_space
from training_data import evaluate
from training_data.protocols import get_protocol, network_family
from training_data.tasks import DataFileNotFoundError, get_task
from training_data.tasks.dataset import TaskData
from training_data.tasks.loaders import myo_emg, ninapro

SPLITS = ("train", "val", "test")
NINAPRO = get_task("ninapro")


def _write_windows(
    root: Path, subjects: int = 2, sessions: int = 1, n_windows: int = 3
) -> dict[str, np.ndarray]:
    """A tiny ``myo_emg/windows.npz`` in the real file's format: one recording per (subject,
    session, cycle, gesture) of ``n_windows`` contiguous stride-52 windows."""
    rng = np.random.default_rng(0)
    fields: dict[str, list[int]] = {k: [] for k in ("y", "subject", "session", "cycle", "rec", "start")}
    rec = 0
    for subject in range(subjects):
        for session in range(sessions):
            for cycle in range(4):
                for gesture in range(7):
                    for w in range(n_windows):
                        for key, value in (("y", gesture), ("subject", subject), ("session", session),
                                           ("cycle", cycle), ("rec", rec), ("start", 52 * w)):
                            fields[key].append(value)
                    rec += 1
    n = len(fields["y"])
    arrays = {"x": rng.integers(-128, 128, size=(n, 8, 52), dtype=np.int8)}
    dtypes = {"y": np.int8, "subject": np.int8, "session": np.int8, "cycle": np.int8,
              "rec": np.int16, "start": np.int16}
    arrays.update({k: np.array(v, dtype=dtypes[k]) for k, v in fields.items()})
    (root / "myo_emg").mkdir(parents=True, exist_ok=True)
    np.savez_compressed(root / "myo_emg" / "windows.npz", **arrays)
    return arrays


def _check_split(data: TaskData, raw: dict[str, np.ndarray]) -> None:
    """Shapes and dtypes; each split is exactly its cycles' windows, scaled by 1/128; every
    recording lies wholly in one split (its windows all there, none elsewhere)."""
    assert data.task == "ninapro" and data.meta["source"] == "myo-armband"
    assert data.meta["classes"][0] == "Neutral" and len(data.meta["classes"]) == 7
    rec_split: dict[int, str] = {}
    for name in SPLITS:
        split = data.split(name)
        assert split.x.dtype == np.float32 and split.x.shape == (len(split), 1, 8, 52)
        assert split.y.dtype == np.int64 and split.groups is not None
        assert split.groups.dtype == np.int64
        mine = np.isin(raw["cycle"], data.meta["split_cycles"][name])
        np.testing.assert_array_equal(split.groups, raw["rec"][mine])
        np.testing.assert_array_equal(split.y, raw["y"][mine])
        np.testing.assert_array_equal(split.x[:, 0] * 128, raw["x"][mine].astype(np.float32))
        for rec in np.unique(split.groups):
            assert rec_split.setdefault(int(rec), name) == name  # in no other split
    assert sorted(rec_split) == sorted(np.unique(raw["rec"]).tolist())


# ----------------------------------------------------------------------------- synthetic file
def test_synthetic_windows_split_by_cycle(tmp_path: Path) -> None:
    raw = _write_windows(tmp_path)
    assert NINAPRO.has_data(tmp_path) and myo_emg.has_data(tmp_path)
    data = NINAPRO.load(data_root=tmp_path)  # auto: no NB360 files here
    _check_split(data, raw)
    assert [len(data.split(s)) for s in SPLITS] == [2 * 2 * 7 * 3, 2 * 7 * 3, 2 * 7 * 3]
    assert data.meta["files"] == [str(tmp_path / "myo_emg" / "windows.npz")]


def test_subject_and_session_selection(tmp_path: Path) -> None:
    raw = _write_windows(tmp_path, subjects=3, sessions=2)
    data = myo_emg.load(tmp_path, subjects=[2], sessions=[1])
    keep = (raw["subject"] == 2) & (raw["session"] == 1)
    _check_split(data, {k: v[keep] for k, v in raw.items()})
    assert data.meta["subjects"] == [2] and data.meta["sessions"] == [1]
    assert len(myo_emg.load(tmp_path, subjects="pretraining").train) == len(data.train) * 6


def test_stride_recuts_each_recording(tmp_path: Path) -> None:
    raw = _write_windows(tmp_path, subjects=1, n_windows=3)
    data = myo_emg.load(tmp_path, stride=26)
    signal = raw["x"][:3].transpose(1, 0, 2).reshape(8, -1)  # recording 0 (train), 156 samples
    train = data.train
    first = train.x[train.groups == 0][:, 0] * 128
    assert len(first) == 5  # starts 0, 26, 52, 78, 104
    for i, window in enumerate(first):
        np.testing.assert_array_equal(window, signal[:, 26 * i: 26 * i + 52])
    assert len(train) == 5 * 14 and set(np.unique(data.test.groups)) == set(range(21, 28))
    np.testing.assert_array_equal(myo_emg.load(tmp_path, stride=52).train.x, NINAPRO.load(tmp_path).train.x)


def test_channels_layout_is_the_image_without_its_channel_axis(tmp_path: Path) -> None:
    _write_windows(tmp_path, subjects=2, n_windows=2)
    image, channels = (myo_emg.load(tmp_path, layout=layout) for layout in ("image", "channels"))
    assert image.train.x.shape[1:] == (1, 8, 52) and channels.train.x.shape[1:] == (8, 52)
    for name in SPLITS:
        np.testing.assert_array_equal(channels.split(name).x, image.split(name).x[:, 0])
        np.testing.assert_array_equal(channels.split(name).groups, image.split(name).groups)
    assert (image.meta["layout"], channels.meta["layout"]) == ("image", "channels")


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"source": "db5"}, r"'db5'.*'auto', 'ninapro-db5', 'myo-armband'"),
        ({"subjects": "everyone"}, r"subjects='everyone'.*'all', 'evaluation', 'pretraining'"),
        ({"subjects": [40]}, r"subjects=\[40\].*ids 0\.\.39"),
        ({"subjects": []}, r"subjects=\[\]"),
        ({"subjects": 3}, r"subjects=3 is not valid"),
        ({"sessions": [3]}, r"sessions=\[3\].*ids 0\.\.2"),
        ({"stride": 0}, r"stride=0.*1\.\.52"),
        ({"stride": 53}, r"stride=53"),
        ({"stride": True}, r"stride=True"),
        ({"layout": "1d"}, r"layout='1d'.*\['channels', 'image'\]"),
        ({"subjects": [1], "sessions": [2]}, r"no window of subjects=\[1\] in sessions=\[2\]"),
    ],
)
def test_bad_options_raise_clear_errors(tmp_path: Path, options: dict, match: str) -> None:
    _write_windows(tmp_path)
    with pytest.raises(ValueError, match=match):
        NINAPRO.load(data_root=tmp_path, **options)


def test_bad_windows_file_is_rejected(tmp_path: Path) -> None:
    raw = _write_windows(tmp_path)
    np.savez(tmp_path / "myo_emg" / "windows.npz", **{k: v for k, v in raw.items() if k != "rec"})
    with pytest.raises(ValueError, match=r"missing arrays \['rec'\]"):
        myo_emg.load(tmp_path)


def test_auto_prefers_nb360_files(tmp_path: Path, ninapro_root: Path) -> None:
    (tmp_path / "ninapro").symlink_to(ninapro_root / "ninapro")
    _write_windows(tmp_path)
    auto = NINAPRO.load(data_root=tmp_path)
    assert auto.meta["source"] == "ninapro-db5" and auto.train.x.shape[1:] == (1, 16, 52)
    assert NINAPRO.load(data_root=tmp_path, source="ninapro-db5").meta == auto.meta
    myo = NINAPRO.load(data_root=tmp_path, source="myo-armband")
    assert myo.meta["source"] == "myo-armband" and myo.train.x.shape[1:] == (1, 8, 52)
    with pytest.raises(ValueError, match=r"'ninapro-db5' takes no options.*stride"):
        NINAPRO.load(data_root=tmp_path, stride=26)


def test_missing_data_names_both_sources(tmp_path: Path) -> None:
    assert not NINAPRO.has_data(tmp_path)
    with pytest.raises(DataFileNotFoundError) as error:
        NINAPRO.load(data_root=tmp_path)
    message = str(error.value)
    assert "ninapro_train.npy" in message and "myo_emg/windows.npz" in message
    assert "MyoArmbandDataset" in NINAPRO.source and "NAS-Bench-360" in NINAPRO.source
    with pytest.raises(DataFileNotFoundError, match="myo_emg/windows.npz"):
        NINAPRO.load(data_root=tmp_path, source="myo-armband")
    with pytest.raises(DataFileNotFoundError, match="ninapro_train.npy"):
        ninapro.load(tmp_path, source="ninapro-db5")


# ----------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def real(shared_data: Path) -> tuple[TaskData, dict[str, np.ndarray]]:
    with np.load(shared_data / "myo_emg" / "windows.npz") as npz:
        raw = {k: npz[k] for k in npz.files}
    return NINAPRO.load(data_root=shared_data, source="myo-armband"), raw


def test_real_windows_split_by_repetition(real: tuple[TaskData, dict[str, np.ndarray]]) -> None:
    data, raw = real
    _check_split(data, raw)
    sizes = [(len(data.split(s)), len(np.unique(data.split(s).groups))) for s in SPLITS]
    assert sizes == [(20161, 1064), (10085, 532), (10086, 532)]
    for name in SPLITS:
        split = data.split(name)
        assert set(np.unique(split.y)) == set(range(7))
        assert split.x.min() >= -1.0 and split.x.max() < 1.0


def test_real_tiny_training_run(shared_data: Path) -> None:
    arch = get_space("darts").sample(np.random.default_rng(0))
    record = evaluate(arch, "ninapro", "ninapro-tiny-v2", seed=0, device="cpu", n_threads=1,
                      data_root=shared_data)
    assert record.status == "ok", record.message
    assert record.extra["data_source"] == "myo-armband"
    assert math.isfinite(record.score) and 0.0 <= record.score <= 100.0


def test_real_tiny_training_run_of_a_1d_network(shared_data: Path) -> None:
    """The electrodes as channels (``layout="channels"``, ``input_shape=(8, 52)``) train a 1D network."""
    tiny = get_protocol("ninapro-tiny-v2")
    one_d = dataclasses.replace(tiny, name="ninapro-tiny-channels-v2", input_shape=(8, 52),
                                data_options=(*tiny.data_options, ("layout", "channels")))
    assert network_family(one_d, get_task("ninapro")) == "point1d"
    arch = get_space("darts").sample(np.random.default_rng(0))
    record = evaluate(arch, "ninapro", one_d, seed=0, device="cpu", n_threads=1, data_root=shared_data)
    assert record.status == "ok", record.message
    two_d = evaluate(arch, "ninapro", tiny, seed=0, device="cpu", n_threads=1, data_root=shared_data)
    assert 0 < record.flops < two_d.flops  # 52 positions per channel, not 8 x 52
    assert math.isfinite(record.score) and 0.0 <= record.score <= 100.0
