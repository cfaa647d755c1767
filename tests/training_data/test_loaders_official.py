"""Loaders of the official NB360 files, on tiny files written here in the same formats."""
from __future__ import annotations

import csv
import gzip
import io
import json
import pickle
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from training_data.tasks import DataFileNotFoundError, PickleNotAllowedError, get_task
from training_data.tasks.dataset import TaskData
from training_data.tasks.loaders import fsd50k

MY_TASKS = ["cifar100", "spherical", "ninapro", "fsd50k", "psicov", "cosmic", "deepsea"]


@pytest.fixture(autouse=True)
def _no_pickle_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NB360_ALLOW_PICKLE", raising=False)


def _check_against_task(data: TaskData, name: str, splits: tuple[str, ...] = ("train", "val", "test")) -> None:
    task = get_task(name)
    assert data.task == name
    for split_name in splits:
        split = data.split(split_name)
        assert len(split) > 0
        assert split.x.dtype == np.float32 and split.x.shape[1:] == task.input_shape
        if task.output_type == "classification":
            assert split.y.dtype == np.int64 and split.y.shape == (len(split),)
            assert split.y.min() >= 0 and split.y.max() < task.n_outputs
        elif task.output_type == "multilabel":
            assert split.y.dtype == np.float32 and split.y.shape == (len(split), task.n_outputs)
        else:
            assert split.y.dtype == np.float32 and split.y.shape == (len(split), *task.output_shape)


# ----------------------------------------------------------------------------- writers
def _write_cifar(root: Path, n_train: int = 10, n_test: int = 4, archive: bool = False) -> np.ndarray:
    rng = np.random.default_rng(0)
    data = {}
    for part, n in (("train", n_train), ("test", n_test)):
        data[part] = {b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), b"fine_labels": rng.integers(0, 100, n).tolist()}
    if archive:
        with tarfile.open(root / "cifar-100-python.tar.gz", "w:gz") as tar:
            for part, batch in data.items():
                blob = pickle.dumps(batch)
                info = tarfile.TarInfo(f"cifar-100-python/{part}")
                info.size = len(blob)
                tar.addfile(info, io.BytesIO(blob))
    else:
        folder = root / "cifar-100-python"
        folder.mkdir(parents=True)
        for part, batch in data.items():
            (folder / part).write_bytes(pickle.dumps(batch))
    return data["train"][b"data"]


def _write_spherical(root: Path) -> None:
    rng = np.random.default_rng(1)
    dataset = {
        part: {"images": rng.normal(size=(n, 3, 60, 60)).astype(np.float32), "labels": rng.integers(0, 100, n)}
        for part, n in (("train", 10), ("test", 3))
    }
    with gzip.open(root / "s2_cifar100.gz", "wb") as f:
        pickle.dump(dataset, f)


def _write_ninapro(root: Path) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2)
    raw = {}
    for split, n in (("train", 6), ("val", 3), ("test", 2)):
        raw[split] = rng.normal(size=(n, 52, 16)).astype(np.float32)
        np.save(root / f"ninapro_{split}.npy", raw[split])
        np.save(root / f"label_{split}.npy", rng.integers(0, 18, n))
    return raw


def _write_deepsea(root: Path) -> None:
    rng = np.random.default_rng(3)
    arrays = {}
    for split, n in (("train", 5), ("val", 2), ("test", 3)):
        arrays[f"x_{split}"] = np.eye(4, dtype=np.uint8)[rng.integers(0, 4, (n, 1000))]
        arrays[f"y_{split}"] = rng.integers(0, 2, (n, 36)).astype(np.uint8)
    np.savez(root / "deepsea_filtered.npz", **arrays)


