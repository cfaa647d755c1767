"""The record store: a folder of append-only JSON Lines files, one per (task, protocol).

Layout::

    <root>/<task>/<protocol>.jsonl      e.g. records/ninapro/nb360-nb201-200ep.jsonl

One file per (task, protocol) keeps files small and diffs local, lets a reader load just the
tasks it needs, and keeps writers of different tasks off each other's locks. Every file follows
:mod:`training_data.records.record_file` (one record per line, sorted keys, crash-safe appends).
Other files in the folder (a README, a manifest) are ignored.

Deduplication is by :attr:`Record.key` = ``(arch_hash, task, protocol, seed, run_id)``, also
across processes: appending a record whose key is already stored is a no-op that returns
``False`` (the stored record is kept; a store never rewrites a line).
"""
from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from training_data.records.record_file import RecordFile
from training_data.records.schema import Record, RecordKey

if TYPE_CHECKING:
    import pandas as pd

SUFFIX = ".jsonl"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


def _check_name(kind: str, value: str) -> str:
    if not _NAME_RE.match(value):
        raise ValueError(
            f"{kind} {value!r} cannot name a record file: use letters, digits and . _ + - "
            "(starting with a letter or digit)"
        )
    return value


class RecordStore:
    """Append-only, crash-safe, deduplicated store of :class:`Record` under a folder ``path``.

    The folder is created by the first append; a store over a missing folder is empty. A store
    object caches what it has read and picks up other processes' appends on each access.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.root = Path(path)
        if self.root.exists() and not self.root.is_dir():
            raise NotADirectoryError(
                f"record store path {self.root} is a file; a store is a folder of "
                f"<task>/<protocol>{SUFFIX} files"
            )
        self._files: dict[tuple[str, str], RecordFile] = {}

    def __repr__(self) -> str:
        return f"RecordStore({str(self.root)!r})"

    # -- files ------------------------------------------------------------------------------
    def file_for(self, task: str, protocol: str) -> RecordFile:
        """The file holding ``task`` / ``protocol`` records (created lazily on append)."""
        ident = (_check_name("task", task), _check_name("protocol", protocol))
        if ident not in self._files:
            self._files[ident] = RecordFile(
                self.root / task / f"{protocol}{SUFFIX}", expect={"task": task, "protocol": protocol}
            )
        return self._files[ident]

    def groups(self, task: str | None = None) -> list[tuple[str, str]]:
        """The (task, protocol) pairs with a file on disk, sorted; optionally of one task."""
        if task is not None and not _NAME_RE.match(task):
            return []
        pattern = f"{task}/*{SUFFIX}" if task is not None else f"*/*{SUFFIX}"
        found = []
        for path in self.root.glob(pattern):
            name = path.name[: -len(SUFFIX)]
            if path.is_file() and _NAME_RE.match(path.parent.name) and _NAME_RE.match(name):
                found.append((path.parent.name, name))
        return sorted(found)

    def files(self, task: str | None = None) -> list[RecordFile]:
        return [self.file_for(t, p) for t, p in self.groups(task)]

    # -- reading ----------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Record]:
        for record_file in self.files():
            yield from record_file.records

    def __len__(self) -> int:
        return sum(len(f) for f in self.files())

    def keys(self) -> set[RecordKey]:
        """The keys of all stored records."""
        out: set[RecordKey] = set()
        for record_file in self.files():
            out |= record_file.keys()
        return out

    def __contains__(self, item: Record | RecordKey) -> bool:
        key = item.key if isinstance(item, Record) else tuple(item)
        if len(key) != 5:
            return False
        task, protocol = key[1], key[2]
        if (task, protocol) not in self.groups(task):
            return False
        return key in self.file_for(task, protocol)

    def records(self, task: str | None = None, protocol: str | None = None) -> list[Record]:
        """Stored records, optionally of one task and/or protocol (reads only those files)."""
        return [
            record
            for t, p in self.groups(task)
            if protocol is None or p == protocol
            for record in self.file_for(t, p).records
        ]

    def to_frame(self, flatten_extra: bool = True) -> pd.DataFrame:
        """All records as a DataFrame (see :func:`~training_data.records.frame.records_to_frame`)."""
        from training_data.records.frame import records_to_frame  # pandas only when asked

        return records_to_frame(list(self), flatten_extra=flatten_extra)

    # -- writing ----------------------------------------------------------------------------
    def append(self, record: Record) -> bool:
        """Append one record; ``False`` (and nothing written) when its key is already stored."""
        return self.extend([record]) == 1

    def extend(self, records: Iterable[Record]) -> int:
        """Append many records (one locked write per file); return how many were new."""
        by_group: dict[tuple[str, str], list[Record]] = defaultdict(list)
        for record in records:
            if not isinstance(record, Record):
                raise TypeError(f"expected a Record, got {type(record).__name__}: {record!r}")
            by_group[(record.task, record.protocol)].append(record)
        return sum(self.file_for(t, p).append_many(batch) for (t, p), batch in by_group.items())

    def merge(self, other_paths: Iterable[str | os.PathLike[str]]) -> int:
        """Add the records of other stores (folders) or record files (``.jsonl``), deduplicated.

        Returns the number of records added. Typical use: combine the stores written on
        several machines into one.
        """
        added = 0
        for other in [other_paths] if isinstance(other_paths, (str, os.PathLike)) else other_paths:
            path = Path(other)
            if path.is_dir():
                incoming: list[Record] = list(RecordStore(path))
            elif path.is_file():
                incoming = RecordFile(path).records
            else:
                raise FileNotFoundError(f"cannot merge {path}: no such record store or file")
            if path.resolve() == self.root.resolve():
                continue
            added += self.extend(incoming)
        return added
