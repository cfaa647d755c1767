"""The record store: a folder of JSON Lines files, one group of files per (task, protocol).

Layout::

    <folder>/<task>/<protocol>.jsonl      live: append-only   e.g. records/ecg/ecg-cpu-v1.jsonl
    <folder>/<task>/<protocol>.jsonl.gz   frozen: read-only   e.g. records/ninapro/nb360-nb201-200ep.jsonl.gz

One group per (task, protocol) keeps files small and diffs local, lets a reader load just the
tasks it needs, and keeps writers of different tasks off each other's locks. A group has a live
file, a frozen file or both (:mod:`training_data.records.group`): the live file follows
:mod:`training_data.records.record_file` (one record per line, sorted keys, crash-safe appends),
the frozen one :mod:`training_data.records.frozen_file` (the same lines gzip-compressed, written
whole by :meth:`RecordStore.write_frozen`, e.g. an imported table that is never appended to).
Readers see both, frozen records first; appends always go to the live file. Other files in the
folder (a README, a manifest) are ignored.

Deduplication is by :attr:`Record.key` = ``(arch_hash, task, protocol, seed, run_id)``, also
across processes and across a group's two files: appending a record whose key is already stored
is a no-op that returns ``False`` (the stored record is kept; a store never rewrites a line).
"""
from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from graph_encodings.deprecation import renamed_attribute
from training_data.records.frozen_file import FrozenRecordFile, frozen_bytes, replace_file
from training_data.records.group import RecordGroup
from training_data.records.record_file import RecordFile
from training_data.records.schema import Record, RecordKey

if TYPE_CHECKING:
    import pandas as pd

SUFFIX = ".jsonl"  # a live (append-only) record file
FROZEN_SUFFIX = ".jsonl.gz"  # a frozen (read-only, gzip-compressed) record file
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


def _check_name(kind: str, value: str) -> str:
    if not _NAME_RE.match(value):
        raise ValueError(
            f"{kind} {value!r} cannot name a record file: use letters, digits and . _ + - "
            "(starting with a letter or digit)"
        )
    return value