def _write_cosmic(root: Path, n_train: int = 10, n_test: int = 3) -> None:
    rng = np.random.default_rng(4)
    for part, n in (("train", n_train), ("test", n_test)):
        with tarfile.open(root / f"deepCR.ACS-WFC.{part}.tar", "w") as tar:
            members = {f"npy_{part}/f435w/p1/v1/sky.npy": np.ones(3)}
            for i in range(n):
                planes = np.stack([rng.normal(size=(128, 128)), rng.random((128, 128)) < 0.05, rng.random((128, 128)) < 0.01])
                members[f"npy_{part}/f435w/p1/v{i % 2}/{i + 1}_img.npy"] = planes.astype(np.float32)
            for name, array in members.items():
                buffer = io.BytesIO()
                np.save(buffer, array)
                info = tarfile.TarInfo(name)
                info.size = buffer.tell()
                buffer.seek(0)
                tar.addfile(info, buffer)


def _protein(length: int, rng: np.random.Generator) -> tuple[dict, np.ndarray]:
    features = {
        "seq": "A" * length,
        "ss": rng.random((3, length)), "pssm": rng.random((length, 22)),
        "sa": rng.random(length), "entropy": rng.random(length),
        "ccmpred": rng.random((length, length)), "freecon": rng.random((length, length)),
        "potential": rng.random((length, length)),
    }
    coords = rng.normal(scale=3.0, size=(length, 3))  # compact: many pairs within 8 A
    cb_map = np.linalg.norm(coords[:, None] - coords[None], axis=-1)
    stored = np.empty(3, dtype=object)
    stored[:] = [length, "A" * length, cb_map]
    return features, stored


def _write_psicov(root: Path) -> dict[str, list[int]]:
    rng = np.random.default_rng(5)
    lengths = {"deepcov": [30, 140, 20], "psicov": [40, 26]}
    with zipfile.ZipFile(root / "protein.zip", "w") as archive:
        for dataset, lens in lengths.items():
            ids = [f"{dataset[:2]}{i}" for i in range(len(lens))]
            archive.writestr(f"{dataset}.lst", "\n".join(ids) + "\n")
            for pdb, length in zip(ids, lens, strict=True):
                features, stored = _protein(length, rng)
                archive.writestr(f"{dataset}/features/{pdb}.pkl", pickle.dumps(features))
                buffer = io.BytesIO()
                np.save(buffer, stored, allow_pickle=True)
                archive.writestr(f"{dataset}/distance/{pdb}-cb.npy", buffer.getvalue())
    return lengths


def _write_fsd50k(root: Path) -> None:
    chunks = root / "data" / "chunks"
    (chunks / "wavs").mkdir(parents=True)
    labels = {f"label_{i}": i for i in range(200)}
    (chunks / "lbl_map.json").write_text(json.dumps(labels))
    t = np.arange(fsd50k.SAMPLE_RATE) / fsd50k.SAMPLE_RATE
    for split, manifest in (("train", "tr.csv"), ("val", "val.csv"), ("test", "eval.csv")):
        rows = []
        for clip, (freq, names) in enumerate([(440.0, "label_3,label_7"), (3000.0, "label_199")]):
            for chunk in range(2):
                samples = fsd50k.SAMPLE_RATE // (2 if chunk else 1)  # second chunk is 0.5 s
                wav = (0.3 * np.sin(2 * np.pi * freq * t[:samples]) * 32767).astype(np.int16)
                path = chunks / "wavs" / f"{split}_{clip}.{chunk}.wav"
                wavfile.write(path, fsd50k.SAMPLE_RATE, wav)
                entry = f"wavs/{path.name}" if chunk else f"/elsewhere/chunks/wavs/{path.name}"  # NB360: absolute paths
                rows.append({"files": entry, "labels": names, "ext": f"{split}_{clip}"})
        with (chunks / manifest).open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=["files", "labels", "ext"])
            writer.writeheader()
            writer.writerows(rows)


# ----------------------------------------------------------------------------- tests
@pytest.mark.parametrize("archive", [False, True])
def test_cifar100_folder_and_archive(tmp_path: Path, archive: bool) -> None:
    raw = _write_cifar(tmp_path, archive=archive)
    data = get_task("cifar100").load(data_root=tmp_path, allow_pickle=True)
    _check_against_task(data, "cifar100")
    assert (len(data.train), len(data.val), len(data.test)) == (8, 2, 4)
    pixel = raw[0].reshape(3, 32, 32)[1, 5, 7] / 255.0
    assert data.train.x[0, 1, 5, 7] == pytest.approx((pixel - 0.4867) / 0.2565, rel=1e-5)


