"""Deterministic synthetic records for tests and benchmarks (not real measurements)."""
from __future__ import annotations

import hashlib
from typing import Any

from training_data.records.schema import Record


def synthetic_record(
    i: int,
    task: str = "ecg",
    protocol: str = "synthetic-v1",
    curve_epochs: int = 0,
    **overrides: Any,
) -> Record:
    """Record number ``i``: a fake architecture with a unique hash, every field filled.

    The same arguments always give an equal record. ``curve_epochs`` sets the learning-curve
    length (about 90 bytes per epoch on disk); ``overrides`` replace any field.
    """
    fields: dict[str, Any] = {
        "space": "synthetic",
        "arch": f"synthetic-arch-{i}",
        "arch_hash": hashlib.sha256(f"synthetic:{i}".encode()).hexdigest()[:32],
        "task": task,
        "protocol": protocol,
        "protocol_version": 1,
        "seed": i % 3,
        "status": "ok",
        "score": (i % 1000) / 10.0,
        "metric_name": "accuracy",
        "metric_value": 100.0 - (i % 1000) / 10.0,
        "val_score": (i % 997) / 10.0,
        "test_score": (i % 1000) / 10.0,
        "learning_curve": [
            {"epoch": e, "train_loss": 1.0 / (e + 1), "val_score": 50.0 - e / (e + 1), "seconds": 1.25}
            for e in range(1, curve_epochs + 1)
        ],
        "train_seconds": 1.25 * curve_epochs,
        "params": 1000 + i,
        "flops": 1.0e6 + i,
        "device": "cpu",
        "package_version": "0.0.0",
        "git_sha": "0" * 40,
        "sampler": "random",
        "timestamp": "2024-01-01T00:00:00Z",
        "extra": {"i": i, "latency_ms": 1.5},
    }
    fields.update(overrides)
    return Record(**fields)
