"""Frozen (gzip, read-only) record files beside live ones: reading both, dedup across them,
appends never touching the frozen file, damage errors, deterministic bytes."""
from __future__ import annotations

import gzip
import json
import os
import struct
import zlib
from pathlib import Path

import pandas as pd
import pytest

from training_data.records.frozen_file import FrozenRecordFile, frozen_bytes, write_frozen
from training_data.records.loading import load_records
from training_data.records.record_file import CorruptRecordError, RecordFile, encode_record
from training_data.records.store import RecordStore
from training_data.records.synthetic import synthetic_record


def _frozen_path(root: Path) -> Path:
    return root / "ecg" / "synthetic-v1.jsonl.gz"


def _live_path(root: Path) -> Path:
    return root / "ecg" / "synthetic-v1.jsonl"


def _mixed(root: Path) -> RecordStore:
    """Records 0-4 frozen, 5-7 live (same task and protocol), 8 live in another task."""
    store = RecordStore(root)
    store.write_frozen([synthetic_record(i) for i in range(5)])
    assert store.extend([synthetic_record(i) for i in range(5, 8)]) == 3
    assert store.append(synthetic_record(8, task="satellite"))
    return store


def test_readers_see_frozen_then_live_records(tmp_path):
    store = _mixed(tmp_path)
    assert sorted(p.name for p in (tmp_path / "ecg").iterdir()) == [
        "synthetic-v1.jsonl", "synthetic-v1.jsonl.gz"
    ]
    assert store.groups() == [("ecg", "synthetic-v1"), ("satellite", "synthetic-v1")]
    fresh = RecordStore(tmp_path)
    assert [r.extra["i"] for r in fresh.records(task="ecg")] == [0, 1, 2, 3, 4, 5, 6, 7]
    assert [r.extra["i"] for r in fresh] == list(range(9))
    assert len(fresh) == 9 and len(fresh.keys()) == 9
    assert synthetic_record(2) in fresh and synthetic_record(6) in fresh
    assert synthetic_record(9) not in fresh
    fast = load_records(store=tmp_path)
    assert fast["extra.i"].tolist() == list(range(9))
    pd.testing.assert_frame_equal(fast, load_records(store=tmp_path, validate=True))
    assert fresh.to_frame()["extra.i"].tolist() == list(range(9))


def test_frozen_only_group_is_listed_and_filtered(tmp_path):
    RecordStore(tmp_path).write_frozen([synthetic_record(0, protocol="table-v1")])
    assert RecordStore(tmp_path).groups("ecg") == [("ecg", "table-v1")]
    assert load_records(store=tmp_path, task="ecg", protocol="table-v1")["extra.i"].tolist() == [0]
    with pytest.raises(ValueError, match=r"protocol 'x' matches no records; protocols present: \['table-v1'\]"):
        load_records(store=tmp_path, protocol="x")


def test_append_never_duplicates_a_frozen_key(tmp_path):
    store = _mixed(tmp_path)
    assert store.append(synthetic_record(2)) is False
    assert store.append(synthetic_record(2, score=55.5)) is False  # same key, other content
    assert store.extend([synthetic_record(4), synthetic_record(9), synthetic_record(9)]) == 1
    assert RecordStore(tmp_path).append(synthetic_record(0)) is False  # a fresh store object too
    live = [json.loads(x)["extra"]["i"] for x in _live_path(tmp_path).read_text().splitlines()]
    assert live == [5, 6, 7, 9]
    assert next(r for r in store if r.extra["i"] == 2).score == synthetic_record(2).score


def test_batch_of_frozen_keys_creates_no_live_file(tmp_path):
    store = RecordStore(tmp_path)
    store.write_frozen([synthetic_record(i) for i in range(3)])
    assert store.extend([synthetic_record(1), synthetic_record(2)]) == 0
    assert not _live_path(tmp_path).exists()


def test_appends_never_modify_the_frozen_file(tmp_path):
    store = _mixed(tmp_path)
    frozen = _frozen_path(tmp_path)
    before = (frozen.read_bytes(), frozen.stat().st_mtime_ns, frozen.stat().st_ino)
    store.extend([synthetic_record(i) for i in range(20)])
    store.append(synthetic_record(30))
    assert (frozen.read_bytes(), frozen.stat().st_mtime_ns, frozen.stat().st_ino) == before
    lines = gzip.decompress(frozen.read_bytes()).splitlines(keepends=True)
    assert lines == [encode_record(synthetic_record(i)) for i in range(5)]


