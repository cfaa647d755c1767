"""``nb360 demo``: the shipped benchmarks (what ``make demo`` runs), on one screen.

Loads the shipped NB201 benchmarks of NinaPro, Darcy Flow and CIFAR-100, prints the held-out
evaluation recorded in their manifests next to the Kendall tau recomputed now from the loaded
artifacts on the same held-out records (the table is real), and queries a few cells with
uncertainty, cost and latency; then queries the DARTS-space benchmarks fitted on this project's
own records (:mod:`~nb360_cli.commands.demo_darts`) and simulates a short NAS comparison.
"""
from __future__ import annotations

import argparse
import time

from nb360_cli.commands.demo_darts import show_darts
from nb360_cli.commands.demo_simulation import simulated_comparison

DEMO_TASKS = ("ninapro", "darcyflow", "cifar100")
SPACE = "nb201"
# A few NB201 cells, by name: all 3x3 convs, a ResNet-like cell, all skips, all pooling, empty.
DEMO_ARCHS = {
    "all 3x3 convs":
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "ResNet-like": "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|",
    "all skips":
        "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|",
    "all avg pools":
        "|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|",
    "empty (all none)": "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
}
DEMO_LATENCY = "lat_ms_median_pi5_litert"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("demo", help="query the shipped benchmarks, simulate a NAS comparison")
    parser.add_argument("--threads", type=int, default=1, help="BLAS / OpenMP threads")
    parser.set_defaults(run=run)


def _recompute(bench) -> tuple[float, int]:
    """Kendall tau of the loaded benchmark on the held-out records of its manifest."""
    from surrogates.benchmark.records import held_out_rows, load_training_set
    from surrogates.metrics import kendall_tau

    data = load_training_set(bench.task, SPACE, bench.protocol)
    test = held_out_rows(data, bench.manifest["evaluation"])
    mean = bench.query([data.archs[i] for i in test]).mean
    return kendall_tau(data.scores[test], mean), len(test)


def _evaluation(benches: dict) -> None:
    print("NB201 space, NB360's tables (every cell trained 200 epochs); surrogates fitted on 90 % "
          "of the archs,\nscored on the other 10 % (recomputed now from the loaded artifacts)")
    print(f"  {'task':10s} {'load s':>6s} {'records':>7s} {'Kendall tau':>11s} {'recomputed now':>17s} "
          f"{'R2':>6s} {'90% coverage':>12s}")
    for task, (bench, seconds) in benches.items():
        start = time.perf_counter()
        tau, n = _recompute(bench)
        metrics = bench.manifest["evaluation"]["metrics"]
        recomputed = f"{tau:.4f} ({time.perf_counter() - start:.1f} s)"
        print(f"  {task:10s} {seconds:6.2f} {bench.manifest['training_data']['n_records']:7d} "
              f"{metrics['kendall_tau']:11.4f} {recomputed:>17s} {metrics['r2']:6.3f} "
              f"{metrics['coverage90']:12.3f}")


def _queries(benches: dict) -> None:
    archs = list(DEMO_ARCHS.values())
    first = next(iter(benches))
    results = {task: bench.query(archs, with_noise=True, seed=0) for task, (bench, _) in benches.items()}
    bench = benches[first][0]
    cost, latency = bench.cost(archs), bench.hardware(archs, DEMO_LATENCY)
    print(f"Queries: predicted error mean +- std; on {first} also a seeded noisy run, size, "
          f"nominal cost, Pi 5 latency")
    print(f"  {'cell':16s}" + "".join(f" {task:>17s}" for task in benches)
          + f" {'noisy':>7s} {'params':>8s} {'MFLOPs':>7s} {'cost s':>6s} {'Pi5 ms':>6s}")
    for i, name in enumerate(DEMO_ARCHS):
        cells = "".join(f" {f'{r.mean[i]:.4g} +- {r.std[i]:.2g}':>17s}" for r in results.values())
        r = results[first]
        print(f"  {name:16s}{cells} {r.sample[i]:7.4g} {r.params[i]:8d} {r.flops[i] / 1e6:7.1f} "
              f"{cost[i]:6.0f} {latency[i]:6.2f}")
    print("  (the cells' NB201 strings: DEMO_ARCHS in nb360_cli/commands/demo.py; Pi5 ms: "
          "HW-NAS-Bench-360, LiteRT)")


def run(args: argparse.Namespace) -> int:
    from threadpoolctl import threadpool_limits

    from surrogates import Benchmark

    with threadpool_limits(args.threads):
        print("NB360-S demo: surrogate benchmarks shipped with the package. Scores are NB360 errors "
              "(lower is better):\nNinaPro and CIFAR-100 0-1 error %, Darcy Flow relative L2.\n")
        benches = {}
        for task in DEMO_TASKS:
            start = time.perf_counter()
            bench = Benchmark.load(task, space=SPACE)
            benches[task] = (bench, time.perf_counter() - start)
        _evaluation(benches)
        print()
        _queries(benches)
        print()
        if show_darts():
            print()
        plot = simulated_comparison(benches["ninapro"][0])
        print(f"Anytime plot written to {plot}")
    return 0
