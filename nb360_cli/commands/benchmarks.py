"""``nb360 benchmarks``: list the fitted benchmarks with their held-out metrics."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("benchmarks", help="list the benchmarks (space, task, protocol, model) "
                                               "with their held-out metrics")
    parser.add_argument("--root", default=None, help="artifact root (default: shipped)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from surrogates.benchmark.ship_table import table
    from surrogates.benchmark.store import artifact_root, list_benchmarks

    if not list_benchmarks(args.root):
        print(f"no benchmarks under {artifact_root(args.root)}")
        return 1
    print(table(args.root))
    return 0
