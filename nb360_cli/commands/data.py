"""``nb360 data``: look at the ground-truth records; pack task data for another machine."""
from __future__ import annotations

import argparse

import pandas as pd

from nb360_cli.commands._options import SHIPPED_STORE_HELP, add_folder_option, seed_arg

DEFAULT_LIMIT_MIB = 40.0
DEFAULT_PART_MIB = 24.0  # training_data.tasks.pack_parts.DEFAULT_PART_BYTES (a test ties them)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("data", help="inspect ground-truth records, pack task data")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    summary = actions.add_parser(
        "summary", help="per task and protocol: records, archs, seeds, failures, scores, noise"
    )
    summary.add_argument("--task", default=None, help="only this task")
    summary.add_argument("--protocol", default=None, help="only this protocol")
    summary.add_argument("--space", default=None, help="only this search space")
    add_folder_option(summary, "--store", SHIPPED_STORE_HELP, old=("--records",))
    summary.add_argument(
        "--by-sampler", action="store_true", help="a row per sampler (random, each optimizer) too"
    )
    summary.set_defaults(run=run_summary)
    merge = actions.add_parser("merge", help="merge record stores from several machines into one")
    merge.add_argument("sources", nargs="+",
                       help="record store folders (or record files) to merge in")
    add_folder_option(merge, "--store", "the record store folder to merge into (required)",
                      old=("--into",))
    merge.set_defaults(run=run_merge)
    freeze = actions.add_parser(
        "freeze", help="move live records into the compressed frozen files (no collection running)"
    )
    add_folder_option(freeze, "--store", SHIPPED_STORE_HELP, old=("--records",))
    freeze.add_argument("--task", default=None, help="only this task")
    freeze.add_argument("--protocol", default=None, help="only this protocol")
    freeze.set_defaults(run=run_freeze)
    pack = actions.add_parser(
        "pack", help="write a compact data pack (a data root) to carry to another machine"
    )
    pack.add_argument("--out", required=True, help="the new (or empty) pack folder")
    pack.add_argument(
        "--tasks", nargs="+", default=None, metavar="TASK",
        help="tasks to pack (default: satellite, darcyflow, the default GPU lease's; ecg, "
             "ninapro and psicov on request: ECG's full records fill a lease of their own)",
    )
    pack.add_argument(
        "--data-root", default=None, help="read the data from here (default: $NB360_DATA_ROOT)"
    )
    pack.add_argument(
        "--limit-mib", type=float, default=DEFAULT_LIMIT_MIB,
        help=f"fail when the pack is larger than this (default: {DEFAULT_LIMIT_MIB:g} MiB)",
    )
    pack.set_defaults(run=run_pack)
    verify = actions.add_parser(
        "verify-pack", help="check a data pack's files against its manifest (sizes, SHA-256)"
    )
    verify.add_argument("folder", help="the pack folder")
    verify.add_argument(
        "--tasks", nargs="+", default=(), metavar="TASK",
        help="fail unless the pack holds these tasks (those the job will load from it)",
    )
    verify.set_defaults(run=run_verify_pack)
    split = actions.add_parser(
        "split-pack", help="cut a data pack into parts that reach a lent machine in separate calls"
    )
    split.add_argument("folder", help="the pack folder (verified first)")
    split.add_argument(
        "--max-mib", type=float, default=DEFAULT_PART_MIB,
        help=f"largest part (default: {DEFAULT_PART_MIB:g} MiB); parts go to FOLDER.part<k>-of-<n>",
    )
    split.set_defaults(run=run_split_pack)
    join = actions.add_parser(
        "join-pack", help="rebuild a data pack from its parts (split-pack) and verify it"
    )
    join.add_argument("parts", nargs="+", help="the part folders")
    join.add_argument("--out", required=True, help="the pack folder to write (replaced)")
    join.add_argument(
        "--allow-incomplete", action="store_true",
        help="with parts still missing, say which and exit 0 instead of failing",
    )
    join.set_defaults(run=run_join_pack)
    reproduce = actions.add_parser(
        "reproduce", help="re-train stored records; check they come out bit for bit the same"
    )
    reproduce.add_argument("--task", required=True, help="the records' task")
    reproduce.add_argument("--protocol", required=True, help="the records' protocol (trained here)")
    reproduce.add_argument("--n", type=int, default=1, help="how many records (default: 1)")
    reproduce.add_argument("--seed", type=seed_arg, default=0, help="which records: the draw's seed")
    reproduce.add_argument(
        "--op", action="append", default=[], metavar="OP",
        help="only architectures with this op (repeatable), e.g. max_pool_3x3",
    )
    add_folder_option(reproduce, "--store", SHIPPED_STORE_HELP, old=("--records",))
    reproduce.add_argument(
        "--data-root", default=None, help="task data folder (default: $NB360_DATA_ROOT)"
    )
    reproduce.set_defaults(run=run_reproduce)


