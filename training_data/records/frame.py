"""Records as a pandas DataFrame: one row per record, one column per field."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from training_data.records.schema import DEFAULTS, FIELD_NAMES, Record

EXTRA_PREFIX = "extra."
# Numeric fields become float64 with NaN for None (params too, so arithmetic never meets pd.NA).
_FLOAT_COLUMNS = frozenset(
    {"score", "metric_value", "val_score", "test_score", "train_seconds", "params", "flops"}
)
_INT_COLUMNS = frozenset({"protocol_version", "seed"})
_CONTAINER_COLUMNS = frozenset({"learning_curve", "extra"})


def frame_columns(flatten_extra: bool = True) -> list[str]:
    """The fixed columns of a records frame (flattened ``extra.*`` columns follow)."""
    return [n for n in FIELD_NAMES if not (flatten_extra and n == "extra")]


def dicts_to_frame(dicts: Sequence[Mapping[str, Any]], flatten_extra: bool = True) -> pd.DataFrame:
    """One row per record dict (as in a record file: optional fields may be absent).

    Columns in schema order. Numeric fields are float64 (absent/None -> NaN), ``seed`` and
    ``protocol_version`` int64, ``learning_curve`` a column of lists. With ``flatten_extra``
    each key of ``extra`` becomes a column ``extra.<key>`` (missing -> NaN), sorted by name;
    otherwise ``extra`` is one column of dicts.
    """
    data: dict[str, Any] = {}
    for name in frame_columns(flatten_extra):
        default = DEFAULTS.get(name)
        if name in _FLOAT_COLUMNS:
            data[name] = np.array([d.get(name) for d in dicts], dtype=np.float64)  # None -> nan
        elif name in _INT_COLUMNS:
            data[name] = np.array([d[name] for d in dicts], dtype=np.int64)
        elif name in _CONTAINER_COLUMNS:
            data[name] = [d.get(name) or type(default)() for d in dicts]
        else:
            data[name] = [d.get(name, default) for d in dicts]
    frame = pd.DataFrame(data)
    extras = [d.get("extra") or {} for d in dicts] if flatten_extra else []
    if any(extras):
        extra = pd.DataFrame.from_records(extras)
        extra = extra[sorted(extra.columns)].add_prefix(EXTRA_PREFIX)
        frame = pd.concat([frame, extra], axis=1)
    return frame


def records_to_frame(records: Sequence[Record], flatten_extra: bool = True) -> pd.DataFrame:
    """:func:`dicts_to_frame` of :class:`Record` objects."""
    return dicts_to_frame([vars(r) for r in records], flatten_extra=flatten_extra)
