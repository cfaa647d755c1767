"""Import the NAS-Bench-360 NB201-space tables (NinaPro, Darcy Flow, CIFAR-100) as records.

Two source tables under the data root (see the data README), each holding all 15,625 NB201 cells
trained 200 epochs by the NB360 authors, become one record per row and task:

- ``nb201_nb360/nb201_nb360.parquet`` (:data:`NB360_TABLE`), seed 777:

  - ``ninapro``: score ``100 - ninapro_test_acc`` (0-1 error in %), raw metric ``test_accuracy``;
  - ``darcyflow``: score ``1 - darcy_test_score`` (relative L2 error), raw metric
    ``one_minus_relative_l2`` (the value NB360 stores).

- ``nb201_nb360/nb201_cifar100.parquet`` (:data:`CIFAR100_TABLE`):

  - ``cifar100``: score ``100 - cifar100_test_acc`` (0-1 error in %), raw metric
    ``test_accuracy``.

All use space ``nb201``, protocol ``nb360-nb201-200ep`` version 1, seed 777 (the seed the source
names for the NinaPro/Darcy runs; the CIFAR-100 table names none, and its records carry the same
seed so that the three tables share one protocol and record layout), sampler ``exhaustive``.
``arch`` is the canonical text of the row's cell (as in every record), ``arch_hash`` its canonical
hash, and ``run_id`` the NB201 index, so isomorphic twins (separate real runs of cells that
compute the same function) are all kept (see :mod:`training_data.records.schema`); the cell as
trained is ``space.from_index(extra["nb201_index"])``. The import checks that the canonical
classes are the table's ``iso_rep_idx`` classes. ``extra`` holds the NB201 index, the table's
``iso_rep_idx``, the task's on-device latency/energy columns under their own names, and the
source file's name and sha256.

The tables are never appended to, so they are stored as frozen record files
(``<task>/nb360-nb201-200ep.jsonl.gz``, see :mod:`training_data.records.frozen_file`): about a
tenth of the JSON Lines size.

Reproducible bytes: records are written in NB201 index order, ``timestamp`` is not the time of
the import but the source table's fixed ``timestamp`` (when its copy was made), and the gzip
stream is deterministic, so rebuilding from the same files gives identical files. Rebuild all
tables, or check that a rebuild matches the files in place, with::

    python -m training_data.records.nb201_import --store training_data/data/records [--check]

(``--data-root DIR`` reads the tables under ``DIR``; ``--parquet FILE`` imports one table, named
by its file name or by ``--table``.)
"""
from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from graph_encodings.deprecation import renamed_keywords
from training_data.records.provenance import package_version
from training_data.records.schema import Record
from training_data.records.store import RecordStore

SPACE = "nb201"
PROTOCOL = "nb360-nb201-200ep"
PROTOCOL_VERSION = 1
SEED = 777
SAMPLER = "exhaustive"
DEVICE = "unknown (NB360 authors' GPU)"
N_ROWS = 15_625
# Record fields shared by every imported run (the per-row ones are set in import_nb201_table).
RUN_FIELDS = {
    "space": SPACE,
    "protocol": PROTOCOL,
    "protocol_version": PROTOCOL_VERSION,
    "seed": SEED,
    "status": "ok",
    "device": DEVICE,
    "sampler": SAMPLER,
}


def _score_percent(raw: float) -> float:
    return 100.0 - raw


def _score_unit(raw: float) -> float:
    return 1.0 - raw


@dataclass(frozen=True)
class TaskColumns:
    """One task's columns in a source table: ``prefix`` of its own columns (the metric and the
    on-device figures), the ``metric_column``, the record's ``metric_name`` and raw -> error."""

    prefix: str
    metric_column: str
    metric_name: str
    to_score: Callable[[float], float]


@dataclass(frozen=True)
class SourceTable:
    """A source parquet file: where it lies under the data root, its tasks (in record order) and
    ``timestamp``, the source copy's date (its file time in ../shared/data, to the second): a
    provenance fact about the data, so re-imports are byte-identical. Not the time of the runs."""

    name: str
    relpath: Path
    tasks: dict[str, TaskColumns]
    timestamp: str

    @property
    def required_columns(self) -> tuple[str, ...]:
        return ("arch_idx", "arch_str", "iso_rep_idx",
                *(columns.metric_column for columns in self.tasks.values()))