def test_replaced_frozen_file_is_read_again(tmp_path):
    store = RecordStore(tmp_path)
    store.write_frozen([synthetic_record(i) for i in range(2)])
    assert len(store) == 2
    store.write_frozen([synthetic_record(i) for i in range(10, 13)])  # replaces the group's table
    assert [r.extra["i"] for r in store] == [10, 11, 12]
    assert [p.name for p in (tmp_path / "ecg").iterdir()] == ["synthetic-v1.jsonl.gz"]  # no temp


def test_live_duplicate_of_a_frozen_key_is_read_once(tmp_path):
    """A live line repeating a frozen key (hand-merged file): the frozen record wins, both paths."""
    RecordStore(tmp_path).write_frozen([synthetic_record(i) for i in range(3)])
    RecordFile(_live_path(tmp_path)).append_many([synthetic_record(1, score=42.0), synthetic_record(3)])
    store = RecordStore(tmp_path)
    assert [(r.extra["i"], r.score) for r in store][1:] == [(1, 0.1), (2, 0.2), (3, 0.3)]
    assert len(store) == 4
    fast = load_records(store=tmp_path)
    assert fast["score"].tolist() == [0.0, 0.1, 0.2, 0.3]
    pd.testing.assert_frame_equal(fast, load_records(store=tmp_path, validate=True))


def test_merge_reads_frozen_files_and_stores(tmp_path):
    _mixed(tmp_path / "a")
    target = RecordStore(tmp_path / "b")
    assert target.merge([tmp_path / "a"]) == 9
    single = RecordStore(tmp_path / "c")
    assert single.merge(_frozen_path(tmp_path / "a")) == 5
    assert [r.extra["i"] for r in single] == [0, 1, 2, 3, 4]
    assert not _frozen_path(tmp_path / "c").exists()  # merged records are appended live


def _damage_cases(good: bytes) -> dict[str, tuple[bytes, str]]:
    lines = [encode_record(synthetic_record(i)) for i in range(3)]
    return {
        "truncated": (good[: len(good) // 2], r"not a complete gzip file"),
        "empty": (b"", r"not a complete gzip file \(empty file\)"),
        "not-gzip": (lines[0], r"not a complete gzip file"),
        "bad-crc": (good[:-8] + struct.pack("<I", zlib.crc32(b"x")) + good[-4:], r"CRC check failed"),
        "incomplete-last-line": (gzip.compress(b"".join(lines)[:-30]), r"line 3: an incomplete last line"),
        "invalid-middle-line": (gzip.compress(lines[0] + b"{oops\n" + lines[2]), r"line 2: invalid JSON"),
    }


@pytest.mark.parametrize("case", list(_damage_cases(b"")))
def test_damaged_frozen_file_is_an_error_naming_it(tmp_path, case):
    store = _mixed(tmp_path)
    frozen = _frozen_path(tmp_path)
    data, pattern = _damage_cases(frozen.read_bytes())[case]
    damaged = tmp_path / "damaged"
    damaged.write_bytes(data)
    os.replace(damaged, frozen)  # a new file, as a checkout or copy would give
    with pytest.raises(CorruptRecordError, match=rf"synthetic-v1\.jsonl\.gz.*{pattern}"):
        list(RecordStore(tmp_path))
    with pytest.raises(CorruptRecordError, match=r"synthetic-v1\.jsonl\.gz"):
        load_records(store=tmp_path, task="ecg")  # the fast path too
    with pytest.raises(CorruptRecordError, match=r"synthetic-v1\.jsonl\.gz"):
        store.append(synthetic_record(99))  # the store object had read the good file before
    assert frozen.read_bytes() == data
    assert load_records(store=tmp_path, task="satellite")["extra.i"].tolist() == [8]


def test_frozen_record_of_another_task_is_an_error(tmp_path):
    path = _frozen_path(tmp_path)
    write_frozen(path, [synthetic_record(0), synthetic_record(1, task="satellite")])
    with pytest.raises(CorruptRecordError, match=r"\.jsonl\.gz, line 2: record has task='satellite'"):
        list(RecordStore(tmp_path))


def test_frozen_bytes_are_deterministic_gzip_of_the_live_format(tmp_path):
    records = [synthetic_record(i, curve_epochs=i % 3) for i in range(50)]
    data = frozen_bytes(records)
    assert data == frozen_bytes(list(records))
    # RFC 1952 header: magic 1f 8b, method 8 (deflate), no flags (no file name), mtime 0,
    # extra flags 2 (level 9), OS 255.
    assert data[:10] == bytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 2, 255])
    live = tmp_path / "live.jsonl"
    RecordFile(live).append_many(records)
    assert gzip.decompress(data) == live.read_bytes()
    a = RecordStore(tmp_path / "a").write_frozen(records)
    b = RecordStore(tmp_path / "b").write_frozen(records)
    b = RecordStore(tmp_path / "b").write_frozen(records)  # replacing gives the same bytes
    assert a[0].read_bytes() == b[0].read_bytes() == data
    assert oct(a[0].stat().st_mode & 0o777) == "0o644"


