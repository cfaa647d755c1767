"""``nb360 train``: really train one architecture on a task under a protocol."""
from __future__ import annotations

import argparse
import json

from nb360_cli.commands._options import add_folder_option, arch_arg, seed_arg


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("train", help="train one architecture (ground truth) and print its record")
    parser.add_argument("--task", required=True)
    parser.add_argument("--protocol", required=True)
    parser.add_argument("--arch", required=True, type=arch_arg,
                        help="architecture: text (Genotype(...) / |op~0|+...) or an NB201 index")
    parser.add_argument("--seed", type=seed_arg, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--data-root", default=None, help="data root (default: $NB360_DATA_ROOT)")
    add_folder_option(parser, "--store", "append the record to this record store folder",
                      old=("--out",))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from training_data import RecordStore, evaluate

    record = evaluate(
        args.arch, args.task, args.protocol, seed=args.seed, device=args.device, data_root=args.data_root
    )
    print(json.dumps(record.to_dict(), indent=2, sort_keys=True))
    if args.store:
        RecordStore(args.store).append(record)
    return 0 if record.status == "ok" else 1