NB360_TABLE = SourceTable(
    "nb360", Path("nb201_nb360") / "nb201_nb360.parquet",
    {"ninapro": TaskColumns("ninapro_", "ninapro_test_acc", "test_accuracy", _score_percent),
     "darcyflow": TaskColumns("darcy_", "darcy_test_score", "one_minus_relative_l2", _score_unit)},
    "2026-11-22T17:23:15Z",
)
CIFAR100_TABLE = SourceTable(
    "cifar100", Path("nb201_nb360") / "nb201_cifar100.parquet",
    {"cifar100": TaskColumns("cifar100_", "cifar100_test_acc", "test_accuracy", _score_percent)},
    "2026-12-04T11:01:52Z",
)
TABLES: dict[str, SourceTable] = {t.name: t for t in (NB360_TABLE, CIFAR100_TABLE)}
# The NinaPro/Darcy table's path and date (names kept from when it was the only table).
SOURCE_RELPATH = NB360_TABLE.relpath
SOURCE_TIMESTAMP = NB360_TABLE.timestamp


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_table(parquet_path: Path, source: SourceTable) -> pd.DataFrame:
    if not parquet_path.is_file():
        raise FileNotFoundError(
            f"NB201 NB360 table not found at {parquet_path} (expected the file "
            f"{source.relpath} under the data root: set $NB360_DATA_ROOT or pass the path)"
        )
    table = pd.read_parquet(parquet_path)
    missing = [c for c in source.required_columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"{parquet_path} lacks column(s) {missing} of the {source.name!r} table; columns "
            f"present: {list(table.columns)}"
        )
    if len(table) != N_ROWS or sorted(table["arch_idx"]) != list(range(N_ROWS)):
        raise ValueError(
            f"{parquet_path}: expected {N_ROWS} rows with arch_idx 0..{N_ROWS - 1}, got "
            f"{len(table)} rows"
        )
    return table.sort_values("arch_idx", kind="stable").reset_index(drop=True)


def _check_classes(path: Path, hashes: list[str], reps: list[int]) -> None:
    """The canonical classes must be the table's ``iso_rep_idx`` classes (same partition)."""
    rep_of: dict[str, int] = {}
    hash_of: dict[int, str] = {}
    for index, (arch_hash, rep) in enumerate(zip(hashes, reps, strict=True)):
        if rep_of.setdefault(arch_hash, rep) != rep or hash_of.setdefault(rep, arch_hash) != arch_hash:
            raise ValueError(
                f"{path}: row arch_idx={index} (iso_rep_idx={rep}) breaks the agreement of the "
                f"canonical classes with the table's iso_rep_idx classes (its canonical class "
                f"has iso_rep_idx {rep_of[arch_hash]}, iso_rep_idx {rep} has another class)"
            )


def import_nb201_table(parquet_path: str | os.PathLike[str],
                       table: str | SourceTable = NB360_TABLE) -> list[Record]:
    """The records of one source ``table`` (a :data:`TABLES` name or a :class:`SourceTable`) read
    from ``parquet_path``: for each of its tasks, one per architecture in NB201 index order."""
    from graph_encodings.spaces import get_space

    source = table if isinstance(table, SourceTable) else source_table(table)
    path = Path(parquet_path)
    frame = _read_table(path, source)
    space = get_space(SPACE)
    provenance = {"source": source.relpath.name, "source_sha256": sha256_file(path)}
    shared = {**RUN_FIELDS, "timestamp": source.timestamp, "package_version": package_version()}
    archs = []
    for index, text in zip(frame["arch_idx"].tolist(), frame["arch_str"].tolist(), strict=True):
        arch = space.parse(text)
        if space.index(arch) != index:
            raise ValueError(
                f"{path}: row arch_idx={index} holds {text!r}, which is NB201 index "
                f"{space.index(arch)}; the table is not in NB201 order"
            )
        archs.append((space.format(space.canonical(arch)), space.canonical_hash(arch)))
    _check_classes(path, [h for _, h in archs], frame["iso_rep_idx"].tolist())
    records = []
    for task, columns in source.tasks.items():
        hw_columns = sorted(
            c for c in frame.columns if c.startswith(columns.prefix) and c != columns.metric_column
        )
        rows = zip(
            frame["arch_idx"].tolist(),
            frame["iso_rep_idx"].tolist(),
            frame[columns.metric_column].tolist(),
            frame[hw_columns].to_dict("records"),
            archs,
            strict=True,
        )
        for index, iso_rep, raw, hardware, (arch_text, arch_hash) in rows:
            score = columns.to_score(raw)
            records.append(
                Record(
                    **shared,
                    arch=arch_text,
                    arch_hash=arch_hash,
                    task=task,
                    run_id=str(index),
                    score=score,
                    metric_name=columns.metric_name,
                    metric_value=raw,
                    test_score=score,
                    extra={"nb201_index": index, "iso_rep_idx": iso_rep, **hardware, **provenance},
                )
            )
    return records


