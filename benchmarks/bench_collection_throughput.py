"""Collection throughput: architectures per device-hour against the number of concurrent runs.

For each concurrency level c, a uniform-random campaign of ``rounds * c`` DARTS architectures
runs with c local worker processes sharing one device (sampler seed ``1000 + c``, so the levels
train different architectures). Per level it prints the wall time (worker start-up, data loading
and CUDA initialisation included), architectures per hour on that one device, the gain over the
first level, and the median training seconds of one run (how much the runs slow each other down).
The records are real ground truth: ``--store`` keeps them (merged per level), ``--json`` writes
the figures.

On the GPU machine (data root from ``nb360 data pack``; see scripts/collect_gpu.sh):

    NB360_DATA_ROOT=data_pack python benchmarks/bench_collection_throughput.py --task darcyflow \\
        --protocol darcyflow-gpu-v1 --device cuda --levels 1 4 8 16 --rounds 2 --store $OUT/records

Here (CPU, a tiny protocol): ``--task satellite --protocol satellite-tiny-v1 --levels 1 2``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from training_data.collection import collect
from training_data.records.store import RecordStore


@dataclass
class LevelResult:
    """What one concurrency level measured."""

    concurrency: int
    archs: int
    ok: int
    wall_seconds: float
    archs_per_hour: float
    median_train_seconds: float
    device_name: str
    gain_over_first_level: float = 1.0


def measure_level(task: str, protocol: str, concurrency: int, rounds: int, device: str,
                  store: Path, threads: int, data_root: str | None) -> LevelResult:
    """Run one level's campaign into ``store`` (empty) and summarise it."""
    n = rounds * concurrency
    summary = collect(task, protocol, n, store, workers=concurrency, seed=1000 + concurrency,
                      device=device, n_threads=threads, data_root=data_root, progress=False)
    records = RecordStore(store).records(task=task, protocol=protocol)
    if len(records) != n or summary.evaluated != n:
        raise RuntimeError(f"level {concurrency}: expected {n} fresh runs, the store holds "
                           f"{len(records)} and the campaign evaluated {summary.evaluated}")
    ok = [r for r in records if r.status == "ok"]
    train = [r.train_seconds for r in records if r.train_seconds is not None]
    return LevelResult(
        concurrency=concurrency, archs=n, ok=len(ok), wall_seconds=summary.wall_seconds,
        archs_per_hour=n / summary.wall_seconds * 3600,
        median_train_seconds=statistics.median(train) if train else float("nan"),
        device_name=str(records[0].extra.get("device_name", records[0].device)),
    )


def run(task: str, protocol: str, levels: list[int], rounds: int, device: str,
        keep_store: Path | None, threads: int, data_root: str | None) -> list[LevelResult]:
    """Measure every level (each in its own temporary store, merged into ``keep_store``)."""
    if not levels or any(c < 1 for c in levels):
        raise ValueError(f"levels must be concurrency counts >= 1, got {levels!r}")
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds!r}")
    results = []
    for concurrency in levels:
        with tempfile.TemporaryDirectory(prefix=f"throughput-{concurrency}-") as folder:
            result = measure_level(task, protocol, concurrency, rounds, device, Path(folder),
                                   threads, data_root)
            if keep_store is not None:
                RecordStore(keep_store).merge([folder])
        first = results[0] if results else result
        result.gain_over_first_level = result.archs_per_hour / first.archs_per_hour
        results.append(result)
        print_row(result)
    return results


def print_row(r: LevelResult) -> None:
    print(f"  {r.concurrency:3d} concurrent on {r.device_name}: {r.archs:4d} archs ({r.ok} ok) in "
          f"{r.wall_seconds:8.1f} s wall -> {r.archs_per_hour:8.1f} archs/device-hour "
          f"({r.gain_over_first_level:5.2f}x the first level); median run "
          f"{r.median_train_seconds:7.1f} s of training", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", default="satellite")
    parser.add_argument("--protocol", default="satellite-tiny-v1")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 2],
                        help="concurrent runs (worker processes) per level")
    parser.add_argument("--rounds", type=int, default=2, help="architectures per worker per level")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads per run")
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--store", type=Path, default=None, help="keep the records in this store")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args()
    print(f"collection throughput: {args.task} / {args.protocol} on {args.device}, "
          f"{args.rounds} archs per worker per level")
    results = run(args.task, args.protocol, args.levels, args.rounds, args.device, args.store,
                  args.threads, args.data_root)
    if args.json is not None:
        payload = {"task": args.task, "protocol": args.protocol, "device": args.device,
                   "levels": [asdict(r) for r in results]}
        args.json.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
