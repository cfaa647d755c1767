"""The schema of one ground-truth record: one training run of one architecture on one task.

Identity and deduplication
--------------------------
A record's :attr:`Record.key` is ``(arch_hash, task, protocol, seed, run_id)``. ``arch_hash`` is
the space's *canonical* hash, so isomorphic architectures (the same computed function) share it
and a second run of an equivalent architecture under the same task, protocol and seed is a
duplicate that the store drops. ``arch`` is the canonical text form
(``space.format(space.canonical(arch))``): a canonical architecture computes the same function
as any member of its class, so it is what was (equivalently) trained; records that need the exact
cell as some external source trained it keep an identifier of it in ``extra``.

``run_id`` exists for imported tables that hold several *separate real measurements* under one
(hash, task, protocol, seed): the NB201 NB360 table trained all 15,625 NB201 cells with seed 777,
including isomorphic twins (15,625 cells, 6,466 classes). Dropping the twins would throw away real
runs, and inventing seeds would misstate how they were trained. The importer therefore sets
``run_id`` to the table's own identity of the run (the NB201 index); runs produced by this
project leave it ``""``, so for them the key is exactly (canonical hash, task, protocol, seed).

Serialised form
---------------
:meth:`Record.to_dict` gives a JSON-ready dict; optional fields equal to their default (``None``,
``""``, ``[]``, ``{}``) are left out to keep lines short, and :meth:`Record.from_dict` fills them
back. Floats must be finite (a run whose loss became NaN is ``status="diverged"`` with
``score=None``).
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from operator import attrgetter
from typing import Any

STATUSES: tuple[str, ...] = ("ok", "diverged", "failed")
REQUIRED_FIELDS: tuple[str, ...] = (
    "space",
    "arch",
    "arch_hash",
    "task",
    "protocol",
    "protocol_version",
    "seed",
    "status",
)
RecordKey = tuple[str, str, str, int, str]

_HASH_RE = re.compile(r"^[0-9a-f]{32}$")
_JSON_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class Record:
    """One training run (see the module docstring for identity and the serialised form).

    ``score`` is the NB360 error form of the test metric (lower is better); ``metric_name`` /
    ``metric_value`` keep the raw metric it came from. ``learning_curve`` holds one dict per epoch
    (``epoch`` plus optional ``train_loss``, ``val_score``, ``seconds`` and further numbers).
    ``extra`` holds additional measured fields (hardware latency, energy, source identifiers).
    """

    space: str
    arch: str
    arch_hash: str
    task: str
    protocol: str
    protocol_version: int
    seed: int
    status: str
    run_id: str = ""
    message: str = ""
    score: float | None = None
    metric_name: str = ""
    metric_value: float | None = None
    val_score: float | None = None
    test_score: float | None = None
    learning_curve: list[dict[str, Any]] = field(default_factory=list)
    train_seconds: float | None = None
    params: int | None = None
    flops: float | None = None
    device: str = ""
    package_version: str = ""
    git_sha: str = ""
    sampler: str = ""
    timestamp: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def key(self) -> RecordKey:
        """The deduplication key ``(arch_hash, task, protocol, seed, run_id)``."""
        return (self.arch_hash, self.task, self.protocol, self.seed, self.run_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; optional fields equal to their default are omitted."""
        out: dict[str, Any] = {}
        for name in FIELD_NAMES:
            value = getattr(self, name)
            if name in _REQUIRED or value != DEFAULTS[name]:
                out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Record:
        """Build and validate a record; unknown or missing fields raise ``ValueError``."""
        check_fields(data)
        # Equivalent to cls(**data) but faster (the store builds 100k of these on load): fill
        # the instance dict directly (fresh containers for absent list/dict fields), validate.
        record = object.__new__(cls)
        fill = record.__dict__
        fill.update(DEFAULTS)
        fill["learning_curve"] = []
        fill["extra"] = {}
        fill.update(data)
        _validate(record)
        return record


def check_fields(data: Any) -> None:
    """``data`` must be a dict with all required and no unknown fields (values not checked)."""
    if not isinstance(data, Mapping):
        raise ValueError(f"a record must be a JSON object (dict), got {type(data).__name__}")
    if not _FIELD_SET.issuperset(data):
        raise ValueError(
            f"unknown record field(s) {sorted(set(data) - _FIELD_SET)}; "
            f"valid fields: {list(FIELD_NAMES)}"
        )
    if not _REQUIRED.issubset(data):
        missing = [name for name in REQUIRED_FIELDS if name not in data]
        raise ValueError(f"record is missing required field(s) {missing}")


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Record))
_FIELD_SET = frozenset(FIELD_NAMES)
_REQUIRED = frozenset(REQUIRED_FIELDS)
DEFAULTS: dict[str, Any] = {
    f.name: (f.default_factory() if callable(f.default_factory) else f.default)
    for f in fields(Record)
    if f.name not in _REQUIRED
}
_STR_FIELDS = ("space", "arch", "task", "protocol", "status", "run_id", "message", "metric_name",
               "device", "package_version", "git_sha", "sampler", "timestamp")
