"""The record store: layout, dedup (in and across processes), crash safety under SIGKILL,
repair of crash debris, errors for damaged files, merge."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from training_data.records.record_file import (
    CorruptRecordError,
    RecordFile,
    RecordStoreWarning,
    encode_record,
)
from training_data.records.schema import Record
from training_data.records.store import RecordStore
from training_data.records.synthetic import synthetic_record

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Appends synthetic records i = start, start+1, ... (forever, or `count` of them), printing the
# number of appends that returned True at the end.
WRITER = """
import sys
from training_data.records.store import RecordStore
from training_data.records.synthetic import synthetic_record
root, start, count, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
store = RecordStore(root)
added = 0
i = start
while count < 0 or i < start + count:
    added += store.append(synthetic_record(i, curve_epochs=epochs))
    i += 1
print(added, flush=True)
"""


def _writer(root: Path, start: int, count: int, epochs: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    cmd = [sys.executable, "-c", WRITER, str(root), str(start), str(count), str(epochs)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _data_file(root: Path) -> Path:
    return root / "ecg" / "synthetic-v1.jsonl"


def _load_quietly(root: Path) -> tuple[list[Record], list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        records = list(RecordStore(root))
    return records, caught


def test_layout_one_sorted_key_json_line_per_record(tmp_path):
    store = RecordStore(tmp_path / "store")
    assert len(store) == 0 and list(store) == []  # a missing folder is an empty store
    assert store.append(synthetic_record(0)) is True
    assert store.append(synthetic_record(1, task="satellite", protocol="sat-v2")) is True
    assert sorted(p.relative_to(store.folder).as_posix() for p in store.folder.rglob("*.jsonl")) == [
        "ecg/synthetic-v1.jsonl",
        "satellite/sat-v2.jsonl",
    ]
    line = _data_file(store.folder).read_text()
    assert line.endswith("\n") and line.count("\n") == 1
    assert line == json.dumps(synthetic_record(0).to_dict(), sort_keys=True, separators=(",", ":")) + "\n"
    assert store.groups() == [("ecg", "synthetic-v1"), ("satellite", "sat-v2")]
    assert [r.task for r in store.records(task="satellite")] == ["satellite"]


def test_the_store_folder_is_folder_and_root_is_its_deprecated_spelling(tmp_path, recwarn):
    """``root`` is the data root elsewhere (``NB360_DATA_ROOT``, ``--data-root``)."""
    store = RecordStore(tmp_path / "store")
    assert store.folder == tmp_path / "store" and repr(store) == f"RecordStore({str(tmp_path / 'store')!r})"
    assert not recwarn.list
    with pytest.warns(FutureWarning, match=r"RecordStore\.root is deprecated; use RecordStore\.folder"):
        assert store.root == store.folder


def test_dedup_in_one_process(tmp_path):
    store = RecordStore(tmp_path)
    records = [synthetic_record(i) for i in range(10)]
    assert store.extend(records) == 10
    assert store.append(synthetic_record(3)) is False
    # same key, different content: still a duplicate, the stored record is kept
    assert store.append(synthetic_record(3, score=99.0)) is False
    assert store.extend([synthetic_record(10), synthetic_record(10), synthetic_record(2)]) == 1
    assert len(store) == 11 and len(_data_file(tmp_path).read_text().splitlines()) == 11
    assert next(r for r in store if r.extra["i"] == 3).score == records[3].score
    assert synthetic_record(3) in store and synthetic_record(11) not in store
    # a fresh object sees the same
    assert len(RecordStore(tmp_path)) == 11 and RecordStore(tmp_path).keys() == store.keys()


def test_dedup_sees_other_store_objects_appends(tmp_path):
    a, b = RecordStore(tmp_path), RecordStore(tmp_path)
    assert len(a) == 0  # a has read the (empty) store before b writes
    assert b.append(synthetic_record(1))
    assert a.append(synthetic_record(1)) is False
    assert len(a) == 1


def test_dedup_across_two_processes(tmp_path):
    procs = [_writer(tmp_path, 0, 150, 0) for _ in range(2)]
    added = [int(p.communicate(timeout=120)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sum(added) == 150
    lines = _data_file(tmp_path).read_bytes().splitlines()
    assert len(lines) == 150
    assert sorted(json.loads(x)["extra"]["i"] for x in lines) == list(range(150))


@pytest.mark.slow
def test_sigkilled_writers_never_corrupt_or_duplicate(tmp_path):
    """Kill writers at random moments (small and ~1.5 MB records); the store stays consistent."""
    rng = np.random.default_rng(0)
    epochs_of_round = [0, 16_000, 16_000, 0, 16_000, 16_000]
    round_stride = 10**7  # far more records than a writer can append before it is killed
    start_of_round = [round_stride * k for k in range(len(epochs_of_round))]
    data_file = _data_file(tmp_path)
    partial_tails = 0
    for start, epochs in zip(start_of_round, epochs_of_round, strict=True):
        size_before = data_file.stat().st_size if data_file.exists() else 0
        proc = _writer(tmp_path, start, -1, epochs)
        deadline = time.monotonic() + 60
        while (not data_file.exists() or data_file.stat().st_size <= size_before) and proc.poll() is None:
            assert time.monotonic() < deadline, "writer never appended"
            time.sleep(0.01)
        time.sleep(float(rng.uniform(0.05, 0.4)))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
        proc.stdout.close()
        proc.stderr.close()

        raw = data_file.read_bytes()
        complete_lines = raw.count(b"\n")
        has_tail = not raw.endswith(b"\n")
        partial_tails += has_tail
        records, caught = _load_quietly(tmp_path)
        assert len(records) == complete_lines
        assert len({r.key for r in records}) == len(records)
        for record in records:  # each loaded record is exactly the one that was written
            i = record.extra["i"]
            epochs_i = epochs_of_round[i // round_stride]
            assert record == synthetic_record(i, curve_epochs=epochs_i)
        assert bool(caught) == has_tail
        assert all(issubclass(w.category, RecordStoreWarning) for w in caught)

    store = RecordStore(tmp_path)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        n_before = len(store)
    assert store.append(synthetic_record(99_999)) is True
    raw = data_file.read_bytes()
    assert raw.endswith(b"\n") and raw.count(b"\n") == n_before + 1
    assert all(json.loads(line) for line in raw.splitlines())
    records, caught = _load_quietly(tmp_path)
    assert caught == [] and len(records) == n_before + 1
    print(f"partial last lines seen after kills: {partial_tails} of {len(epochs_of_round)}")


# Takes the store's lock as a writer does, writes the first half of a record's line, then hangs
# (to be SIGKILLed holding the lock, as a writer killed inside a large os.write would be).
HALF_WRITER = """
import fcntl, os, sys, time
from training_data.records.record_file import encode_record
from training_data.records.synthetic import synthetic_record
line = encode_record(synthetic_record(int(sys.argv[2]), curve_epochs=100))
fd = os.open(sys.argv[1], os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, line[: len(line) // 2])
print("written", flush=True)
time.sleep(600)
"""


def test_writer_killed_inside_a_write_holding_the_lock(tmp_path):
    store = RecordStore(tmp_path)
    store.extend([synthetic_record(i) for i in range(3)])
    path = _data_file(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", HALF_WRITER, str(path), "3"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline() == b"written\n", proc.stderr.read().decode()
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert not path.read_bytes().endswith(b"\n")
    records, caught = _load_quietly(tmp_path)
    assert [r.extra["i"] for r in records] == [0, 1, 2]
    assert len(caught) == 1 and "incomplete last line" in str(caught[0].message)
    # the kernel released the dead writer's lock: appending works and removes the half line
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RecordStoreWarning)
        assert store.append(synthetic_record(3, curve_epochs=100)) is True
    assert path.read_bytes() == b"".join(
        encode_record(synthetic_record(i, curve_epochs=100 if i == 3 else 0)) for i in range(4)
    )


def _write_lines(path: Path, lines: list[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(lines))


def _good_lines(n: int) -> list[bytes]:
    return [encode_record(synthetic_record(i)) for i in range(n)]


@pytest.mark.parametrize(
    "debris", [b'{"arch": "synthetic-arch-3", "arch_h', b"not json at all\n"], ids=["no-newline", "invalid"]
)
def test_bad_last_line_is_ignored_with_warning_and_repaired_by_next_append(tmp_path, debris):
    path = _data_file(tmp_path)
    _write_lines(path, [*_good_lines(3), debris])
    store = RecordStore(tmp_path)
    with pytest.warns(RecordStoreWarning, match=r"synthetic-v1\.jsonl, line 4: ignoring an"):
        assert len(store) == 3
    assert path.read_bytes().endswith(debris)  # reading never writes
    assert store.append(synthetic_record(3))
    assert path.read_bytes() == b"".join(_good_lines(4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(RecordStore(tmp_path)) == 4


def test_corrupt_middle_line_raises_naming_file_and_line(tmp_path):
    path = _data_file(tmp_path)
    lines = _good_lines(4)
    lines[1] = lines[1][:40] + b"\n"
    _write_lines(path, lines)
    with pytest.raises(CorruptRecordError, match=rf"{path}, line 2: invalid JSON"):
        len(RecordStore(tmp_path))
    with pytest.raises(CorruptRecordError, match="line 2"):
        RecordStore(tmp_path).append(synthetic_record(9))
    assert path.read_bytes() == b"".join(lines)  # left untouched


def test_invalid_record_in_file_raises_naming_line_and_field(tmp_path):
    path = _data_file(tmp_path)
    bad = synthetic_record(5).to_dict() | {"status": "exploded"}
    _write_lines(path, [*_good_lines(2), json.dumps(bad).encode() + b"\n", *_good_lines(1)])
    with pytest.raises(CorruptRecordError, match=r"line 3: record field 'status'.*'exploded'"):
        list(RecordStore(tmp_path))


def test_record_in_the_wrong_file_is_an_error(tmp_path):
    path = tmp_path / "satellite" / "synthetic-v1.jsonl"
    _write_lines(path, _good_lines(1))
    with pytest.raises(CorruptRecordError, match="task='ecg' but this file holds task='satellite'"):
        list(RecordStore(tmp_path))


def test_bad_names_and_paths(tmp_path):
    with pytest.raises(ValueError, match="task '../x' cannot name a record file"):
        RecordStore(tmp_path).append(synthetic_record(0, task="../x"))
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="is a file"):
        RecordStore(tmp_path / "file")
    with pytest.raises(TypeError, match="expected a Record, got dict"):
        RecordStore(tmp_path).append(synthetic_record(0).to_dict())  # type: ignore[arg-type]


def test_merge_combines_stores_and_files_without_duplicates(tmp_path):
    a, b, c = (RecordStore(tmp_path / n) for n in "abc")
    a.extend(synthetic_record(i) for i in range(0, 6))
    b.extend(synthetic_record(i) for i in range(4, 10))
    b.append(synthetic_record(0, task="satellite"))
    single = tmp_path / "single.jsonl"
    RecordFile(single).append_many([synthetic_record(i) for i in (9, 10, 11)])
    assert c.merge([a.folder, b.folder, single]) == 6 + 4 + 1 + 2
    assert c.merge([a.folder]) == 0
    assert c.merge([c.folder]) == 0
    assert len(c) == 13
    assert sorted(r.extra["i"] for r in c.records(task="ecg")) == list(range(12))
    with pytest.raises(FileNotFoundError, match="no-such-store"):
        c.merge([tmp_path / "no-such-store"])


def test_to_frame_has_one_row_per_record(tmp_path):
    store = RecordStore(tmp_path)
    store.extend([synthetic_record(i, curve_epochs=2) for i in range(5)])
    store.append(synthetic_record(5, status="failed", score=None, message="boom", extra={}))
    frame = store.to_frame()
    assert len(frame) == 6
    assert frame["score"].isna().tolist() == [False] * 5 + [True]
    assert frame["extra.i"].tolist()[:5] == [0, 1, 2, 3, 4]
    assert frame["learning_curve"].map(len).tolist() == [2] * 5 + [0]
    assert frame["seed"].dtype == np.int64 and frame["params"].dtype == np.float64
