"""Speed of the shipped benchmarks: load, batched query with uncertainty, single query.

For each task: ``Benchmark.load`` from the shipped artifacts (in-process, after the first load
has imported the libraries; the first, cold load is printed too), ``query`` of 10,000 random
architectures with uncertainty (a fresh benchmark each run, so no cached predictions; the
second query of the same archs is the cached figure) and a single-architecture query. Medians
of ``--repeats`` runs. ``--threads`` sets torch's threads for everything else; GIN inference
itself runs on one thread (``surrogates.estimators.gin.INFERENCE_THREADS``: on this shared 2-core
machine 2 threads took 18 s per 10,000 archs against 0.5 s on 1) and XGBoost predicts on one.

    .venv/bin/python benchmarks/bench_query.py [--tasks ninapro darcyflow] [--space nb201]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np  # noqa: E402


def median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["ninapro", "darcyflow"])
    parser.add_argument("--space", default="nb201")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--root", default=None, help="artifact root (default: the shipped one)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    import torch

    import graph_encodings
    from surrogates import Benchmark

    torch.set_num_threads(args.threads)
    print(f"imports (torch, surrogates): {time.perf_counter() - start:.2f} s")
    space = graph_encodings.get_space(args.space)
    for task in args.tasks:
        start = time.perf_counter()
        Benchmark.load(task, space=args.space, root=args.root)
        cold = time.perf_counter() - start
        load = median_seconds(lambda t=task: Benchmark.load(t, space=args.space, root=args.root), args.repeats)
        rng = np.random.default_rng(0)
        batches = [space.sample_many(args.n, rng=rng) for _ in range(args.repeats)]
        fresh = []
        for archs in batches:
            bench = Benchmark.load(task, space=args.space, root=args.root)
            t0 = time.perf_counter()
            bench.query(archs)
            fresh.append(time.perf_counter() - t0)
        first_query = fresh[0]  # includes importing XGBoost (boosters load on first use)
        fresh = fresh[1:] or fresh
        cached = median_seconds(lambda b=bench, a=batches[-1]: b.query(a), args.repeats)
        singles = [space.sample(rng) for _ in range(50)]
        bench = Benchmark.load(task, space=args.space, root=args.root)
        t_single = []
        for arch in singles:
            t0 = time.perf_counter()
            bench.query([arch], with_noise=True, seed=0)
            t_single.append(time.perf_counter() - t0)
        print(f"{task}/{args.space}: load {load * 1e3:.0f} ms (first {cold * 1e3:.0f} ms); "
              f"query {args.n} archs {statistics.median(fresh):.3f} s (first {first_query:.2f} s, "
              f"cached {cached:.3f} s); "
              f"single query {statistics.median(t_single) * 1e3:.2f} ms  "
              f"[medians of {args.repeats} / 50 runs, {args.threads} threads, "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores]")


if __name__ == "__main__":
    main()
