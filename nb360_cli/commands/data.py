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
    merge = actions.add_parser("merge", help="merge record stores from several machines into one")
    merge.add_argument("sources", nargs="+", help="record store folders to merge in")
    merge.add_argument("--into", required=True, help="the record store folder to merge into")
    merge.set_defaults(run=run_merge)


def run_summary(args: argparse.Namespace) -> int:
    from training_data import load_records
    from training_data.summary import summarise

    records = load_records(task=args.task, protocol=args.protocol, space=args.space, root=args.records)
    table = summarise(records)
    with pd.option_context("display.width", 200, "display.max_columns", None):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    return 0


def run_merge(args: argparse.Namespace) -> int:
    from training_data.records.store import RecordStore

    added = RecordStore(args.into).merge(args.sources)
    print(f"merged {added} new records into {args.into}")
    return 0
