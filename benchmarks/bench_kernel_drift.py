"""How far a shipped CPU record drifts when re-run on another CPU kernel set, next to seed noise.

Re-trains one stored record (``training_data.reproduce``) and prints its stored and re-run score,
both kernel sets (``extra.cpu_kernels``; "unrecorded" for records from before it was stored) and
the scores of every seed of the same architecture, with the smallest gap between two of them.
The default is the ECG record that ``tests/training_data/test_reproduce.py`` pins (about 20 s).

    NB360_DATA_ROOT=../shared/data python benchmarks/bench_kernel_drift.py
        [--task ecg] [--protocol ecg-cpu-v1] [--arch-hash 11c2bd39415c...] [--seed 1]
"""
from __future__ import annotations

import argparse
import itertools

from training_data.records.loading import DEFAULT_STORE
from training_data.records.store import RecordStore
from training_data.reproduce import reproduce


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="ecg")
    parser.add_argument("--protocol", default="ecg-cpu-v1")
    parser.add_argument("--arch-hash", default="11c2bd39415c30afe250d50536eae2b4")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    seeds = [r for r in RecordStore(DEFAULT_STORE).records(args.task, args.protocol)
             if r.arch_hash == args.arch_hash and r.status == "ok"]
    chosen = [r for r in seeds if r.seed == args.seed]
    if not chosen:
        raise SystemExit(f"no ok record of {args.task}/{args.protocol} with arch_hash "
                         f"{args.arch_hash!r} and seed {args.seed}")
    [result] = reproduce(chosen[:1])
    print(result.describe())
    scores = sorted(r.score for r in seeds)
    gaps = [b - a for a, b in itertools.pairwise(scores)]
    print(f"seeds of this architecture: {', '.join(f'{s:.4f}' for s in scores)}"
          + (f"; closest two {min(gaps):.4f} apart" if gaps else ""))


if __name__ == "__main__":
    main()
