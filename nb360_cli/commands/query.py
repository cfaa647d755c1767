"""``nb360 query``: predict the scores of architectures with a shipped benchmark."""
from __future__ import annotations

import argparse

from nb360_cli.commands._options import (
    SHIPPED_ARTIFACTS_HELP,
    add_folder_option,
    arch_arg,
    seed_arg,
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("query", help="predict scores of architectures with a benchmark")
    parser.add_argument("archs", nargs="+", metavar="ARCH", type=arch_arg,
                        help="architectures: text (Genotype(...) / |op~0|+...) or NB201 indices")
    parser.add_argument("--task", required=True)
    parser.add_argument("--space", default=None,
                        help="search space, darts or nb201 (default: the only one with a benchmark "
                             "for the task)")
    parser.add_argument("--protocol", default=None)
    parser.add_argument("--model", default="ensemble")
    add_folder_option(parser, "--artifacts", SHIPPED_ARTIFACTS_HELP, old=("--root",))
    parser.add_argument("--noise", action="store_true", help="also draw one noisy sample each")
    parser.add_argument("--seed", type=seed_arg, default=None, help="seed of the noisy samples")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from graph_encodings import resolve_archs
    from surrogates.benchmark import Benchmark

    bench = Benchmark.load(args.task, args.space, args.protocol, args.model, args.artifacts)
    archs = resolve_archs(args.archs, bench.space)[1]
    result = bench.query(archs, with_noise=args.noise, seed=args.seed)
    table = pd.DataFrame({"arch": [str(a) for a in archs], "mean": result.mean,
                          "std": result.std})
    if result.sample is not None:
        table["sample"] = result.sample
    table["cost_s"] = bench.cost(archs)
    if result.params is not None:
        table["params"] = result.params
        table["flops"] = result.flops
    print(f"{bench!r} (score = NB360 error, lower is better)")
    with pd.option_context("display.width", 250, "display.max_colwidth", 120):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    return 0
