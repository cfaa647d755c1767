"""Record store speed: load + to_frame of 100k records, append throughput, shipped records.

Usage: ``python benchmarks/bench_record_store.py [--n 100000] [--epochs 0] [--repeats 3]``
(``--epochs 0 20`` adds a run with 20-epoch learning curves, ~2.2 kB/record: minutes here).

For each learning-curve length in ``--epochs``: ``n`` synthetic records are written to a
temporary store (one batched ``extend``), then, median of ``--repeats`` runs each:
``RecordStore`` load (full validation) and ``to_frame``; the ``load_records`` fast path on the
same store. Append throughput: single ``append`` calls (one locked, fsynced write each) and the
batched ``extend``. Last, ``load_records()`` of all shipped records (the NB201 tables' 46,875 and
the DARTS records). Wall and CPU seconds are both printed: on a shared machine the CPU time is the
steadier figure.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmark this checkout's code

from training_data.records.loading import load_records  # noqa: E402
from training_data.records.store import RecordStore  # noqa: E402
from training_data.records.synthetic import synthetic_record  # noqa: E402


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``fn()`` over ``repeats`` runs."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def row(label: str, wall: float, cpu: float, extra: str = "") -> None:
    print(f"  {label:<44s} wall {wall:7.3f} s   cpu {cpu:7.3f} s   {extra}")


def bench_store(n: int, epochs: int, repeats: int, n_single: int) -> None:
    records = [synthetic_record(i, curve_epochs=epochs) for i in range(n)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "store"
        wall, cpu = timed(lambda: RecordStore(root).extend(records), 1)
        size = sum(p.stat().st_size for p in root.rglob("*.jsonl"))
        print(f"{n:,} records, {epochs}-epoch curves: {size / 1e6:.1f} MB, {size / n:.0f} B/record")
        row("extend (one batched write)", wall, cpu, f"{n / wall:,.0f} records/s")
        frame_box: list = []

        def load_and_frame() -> None:
            store = RecordStore(root)
            frame_box[:] = [store.to_frame()]

        wall, cpu = timed(lambda: len(RecordStore(root)), repeats)
        row("RecordStore load (validated)", wall, cpu)
        wall, cpu = timed(load_and_frame, repeats)
        row("RecordStore load + to_frame", wall, cpu, f"{frame_box[0].shape}")
        wall, cpu = timed(lambda: load_records(store=root), repeats)
        row("load_records (fast path)", wall, cpu)

        single = [synthetic_record(n + i, curve_epochs=epochs) for i in range(n_single)]
        store = RecordStore(root)
        len(store)  # loaded before timing: appends then only read the new tail
        wall, cpu = timed(lambda: [store.append(r) for r in single], 1)
        row(f"append x{n_single} (lock + write + fsync each)", wall, cpu, f"{n_single / wall:,.0f} records/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--epochs", type=int, nargs="+", default=[0],
                        help="learning-curve lengths to run (one store each)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--single", type=int, default=300, help="single appends to time")
    args = parser.parse_args()
    for epochs in args.epochs:
        bench_store(args.n, epochs, args.repeats, args.single)
    n_shipped = len(load_records())
    print(f"all shipped records ({n_shipped:,}: the NB201 tables and the DARTS CPU records):")
    wall, cpu = timed(lambda: load_records(), args.repeats)
    row("load_records() (fast path)", wall, cpu)
    wall, cpu = timed(lambda: load_records(task="ninapro"), args.repeats)
    row("load_records(task='ninapro')", wall, cpu)
    wall, cpu = timed(lambda: load_records(validate=True), args.repeats)
    row("load_records(validate=True)", wall, cpu)


if __name__ == "__main__":
    main()