def run_summary(args: argparse.Namespace) -> int:
    from training_data import load_records
    from training_data.summary import summarise

    records = load_records(task=args.task, protocol=args.protocol, space=args.space, store=args.store)
    table = summarise(records, by_sampler=args.by_sampler)
    with pd.option_context("display.width", 200, "display.max_columns", None):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    return 0


def run_merge(args: argparse.Namespace) -> int:
    from training_data.records.store import RecordStore

    if args.store is None:  # not required= : its deprecated spelling --into may give it
        raise ValueError("--store is required: the record store folder to merge into")
    added = RecordStore(args.store).merge(args.sources)
    print(f"merged {added} new records into {args.store}")
    return 0


def run_freeze(args: argparse.Namespace) -> int:
    from training_data.records.loading import store_folder
    from training_data.records.store import RecordStore

    store = RecordStore(store_folder(args.store))  # FileNotFoundError naming a missing folder
    moved = store.freeze(task=args.task, protocol=args.protocol)
    if not moved:
        print(f"nothing to freeze in {store.folder} (task {args.task or 'any'}, protocol "
              f"{args.protocol or 'any'}; groups there: {store.groups() or 'none'})")
    for (task, protocol), count in moved.items():
        size = store.frozen_for(task, protocol).path.stat().st_size
        print(f"{task}/{protocol}: {count} records moved into the frozen file ({size / 2**20:.2f} MiB)")
    return 0


def run_pack(args: argparse.Namespace) -> int:
    import time

    from training_data.tasks.pack import PACK_TASKS, describe, pack_bytes, write_pack

    if not args.limit_mib > 0:
        raise ValueError(f"--limit-mib must be positive, got {args.limit_mib}")
    start = time.perf_counter()
    manifest = write_pack(args.out, tasks=args.tasks or PACK_TASKS, data_root=args.data_root)
    seconds = time.perf_counter() - start
    print("\n".join(describe(args.out, manifest)))
    total_mib = pack_bytes(args.out, manifest) / 2**20
    if total_mib > args.limit_mib:
        raise ValueError(
            f"the pack in {args.out} is {total_mib:.2f} MiB, over --limit-mib {args.limit_mib:g}: "
            "too large to carry; pack fewer tasks (--tasks) or raise the limit"
        )
    print(f"pack of {', '.join(manifest.tasks)} written to {args.out} in {seconds:.1f} s "
          f"(use it with NB360_DATA_ROOT={args.out})")
    return 0


def run_verify_pack(args: argparse.Namespace) -> int:
    from training_data.tasks.pack import describe, verify_pack

    manifest = verify_pack(args.folder, tasks=args.tasks)
    print("\n".join(describe(args.folder, manifest)))
    print(f"pack {args.folder}: every file matches its manifest")
    return 0


def run_split_pack(args: argparse.Namespace) -> int:
    from training_data.tasks.pack_parts import part_bytes, split_pack

    if not args.max_mib > 0:
        raise ValueError(f"--max-mib must be positive, got {args.max_mib}")
    folders = split_pack(args.folder, args.folder, max_part_bytes=int(args.max_mib * 2**20))
    for folder in folders:
        print(f"{part_bytes(folder) / 2**20:9.3f} MiB  {folder}")
    print(f"{len(folders)} part(s): carry one per call, each with `scripts/collect_gpu.sh stage PART`")
    return 0


def run_join_pack(args: argparse.Namespace) -> int:
    from training_data.tasks.pack import describe
    from training_data.tasks.pack_parts import join_pack, missing_parts

    lacking = missing_parts(args.parts)
    if lacking and args.allow_incomplete:
        print(f"{len(args.parts)} part(s) staged; waiting for part(s) {lacking}")
        return 0
    manifest = join_pack(args.parts, args.out)
    print("\n".join(describe(args.out, manifest)))
    print(f"pack {args.out} joined from {len(args.parts)} part(s); every file matches its manifest")
    return 0


def run_reproduce(args: argparse.Namespace) -> int:
    """Exit 0 when every re-trained record is identical, 1 when any differs."""
    from training_data.records.loading import store_folder
    from training_data.records.store import RecordStore
    from training_data.reproduce import pick_records, reproduce

    folder = store_folder(args.store)
    records = RecordStore(folder).records(task=args.task, protocol=args.protocol)
    if not records:
        raise ValueError(f"no records of task {args.task!r} and protocol {args.protocol!r} in {folder}")
    chosen = pick_records(records, args.n, seed=args.seed, ops=args.op)
    results = reproduce(chosen, data_root=args.data_root)
    for result in results:
        print(result.describe())
    different = sum(not r.identical for r in results)
    print(f"{len(results) - different} of {len(results)} records reproduced bit for bit")
    return 1 if different else 0
