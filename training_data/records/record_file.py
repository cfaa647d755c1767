"""One append-only, crash-safe JSON Lines file of records.

On-disk format: UTF-8 (ASCII in practice) text, one record per line, each line the record's
:meth:`~training_data.records.schema.Record.to_dict` as JSON with sorted keys and no spaces,
terminated by ``\\n``. A line is *committed* exactly when its ``\\n`` is on disk.

Crash safety: an append takes an exclusive ``fcntl.flock`` on the file, reads any lines other
processes appended since this object last looked (so deduplication holds across processes),
removes debris left by a writer that died mid-write, then writes all new lines with ``os.write``
on an ``O_APPEND`` descriptor and ``fsync``\\ s before releasing the lock. A writer killed at any
point leaves at most one incomplete last line (no ``\\n``), which readers ignore with a
:class:`RecordStoreWarning` and the next append truncates away. Readers take a shared lock, so
they never see a line that a live writer is still writing. An invalid line anywhere *before*
the last one cannot come from a crash and raises :class:`CorruptRecordError`.
"""
from __future__ import annotations

import fcntl
import json
import os
import warnings
from collections.abc import Container, Iterable, Mapping
from pathlib import Path

from training_data.records.schema import Record, RecordKey, check_fields


class CorruptRecordError(ValueError):
    """A record file holds an invalid line that is not crash debris (message: file and line)."""


class RecordStoreWarning(UserWarning):
    """A record file ends with an incomplete or invalid line left by a crashed writer."""