def test_spherical(tmp_path: Path) -> None:
    _write_spherical(tmp_path)
    data = get_task("spherical").load(data_root=tmp_path, allow_pickle=True)
    _check_against_task(data, "spherical")
    assert (len(data.train), len(data.val), len(data.test)) == (8, 2, 3)


def test_ninapro_transposes_time_and_electrodes(tmp_path: Path) -> None:
    (tmp_path / "ninapro").mkdir()
    raw = _write_ninapro(tmp_path / "ninapro")  # the task sub-folder is searched too
    data = get_task("ninapro").load(data_root=tmp_path)
    _check_against_task(data, "ninapro")
    assert data.val.x[1, 0, 3, 40] == raw["val"][1, 40, 3]


def test_deepsea_channels_first(tmp_path: Path) -> None:
    _write_deepsea(tmp_path)
    data = get_task("deepsea").load(data_root=tmp_path)
    _check_against_task(data, "deepsea")
    assert np.all(data.test.x.sum(axis=1) == 1)  # one-hot over the 4 channels
    assert len(get_task("deepsea").load(data_root=tmp_path, max_samples=2).train) == 2


def test_cosmic_reads_tars_and_skips_sky(tmp_path: Path) -> None:
    _write_cosmic(tmp_path)
    data = get_task("cosmic").load(data_root=tmp_path)
    _check_against_task(data, "cosmic")
    assert (len(data.train), len(data.val), len(data.test)) == (9, 1, 3)
    assert data.train.mask is not None and data.train.mask.shape == data.train.y.shape
    assert set(np.unique(data.train.y)) <= {0.0, 1.0}


def test_psicov_crops_full_maps_and_mask(tmp_path: Path) -> None:
    lengths = _write_psicov(tmp_path)
    data = get_task("psicov").load(data_root=tmp_path, allow_pickle=True, n_val=1)
    _check_against_task(data, "psicov", splits=("train",))
    assert (len(data.train), len(data.val), len(data.test)) == (2, 1, 2)
    assert data.train.y.max() <= 16.0  # NB360 clips training distances at 16 A
    assert data.val.x.shape == (1, 57, 40, 40)  # full map, 30 + pad 10
    assert data.test.x.shape[1:] == (57, 50, 50) and data.test.mask is not None
    # mask = the real residue pairs inside the 5-pixel padding
    assert data.test.mask[1, 0].sum() == lengths["psicov"][1] ** 2
    assert data.test.mask[1, 0, 5, 5] == 1 and data.test.mask[1, 0, 4, 5] == 0
    assert data.test.y[1, 0, 0, 0] == 100.0  # padding distance
    # distances are symmetric with a filled diagonal, and perfect predictions score 0
    y = data.test.y[:, 0]
    np.testing.assert_allclose(y, y.transpose(0, 2, 1))
    assert get_task("psicov").score(data.test.y, data.test.y, mask=data.test.mask) == 0.0


def test_fsd50k_log_mel_chunks_and_clip_groups(tmp_path: Path) -> None:
    _write_fsd50k(tmp_path)
    data = get_task("fsd50k").load(data_root=tmp_path)
    _check_against_task(data, "fsd50k")
    assert data.train.groups.tolist() == [0, 0, 1, 1]
    assert data.train.y[0, [3, 7]].tolist() == [1.0, 1.0] and data.train.y[0].sum() == 2
    assert data.train.y[2, 199] == 1.0
    spec = data.train.x[0, 0]
    assert abs(spec.mean()) < 1e-4  # per-chunk zero mean
    # the 440 Hz tone peaks in the mel band whose centre is closest to 440 Hz
    centres = fsd50k.mel_to_hz(np.linspace(0, fsd50k.hz_to_mel(11025), 98))[1:-1]
    assert spec[:, 50].argmax() == np.abs(centres - 440).argmin()
    # the 0.5 s chunk is tiled to 1 s: same band, full 101 frames
    assert data.train.x[1, 0, :, 50].argmax() == spec[:, 50].argmax()


