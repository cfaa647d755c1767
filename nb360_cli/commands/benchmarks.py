"""``nb360 benchmarks``: list the fitted benchmarks with their held-out metrics."""
from __future__ import annotations

import argparse

from nb360_cli.commands._options import SHIPPED_ARTIFACTS_HELP, add_folder_option


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("benchmarks", help="list the benchmarks (space, task, protocol, model) "
                                               "with their held-out metrics")
    add_folder_option(parser, "--artifacts", SHIPPED_ARTIFACTS_HELP, old=("--root",))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from surrogates.benchmark.artifact_folders import artifacts_folder, list_benchmarks
    from surrogates.benchmark.ship_table import table

    if not list_benchmarks(args.artifacts):
        print(f"no benchmarks under {artifacts_folder(args.artifacts)}")
        return 1
    print(table(args.artifacts))
    return 0