_NONEMPTY_FIELDS = ("space", "arch", "task", "protocol")
_FLOAT_FIELDS = ("score", "metric_value", "val_score", "test_score", "train_seconds", "flops")
_STR_TYPE = frozenset({str})
_INT_TYPE = frozenset({int})
_DICT_TYPE = frozenset({dict})
_NUMBER_TYPES = frozenset({int, float, type(None)})
_SCALAR_TYPES = _NUMBER_TYPES | {str, bool}
_get_strs = attrgetter(*_STR_FIELDS)
_get_floats = attrgetter(*_FLOAT_FIELDS)


def _bad(name: str, value: Any, expected: str) -> ValueError:
    return ValueError(f"record field {name!r}: expected {expected}, got {value!r}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_float(name: str, value: Any, optional: bool = True) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad(name, value, "a number" + (" or None" if optional else ""))
    if not math.isfinite(value):
        raise _bad(name, value, "a finite number (use status='diverged' and None for NaN/inf)")


def _check_json(name: str, value: Any) -> None:
    """``value`` must be plain JSON data (str keys, finite numbers)."""
    if isinstance(value, float):
        _check_float(name, value)
    elif isinstance(value, _JSON_SCALARS):
        return
    elif isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise _bad(name, k, "str keys")
            _check_json(f"{name}.{k}", v)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_json(f"{name}[{i}]", v)
    else:
        raise _bad(name, value, "JSON data (str, number, bool, None, list, dict)")


def _check_curve(curve: Any) -> None:
    """Per-epoch dicts with an int ``epoch`` and finite numbers (or None) otherwise."""
    # Fast path (C-level loops): loading 100k records checks millions of values.
    if type(curve) is list and set(map(type, curve)) <= _DICT_TYPE:
        epochs = [e.get("epoch") for e in curve]
        values = [v for e in curve for k, v in e.items() if k != "epoch"]
        if set(map(type, epochs)) <= _INT_TYPE and _plain(values, _NUMBER_TYPES):
            return
    # Slow path: find and name the bad entry.
    if not isinstance(curve, list):
        raise _bad("learning_curve", curve, "a list of per-epoch dicts")
    for i, entry in enumerate(curve):
        name = f"learning_curve[{i}]"
        if not isinstance(entry, dict):
            raise _bad(name, entry, "a dict with 'epoch' and numbers")
        if not _is_int(entry.get("epoch")):
            raise _bad(f"{name}.epoch", entry.get("epoch"), "an int")
        for key, value in entry.items():
            if key != "epoch":
                _check_float(f"{name}.{key}", value)


def _check_timestamp(value: str) -> None:
    if value == "":
        return
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _bad("timestamp", value, "an ISO 8601 UTC time like '2024-01-31T12:00:00Z'") from None
    offset = stamp.utcoffset()
    if offset is None or offset.total_seconds() != 0:
        raise _bad("timestamp", value, "an ISO 8601 time in UTC ('Z' or '+00:00')")


def _plain(values: tuple[Any, ...] | list[Any], allowed: frozenset[type]) -> bool:
    """Fast check: every value's exact type is in ``allowed`` and every float is finite."""
    return set(map(type, values)) <= allowed and all(
        map(math.isfinite, [v for v in values if type(v) is float])
    )


def _validate(rec: Record) -> None:
    """Raise ``ValueError`` naming the first bad field and its value."""
    if not _plain(_get_strs(rec), _STR_TYPE):
        for name in _STR_FIELDS:
            if not isinstance(getattr(rec, name), str):
                raise _bad(name, getattr(rec, name), "a str")
    for name in _NONEMPTY_FIELDS:
        if not getattr(rec, name):
            raise _bad(name, getattr(rec, name), "a non-empty str")
    if not _HASH_RE.match(rec.arch_hash if isinstance(rec.arch_hash, str) else ""):
        raise _bad("arch_hash", rec.arch_hash, "32 lowercase hex characters (space.canonical_hash)")
    if rec.status not in STATUSES:
        raise _bad("status", rec.status, f"one of {list(STATUSES)}")
    for name in ("protocol_version", "seed"):
        if not _is_int(getattr(rec, name)):
            raise _bad(name, getattr(rec, name), "an int")
    if rec.params is not None and not _is_int(rec.params):
        raise _bad("params", rec.params, "an int or None")
    if not _plain(_get_floats(rec), _NUMBER_TYPES):
        for name in _FLOAT_FIELDS:
            _check_float(name, getattr(rec, name))
    if rec.status == "ok" and rec.score is None:
        raise _bad("score", None, "a number when status is 'ok'")
    if rec.status != "ok" and not rec.message:
        raise _bad("message", rec.message, f"a non-empty explanation when status is {rec.status!r}")
    _check_curve(rec.learning_curve)
    if not isinstance(rec.extra, dict):
        raise _bad("extra", rec.extra, "a dict")
    if not _plain(list(rec.extra.values()), _SCALAR_TYPES):
        _check_json("extra", rec.extra)  # nested or suspicious values: full check
    _check_timestamp(rec.timestamp)
