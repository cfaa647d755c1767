"""A frozen record file: a read-only, gzip-compressed JSON Lines file of records.

On-disk format: the gzip (RFC 1952) compression of exactly the bytes a
:class:`~training_data.records.record_file.RecordFile` would hold for the same records (one
sorted-key JSON line per record). Written only by :func:`write_frozen`, whole and
deterministically: one gzip member with the fixed header :data:`GZIP_HEADER` (no file name,
mtime 0, OS "unknown", whatever the platform or Python version) around a raw deflate stream at
level :data:`COMPRESS_LEVEL`, so the same records always give the same bytes (given zlib's
deflate: the reference zlib gives the same output across its versions; a drop-in such as zlib-ng
would not).

A frozen file is never appended to and never written in place: :func:`write_frozen` writes a
temporary file in the same folder and swaps it in with ``os.replace``, so a reader sees either
the whole old file or the whole new one. Hence there is no crash debris to tolerate: a file that
does not decompress or does not parse completely was damaged (truncated copy, bad checkout) and
raises :class:`~training_data.records.record_file.CorruptRecordError` naming it.
"""
from __future__ import annotations

import gzip
import os
import struct
import tempfile
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from training_data.records.record_file import (
    CorruptRecordError,
    RecordView,
    check_dict,
    dict_to_record,
    encode_record,
    fsync_dir,
    parse_committed,
    pread_all,
    write_all,
)
from training_data.records.schema import Record, RecordKey

COMPRESS_LEVEL = 9
# RFC 1952 member header: magic, deflate, no flags (so no file name), mtime 0, extra flags 2
# (maximum compression, as for level 9), OS 255 (unknown).
GZIP_HEADER = b"\x1f\x8b\x08\x00" + b"\x00\x00\x00\x00" + b"\x02\xff"


def gzip_member(data: bytes) -> bytes:
    """``data`` as one deterministic gzip member (header :data:`GZIP_HEADER`)."""
    # raw deflate (negative wbits: no zlib wrapper), memLevel 8 (zlib's default)
    deflate = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS, 8)
    body = deflate.compress(data) + deflate.flush()
    trailer = struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return GZIP_HEADER + body + trailer


def frozen_bytes(records: Iterable[Record]) -> bytes:
    """The frozen file of ``records`` (in order) as bytes; duplicate keys raise ``ValueError``."""
    lines = []
    seen: set[RecordKey] = set()
    for record in records:
        if not isinstance(record, Record):
            raise TypeError(f"expected a Record, got {type(record).__name__}: {record!r}")
        if record.key in seen:
            raise ValueError(
                f"duplicate record key {record.key}: a frozen file holds each key once"
            )
        seen.add(record.key)
        lines.append(encode_record(record))
    return gzip_member(b"".join(lines))


def write_frozen(path: str | os.PathLike[str], records: Iterable[Record]) -> Path:
    """Write ``records`` as the frozen file ``path``, replacing any file there atomically."""
    return replace_file(path, frozen_bytes(records))


def replace_file(path: str | os.PathLike[str], payload: bytes) -> Path:
    """Make ``payload`` the content of ``path`` atomically (temporary file, fsync, rename)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        try:
            os.fchmod(fd, 0o644)
            write_all(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)
    return target


class FrozenRecordFile(RecordView):
    """A read-only gzip-compressed record file (see the module docstring).

    ``expect`` names field values every record must have, as for
    :class:`~training_data.records.record_file.RecordFile`. A missing file holds no records.
    What was read is cached and read again only when the file on disk changes (replaced).
    """

    def __init__(self, path: str | os.PathLike[str], expect: Mapping[str, str] | None = None):
        self.path = Path(path)
        self.expect = dict(expect or {})
        self._stamp: tuple[int, int, int] | None = None  # (inode, size, mtime) of what was read
        self._records: list[Record] = []
        self._keys: set[RecordKey] = set()

    def __repr__(self) -> str:
        return f"FrozenRecordFile({str(self.path)!r})"

    def refresh(self) -> None:
        """Read the file (fully validated) unless the cached content is still current."""
        objs = self._read_objs(if_changed=True)
        if objs is None:
            return
        records: list[Record] = []
        keys: set[RecordKey] = set()
        for lineno, obj in enumerate(objs, 1):
            record = dict_to_record(self.path, obj, lineno, self.expect)
            if record.key not in keys:  # first occurrence wins, as in a RecordFile
                keys.add(record.key)
                records.append(record)
        self._records, self._keys = records, keys

    def read_dicts(self) -> list[dict]:
        """Fast path: the lines as plain dicts, checked for field names and ``expect`` only."""
        objs = self._read_objs(if_changed=False) or []
        for lineno, obj in enumerate(objs, 1):
            check_dict(self.path, obj, lineno, self.expect)
        return objs  # type: ignore[return-value]

    def _read_objs(self, if_changed: bool) -> list[object] | None:
        """The file's JSON lines ([] when missing); ``None`` when ``if_changed`` and the file is
        the one read last (then the cache is current). Damage raises ``CorruptRecordError``."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            if if_changed:
                self._stamp, self._records, self._keys = None, [], set()
            return []
        try:
            info = os.fstat(fd)
            stamp = (info.st_ino, info.st_size, info.st_mtime_ns)
            if if_changed and stamp == self._stamp:
                return None
            raw = pread_all(fd, info.st_size, 0)
        finally:
            os.close(fd)
        objs = self._parse(raw)
        if if_changed:
            self._stamp = stamp
        return objs

    def _parse(self, raw: bytes) -> list[object]:
        damaged = (
            "; a frozen record file is only ever written whole, so this one was damaged "
            "(truncated or altered): rebuild or restore it"
        )
        try:
            if not raw:
                raise EOFError("empty file")
            data = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise CorruptRecordError(
                f"{self.path}: not a complete gzip file ({exc}){damaged}"
            ) from None
        objs, _, debris = parse_committed(self.path, data, 0)
        if debris:
            raise CorruptRecordError(f"{self.path}, line {len(objs) + 1}: {debris}{damaged}")
        return objs
