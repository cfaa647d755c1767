"""Where ground truth comes from: tasks, networks, protocols, ``evaluate``, records, collection.

Names are imported lazily (PEP 562), so ``from training_data import load_records`` does not pay
for torch, and the GPU machine (torch only) never imports tree libraries.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS: dict[str, str] = {
    # records
    "Record": "training_data.records",
    "RecordStore": "training_data.records",
    "load_records": "training_data.records",
    "import_nb201_table": "training_data.records.nb201_import",
    # tasks
    "Task": "training_data.tasks",
    "describe_task": "training_data.tasks",
    "get_task": "training_data.tasks",
    "list_tasks": "training_data.tasks",
    # networks
    "build_network": "training_data.networks",
    "count_params": "training_data.networks",
    "count_flops": "training_data.networks",
    "network_summary": "training_data.networks",
    # protocols and training
    "ImportedProtocol": "training_data.protocols",
    "Protocol": "training_data.protocols",
    "describe_protocol": "training_data.protocols",
    "get_protocol": "training_data.protocols",
    "list_protocols": "training_data.protocols",
    "training_protocol": "training_data.protocols",
    "evaluate": "training_data.evaluation",
    # collection
    "collect": "training_data.collection",
    "CollectionSummary": "training_data.collection",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'training_data' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
