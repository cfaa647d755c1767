"""``nb360 demo``: the shipped benchmarks (what ``make demo`` runs).

Loads the shipped NB201 benchmarks of NinaPro, Darcy Flow and CIFAR-100, queries a few
architectures with uncertainty, prints the held-out evaluation table recorded in the manifests, and recomputes
Kendall tau on those held-out records from the loaded artifacts to show the table is real; then
queries the DARTS-space benchmarks fitted on this project's own records
(:mod:`~nb360_cli.commands.demo_darts`) and simulates a short NAS comparison.
"""
from __future__ import annotations

import argparse
import time

from nb360_cli.commands.demo_darts import show_darts
from nb360_cli.commands.demo_simulation import simulated_comparison

DEMO_TASKS = ("ninapro", "darcyflow", "cifar100")
SPACE = "nb201"
# A few NB201 cells: all 3x3 convs, a ResNet-like cell, all skips, all pooling, an empty cell.
DEMO_ARCHS = (
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|",
    "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|",
    "|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|",
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
)
DEMO_LATENCY = "lat_ms_median_pi5_litert"
TABLE_COLUMNS = ("kendall_tau", "sparse_kendall_tau", "spearman", "r2", "mae", "precision_top1",
                 "precision_top5", "coverage50", "coverage90", "nll")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("demo", help="query the shipped benchmarks, simulate a NAS comparison")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.set_defaults(run=run)


def _short(text: str, width: int = 58) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _query(bench, task: str) -> None:
    result = bench.query(list(DEMO_ARCHS), with_noise=True, seed=0)
    cost = bench.cost(list(DEMO_ARCHS))
    latency = bench.hardware(list(DEMO_ARCHS), DEMO_LATENCY)
    print(f"  {'architecture':58s} {'mean':>9s} {'std':>8s} {'noisy':>9s} {'params':>9s} "
          f"{'MFLOPs':>8s} {'cost s':>7s} {'Pi5 ms':>7s}")
    for i, arch in enumerate(DEMO_ARCHS):
        print(f"  {_short(arch):58s} {result.mean[i]:9.4g} {result.std[i]:8.3g} "
              f"{result.sample[i]:9.4g} {result.params[i]:9d} {result.flops[i] / 1e6:8.1f} "
              f"{cost[i]:7.0f} {latency[i]:7.2f}")
    print("  (mean/std: predicted score; noisy: one seeded simulated training run; cost: nominal "
          "seconds from FLOPs, the tables have no train times; Pi5 ms: measured median latency on "
          "a Raspberry Pi 5 with LiteRT, HW-NAS-Bench-360)")


def _recompute(bench, task: str) -> tuple[float, float, int]:
    """Kendall tau of the loaded benchmark on its held-out records, and the manifest's."""
    from surrogates.benchmark.records import held_out_rows, load_training_set
    from surrogates.metrics import kendall_tau

    data = load_training_set(task, SPACE, bench.protocol)
    evaluation = bench.manifest["evaluation"]
    test = held_out_rows(data, evaluation)
    archs = data.archs
    mean = bench.query([archs[i] for i in test]).mean
    return kendall_tau(data.scores[test], mean), evaluation["metrics"]["kendall_tau"], len(test)


def run(args: argparse.Namespace) -> int:
    import torch

    from surrogates import Benchmark

    torch.set_num_threads(args.threads)
    print("NB360-S demo: the shipped surrogate benchmarks of the NB201 NB360 tables")
    print("(scores are NB360 errors, lower is better: NinaPro and CIFAR-100 0-1 error %, Darcy "
          "relative L2)\n")
    benches = {}
    for task in DEMO_TASKS:
        start = time.perf_counter()
        bench = benches[task] = Benchmark.load(task, space=SPACE)
        print(f"{bench!r}: loaded in {time.perf_counter() - start:.2f} s")
        _query(bench, task)
        print()
    print("Held-out evaluation recorded in the manifests (model fitted on 90 % of the records, "
          "scored on the other 10 %):")
    header = f"  {'task':10s} {'n_fit':>6s} {'n_test':>6s} " + " ".join(f"{c[:11]:>11s}" for c in TABLE_COLUMNS)
    print(header)
    for task, bench in benches.items():
        evaluation = bench.manifest["evaluation"]
        metrics = evaluation["metrics"]
        print(f"  {task:10s} {evaluation['n_fit']:6d} {evaluation['n_test']:6d} "
              + " ".join(f"{metrics[c]:11.4g}" for c in TABLE_COLUMNS))
    print("\nRecomputed now from the loaded artifacts on the same held-out records:")
    for task, bench in benches.items():
        start = time.perf_counter()
        tau, recorded, n = _recompute(bench, task)
        print(f"  {task:10s} kendall_tau={tau:.4f} (manifest {recorded:.4f}) on {n} held-out "
              f"archs, {time.perf_counter() - start:.2f} s")
    print()
    if show_darts():
        print()
    plot = simulated_comparison(benches["ninapro"])
    print(f"Anytime plot written to {plot}")
    return 0
