"""Import the NAS-Bench-360 NB201-space table (NinaPro, Darcy Flow) as records.

The table (``nb201_nb360/nb201_nb360.parquet`` under the data root, see the data README) holds
all 15,625 NB201 cells trained 200 epochs with seed 777 by the NB360 authors. Each row becomes
two records, one per task:

- ``ninapro``: score ``100 - ninapro_test_acc`` (0-1 error in %), raw metric ``test_accuracy``;
- ``darcyflow``: score ``1 - darcy_test_score`` (relative L2 error), raw metric
  ``one_minus_relative_l2`` (the value NB360 stores).

Both use space ``nb201``, protocol ``nb360-nb201-200ep`` version 1, seed 777, sampler
``exhaustive``. ``arch`` is the canonical text of the row's cell (as in every record), ``arch_hash``
its canonical hash, and ``run_id`` the NB201 index, so isomorphic twins (separate real runs of
cells that compute the same function) are all kept (see :mod:`training_data.records.schema`); the
cell as trained is ``space.from_index(extra["nb201_index"])``. ``extra`` holds the NB201 index, the table's
``iso_rep_idx``, the task's on-device latency/energy columns under their own names, and the
source file's name and sha256.

The tables are never appended to, so they are stored as frozen record files
(``<task>/nb360-nb201-200ep.jsonl.gz``, see :mod:`training_data.records.frozen_file`): about a
tenth of the JSON Lines size.

Reproducible bytes: records are written in NB201 index order, ``timestamp`` is not the time of
the import but the fixed :data:`SOURCE_TIMESTAMP` (when the source copy was made), and the gzip
stream is deterministic, so rebuilding from the same file gives identical files. Rebuild, or
check that a rebuild matches the files in place, with::

    python -m training_data.records.nb201_import --out training_data/data/records [--check]
"""
from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
from pathlib import Path

import pandas as pd

from training_data.records.provenance import package_version
from training_data.records.schema import Record
from training_data.records.store import RecordStore

SPACE = "nb201"
PROTOCOL = "nb360-nb201-200ep"
PROTOCOL_VERSION = 1
SEED = 777
SAMPLER = "exhaustive"
DEVICE = "unknown (NB360 authors' GPU)"
SOURCE_RELPATH = Path("nb201_nb360") / "nb201_nb360.parquet"
# The source copy's date (its file time in ../shared/data, to the second): a provenance fact
# about the data, so re-imports are byte-identical. Not the time the NB360 runs happened.
SOURCE_TIMESTAMP = "2026-11-22T17:23:15Z"
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
    "timestamp": SOURCE_TIMESTAMP,
}


def _score_ninapro(raw: float) -> float:
    return 100.0 - raw


def _score_darcy(raw: float) -> float:
    return 1.0 - raw


# task -> (column prefix in the table, raw metric column, metric name, raw -> NB360 error)
TASKS = {
    "ninapro": ("ninapro_", "ninapro_test_acc", "test_accuracy", _score_ninapro),
    "darcyflow": ("darcy_", "darcy_test_score", "one_minus_relative_l2", _score_darcy),
}
REQUIRED_COLUMNS = ("arch_idx", "arch_str", "iso_rep_idx", "ninapro_test_acc", "darcy_test_score")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_table(parquet_path: Path) -> pd.DataFrame:
    if not parquet_path.is_file():
        raise FileNotFoundError(
            f"NB201 NB360 table not found at {parquet_path} (expected the file "
            f"{SOURCE_RELPATH} under the data root: set $NB360_DATA_ROOT or pass the path)"
        )
    table = pd.read_parquet(parquet_path)
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            f"{parquet_path} lacks column(s) {missing}; columns present: {list(table.columns)}"
        )
    if len(table) != N_ROWS or sorted(table["arch_idx"]) != list(range(N_ROWS)):
        raise ValueError(
            f"{parquet_path}: expected {N_ROWS} rows with arch_idx 0..{N_ROWS - 1}, got "
            f"{len(table)} rows"
        )
    return table.sort_values("arch_idx", kind="stable").reset_index(drop=True)


