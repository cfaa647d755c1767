"""Re-train stored records and check that they come out bit for bit the same.

Ground truth is only trustworthy if it can be re-made: a CPU run is deterministic (seeded
initialisation and batch order, deterministic kernels, the record's thread count), so re-running
a record's architecture, task, protocol and seed must give the same scores, parameter count and
learning curve (train loss, validation score, learning rate per epoch; wall-clock seconds aside).
A code change that alters the numbers (a new kernel, a different op order) shows up here as a
mismatch, and then needs a new protocol version instead of silently mixing two regimes in one
record file. ``nb360 data reproduce`` is the command line.

Bit for bit holds on the same CPU kernel set only (``extra["cpu_kernels"]``, e.g. AVX2 or
AVX512): another kernel set rounds differently from the first step on. A difference is then
reported with both kernel sets named, and its size (``score_change``) says whether it matters next
to seed noise. Records from before ``cpu_kernels`` was recorded say nothing about theirs.
"""
from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from training_data.evaluation import evaluate
from training_data.protocols.registry import training_protocol
from training_data.records.schema import Record

SCALAR_FIELDS = ("status", "score", "metric_value", "val_score", "test_score", "params", "flops")
CURVE_FIELDS = ("epoch", "train_loss", "val_score", "lr")  # per epoch; ``seconds`` is wall time


@dataclass(frozen=True)
class Reproduction:
    """A stored record, its re-run, and every field in which they differ (empty: identical)."""

    stored: Record
    rerun: Record
    mismatches: tuple[str, ...] = field(default_factory=tuple)

    @property
    def identical(self) -> bool:
        return not self.mismatches

    @property
    def score_change(self) -> float | None:
        """``rerun.score - stored.score`` (None when either run has no score)."""
        if self.stored.score is None or self.rerun.score is None:
            return None
        return self.rerun.score - self.stored.score

    @property
    def same_kernels(self) -> bool | None:
        """Whether both runs used the same CPU kernel set (None: the stored record does not say,
        or a run was not on the CPU)."""
        kernels = [r.extra.get("cpu_kernels") for r in (self.stored, self.rerun)]
        return None if None in kernels else kernels[0] == kernels[1]

    def _hints(self) -> list[str]:
        """Why two runs may differ other than the code: torch version, CPU kernel set."""
        hints = []
        versions = [r.extra.get("torch_version") for r in (self.stored, self.rerun)]
        if versions[0] != versions[1]:
            hints.append(f"trained with torch {versions[0]}, re-run with {versions[1]}")
        if self.rerun.device == "cpu" and self.same_kernels is not True:
            stored = self.stored.extra.get("cpu_kernels", "unrecorded")
            hints.append(f"trained on CPU kernels {stored}, re-run on {self.rerun.extra.get('cpu_kernels')}: "
                         "bit for bit holds on one kernel set only")
        return hints

    def describe(self) -> str:
        """One line: the run, both scores, and the verdict."""
        s = self.stored
        head = f"{s.task} {s.protocol} {s.arch_hash[:12]} seed {s.seed}: score {s.score!r} -> {self.rerun.score!r}"
        if self.identical:
            return f"{head}  identical"
        hints = self._hints()
        hint = f" ({'; '.join(hints)})" if hints else ""
        change = f", score change {self.score_change:+.3g}" if self.score_change is not None else ""
        return f"{head}  DIFFERENT in {', '.join(self.mismatches)}{change}{hint}"


def _same(a: Any, b: Any) -> bool:
    """Exact equality; two NaNs (or two Nones) are the same."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def compare_runs(stored: Record, rerun: Record) -> tuple[str, ...]:
    """The fields in which ``rerun`` differs from ``stored`` (exact comparison; see the module)."""
    mismatches = [name for name in SCALAR_FIELDS if not _same(getattr(stored, name), getattr(rerun, name))]
    if len(stored.learning_curve) != len(rerun.learning_curve):
        mismatches.append(f"learning_curve (epochs {len(stored.learning_curve)} -> {len(rerun.learning_curve)})")
        return tuple(mismatches)
    for epoch, (a, b) in enumerate(zip(stored.learning_curve, rerun.learning_curve, strict=True), start=1):
        mismatches += [f"learning_curve[{epoch}].{key}" for key in CURVE_FIELDS if not _same(a.get(key), b.get(key))]
    return tuple(mismatches)


def check_reproducible(record: Record) -> None:
    """``ValueError`` unless ``record`` was trained here under a protocol that is still registered
    with the same version and settings (imported tables, e.g. NB360's own runs, cannot be)."""
    try:
        protocol = training_protocol(record.protocol)
    except ValueError as error:
        raise ValueError(
            f"record {record.arch_hash} ({record.task}): protocol {record.protocol!r} is not a "
            f"training protocol of this project, so it cannot be re-trained ({error})"
        ) from None
    if protocol.version != record.protocol_version:
        raise ValueError(
            f"record {record.arch_hash}: protocol {record.protocol!r} is version {protocol.version} "
            f"now, the record was trained under version {record.protocol_version}"
        )
    stored_hash = record.extra.get("protocol_hash")
    if stored_hash is not None and stored_hash != protocol.hash():
        raise ValueError(
            f"record {record.arch_hash}: protocol {record.protocol!r}'s settings changed since the "
            f"record was trained (hash {stored_hash} -> {protocol.hash()})"
        )


def reproduce(
    records: Iterable[Record], data_root: str | os.PathLike[str] | None = None
) -> list[Reproduction]:
    """Re-train each record (same arch, task, protocol, seed, device, thread count) and compare.

    Raises ``ValueError`` (before training anything) for a record that cannot be re-trained:
    see :func:`check_reproducible`.
    """
    records = list(records)
    for record in records:
        check_reproducible(record)
    results = []
    for record in records:
        rerun = evaluate(
            record.arch, record.task, record.protocol, seed=record.seed, device=record.device or "cpu",
            data_root=data_root, sampler=record.sampler, n_threads=record.extra.get("n_threads"),
            space=record.space,
        )
        results.append(Reproduction(record, rerun, compare_runs(record, rerun)))
    return results


def pick_records(
    records: Sequence[Record], n: int, seed: int = 0, ops: Sequence[str] = ()
) -> list[Record]:
    """``n`` records drawn without replacement (seeded) from the ``ok`` ones whose architecture
    text names every op in ``ops`` (e.g. ``("max_pool_3x3",)``); fewer if fewer match."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    eligible = [r for r in records if r.status == "ok" and all(op in r.arch for op in ops)]
    if not eligible:
        raise ValueError(f"no ok record {'names ' + ', '.join(ops) if ops else 'to pick'} among {len(records)}")
    order = np.random.default_rng(seed).permutation(len(eligible))[:n]
    return [eligible[i] for i in order]
