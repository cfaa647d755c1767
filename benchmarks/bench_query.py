"""Speed of the shipped benchmarks: cold start, load, batched query with uncertainty, single query.

Cold start, in fresh processes (medians of ``--repeats``): ``import surrogates``; import + first
``Benchmark.load``; import + load + one query of 10 architectures (the first query a user sees;
the goal is under 1.5 s), with the heavy libraries that process imported (none: GIN members
answer in numpy, XGBoost members from their trees read without XGBoost).

Then for each task: ``Benchmark.load`` from the shipped artifacts (in-process; the first load is
printed too), ``query`` of 10,000 random architectures with uncertainty (a fresh benchmark each
run, so no cached predictions; the second query of the same archs is the cached figure) and a
single-architecture query. Medians of ``--repeats`` runs. GIN inference runs on one BLAS thread
(``surrogates.estimators.gin_numpy.INFERENCE_THREADS``) and XGBoost predicts on one. Query times
are wall clock with this process's CPU time beside them (on a shared machine the CPU time is the
steadier figure).

    .venv/bin/python benchmarks/bench_query.py [--tasks ninapro darcyflow] [--space nb201]
    .venv/bin/python benchmarks/bench_query.py --cold-only   # the cold-start lines only
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np

HEAVY = ("torch", "xgboost", "lightgbm", "scipy", "pandas", "sklearn")


def median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fresh_process_runs(code: str, repeats: int) -> tuple[float, str]:
    """Median of the seconds that ``code`` prints last when run in fresh interpreters, and the
    line it prints before them in the last run."""
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            for _ in range(repeats)]
    lines = runs[-1].stdout.strip().split("\n")
    return statistics.median(float(r.stdout.split()[-1]) for r in runs), " ".join(lines[:-1])


def cold_figures(task: str, space: str, artifacts: str | None, repeats: int) -> str:
    """``import surrogates``, import + first ``Benchmark.load`` and import + load + a query of
    10 architectures, each in fresh processes, with the heavy libraries the last one imported."""
    clock = "import sys, time; t = time.perf_counter(); "
    load = (f"from surrogates import Benchmark; b = Benchmark.load({task!r}, space={space!r}, "
            f"artifacts={artifacts!r}); ")
    imports, _ = fresh_process_runs(clock + "import surrogates; print(time.perf_counter() - t)",
                                    repeats)
    loaded, _ = fresh_process_runs(clock + load + "print(time.perf_counter() - t)", repeats)
    queried, heavy = fresh_process_runs(
        clock + load + "b.query(b.space.sample_many(10, rng=0)); s = time.perf_counter() - t; "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules)); print(s)", repeats)
    return (f"fresh process: import surrogates {imports:.2f} s; import + first "
            f"Benchmark.load({task!r}) {loaded:.2f} s; import + load + query of 10 archs "
            f"{queried:.2f} s (heavy libraries imported: {heavy}) "
            f"[medians of {repeats}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores]")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["ninapro", "darcyflow"])
    parser.add_argument("--space", default="nb201")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cold-only", action="store_true", help="print the cold-start figures only")
    parser.add_argument("--artifacts", default=None,
                        help="artifacts folder (default: the shipped artifacts)")
    args = parser.parse_args(argv)
    print(cold_figures(args.tasks[0], args.space, args.artifacts, args.repeats), flush=True)
    if args.cold_only:
        return
    import graph_encodings
    from surrogates import Benchmark

    space = graph_encodings.get_space(args.space)
    for task in args.tasks:
        start = time.perf_counter()
        Benchmark.load(task, space=args.space, artifacts=args.artifacts)
        cold = time.perf_counter() - start
        load = median_seconds(lambda t=task: Benchmark.load(t, space=args.space, artifacts=args.artifacts), args.repeats)
        rng = np.random.default_rng(0)
        batches = [space.sample_many(args.n, rng=rng) for _ in range(args.repeats)]
        fresh, fresh_cpu = [], []
        for archs in batches:
            bench = Benchmark.load(task, space=args.space, artifacts=args.artifacts)
            t0, c0 = time.perf_counter(), time.process_time()
            bench.query(archs)
            fresh.append(time.perf_counter() - t0)
            fresh_cpu.append(time.process_time() - c0)
        first_query = fresh[0]  # includes reading the members (on first use) and importing
        # XGBoost (above NUMPY_BATCH rows its boosters answer)
        fresh, fresh_cpu = fresh[1:] or fresh, fresh_cpu[1:] or fresh_cpu
        cached = median_seconds(lambda b=bench, a=batches[-1]: b.query(a), args.repeats)
        singles = [space.sample(rng) for _ in range(50)]
        bench = Benchmark.load(task, space=args.space, artifacts=args.artifacts)
        t_single = []
        for arch in singles:
            t0 = time.perf_counter()
            bench.query([arch], with_noise=True, seed=0)
            t_single.append(time.perf_counter() - t0)
        print(f"{task}/{args.space}: load {load * 1e3:.0f} ms (first {cold * 1e3:.0f} ms); "
              f"query {args.n} archs {statistics.median(fresh):.3f} s "
              f"(cpu {statistics.median(fresh_cpu):.3f} s; first {first_query:.2f} s, "
              f"cached {cached:.3f} s); "
              f"single query {statistics.median(t_single) * 1e3:.2f} ms  "
              f"[medians of {args.repeats} / 50 runs, "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores]")


if __name__ == "__main__":
    main()
