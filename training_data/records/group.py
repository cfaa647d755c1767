"""The records of one (task, protocol) in a store: a frozen file and a live file together.

A group may hold a frozen ``<protocol>.jsonl.gz``
(:class:`~training_data.records.frozen_file.FrozenRecordFile`, read-only, e.g. an imported
table) and/or a live ``<protocol>.jsonl``
(:class:`~training_data.records.record_file.RecordFile`, append-only). Readers see the frozen
records first, then the live ones; appends go to the live file and skip every key the frozen
file holds, so no key is stored in both.
"""
from __future__ import annotations

import fcntl
import gzip
import os
from collections.abc import Iterable

from training_data.records.frozen_file import FrozenRecordFile, gzip_member, replace_file
from training_data.records.record_file import RecordFile, dict_to_record, parse_committed, pread_all
from training_data.records.schema import Record, RecordKey


def _dict_key(obj: dict) -> RecordKey:
    """:attr:`Record.key` of a record dict as stored (``run_id`` may be absent: default ``""``)."""
    return (obj["arch_hash"], obj["task"], obj["protocol"], obj["seed"], obj.get("run_id", ""))


class RecordGroup:
    """The frozen and live files of one (task, protocol); see the module docstring."""

    def __init__(self, frozen: FrozenRecordFile, live: RecordFile):
        self.frozen = frozen
        self.live = live

    def __repr__(self) -> str:
        return f"RecordGroup(frozen={str(self.frozen.path)!r}, live={str(self.live.path)!r})"

    @property
    def records(self) -> list[Record]:
        """Frozen records, then live records whose key the frozen file lacks."""
        frozen = self.frozen.records
        if not frozen:
            return self.live.records
        keys = self.frozen.keys()
        return frozen + [r for r in self.live.records if r.key not in keys]

    def keys(self) -> set[RecordKey]:
        return self.frozen.keys() | self.live.keys()

    def __contains__(self, key: object) -> bool:
        return key in self.frozen or key in self.live

    def __len__(self) -> int:
        return len(self.keys())

    def read_dicts(self) -> list[dict]:
        """Fast path (see ``read_dicts`` of the two files): frozen dicts, then live ones whose
        key the frozen file lacks."""
        frozen = self.frozen.read_dicts()
        live = self.live.read_dicts()
        if frozen and live:
            keys = {_dict_key(d) for d in frozen}
            live = [d for d in live if _dict_key(d) not in keys]
        return frozen + live

    def append_many(self, records: Iterable[Record]) -> int:
        """Append to the live file the records whose key is in neither file; return how many."""
        return self.live.append_many(records, skip=self.frozen.keys())

    def freeze(self) -> int:
        """Move the live file's committed lines, byte for byte, to the end of the frozen file
        and empty the live file; return how many records moved (0: nothing to move).

        Readers see the same records in the same order before and after. The live file's
        exclusive lock is held throughout, so appends in other processes wait; the frozen file
        is replaced atomically first and the live file emptied second, so a crash in between
        leaves records in both files, which readers see once (frozen first) and the next freeze
        clears. Freeze when no collection is writing to the group: a writer that already read
        the live file finds it shrunk at its next append and stops with ``CorruptRecordError``.
        """
        path = self.live.path
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return 0
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            data = pread_all(fd, os.fstat(fd).st_size, 0)
            objs, consumed, _ = parse_committed(path, data, 0)  # a crashed writer's tail is dropped
            for lineno, obj in enumerate(objs, 1):
                dict_to_record(path, obj, lineno, self.live.expect)  # the same checks as a read
            if not objs:
                return 0
            self.frozen.refresh()
            seen = set(self.frozen.keys())
            moved = []
            for line, obj in zip(data[:consumed].splitlines(keepends=True), objs, strict=True):
                if _dict_key(obj) not in seen:  # in both files after a crash, or hand-merged twice
                    seen.add(_dict_key(obj))
                    moved.append(line)
            frozen = gzip.decompress(self.frozen.path.read_bytes()) if self.frozen.path.exists() else b""
            replace_file(self.frozen.path, gzip_member(frozen + b"".join(moved)))
            os.ftruncate(fd, 0)
            os.fsync(fd)
        finally:
            os.close(fd)
        self.live = RecordFile(path, self.live.expect)  # forget the lines it had read
        return len(moved)
