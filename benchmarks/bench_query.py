"""Speed of the shipped benchmarks: load, batched query with uncertainty, single query.

For each task: ``Benchmark.load`` from the shipped artifacts (in-process, after the first load
has imported the libraries; the first, cold load is printed too), ``query`` of 10,000 random
architectures with uncertainty (a fresh benchmark each run, so no cached predictions; the
second query of the same archs is the cached figure) and a single-architecture query. Medians
of ``--repeats`` runs. ``--threads`` sets torch's threads for everything else; GIN inference
itself runs on one thread (``surrogates.estimators.gin.INFERENCE_THREADS``: on this shared 2-core
machine 2 threads took 18 s per 10,000 archs against 0.5 s on 1) and XGBoost predicts on one.
Query times are wall clock with this process's CPU time beside them (on a shared machine the
CPU time is the steadier figure). ``import surrogates`` and a first ``Benchmark.load`` are
timed in fresh processes (medians of ``--repeats``).

    .venv/bin/python benchmarks/bench_query.py [--tasks ninapro darcyflow] [--space nb201]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
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


def fresh_process_seconds(code: str, repeats: int) -> float:
    """Median of the seconds that ``code`` prints when run in a fresh interpreter."""
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            for _ in range(repeats)]
    return statistics.median(float(r.stdout.split()[-1]) for r in runs)


def cold_figures(task: str, space: str, root: str | None, repeats: int) -> str:
    """``import surrogates`` and import + first ``Benchmark.load`` in fresh processes."""
    clock = "import time; t = time.perf_counter(); "
    imports = fresh_process_seconds(clock + "import surrogates; print(time.perf_counter() - t)",
                                    repeats)
    load = fresh_process_seconds(
        clock + f"from surrogates import Benchmark; Benchmark.load({task!r}, space={space!r}, "
        f"root={root!r}); print(time.perf_counter() - t)", repeats)
    return (f"fresh process: import surrogates {imports:.2f} s; import + first "
            f"Benchmark.load({task!r}) {load:.2f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["ninapro", "darcyflow"])
    parser.add_argument("--space", default="nb201")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--root", default=None, help="artifact root (default: the shipped one)")
    args = parser.parse_args(argv)
    print(cold_figures(args.tasks[0], args.space, args.root, args.repeats))
    import torch

    import graph_encodings
    from surrogates import Benchmark

    torch.set_num_threads(args.threads)
    space = graph_encodings.get_space(args.space)
    for task in args.tasks:
        start = time.perf_counter()
        Benchmark.load(task, space=args.space, root=args.root)
        cold = time.perf_counter() - start
        load = median_seconds(lambda t=task: Benchmark.load(t, space=args.space, root=args.root), args.repeats)
        rng = np.random.default_rng(0)
        batches = [space.sample_many(args.n, rng=rng) for _ in range(args.repeats)]
        fresh, fresh_cpu = [], []
        for archs in batches:
            bench = Benchmark.load(task, space=args.space, root=args.root)
            t0, c0 = time.perf_counter(), time.process_time()
            bench.query(archs)
            fresh.append(time.perf_counter() - t0)
            fresh_cpu.append(time.process_time() - c0)
        first_query = fresh[0]  # includes importing XGBoost (boosters load on first use)
        fresh, fresh_cpu = fresh[1:] or fresh, fresh_cpu[1:] or fresh_cpu
        cached = median_seconds(lambda b=bench, a=batches[-1]: b.query(a), args.repeats)
        singles = [space.sample(rng) for _ in range(50)]
        bench = Benchmark.load(task, space=args.space, root=args.root)
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
              f"[medians of {args.repeats} / 50 runs, {args.threads} threads, "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores]")


if __name__ == "__main__":
    main()
