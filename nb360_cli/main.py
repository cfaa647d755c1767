"""The ``nb360`` command line: one thin layer over the four packages."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from nb360_cli import __version__
from nb360_cli.commands import benchmarks as benchmarks_command
from nb360_cli.commands import collect as collect_command
from nb360_cli.commands import data as data_command
from nb360_cli.commands import demo as demo_command
from nb360_cli.commands import evaluate as evaluate_command
from nb360_cli.commands import fit as fit_command
from nb360_cli.commands import query as query_command
from nb360_cli.commands import simulate as simulate_command
from nb360_cli.commands import train as train_command

COMMANDS = (
    demo_command, data_command, train_command, collect_command, fit_command, evaluate_command,
    query_command, simulate_command, benchmarks_command,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nb360",
        description="NB360-S: surrogate NAS benchmark over the ten NAS-Bench-360 tasks.",
    )
    parser.add_argument("--version", action="version", version=f"nb360 {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nb360`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (ValueError, FileNotFoundError, KeyError) as error:
        print(f"nb360 {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
