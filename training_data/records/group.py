"""The records of one (task, protocol) in a store: a frozen file and a live file together.

A group may hold a frozen ``<protocol>.jsonl.gz``
(:class:`~training_data.records.frozen_file.FrozenRecordFile`, read-only, e.g. an imported
table) and/or a live ``<protocol>.jsonl``
(:class:`~training_data.records.record_file.RecordFile`, append-only). Readers see the frozen
records first, then the live ones; appends go to the live file and skip every key the frozen
file holds, so no key is stored in both.
"""
from __future__ import annotations

from collections.abc import Iterable

from training_data.records.frozen_file import FrozenRecordFile
from training_data.records.record_file import RecordFile
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