def import_nb201_table(parquet_path: str | os.PathLike[str]) -> list[Record]:
    """The table's 31,250 records: for each task, one per architecture in NB201 index order."""
    from graph_encodings.spaces import get_space

    path = Path(parquet_path)
    table = _read_table(path)
    space = get_space(SPACE)
    provenance = {"source": SOURCE_RELPATH.name, "source_sha256": sha256_file(path)}
    shared = {**RUN_FIELDS, "package_version": package_version()}
    archs = []
    for index, text in zip(table["arch_idx"].tolist(), table["arch_str"].tolist(), strict=True):
        arch = space.parse(text)
        if space.index(arch) != index:
            raise ValueError(
                f"{path}: row arch_idx={index} holds {text!r}, which is NB201 index "
                f"{space.index(arch)}; the table is not in NB201 order"
            )
        archs.append((space.format(space.canonical(arch)), space.canonical_hash(arch)))
    records = []
    for task, (prefix, metric_column, metric_name, to_score) in TASKS.items():
        hw_columns = sorted(
            c for c in table.columns if c.startswith(prefix) and c != metric_column
        )
        rows = zip(
            table["arch_idx"].tolist(),
            table["iso_rep_idx"].tolist(),
            table[metric_column].tolist(),
            table[hw_columns].to_dict("records"),
            archs,
            strict=True,
        )
        for index, iso_rep, raw, hardware, (arch_text, arch_hash) in rows:
            score = to_score(raw)
            records.append(
                Record(
                    **shared,
                    arch=arch_text,
                    arch_hash=arch_hash,
                    task=task,
                    run_id=str(index),
                    score=score,
                    metric_name=metric_name,
                    metric_value=raw,
                    test_score=score,
                    extra={"nb201_index": index, "iso_rep_idx": iso_rep, **hardware, **provenance},
                )
            )
    return records


def write_store(records: list[Record], out: str | os.PathLike[str]) -> list[Path]:
    """Write ``records`` as the frozen files of the store at ``out``, replacing those files if
    present (each swapped in atomically); return the written paths.

    A live ``<protocol>.jsonl`` holding any of the keys (e.g. the table in its former,
    uncompressed form) is refused with ``ValueError`` naming it: remove it first.
    """
    return RecordStore(out).write_frozen(records)


def check_store(records: list[Record], out: str | os.PathLike[str]) -> list[str]:
    """Rebuild ``records`` in a temporary folder and compare them byte for byte with the frozen
    files under ``out``; return one line per file (``identical``, ``DIFFERS`` or ``MISSING``)."""
    out_dir = Path(out)
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for built in write_store(records, tmp):
            rel = built.relative_to(tmp)
            target = out_dir / rel
            if not target.is_file():
                verdict = "MISSING"
            else:
                verdict = "identical" if target.read_bytes() == built.read_bytes() else "DIFFERS"
            lines.append(f"{target}: {verdict} (rebuild sha256 {sha256_file(built)})")
    return lines


def default_parquet_path() -> Path:
    from training_data.tasks.data_root import resolve_data_root

    return resolve_data_root() / SOURCE_RELPATH


def main(argv: list[str] | None = None) -> None:
    from training_data.records.loading import DEFAULT_ROOT

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parquet", type=Path, default=None,
                        help=f"the table (default: <data root>/{SOURCE_RELPATH})")
    parser.add_argument("--out", type=Path, default=DEFAULT_ROOT,
                        help=f"record store folder (default: {DEFAULT_ROOT})")
    parser.add_argument("--check", action="store_true",
                        help="write nothing: check that a rebuild gives the files under --out "
                             "byte for byte (exit status 1 if not)")
    args = parser.parse_args(argv)
    records = import_nb201_table(args.parquet or default_parquet_path())
    if args.check:
        lines = check_store(records, args.out)
        print("\n".join(lines))
        if not all(": identical " in line for line in lines):
            raise SystemExit(f"rebuild differs from the files under {args.out}")
        return
    for path in write_store(records, args.out):
        print(f"{path}: {path.stat().st_size:,} bytes, sha256 {sha256_file(path)}")


if __name__ == "__main__":
    main()