def import_nb201_tables(data_root: str | os.PathLike[str] | None = None) -> list[Record]:
    """The records of every source table (:data:`TABLES`, in order) under ``data_root``
    (default: the resolved data root, ``$NB360_DATA_ROOT``)."""
    root = Path(data_root) if data_root is not None else _default_data_root()
    return [record for source in TABLES.values()
            for record in import_nb201_table(root / source.relpath, source)]


def source_table(name: str) -> SourceTable:
    """The source table called ``name`` (``ValueError`` naming the valid ones)."""
    if name not in TABLES:
        raise ValueError(f"unknown NB201 source table {name!r}; valid: {', '.join(TABLES)}")
    return TABLES[name]


def table_for_file(path: str | os.PathLike[str]) -> SourceTable:
    """The source table whose file name ``path`` has (``ValueError`` otherwise: pass ``--table``)."""
    name = Path(path).name
    for source in TABLES.values():
        if source.relpath.name == name:
            return source
    raise ValueError(
        f"cannot tell which NB201 table {path} is from its name; expected one of "
        f"{[s.relpath.name for s in TABLES.values()]}, or name it (--table {'|'.join(TABLES)})"
    )


@renamed_keywords(out="store")
def write_store(records: list[Record], store: str | os.PathLike[str]) -> list[Path]:
    """Write ``records`` as the frozen files of the record store ``store``, replacing those files
    if present (each swapped in atomically); return the written paths.

    A live ``<protocol>.jsonl`` holding any of the keys (e.g. the table in its former,
    uncompressed form) is refused with ``ValueError`` naming it: remove it first.
    """
    return RecordStore(store).write_frozen(records)


@renamed_keywords(out="store")
def check_store(records: list[Record], store: str | os.PathLike[str]) -> list[str]:
    """Rebuild ``records`` in a temporary folder and compare them byte for byte with the frozen
    files of the record store ``store``; return one line per file (``identical``, ``DIFFERS`` or
    ``MISSING``)."""
    folder = Path(store)
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for built in write_store(records, tmp):
            rel = built.relative_to(tmp)
            target = folder / rel
            if not target.is_file():
                verdict = "MISSING"
            else:
                verdict = "identical" if target.read_bytes() == built.read_bytes() else "DIFFERS"
            lines.append(f"{target}: {verdict} (rebuild sha256 {sha256_file(built)})")
    return lines


def _default_data_root() -> Path:
    from training_data.tasks.data_root import resolve_data_root

    return resolve_data_root()


def default_parquet_path(table: str = NB360_TABLE.name) -> Path:
    """Where source ``table`` lies under the resolved data root."""
    return _default_data_root() / source_table(table).relpath


def main(argv: list[str] | None = None) -> None:
    from graph_encodings.deprecation import add_renamed_flags
    from training_data.records.loading import DEFAULT_STORE

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-root", type=Path, default=None,
                        help="import every table under this folder (default: the data root, "
                             f"$NB360_DATA_ROOT): {', '.join(str(s.relpath) for s in TABLES.values())}")
    parser.add_argument("--parquet", type=Path, default=None,
                        help="import this one table file instead (its table from its file name, "
                             "or --table)")
    parser.add_argument("--table", choices=list(TABLES), default=None,
                        help="which table --parquet holds")
    add_renamed_flags(parser, parser.add_argument(
        "--store", type=Path, default=DEFAULT_STORE, help=f"record store folder (default: {DEFAULT_STORE})"
    ), "--out")
    parser.add_argument("--check", action="store_true",
                        help="write nothing: check that a rebuild gives the files under --store "
                             "byte for byte (exit status 1 if not)")
    args = parser.parse_args(argv)
    if args.parquet is not None and args.data_root is not None:
        parser.error("--parquet and --data-root are exclusive")
    if args.table is not None and args.parquet is None:
        parser.error("--table names the table of --parquet")
    if args.parquet is not None:
        try:
            source = source_table(args.table) if args.table else table_for_file(args.parquet)
        except ValueError as error:
            parser.error(str(error))
        records = import_nb201_table(args.parquet, source)
    else:
        records = import_nb201_tables(args.data_root)
    if args.check:
        lines = check_store(records, args.store)
        print("\n".join(lines))
        if not all(": identical " in line for line in lines):
            raise SystemExit(f"rebuild differs from the files under {args.store}")
        return
    for path in write_store(records, args.store):
        print(f"{path}: {path.stat().st_size:,} bytes, sha256 {sha256_file(path)}")


if __name__ == "__main__":
    main()
