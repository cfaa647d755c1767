"""``nb360 data``: look at the ground-truth records."""
from __future__ import annotations

import argparse

import pandas as pd


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("data", help="inspect ground-truth records")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    summary = actions.add_parser(
        "summary", help="per task and protocol: records, archs, seeds, failures, scores, noise"
    )
    summary.add_argument("--task", default=None, help="only this task")
    summary.add_argument("--protocol", default=None, help="only this protocol")
    summary.add_argument("--space", default=None, help="only this search space")
    summary.add_argument(
        "--records", default=None, help="record store folder (default: the shipped records)"
    )
    summary.set_defaults(run=run_summary)


def run_summary(args: argparse.Namespace) -> int:
    from training_data import load_records
    from training_data.summary import summarise

    records = load_records(task=args.task, protocol=args.protocol, space=args.space, root=args.records)
    table = summarise(records)
    with pd.option_context("display.width", 200, "display.max_columns", None):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    return 0