def test_write_frozen_refuses_bad_input(tmp_path):
    store = RecordStore(tmp_path)
    with pytest.raises(ValueError, match=r"duplicate record key \('[0-9a-f]{32}', 'ecg'"):
        store.write_frozen([synthetic_record(0), synthetic_record(1), synthetic_record(0)])
    with pytest.raises(ValueError, match="duplicate record key"):  # checked before any write
        store.write_frozen([synthetic_record(0, task="satellite"), synthetic_record(1), synthetic_record(1)])
    assert not tmp_path.exists() or list(tmp_path.rglob("*")) == []
    with pytest.raises(TypeError, match="expected a Record, got dict"):
        store.write_frozen([synthetic_record(0).to_dict()])  # type: ignore[list-item]
    store.append(synthetic_record(1))
    with pytest.raises(ValueError, match=r"live file .*synthetic-v1\.jsonl already holds 1 of their keys"):
        store.write_frozen([synthetic_record(i) for i in range(3)])
    assert not _frozen_path(tmp_path).exists()
    assert store.write_frozen([synthetic_record(i) for i in (2, 3)]) == [_frozen_path(tmp_path)]
    assert FrozenRecordFile(_frozen_path(tmp_path)).keys() == {synthetic_record(i).key for i in (2, 3)}


def test_freeze_moves_live_lines_byte_for_byte_and_keeps_what_readers_see(tmp_path):
    store = _mixed(tmp_path)
    live_bytes = _live_path(tmp_path).read_bytes()
    before = [r.to_dict() for r in RecordStore(tmp_path)]
    assert store.freeze(task="ecg") == {("ecg", "synthetic-v1"): 3}
    assert _live_path(tmp_path).read_bytes() == b""
    frozen = gzip.decompress(_frozen_path(tmp_path).read_bytes())
    assert frozen == frozen_bytes_of(range(5)) + live_bytes
    assert [r.to_dict() for r in RecordStore(tmp_path)] == before  # same records, same order
    assert store.freeze(task="ecg") == {("ecg", "synthetic-v1"): 0}  # nothing left to move
    assert store.append(synthetic_record(9))  # appends go on in the emptied live file
    assert [r.key for r in store.records(task="ecg")][-1] == synthetic_record(9).key
    assert store.freeze() == {("ecg", "synthetic-v1"): 1, ("satellite", "synthetic-v1"): 1}
    assert len(RecordStore(tmp_path)) == 10


def frozen_bytes_of(indices) -> bytes:
    return b"".join(encode_record(synthetic_record(i)) for i in indices)


def test_freeze_after_a_crash_between_its_two_steps_moves_nothing_twice(tmp_path):
    """Frozen file replaced, live file not yet emptied: readers see each record once, and the
    next freeze only empties the live file."""
    store = _mixed(tmp_path)
    live_bytes = _live_path(tmp_path).read_bytes()
    store.freeze(task="ecg")
    _live_path(tmp_path).write_bytes(live_bytes + b'{"partial')  # the state a crash would leave
    with pytest.warns(UserWarning, match="interrupted writer"):
        assert len(RecordStore(tmp_path).records(task="ecg")) == 8
    assert RecordStore(tmp_path).freeze(task="ecg") == {("ecg", "synthetic-v1"): 0}
    assert gzip.decompress(_frozen_path(tmp_path).read_bytes()) == frozen_bytes_of(range(5)) + live_bytes
    assert _live_path(tmp_path).read_bytes() == b""


def test_freeze_refuses_a_corrupt_live_file_and_changes_nothing(tmp_path):
    store = _mixed(tmp_path)
    frozen_before = _frozen_path(tmp_path).read_bytes()
    _live_path(tmp_path).write_bytes(b"not json\n" + _live_path(tmp_path).read_bytes())
    with pytest.raises(CorruptRecordError, match="synthetic-v1.jsonl"):
        store.freeze(task="ecg")
    assert _frozen_path(tmp_path).read_bytes() == frozen_before
