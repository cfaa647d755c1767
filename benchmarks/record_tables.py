"""The record sets the record-set benchmarks read: ``--tables`` entries ``<task>/<protocol>`` and
the ``ok`` records of one of them in the record store."""
from __future__ import annotations

import argparse
from typing import Any


def table_spec(spec: str) -> tuple[str, str]:
    """``(task, protocol)`` of a ``<task>/<protocol>`` argument (an ``ArgumentTypeError`` naming
    the value otherwise)."""
    task, _, protocol = spec.partition("/")
    if not task or not protocol:
        raise argparse.ArgumentTypeError(f"a table is <task>/<protocol>, e.g. psicov/psicov-cpu-v2; got {spec!r}")
    return task, protocol


def training_set(task: str, protocol: str, records: int | None, space: str = "darts") -> Any:
    """The ``ok`` records of ``space``/``task``/``protocol``: the first ``records`` of them (a fixed
    set while collection appends to the store) or all."""
    from surrogates.benchmark.records import load_training_set

    data = load_training_set(task, space, protocol)
    return data if records is None else data.first(records)
