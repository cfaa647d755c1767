"""Data packs: the ECG compact form, pack writing/verification, and loading from a pack.

Identity is checked against the loader reading the original ``.mat`` files (synthetic ones
written here, and real PhysioNet records copied from ../shared/data).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from test_data_ecg import write_physionet

from training_data.tasks.data_root import DataFileNotFoundError
from training_data.tasks.dataset import TaskData
from training_data.tasks.loaders import ecg, ecg_compact, myo_emg, psicov, satellite
from training_data.tasks.pack import (
    MANIFEST_NAME,
    PACK_TASKS,
    PackIntegrityError,
    read_manifest,
    sha256_file,
    verify_pack,
    write_pack,
)

PROVENANCE = ("source_path", "source_format", "cache_hit", "files")
COMPACT = Path("physionet2017/compact")


def assert_same_task_data(a: TaskData, b: TaskData) -> None:
    """Bitwise-equal splits and equal meta apart from file provenance."""
    for name in ("train", "val", "test"):
        one, two = getattr(a, name), getattr(b, name)
        for field in ("x", "y", "groups"):
            left, right = getattr(one, field), getattr(two, field)
            if left is None or right is None:
                assert left is right, (name, field)
                continue
            assert left.dtype == right.dtype and left.shape == right.shape, (name, field)
            np.testing.assert_array_equal(left, right, err_msg=f"{name}.{field}")
    strip = lambda meta: {k: v for k, v in meta.items() if k not in PROVENANCE}  # noqa: E731
    assert strip(a.meta) == strip(b.meta)


# --- the compact codec


def test_compact_round_trip_is_exact_across_chunks_and_int16_extremes(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    records = [
        np.array([-32768, 32767, -32768, 0, 32767, -1, 1], dtype=np.int16),  # deltas wrap
        rng.integers(-32768, 32768, 1000).astype(np.int16),
        np.zeros(0, dtype=np.int16),
        rng.normal(0, 300, (1, 777)).astype(np.int16),  # (1, n) as scipy reads 'val'
    ]
    names = ["r1", "r2", "empty", "r4"]
    ecg_compact.write_compact(tmp_path, names, records, chunk_samples=100)  # 18 chunks
    index = np.load(tmp_path / ecg_compact.COMPACT_INDEX)
    assert len(index["chunk_bytes"]) == -(-1784 // 100)
    store = ecg_compact.read_compact(tmp_path)
    assert store.names.tolist() == names and store.signal.dtype == np.int16
    for position, values in enumerate(records):
        np.testing.assert_array_equal(store.record(position), values.ravel())


def test_compact_rejects_values_that_are_not_int16(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'big'"):
        ecg_compact.write_compact(tmp_path, ["ok", "big"], [np.zeros(3, np.int16), np.array([40000])])
    with pytest.raises(ValueError, match="'frac'"):
        ecg_compact.write_compact(tmp_path, ["frac"], [np.array([1.5, 2.0])])
    with pytest.raises(ValueError, match="2 record names but 1"):
        ecg_compact.write_compact(tmp_path, ["a", "b"], [np.zeros(3, np.int16)])


# --- loading from a pack: synthetic records (no shared data needed)


@pytest.fixture()
def synthetic_pack(tmp_path: Path) -> tuple[Path, Path]:
    """(data root with 20 synthetic .mat records, a pack of it)."""
    write_physionet(tmp_path / "raw" / "physionet2017" / "training2017")
    write_pack(tmp_path / "pack", tasks=["ecg"], data_root=tmp_path / "raw")
    return tmp_path / "raw", tmp_path / "pack"


def test_pack_of_synthetic_records_loads_identically(synthetic_pack: tuple[Path, Path]) -> None:
    raw, pack = synthetic_pack
    assert not list((pack / COMPACT).glob("*.mat"))
    from_mat = ecg.load(raw, use_cache=False)
    from_pack = ecg.load(pack, use_cache=False)
    assert (from_mat.meta["source_format"], from_pack.meta["source_format"]) == ("mat", "compact")
    assert from_pack.meta["source_kind"] == "physionet"
    assert_same_task_data(from_mat, from_pack)
    subset = {"max_records": 12, "seed": 5, "use_cache": False}
    assert_same_task_data(ecg.load(raw, **subset), ecg.load(pack, **subset))
    assert ecg.has_data(pack)


def test_pack_has_its_own_cache_entry_and_hits_it(
    synthetic_pack: tuple[Path, Path], tmp_path: Path
) -> None:
    raw, pack = synthetic_pack
    cache = tmp_path / "cache"
    from_mat = ecg.load(raw, cache_dir=cache)
    cold = ecg.load(pack, cache_dir=cache)
    warm = ecg.load(pack, cache_dir=cache)
    assert (cold.meta["cache_hit"], warm.meta["cache_hit"]) == (False, True)
    assert len(list(cache.glob("ecg-records-*.npz"))) == 2  # one per source (see the loader)
    assert_same_task_data(from_mat, warm)
    subset = ecg.load(pack, cache_dir=cache, max_records=10)
    assert not subset.meta["cache_hit"] and len(list(cache.glob("*.npz"))) == 3


def test_original_mat_files_win_over_a_compact_form_beside_them(tmp_path: Path) -> None:
    folder = tmp_path / "both"
    write_physionet(folder)
    names, _ = ecg.read_reference(folder / "REFERENCE.csv")
    raw = ecg.read_raw_records(folder / "REFERENCE.csv", names, range(len(names)))
    ecg_compact.write_compact(folder, names, list(raw))
    assert ecg.load(folder, use_cache=False).meta["source_format"] == "mat"


def test_manifest_lists_every_file_with_size_and_hash(synthetic_pack: tuple[Path, Path]) -> None:
    raw, pack = synthetic_pack
    manifest = verify_pack(pack)
    assert manifest.tasks == ("ecg",)
    paths = {f.path for f in manifest.files}
    assert paths == {f"{COMPACT.as_posix()}/{n}" for n in ("REFERENCE.csv", "signals.bz2", "index.npz")}
    on_disk = {p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file()}
    assert on_disk == paths | {MANIFEST_NAME}
    for entry in manifest.files:
        assert entry.sha256 == sha256_file(pack / entry.path)
        assert entry.bytes == (pack / entry.path).stat().st_size
    source = manifest.sources["ecg"]
    assert source["n_records"] == 20 and source["n_samples"] == 16 * 3000 + 4 * 1500
    assert (pack / COMPACT / "REFERENCE.csv").read_bytes() == (
        raw / "physionet2017" / "training2017" / "REFERENCE.csv"
    ).read_bytes()
    assert read_manifest(pack) == manifest


# --- error paths


def _flip_byte(path: Path, position: int) -> None:
    data = bytearray(path.read_bytes())
    data[position] ^= 0xFF
    path.write_bytes(bytes(data))


def test_verify_pack_names_the_bad_file(synthetic_pack: tuple[Path, Path]) -> None:
    _, pack = synthetic_pack
    signals = pack / COMPACT / "signals.bz2"
    original = signals.read_bytes()
    _flip_byte(signals, len(original) // 2)
    with pytest.raises(PackIntegrityError, match="signals.bz2.*SHA-256"):
        verify_pack(pack)
    signals.write_bytes(original)
    (pack / COMPACT / "index.npz").write_bytes(b"short")
    with pytest.raises(PackIntegrityError, match="index.npz has 5 bytes"):
        verify_pack(pack)
    (pack / COMPACT / "REFERENCE.csv").unlink()
    with pytest.raises(FileNotFoundError, match="REFERENCE.csv"):
        verify_pack(pack)


def test_verify_pack_names_the_tasks_a_job_needs_and_the_pack_lacks(
    synthetic_pack: tuple[Path, Path],
) -> None:
    _, pack = synthetic_pack
    assert verify_pack(pack, tasks=["ecg"]).tasks == ("ecg",)
    with pytest.raises(ValueError, match=rf"the pack in {pack} lacks task\(s\) \['satellite'\]; it holds "
                                         r"\['ecg'\] \(make one with `nb360 data pack --tasks satellite`\)"):
        verify_pack(pack, tasks=["ecg", "satellite", "satellite"])


def test_bad_manifests_are_clear_errors(synthetic_pack: tuple[Path, Path], tmp_path: Path) -> None:
    _, pack = synthetic_pack
    manifest = pack / MANIFEST_NAME
    content = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**content, "format_version": 99}))
    with pytest.raises(ValueError, match="version 99"):
        verify_pack(pack)
    bad_path = {**content, "files": [{**content["files"][0], "path": "../outside"}]}
    manifest.write_text(json.dumps(bad_path))
    with pytest.raises(PackIntegrityError, match="'../outside' leaves the pack"):
        verify_pack(pack)
    manifest.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        verify_pack(pack)
    with pytest.raises(FileNotFoundError, match=MANIFEST_NAME):
        verify_pack(tmp_path / "raw")


def test_loading_a_partial_or_corrupt_pack_names_the_file(
    synthetic_pack: tuple[Path, Path],
) -> None:
    _, pack = synthetic_pack
    folder = pack / COMPACT
    signals, index, reference = (folder / n for n in ("signals.bz2", "index.npz", "REFERENCE.csv"))
    original = signals.read_bytes()
    _flip_byte(signals, len(original) // 2)  # same size, bad bz2 block
    with pytest.raises(ValueError, match=r"signals\.bz2: chunk 0 of 1"):
        ecg.load(pack, use_cache=False)
    signals.write_bytes(original[:-10])
    with pytest.raises(ValueError, match=r"signals\.bz2 has .* truncated"):
        ecg.load(pack, use_cache=False)
    signals.unlink()
    with pytest.raises(DataFileNotFoundError, match=r"signals\.bz2 are missing"):
        ecg.load(pack, use_cache=False)
    signals.write_bytes(original)
    with reference.open("a") as handle:
        handle.write("A99999,N\n")
    with pytest.raises(DataFileNotFoundError, match=r"\['A99999'\].*index\.npz"):
        ecg.load(pack, use_cache=False)
    index.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match=r"index\.npz is not a readable"):
        ecg.load(pack, use_cache=False)


def test_wrong_compact_version_and_missing_index_fields(tmp_path: Path) -> None:
    ecg_compact.write_compact(tmp_path, ["a"], [np.arange(5, dtype=np.int16)])
    fields = dict(np.load(tmp_path / ecg_compact.COMPACT_INDEX))
    np.savez(tmp_path / ecg_compact.COMPACT_INDEX, **{**fields, "format_version": np.int64(7)})
    with pytest.raises(ValueError, match="version 7"):
        ecg_compact.read_compact(tmp_path)
    del fields["offsets"]
    np.savez(tmp_path / ecg_compact.COMPACT_INDEX, **fields)
    with pytest.raises(KeyError, match="offsets"):
        ecg_compact.read_compact(tmp_path)


def test_write_pack_rejects_bad_tasks_a_used_folder_and_missing_data(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\['cifar100'\].*valid: \['ecg', 'satellite', 'darcyflow', 'ninapro', 'psicov'\]"):
        write_pack(tmp_path / "a", tasks=["ecg", "cifar100"], data_root=tmp_path)
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "file").write_text("x")
    with pytest.raises(ValueError, match="used exists and is not empty"):
        write_pack(tmp_path / "used", tasks=["darcyflow"], data_root=tmp_path)
    (tmp_path / "empty_root").mkdir()
    with pytest.raises(DataFileNotFoundError, match="Crop_TRAIN.tsv"):
        write_pack(tmp_path / "b", tasks=["satellite"], data_root=tmp_path / "empty_root")


def test_darcyflow_packs_no_files(tmp_path: Path) -> None:
    manifest = write_pack(tmp_path / "pack", tasks=["darcyflow"], data_root=tmp_path / "none")
    assert manifest.files == () and manifest.sources["darcyflow"]["kind"] == "generate"
    assert verify_pack(tmp_path / "pack") == manifest


# --- real data from ../shared/data


def _real_root(shared: Path, target: Path, n_records: int) -> Path:
    """A data root with the first ``n_records`` real PhysioNet records and UCR Crop copied in."""
    source = shared / "physionet2017" / "training2017"
    folder = target / "physionet2017" / "training2017"
    folder.mkdir(parents=True)
    lines = (source / "REFERENCE.csv").read_text().splitlines()[:n_records]
    (folder / "REFERENCE.csv").write_text("".join(f"{line}\n" for line in lines))
    for line in lines:
        name = line.split(",")[0]
        shutil.copyfile(source / f"{name}.mat", folder / f"{name}.mat")
    (target / "ucr_crop").mkdir()
    shutil.copyfile(shared / "ucr_crop" / "Crop_TRAIN.tsv", target / "ucr_crop" / "Crop_TRAIN.tsv")
    return target


@pytest.mark.needs_shared_data
def test_tiny_pack_of_real_records_loads_identically(shared_data: Path, tmp_path: Path) -> None:
    root = _real_root(shared_data, tmp_path / "raw", 40)
    manifest = write_pack(tmp_path / "pack", tasks=["ecg", *PACK_TASKS], data_root=root)
    assert manifest.tasks == ("ecg", "satellite", "darcyflow")
    assert verify_pack(tmp_path / "pack", tasks=["darcyflow", "ecg"]) == manifest
    pack = tmp_path / "pack"
    names, _ = ecg.read_reference(ecg.find_reference(root))
    original = ecg.read_raw_records(ecg.find_reference(root), names, range(len(names)))
    packed = ecg.read_raw_records(ecg.find_reference(pack), names, range(len(names)))
    for values, decoded in zip(original, packed, strict=True):
        assert values.dtype == np.int16  # the real .mat files hold int16, stored exactly
        np.testing.assert_array_equal(values.ravel(), decoded)
    assert_same_task_data(ecg.load(root, use_cache=False), ecg.load(pack, use_cache=False))
    subset = {"max_records": 15, "seed": 3, "use_cache": False}
    assert_same_task_data(ecg.load(root, **subset), ecg.load(pack, **subset))
    assert_same_task_data(satellite.load(shared_data), satellite.load(pack))
    crop = manifest.sources["satellite"]
    assert crop["sha256"] == sha256_file(shared_data / "ucr_crop" / "Crop_TRAIN.tsv")


@pytest.mark.slow
@pytest.mark.needs_shared_data
def test_full_ecg_pack_of_the_real_data(shared_data: Path, tmp_path: Path) -> None:
    start = time.perf_counter()
    manifest = write_pack(tmp_path / "pack", tasks=["ecg"], data_root=shared_data)
    seconds = time.perf_counter() - start
    verify_pack(tmp_path / "pack")
    assert manifest.sources["ecg"]["n_records"] == 8528
    assert manifest.total_bytes < 40 * 2**20, manifest.total_bytes
    subset = {"max_records": 300, "seed": 1, "use_cache": False}
    assert_same_task_data(ecg.load(shared_data, **subset), ecg.load(tmp_path / "pack", **subset))
    print(f"full ECG pack: {manifest.total_bytes / 2**20:.2f} MiB in {seconds:.1f} s")


@pytest.mark.needs_shared_data
def test_stand_in_data_packs_load_identically(shared_data: Path, tmp_path: Path) -> None:
    """NinaPro's Myo sEMG and the PSICOV proteins travel as copies of their folders."""
    manifest = write_pack(tmp_path / "pack", tasks=["ninapro", "psicov"], data_root=shared_data)
    assert verify_pack(tmp_path / "pack") == manifest
    packed = {f.path for f in manifest.files}
    assert {"myo_emg/windows.npz", "myo_emg/meta.json", "psicov150/index.json", "psicov150/1a3a.npz"} <= packed
    assert manifest.sources["psicov"]["n_files"] == len(list((shared_data / "psicov150").iterdir()))
    pack = tmp_path / "pack"
    assert_same_task_data(myo_emg.load(shared_data), myo_emg.load(pack))
    options = {"source": "psicov150", "crop": 32, "crops_per_protein": 2}
    assert_same_task_data(psicov.load(shared_data, **options), psicov.load(pack, **options))
