"""``nb360 simulate``: run NAS optimizers against a benchmark on a simulated clock."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from nb360_cli.commands._options import (
    SHIPPED_ARTIFACTS_HELP,
    SHIPPED_STORE_HELP,
    add_folder_option,
    count_arg,
    output_file,
    parse_options,
)

if TYPE_CHECKING:
    from nas_optimizers import RecordReplay
    from surrogates import TabularBenchmark

DEFAULT_OPTIMIZERS = ("random_search", "regularized_evolution", "local_search")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("simulate", help="simulate NAS runs against a surrogate (or the true table)")
    parser.add_argument("--task", required=True)
    parser.add_argument("--space", default=None,
                        help="search space, darts or nb201 (default: the only one with a benchmark "
                             "for the task)")
    parser.add_argument("--protocol", default=None)
    parser.add_argument("--model", default=None, help="the benchmark's surrogate (default: ensemble)")
    add_folder_option(parser, "--artifacts", SHIPPED_ARTIFACTS_HELP)
    parser.add_argument("--table", action="store_true",
                        help="use the true tabular benchmark built from the records instead of the "
                             "surrogate (a table that lacks architectures of its space, e.g. any "
                             "DARTS table, is searched among its recorded architectures)")
    add_folder_option(parser, "--store", f"with --table: {SHIPPED_STORE_HELP}")
    parser.add_argument("--optimizers", nargs="+", default=list(DEFAULT_OPTIMIZERS))
    parser.add_argument("--optimizer-option", action="append", default=[], metavar="KEY=VALUE",
                        help="hyper-parameter for every listed optimizer that takes it, "
                             "e.g. population_size=20 (repeatable)")
    parser.add_argument("--budget", type=float, default=100, help="evaluations (or seconds with --seconds)")
    parser.add_argument("--seconds", action="store_true", help="the budget is simulated seconds")
    parser.add_argument("--workers", type=int, default=4, help="simulated asynchronous workers")
    parser.add_argument("--seeds", type=count_arg, default=10, help="seeds 0..N-1 per optimizer")
    parser.add_argument("--n-jobs", type=int, default=1, help="local processes running seeds")
    parser.add_argument("--csv", default=None,
                        help="write the trajectories to this CSV (its folder is created)")
    parser.add_argument("--plot", default=None,
                        help="write the anytime plot to this PNG (its folder is created)")
    parser.set_defaults(run=run)


def optimizer_options(names: list[str], options: dict[str, object]) -> dict[str, dict[str, object]]:
    """Each optimizer's share of ``options``: the keys it takes.

    ``ValueError`` naming a key that none of ``names`` takes, and what each one takes.
    """
    from nas_optimizers import hyper_parameters

    taken = {name: hyper_parameters(name) for name in names}
    for key in options:
        if not any(key in valid for valid in taken.values()):
            valid = "; ".join(f"{name}: {', '.join(hp) or 'none'}" for name, hp in taken.items())
            raise ValueError(f"--optimizer-option {key!r} is taken by none of the optimizers "
                             f"{names}; valid: {valid}")
    return {name: {k: v for k, v in options.items() if k in taken[name]} for name in names}


def table_benchmark(task: str, space: str | None, protocol: str | None,
                    store: str | None) -> TabularBenchmark | RecordReplay:
    """The true table of ``task`` built from the record store folder ``store``; a table that does
    not hold every architecture of its space (any DARTS table, a partial NB201 store) is replayed
    (:class:`~nas_optimizers.RecordReplay`: the optimizers search among its architectures).

    ``store=None``: the shipped records, and ``space=None`` the only space with a shipped benchmark
    for the task. A store of one's own: ``space=None`` is the only space among its records of the
    task; ``ValueError`` naming the spaces when there are several (``FileNotFoundError`` for a
    missing folder, ``ValueError`` listing what is there for a task, space or protocol it lacks).
    """
    from nas_optimizers import RecordReplay
    from surrogates import TabularBenchmark

    if store is None:
        from surrogates.benchmark.artifact_folders import pick_space

        table = TabularBenchmark.from_records(task, space=pick_space(task, space), protocol=protocol)
    else:
        from training_data import load_records

        records = load_records(task=task, protocol=protocol, space=space, store=store)
        spaces = sorted(set(records["space"])) if len(records) else []
        if not spaces:
            raise ValueError(f"no records for task {task!r} in the record store {store}")
        if space is None and len(spaces) > 1:
            raise ValueError(f"task {task!r} has records in several spaces {spaces} in the record "
                             f"store {store}; pass --space")
        table = TabularBenchmark.from_records(task, space=space or spaces[0], protocol=protocol,
                                              records=records)
    return table if table.covers_space else RecordReplay(table)


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from nas_optimizers import RecordReplay, list_optimizers, plot_anytime, simulate

    unknown = [name for name in args.optimizers if name not in list_optimizers()]
    if unknown:
        raise ValueError(f"unknown optimizer(s) {unknown}; valid: {', '.join(list_optimizers())}")
    kwargs = optimizer_options(args.optimizers,
                               parse_options(args.optimizer_option, "--optimizer-option"))
    if args.table and (args.artifacts is not None or args.model is not None):
        raise ValueError("--table simulates on the records' true table: it takes no --artifacts "
                         "or --model (those name a surrogate benchmark)")
    if not args.table and args.store is not None:
        raise ValueError("--store is the record store of --table's true table: without --table "
                         "the surrogate benchmark comes from --artifacts")
    csv, plot = output_file(args.csv, "--csv"), output_file(args.plot, "--plot", ".png")
    if args.table:
        bench = table_benchmark(args.task, args.space, args.protocol, args.store)
        if isinstance(bench, RecordReplay):
            print(f"the {bench.task} table of {bench.protocol} holds {len(bench.table):,} of the "
                  f"{bench.table.space.name} space's architectures: the optimizers search among them "
                  f"(a mutation moves to one of the {bench.space.n_neighbours} nearest recorded ones)")
    else:
        from surrogates import Benchmark

        bench = Benchmark.load(args.task, args.space, args.protocol, args.model or "ensemble",
                               args.artifacts)
    frames = [
        simulate(name, bench, args.budget, workers=args.workers, seeds=range(args.seeds),
                 budget_kind="seconds" if args.seconds else "evaluations",
                 optimizer_kwargs=kwargs[name], n_jobs=args.n_jobs)
        for name in args.optimizers
    ]
    runs = pd.concat(frames, ignore_index=True)
    final = runs.sort_values("evaluation").groupby(["optimizer", "seed"]).last()
    summary = final.groupby("optimizer")["incumbent_true"].agg(["mean", "sem"])
    print(f"{len(args.optimizers)} optimizers x {args.seeds} seeds on {args.task}/{bench.space.name} "
          f"({'table' if args.table else 'surrogate'}): final incumbent (noise-free score)")
    print(summary.to_string(float_format=lambda v: f"{v:.4g}"))
    if csv is not None:
        runs.to_csv(csv, index=False)
        print(f"trajectories: {csv}")
    if plot is not None:
        print(f"plot: {plot_anytime(runs, plot)}")
    return 0
