"""Ground-truth records: the schema, the crash-safe append-only store, loading, NB201 import.

See :mod:`training_data.records.schema` (fields, identity), :mod:`~training_data.records.store`
(layout, deduplication), :mod:`~training_data.records.record_file` (live on-disk format, crash
safety) and :mod:`~training_data.records.frozen_file` (read-only gzip-compressed files). The NB201
importer, :mod:`~training_data.records.nb201_import`, is imported on demand (it runs as a script).
"""
from __future__ import annotations

from training_data.records.frozen_file import FrozenRecordFile
from training_data.records.group import RecordGroup
from training_data.records.loading import DEFAULT_STORE, load_records
from training_data.records.record_file import CorruptRecordError, RecordFile, RecordStoreWarning
from training_data.records.schema import FIELD_NAMES, REQUIRED_FIELDS, STATUSES, Record
from training_data.records.store import RecordStore

__all__ = [
    "DEFAULT_STORE",
    "FIELD_NAMES",
    "REQUIRED_FIELDS",
    "STATUSES",
    "CorruptRecordError",
    "FrozenRecordFile",
    "Record",
    "RecordFile",
    "RecordGroup",
    "RecordStore",
    "RecordStoreWarning",
    "load_records",
]
