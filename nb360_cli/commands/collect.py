"""``nb360 collect``: run a ground-truth collection campaign (resumable)."""
from __future__ import annotations

import argparse
import sys

from nb360_cli.commands._options import (
    SHIPPED_STORE_HELP,
    add_folder_option,
    parse_options,
    seed_arg,
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "collect", help="train proposed architectures and append their records (resumable)"
    )
    parser.add_argument("--task", required=True)
    parser.add_argument("--protocol", required=True)
    parser.add_argument("--n", type=int, required=True, help="architectures to propose in total")
    parser.add_argument(
        "--sampler",
        default="random",
        help="'random' or a nas_optimizers name (e.g. regularized_evolution) driven by real training",
    )
    parser.add_argument(
        "--sampler-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="hyper-parameter of an optimizer sampler, e.g. population_size=20 (repeatable)",
    )
    parser.add_argument("--space", default="darts")
    parser.add_argument("--executor", default="local", choices=["local", "ray", "slurm"])
    parser.add_argument("--workers", type=int, default=1, help="evaluations in flight at once")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per evaluation")
    parser.add_argument("--seed", type=seed_arg, default=0, help="seed of the sampler")
    parser.add_argument("--repeat-fraction", type=float, default=0.0,
                        help="fraction of architectures also trained with more seeds")
    parser.add_argument("--repeat-seeds", type=int, default=3)
    parser.add_argument("--shard", default=None, help="i/k: this machine's share of a random campaign")
    add_folder_option(parser, "--store", SHIPPED_STORE_HELP)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--slurm-folder", default="slurm_logs", help="submitit log folder (slurm)")
    parser.add_argument("--gpus-per-job", type=float, default=0.0, help="fractional GPUs (ray)")
    parser.add_argument("--time-budget-s", type=float, default=None,
                        help="start no evaluation expected to end after this many seconds; "
                             "finish those in flight and stop (re-run to continue)")
    parser.add_argument("--expect-run-s", type=float, default=0.0,
                        help="with --time-budget-s: the seconds one evaluation is expected to take "
                             "until the first one returns (default 0: the first wave always starts)")
    parser.add_argument("--feedback-lag", type=int, default=None,
                        help="proposal k is asked once the results of proposals 0..k-LAG are told to "
                             "the sampler, in order (default: 2 x --workers; resume with the same lag "
                             "to continue an optimizer's trajectory)")
    parser.add_argument("--no-progress", action="store_true")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from training_data.collection import CollectionEnvironmentError, collect
    from training_data.records import DEFAULT_STORE

    sampler: object = args.sampler
    if args.sampler != "random":
        from nas_optimizers import create

        sampler = create(args.sampler, args.space, seed=args.seed, **parse_options(args.sampler_option))
    elif args.sampler_option:
        raise ValueError("--sampler-option is only valid with an optimizer --sampler, not 'random'")
    options: dict[str, object] = {}
    if args.executor == "slurm":
        options["folder"] = args.slurm_folder
    elif args.executor == "ray":
        options["gpus_per_job"] = args.gpus_per_job
    try:
        summary = collect(
            args.task,
            args.protocol,
            args.n,
            DEFAULT_STORE if args.store is None else args.store,
            space=args.space,
            sampler=sampler,
            executor=args.executor,
            workers=args.workers,
            seed=args.seed,
            repeat_fraction=args.repeat_fraction,
            repeat_seeds=args.repeat_seeds,
            device=args.device,
            data_root=args.data_root,
            n_threads=args.threads,
            shard=args.shard,
            progress=not args.no_progress,
            executor_options=options,
            time_budget_s=args.time_budget_s,
            expected_run_s=args.expect_run_s,
            feedback_lag=args.feedback_lag,
        )
    except CollectionEnvironmentError as error:
        print(f"nb360 collect: error: {error}", file=sys.stderr)
        return 2
    print(summary)
    return 0