def encode_record(record: Record) -> bytes:
    """The record's line: JSON with sorted keys, compact separators, ``\\n``-terminated."""
    text = json.dumps(record.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return text.encode() + b"\n"


def parse_committed(path: Path, data: bytes, lines_before: int) -> tuple[list[object], int, str]:
    """Parse the committed lines of ``data`` (file bytes after ``lines_before`` lines).

    Returns the parsed JSON values, the number of bytes they span, and a description of crash
    debris after them ("" if none): an incomplete last line (no newline) or an invalid JSON
    last line. Invalid JSON on any earlier line raises :class:`CorruptRecordError`.
    """
    end = data.rfind(b"\n") + 1
    lines = data[:end].split(b"\n")[:-1]
    debris = f"an incomplete last line (no newline) of {len(data) - end} bytes" if end < len(data) else ""
    objs: list[object] = []
    consumed = 0
    for i, line in enumerate(lines):
        try:
            objs.append(json.loads(line))
        except ValueError as exc:
            if i == len(lines) - 1 and not debris:
                return objs, consumed, f"an invalid last line of {len(line) + 1} bytes"
            raise CorruptRecordError(
                f"{path}, line {lines_before + i + 1}: invalid JSON ({exc}); only the last line "
                "of a record file can be crash debris, so this file was damaged otherwise"
            ) from None
        consumed += len(line) + 1
    return objs, consumed, debris


def check_dict(path: Path, obj: object, lineno: int, expect: Mapping[str, str]) -> None:
    """``obj`` (line ``lineno`` of ``path``) must have valid field names and the ``expect``
    values; else :class:`CorruptRecordError` naming the file and line."""
    try:
        check_fields(obj)
    except ValueError as exc:
        raise CorruptRecordError(f"{path}, line {lineno}: {exc}") from None
    for name, value in expect.items():
        if obj[name] != value:  # type: ignore[index]
            raise CorruptRecordError(
                f"{path}, line {lineno}: record has {name}={obj[name]!r} "  # type: ignore[index]
                f"but this file holds {name}={value!r} only"
            )


def dict_to_record(path: Path, obj: object, lineno: int, expect: Mapping[str, str]) -> Record:
    """The fully validated :class:`Record` of ``obj`` (line ``lineno`` of ``path``)."""
    check_dict(path, obj, lineno, expect)
    try:
        return Record.from_dict(obj)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise CorruptRecordError(f"{path}, line {lineno}: {exc}") from None


class RecordView:
    """Read access shared by the record files: ``records``, ``keys()``, ``in`` and ``len``.

    Subclasses fill ``_records`` / ``_keys`` in ``refresh()``, which every accessor calls first.
    """

    _records: list[Record]
    _keys: set[RecordKey]

    def refresh(self) -> None:
        raise NotImplementedError

    @property
    def records(self) -> list[Record]:
        """All records, in file order (refreshed from disk)."""
        self.refresh()
        return list(self._records)

    def keys(self) -> set[RecordKey]:
        self.refresh()
        return set(self._keys)

    def __contains__(self, key: object) -> bool:
        self.refresh()
        return key in self._keys

    def __len__(self) -> int:
        self.refresh()
        return len(self._keys)


class RecordFile(RecordView):
    """An append-only JSON Lines file of :class:`Record` with deduplication by ``Record.key``.

    ``expect`` optionally names field values every record in the file must have (the store uses
    it to check that ``ninapro/x.jsonl`` only holds task ``ninapro``, protocol ``x``). The file
    is created by the first append; reading a missing file gives no records.
    """

    def __init__(self, path: str | os.PathLike[str], expect: dict[str, str] | None = None):
        self.path = Path(path)
        self.expect = dict(expect or {})
        self._offset = 0  # bytes of committed, parsed lines
        self._n_lines = 0
        self._records: list[Record] = []
        self._keys: set[RecordKey] = set()
        self._debris_at: int | None = None  # offset of a bad tail already warned about

    # -- reading ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read lines appended since the last look (under a shared lock)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            if self._offset:
                raise CorruptRecordError(f"{self.path}: record file disappeared") from None
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            self._read_new(fd)
        finally:
            os.close(fd)  # releases the lock

    def read_dicts(self) -> list[dict]:
        """Fast path: the committed lines as plain dicts, checked for valid JSON and field names
        (and ``expect``) but not for field values; no caching, no deduplication."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return []
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            data = pread_all(fd, os.fstat(fd).st_size, 0)
        finally:
            os.close(fd)
        objs, _, debris = parse_committed(self.path, data, 0)
        if debris:
            self._warn_debris(debris, len(objs) + 1, stacklevel=3)
        for lineno, obj in enumerate(objs, 1):
            check_dict(self.path, obj, lineno, self.expect)
        return objs  # type: ignore[return-value]

    def _read_new(self, fd: int) -> bool:
        """Parse new committed lines; return True when a bad tail (debris) follows them."""
        size = os.fstat(fd).st_size
        if size < self._offset:
            raise CorruptRecordError(
                f"{self.path}: file shrank from {self._offset} to {size} bytes while in use "
                "(edited or truncated by something other than a record store?)"
            )
        data = pread_all(fd, size - self._offset, self._offset)
        objs, consumed, debris = parse_committed(self.path, data, self._n_lines)
        for i, obj in enumerate(objs):
            record = dict_to_record(self.path, obj, self._n_lines + i + 1, self.expect)
            # Lines written here are unique per key; a hand-merged file may repeat one: the first
            # occurrence wins, as for appends.
            if record.key not in self._keys:
                self._keys.add(record.key)
                self._records.append(record)
        self._offset += consumed
        self._n_lines += len(objs)
        if not debris:
            self._debris_at = None
            return False
        if self._debris_at != self._offset:
            self._debris_at = self._offset
            self._warn_debris(debris, self._n_lines + 1, stacklevel=5)
        return True

    def _warn_debris(self, debris: str, lineno: int, stacklevel: int) -> None:
        warnings.warn(
            f"{self.path}, line {lineno}: ignoring {debris} left by an interrupted writer; "
            "the next append removes it",
            RecordStoreWarning,
            stacklevel=stacklevel,
        )

    # -- writing ----------------------------------------------------------------------------
    def append_many(self, records: Iterable[Record], skip: Container[RecordKey] = ()) -> int:
        """Append the records whose key is new (in the file and in the batch); return how many.

        One locked, fsynced write for the whole batch. Keys in ``skip`` count as stored
        elsewhere (the store passes its frozen file's keys): such records are not written, and
        a batch of only those does not create the file.
        """
        batch = list(records)
        for record in batch:
            if not isinstance(record, Record):
                raise TypeError(f"expected a Record, got {type(record).__name__}: {record!r}")
            for name, value in self.expect.items():
                if getattr(record, name) != value:
                    raise ValueError(
                        f"record has {name}={getattr(record, name)!r} but {self.path} holds "
                        f"{name}={value!r} only"
                    )
        batch = [record for record in batch if record.key not in skip]
        if not batch:
            return 0
        created = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if self._read_new(fd):
                os.ftruncate(fd, self._offset)  # drop the crashed writer's partial line
                self._debris_at = None
            new: list[Record] = []
            seen = set(self._keys)
            for record in batch:
                if record.key not in seen:
                    seen.add(record.key)
                    new.append(record)
            if not new:
                return 0
            payload = b"".join(encode_record(r) for r in new)
            write_all(fd, payload)
            os.fsync(fd)
            self._offset += len(payload)
            self._n_lines += len(new)
            self._records.extend(new)
            self._keys.update(r.key for r in new)
        finally:
            os.close(fd)
        if created:
            fsync_dir(self.path.parent)
        return len(new)


def pread_all(fd: int, n: int, offset: int) -> bytes:
    """Up to ``n`` bytes of ``fd`` from ``offset`` (fewer only at end of file)."""
    chunks = []
    while n > 0:
        chunk = os.pread(fd, min(n, 1 << 30), offset)
        if not chunk:
            break
        chunks.append(chunk)
        n -= len(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def write_all(fd: int, payload: bytes) -> None:
    """Write all of ``payload`` to ``fd`` (``os.write`` may write less per call)."""
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (a new or renamed file) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