def test_mel_filterbank_and_frames_follow_the_definitions() -> None:
    fb = fsd50k.mel_filterbank(961, 96, 22050)
    assert fb.shape == (961, 96) and fb.min() >= 0 and fb.max() <= 1
    freqs = np.linspace(0, 11025, 961)
    centres = fsd50k.mel_to_hz(np.linspace(0, fsd50k.hz_to_mel(11025), 98))[1:-1]
    peaks = freqs[fb.argmax(axis=0)]
    assert np.all(np.abs(peaks - centres) <= freqs[1])  # each triangle peaks at its centre
    assert fsd50k.hz_to_mel(1000.0) == pytest.approx(1000.0, abs=0.5)  # HTK: 1 kHz ~ 1000 mel
    assert fsd50k.log_mel(np.random.default_rng(0).normal(size=22050)).shape == (96, 101)
    with pytest.raises(ValueError, match="too short"):
        fsd50k.log_mel(np.zeros(100))


@pytest.mark.parametrize(
    ("name", "file_name"),
    [
        ("cifar100", "cifar-100-python"),
        ("spherical", "s2_cifar100.gz"),
        ("ninapro", "ninapro_train.npy"),
        ("fsd50k", "lbl_map.json"),
        ("psicov", "protein.zip"),
        ("cosmic", "deepCR.ACS-WFC.train.tar"),
        ("deepsea", "deepsea_filtered.npz"),
    ],
)
def test_missing_files_name_file_folder_and_source(tmp_path: Path, name: str, file_name: str) -> None:
    task = get_task(name)
    assert not task.has_data(tmp_path)
    with pytest.raises(DataFileNotFoundError) as error:
        task.load(data_root=tmp_path)
    message = str(error.value)
    assert file_name in message and str(tmp_path) in message and str(tmp_path / name) in message
    assert "Get the data" in message and task.source in message


def test_has_data_is_true_once_files_exist(tmp_path: Path) -> None:
    _write_deepsea(tmp_path)
    assert get_task("deepsea").has_data(tmp_path)


@pytest.mark.parametrize(
    ("name", "writer"),
    [("cifar100", _write_cifar), ("spherical", _write_spherical), ("psicov", _write_psicov)],
)
def test_pickles_need_an_explicit_opt_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, writer) -> None:
    writer(tmp_path)
    task = get_task(name)
    with pytest.raises(PickleNotAllowedError, match="allow_pickle=True.*NB360_ALLOW_PICKLE=1"):
        task.load(data_root=tmp_path)
    with pytest.raises(PickleNotAllowedError):
        task.load(data_root=tmp_path, allow_pickle=False)
    monkeypatch.setenv("NB360_ALLOW_PICKLE", "1")
    options = {"n_val": 1} if name == "psicov" else {}
    assert isinstance(task.load(data_root=tmp_path, **options), TaskData)
    with pytest.raises(PickleNotAllowedError):  # the argument overrides the environment
        task.load(data_root=tmp_path, allow_pickle=False)


def test_object_npy_is_rejected_without_unpickling(tmp_path: Path) -> None:
    _write_ninapro(tmp_path)
    np.save(tmp_path / "label_test.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="holds Python objects"):
        get_task("ninapro").load(data_root=tmp_path)


def test_bad_options_and_contents_raise_clear_errors(tmp_path: Path) -> None:
    _write_deepsea(tmp_path)
    with pytest.raises(ValueError, match="max_samples must be a positive integer"):
        get_task("deepsea").load(data_root=tmp_path, max_samples=0)
    _write_psicov(tmp_path)
    with pytest.raises(ValueError, match="need more than n_val=100"):
        get_task("psicov").load(data_root=tmp_path, allow_pickle=True)
    _write_fsd50k(tmp_path)
    manifest = tmp_path / "data" / "chunks" / "val.csv"
    manifest.write_text(manifest.read_text().replace("label_199", "not_a_label"))
    with pytest.raises(KeyError, match="not_a_label"):
        get_task("fsd50k").load(data_root=tmp_path)
