"""Timings of simulated NAS runs: one 100-evaluation regularised-evolution run, and a sweep.

Run: ``.venv/bin/python benchmarks/bench_simulation.py [--space nb201|darts] [--tasks T ...]
[--n-jobs 2] [--plot anytime.png]``. Prints the median of 5 single-run timings, then the wall
time and the final noise-free incumbent (mean +- standard error over seeds) of 20 seeds x 4
optimizers. Without ``--tasks`` the benchmark is the analytic toy one
(:func:`nas_optimizers.simulation.toy_benchmark`); with ``--tasks ninapro darcyflow`` it is each
task's shipped surrogate benchmark (``surrogates.Benchmark.load``).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmark this checkout's code

from nas_optimizers import plot_anytime, simulate  # noqa: E402
from nas_optimizers.simulation import BenchmarkLike, toy_benchmark  # noqa: E402

OPTIMIZERS = ("random_search", "regularized_evolution", "local_search", "bananas")
# RE's defaults (population 100) make a 100-evaluation run pure random search; scale it down.
HYPER_PARAMETERS = {"regularized_evolution": {"population_size": 20, "sample_size": 5}}


def make_benchmark(space: str, task: str | None = None) -> BenchmarkLike:
    """The benchmark to time: the shipped surrogate of ``task``, or the toy one of ``space``."""
    if task is None:
        return toy_benchmark(space, noise_std=0.5)
    from surrogates import Benchmark

    return Benchmark.load(task, space=space)


def time_single_run(benchmark: BenchmarkLike, repeats: int = 5) -> float:
    """Median seconds of a 100-evaluation regularised-evolution run (1 worker, seed 0)."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        simulate("regularized_evolution", benchmark, 100, seeds=[0])
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def sweep(benchmark: BenchmarkLike, seeds: int, workers: int, n_jobs: int) -> pd.DataFrame:
    """Every optimizer in :data:`OPTIMIZERS` over ``seeds`` seeds, 100 evaluations each."""
    frames = []
    for name in OPTIMIZERS:
        start = time.perf_counter()
        frame = simulate(name, benchmark, 100, workers=workers, seeds=range(seeds), n_jobs=n_jobs,
                         optimizer_kwargs=HYPER_PARAMETERS.get(name))
        final = frame.groupby("seed").incumbent_true.last()
        print(f"  {name:<22} {time.perf_counter() - start:6.2f} s   final incumbent_true "
              f"{final.mean():.3f} +- {final.sem():.3f}")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", default="nb201", choices=("nb201", "darts"))
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--tasks", nargs="*", default=None,
                        help="time the shipped surrogate benchmarks of these tasks")
    parser.add_argument("--plot", default=None, help="write the anytime plot to this .png")
    args = parser.parse_args()
    torch.set_num_threads(1)
    overall = time.perf_counter()
    frames = []
    for task in args.tasks or [None]:
        benchmark = make_benchmark(args.space, task)
        simulate("regularized_evolution", benchmark, 10)  # warm-up: imports, caches
        print(f"{benchmark!r}")
        print(f"100-evaluation RE run, median of 5: {time_single_run(benchmark) * 1000:.1f} ms")
        print(f"{args.seeds} seeds x {len(OPTIMIZERS)} optimizers, 100 evaluations, "
              f"{args.workers} simulated workers, n_jobs={args.n_jobs}:")
        start = time.perf_counter()
        frame = sweep(benchmark, args.seeds, args.workers, args.n_jobs)
        frame["task"] = task or f"toy {args.space}"
        frames.append(frame)
        print(f"  total {time.perf_counter() - start:.2f} s")
    print(f"all benchmarks: {time.perf_counter() - overall:.2f} s")
    if args.plot:
        print(f"plot: {plot_anytime(pd.concat(frames, ignore_index=True), args.plot)}")


if __name__ == "__main__":
    main()