class RecordStore:
    """Crash-safe, deduplicated store of :class:`Record` under a folder ``path`` (see the module).

    The folder (:attr:`folder`) is created by the first append; a store over a missing folder is
    empty. A store object caches what it has read and picks up other processes' appends on each
    access.
    """

    # "root" is the data root (``NB360_DATA_ROOT``, ``--data-root``) everywhere else.
    root = renamed_attribute("folder")

    def __init__(self, path: str | os.PathLike[str]):
        self.folder = Path(path)
        if self.folder.exists() and not self.folder.is_dir():
            raise NotADirectoryError(
                f"record store path {self.folder} is a file; a store is a folder of "
                f"<task>/<protocol>{SUFFIX} (and {FROZEN_SUFFIX}) files"
            )
        self._groups: dict[tuple[str, str], RecordGroup] = {}

    def __repr__(self) -> str:
        return f"RecordStore({str(self.folder)!r})"

    # -- files ------------------------------------------------------------------------------
    def group(self, task: str, protocol: str) -> RecordGroup:
        """The frozen and live files of ``task`` / ``protocol`` (either may be missing)."""
        ident = (_check_name("task", task), _check_name("protocol", protocol))
        if ident not in self._groups:
            expect = {"task": task, "protocol": protocol}
            folder = self.folder / task
            self._groups[ident] = RecordGroup(
                FrozenRecordFile(folder / f"{protocol}{FROZEN_SUFFIX}", expect=expect),
                RecordFile(folder / f"{protocol}{SUFFIX}", expect=expect),
            )
        return self._groups[ident]

    def file_for(self, task: str, protocol: str) -> RecordFile:
        """The live file of ``task`` / ``protocol`` (created lazily on append)."""
        return self.group(task, protocol).live

    def frozen_for(self, task: str, protocol: str) -> FrozenRecordFile:
        """The frozen file of ``task`` / ``protocol`` (written by :meth:`write_frozen`)."""
        return self.group(task, protocol).frozen

    def groups(self, task: str | None = None) -> list[tuple[str, str]]:
        """The (task, protocol) pairs with a live or frozen file on disk, sorted; optionally of
        one task."""
        if task is not None and not _NAME_RE.match(task):
            return []
        found = set()
        for suffix in (SUFFIX, FROZEN_SUFFIX):
            for path in self.folder.glob(f"{task if task is not None else '*'}/*{suffix}"):
                name = path.name[: -len(suffix)]
                if path.is_file() and _NAME_RE.match(path.parent.name) and _NAME_RE.match(name):
                    found.add((path.parent.name, name))
        return sorted(found)

    def _all_groups(self) -> list[RecordGroup]:
        return [self.group(t, p) for t, p in self.groups()]

    # -- reading ----------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Record]:
        for group in self._all_groups():
            yield from group.records

    def __len__(self) -> int:
        return sum(len(g) for g in self._all_groups())

    def keys(self) -> set[RecordKey]:
        """The keys of all stored records."""
        out: set[RecordKey] = set()
        for group in self._all_groups():
            out |= group.keys()
        return out

    def __contains__(self, item: Record | RecordKey) -> bool:
        key = item.key if isinstance(item, Record) else tuple(item)
        if len(key) != 5:
            return False
        task, protocol = key[1], key[2]
        if (task, protocol) not in self.groups(task):
            return False
        return key in self.group(task, protocol)

    def records(self, task: str | None = None, protocol: str | None = None) -> list[Record]:
        """Stored records, optionally of one task and/or protocol (reads only those files)."""
        return [
            record
            for t, p in self.groups(task)
            if protocol is None or p == protocol
            for record in self.group(t, p).records
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
        """Append many records to the live files (one locked write per file); return how many
        were new (a key in a live or frozen file is not new)."""
        by_group = _by_group(records)
        return sum(self.group(t, p).append_many(batch) for (t, p), batch in by_group.items())

    def write_frozen(self, records: Iterable[Record]) -> list[Path]:
        """Write ``records`` as the frozen files of their (task, protocol) groups; return the paths.

        Each group's ``.jsonl.gz`` is replaced whole and atomically by exactly these records (in
        order; duplicate keys raise ``ValueError``). A group whose live file already holds one
        of the keys is refused with ``ValueError`` before anything is written, since a key must
        not be stored in both files.
        """
        payloads = {}
        for (task, protocol), batch in _by_group(records).items():
            live = self.file_for(task, protocol)
            shared = live.keys() & {r.key for r in batch}
            if shared:
                raise ValueError(
                    f"cannot freeze {len(batch)} {task}/{protocol} records: the live file "
                    f"{live.path} already holds {len(shared)} of their keys (e.g. "
                    f"{min(shared)}); a key is stored in the live or the frozen file, not both"
                )
            payloads[self.frozen_for(task, protocol).path] = frozen_bytes(batch)
        return [replace_file(path, payload) for path, payload in payloads.items()]

    def freeze(self, task: str | None = None, protocol: str | None = None) -> dict[tuple[str, str], int]:
        """Move each group's live records into its frozen (compressed) file: ``RecordGroup.freeze``
        for every group on disk, or those of ``task`` / ``protocol``; return the records moved per
        group. The shipped records are frozen this way so that they stay small enough to travel."""
        return {(t, p): self.group(t, p).freeze() for t, p in self.groups(task)
                if protocol is None or p == protocol}

    def merge(self, other_paths: Iterable[str | os.PathLike[str]]) -> int:
        """Add the records of other stores (folders) or record files (``.jsonl`` or frozen
        ``.jsonl.gz``), deduplicated.

        Returns the number of records added. Typical use: combine the stores written on
        several machines into one.
        """
        added = 0
        for other in [other_paths] if isinstance(other_paths, (str, os.PathLike)) else other_paths:
            path = Path(other)
            if path.is_dir():
                incoming: list[Record] = list(RecordStore(path))
            elif path.is_file() and path.name.endswith(FROZEN_SUFFIX):
                incoming = FrozenRecordFile(path).records
            elif path.is_file():
                incoming = RecordFile(path).records
            else:
                raise FileNotFoundError(f"cannot merge {path}: no such record store or file")
            if path.resolve() == self.folder.resolve():
                continue
            added += self.extend(incoming)
        return added


def _by_group(records: Iterable[Record]) -> dict[tuple[str, str], list[Record]]:
    """``records`` by (task, protocol), in order; anything but a Record raises ``TypeError``."""
    by_group: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for record in records:
        if not isinstance(record, Record):
            raise TypeError(f"expected a Record, got {type(record).__name__}: {record!r}")
        by_group[(record.task, record.protocol)].append(record)
    return by_group
