"""``load_records``: the ground-truth records as a DataFrame (by default the shipped ones)."""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from graph_encodings import get_space, list_spaces
from graph_encodings.deprecation import renamed_keywords
from training_data.records.frame import dicts_to_frame
from training_data.records.record_file import CorruptRecordError
from training_data.records.schema import Record
from training_data.records.store import RecordStore

# The committed store that ships with the package.
DEFAULT_STORE = Path(__file__).resolve().parent.parent / "data" / "records"


def store_folder(store: str | os.PathLike[str] | None = None) -> Path:
    """The record store folder ``store`` (default: the shipped records); ``FileNotFoundError``
    when it does not exist."""
    folder = Path(store) if store is not None else DEFAULT_STORE
    if not folder.is_dir():
        raise FileNotFoundError(f"record store folder {folder} does not exist")
    return folder


def _check_filter(kind: str, value: str | None, present: list[str], scope: str = "") -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise ValueError(f"{kind} filter must be a str or None, got {value!r}")
    if value not in present:
        raise ValueError(f"{kind} {value!r} matches no records{scope}; {kind}s present: {present}")


def check_arch_hashes(records: Sequence[Record], where: str) -> None:
    """Recompute every record's canonical hash from its ``space`` and ``arch``.

    :class:`CorruptRecordError` naming the store ``where``, the record and both hashes for the
    first record whose ``arch`` does not parse or whose ``arch_hash`` differs. Records of a space
    ``graph_encodings`` does not know (e.g. synthetic test records) are not checked.
    """
    hashes: dict[tuple[str, str], str] = {}
    for space_name in sorted({r.space for r in records} & set(list_spaces())):
        space = get_space(space_name)
        texts = list(dict.fromkeys(r.arch for r in records if r.space == space_name))
        archs = []
        for text in texts:
            try:
                archs.append(space.parse(text))
            except (ValueError, TypeError, KeyError) as err:
                record = next(r for r in records if r.space == space_name and r.arch == text)
                raise CorruptRecordError(f"{where}: {_describe(record)}: arch is not a valid "
                                         f"{space_name!r} architecture: {err}") from None
        hashes.update(zip(((space_name, t) for t in texts), space.canonical_hash_many(archs),
                          strict=True))
    for record in records:
        expected = hashes.get((record.space, record.arch), record.arch_hash)
        if record.arch_hash != expected:
            raise CorruptRecordError(
                f"{where}: {_describe(record)} has arch_hash {record.arch_hash!r}, but its "
                f"architecture's canonical hash is {expected!r}")


def _describe(record: Record) -> str:
    return (f"the record of task {record.task!r}, protocol {record.protocol!r}, seed {record.seed}, "
            f"{record.space} arch {record.arch!r:.200}")


@renamed_keywords(root="store")
def load_records(
    task: str | None = None,
    protocol: str | None = None,
    space: str | None = None,
    store: str | os.PathLike[str] | None = None,
    flatten_extra: bool = True,
    validate: bool = False,
) -> pd.DataFrame:
    """Records of a store as a DataFrame, one row per record, optionally filtered.

    ``store`` is a record store folder (default: the records shipped in
    ``training_data/data/records``). Columns: every :class:`~training_data.records.schema.Record`
    field (space, arch, arch_hash, task, protocol, protocol_version, seed, status, score,
    sampler, train_seconds, ...) and, with ``flatten_extra``, one ``extra.<name>`` column per
    extra field. Only the files of the selected task/protocol are read. A filter value that
    matches nothing raises ``ValueError`` listing the values present.

    Fast path (default): lines are checked for valid JSON, field names and their file's
    task/protocol, not field by field (records are validated when appended, and the shipped
    files by the test suite), and duplicates are not dropped (store appends never write any).
    ``validate=True`` loads through :class:`RecordStore` with full schema validation and
    deduplication and recomputes every ``arch_hash`` (:func:`check_arch_hashes`), about twice as
    slow.
    """
    records_store = RecordStore(store_folder(store))
    groups = records_store.groups()
    _check_filter("task", task, sorted({t for t, _ in groups}))
    _check_filter("protocol", protocol, sorted({p for _, p in groups}))
    if task is not None and protocol is not None and (task, protocol) not in groups:
        raise ValueError(
            f"no records for task {task!r} with protocol {protocol!r}; protocols present for "
            f"{task!r}: {sorted(p for t, p in groups if t == task)}"
        )
    selected = [(t, p) for t, p in groups if task in (None, t) and protocol in (None, p)]
    if validate:
        records = [r for t, p in selected for r in records_store.group(t, p).records]
        check_arch_hashes(records, f"record store {records_store.folder}")
        dicts = [vars(r) for r in records]
    else:
        dicts = [d for t, p in selected for d in records_store.group(t, p).read_dicts()]
    if space is not None:
        scope = "".join(
            f" with {k}={v!r}" for k, v in (("task", task), ("protocol", protocol)) if v is not None
        )
        _check_filter("space", space, sorted({d["space"] for d in dicts}), scope)
        dicts = [d for d in dicts if d["space"] == space]
    return dicts_to_frame(dicts, flatten_extra=flatten_extra)
