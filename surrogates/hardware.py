"""On-device cost of NB201 cells: latency and energy measured by HW-NAS-Bench-360, looked up exactly.

The NB360 NB201 tables (NinaPro, Darcy Flow, CIFAR-100), as republished by HW-NAS-Bench-360,
carry for every one of the 15,625 cells and per task the median latency (ms) and the energy (mJ) of the task's network on a
Raspberry Pi 5 (LiteRT, ONNX Runtime, TorchMobile) and the latency on a Pixel phone (LiteRT). The
import keeps them in each record's ``extra`` (``<task>_lat_ms_median_<device>``,
``<task>_energy_mj_<device>``). Every cell has its values (isomorphic twins share them: in the
source they are equal within each isomorphism class), so no surrogate stands in: a query looks
the cell up by its NB201 index. Metric names drop the task prefix, e.g. ``lat_ms_median_pi5_litert``.
"""
from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from graph_encodings.resolve import resolve_archs
from graph_encodings.spaces.nb201 import N_ARCHS
from surrogates.complexity import NB201_TABLE_PROTOCOL

SPACE = "nb201"
_COLUMN = re.compile(r"^extra\.[a-z0-9]+_((?:lat_ms_median|energy_mj)_[a-z0-9_]+)$")


@dataclass(frozen=True)
class HardwareTable:
    """Measured on-device cost of every NB201 cell for one task (see the module docstring).

    ``values`` maps a metric name to an array indexed by NB201 index (NaN where unmeasured).
    """

    task: str
    values: dict[str, np.ndarray]

    @classmethod
    def load(cls, task: str, protocol: str = NB201_TABLE_PROTOCOL,
             store: str | os.PathLike[str] | None = None) -> HardwareTable:
        """The table of ``task`` from the NB201 records of ``protocol`` (default: NB360's tables,
        the cells HW-NAS-Bench-360 measured) in the record store ``store`` (default: the shipped
        records).

        Raises ``ValueError`` naming the task when its records hold no hardware measurements.
        """
        from training_data.records import load_records

        missing = ValueError(
            f"no on-device measurements for task {task!r} in the {SPACE} records"
            f"{'' if store is None else f' at {store}'}: HW-NAS-Bench-360 measured the NB360 NB201 "
            "tables of ninapro, darcyflow and cifar100 only")
        try:
            frame = load_records(task=task, space=SPACE, protocol=protocol, store=store)
        except ValueError as error:  # no NB201 records of this task at all
            raise missing from error
        columns = {m.group(1): c for c in frame.columns if (m := _COLUMN.match(c))}
        if frame.empty or not columns or "extra.nb201_index" not in frame.columns:
            raise missing
        index = frame["extra.nb201_index"].to_numpy()
        values = {}
        for metric, column in sorted(columns.items()):
            measured = frame[column].to_numpy(float)
            known = ~np.isnan(measured)
            table = np.full(N_ARCHS, np.nan)
            table[index[known].astype(np.int64)] = measured[known]
            values[metric] = table
        return cls(task, values)

    @property
    def metrics(self) -> list[str]:
        """The metric names this table holds."""
        return list(self.values)

    def lookup(self, archs: Sequence[Any], metric: str) -> np.ndarray:
        """``metric`` of each cell in ``archs`` (NB201 objects, strings or indices), float64."""
        if metric not in self.values:
            raise ValueError(f"unknown hardware metric {metric!r} for task {self.task!r}; valid: "
                             f"{', '.join(self.metrics)}")
        space, objs = resolve_archs(archs, SPACE)
        index = np.array([space.index(arch) for arch in objs], dtype=np.int64)
        return self.values[metric][index].copy()


def hardware_cost(archs: Sequence[Any], task: str, metric: str, space: Any) -> np.ndarray:
    """:meth:`HardwareTable.lookup` through the shipped table of ``task`` (cached per task).

    ``space`` is the benchmark's search space: any but NB201 is a ``ValueError``.
    """
    name = getattr(space, "name", space)
    if name != SPACE:
        raise ValueError(f"on-device measurements exist for the {SPACE!r} space only "
                         f"(HW-NAS-Bench-360), not for {name!r}")
    table = _TABLES.get(task)
    if table is None:
        table = _TABLES[task] = HardwareTable.load(task)
    return table.lookup(archs, metric)


_TABLES: dict[str, HardwareTable] = {}
