"""Encode throughput on one core: archs/s for every (space, kind), median of repeated runs.

Usage: ``python benchmarks/bench_encode.py [--n 10000] [--repeats 5] [--seed 0]``.
The archs are sampled once (outside the timing); each run encodes all of them with one
``encode`` call. The issue's target is at least 50,000 DARTS archs/s into ``onehot``. The
batched canonical forms (``canonical_many``) and hashes (``canonical_hash_many``) that the
surrogates compute before encoding are timed the same way.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy / torch are imported

import argparse  # noqa: E402
import functools  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmark this checkout's code

from graph_encodings import encode, get_space, list_encodings  # noqa: E402

TARGET_DARTS_ONEHOT = 50_000.0


def throughput(run: Callable[[list], object], archs: list, repeats: int) -> float:
    """Median archs/s of ``repeats`` timed ``run(archs)`` calls (after one untimed warm-up)."""
    run(archs[:100])  # warm-up: lazy tables, first-call allocations
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(archs)
        times.append(time.perf_counter() - start)
    return len(archs) / statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="archs per run")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs (median reported)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    print(f"encode throughput, {args.n} archs, median of {args.repeats} runs, 1 thread")
    print(f"{'space':<7} {'kind':<19} {'archs/s':>12}")
    results = {}
    for space_name in ("darts", "nb201"):
        space = get_space(space_name)
        archs = space.sample_many(args.n, args.seed)
        runs: dict[str, Callable[[list], object]] = {
            kind: functools.partial(encode, space, kind=kind) for kind in list_encodings(space)
        }
        runs["canonical_many"] = space.canonical_many
        runs["canonical_hash_many"] = space.canonical_hash_many
        for kind, run in runs.items():
            rate = throughput(run, archs, args.repeats)
            results[space_name, kind] = rate
            print(f"{space_name:<7} {kind:<19} {rate:>12,.0f}")
    ok = results["darts", "onehot"] >= TARGET_DARTS_ONEHOT
    verdict = "meets" if ok else "MISSES"
    print(f"DARTS onehot {verdict} the target of {TARGET_DARTS_ONEHOT:,.0f} archs/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
