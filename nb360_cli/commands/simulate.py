"""``nb360 simulate``: run NAS optimizers against a benchmark on a simulated clock."""
from __future__ import annotations

import argparse

from nb360_cli.commands._options import (
    SHIPPED_ARTIFACTS_HELP,
    add_folder_option,
    count_arg,
    output_file,
    parse_options,
)

DEFAULT_OPTIMIZERS = ("random_search", "regularized_evolution", "local_search")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("simulate", help="simulate NAS runs against a surrogate (or the true table)")
    parser.add_argument("--task", required=True)
    parser.add_argument("--space", default=None,
                        help="search space, darts or nb201 (default: the only one with a benchmark "
                             "for the task)")
    parser.add_argument("--protocol", default=None)
    parser.add_argument("--model", default="ensemble", help="the benchmark's surrogate")
    add_folder_option(parser, "--artifacts", SHIPPED_ARTIFACTS_HELP)
    parser.add_argument("--table", action="store_true",
                        help="use the true tabular benchmark built from the records instead of the surrogate")
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


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from nas_optimizers import list_optimizers, plot_anytime, simulate

    unknown = [name for name in args.optimizers if name not in list_optimizers()]
    if unknown:
        raise ValueError(f"unknown optimizer(s) {unknown}; valid: {', '.join(list_optimizers())}")
    kwargs = optimizer_options(args.optimizers,
                               parse_options(args.optimizer_option, "--optimizer-option"))
    if args.table and (args.artifacts is not None or args.model != "ensemble"):
        raise ValueError("--table simulates on the records' true table: it takes no --artifacts "
                         "or --model (those name a surrogate benchmark)")
    csv, plot = output_file(args.csv, "--csv"), output_file(args.plot, "--plot", ".png")
    if args.table:
        from surrogates import TabularBenchmark
        from surrogates.benchmark.artifact_folders import pick_space

        bench = TabularBenchmark.from_records(args.task, space=pick_space(args.task, args.space),
                                              protocol=args.protocol)
    else:
        from surrogates import Benchmark

        bench = Benchmark.load(args.task, args.space, args.protocol, args.model, args.artifacts)
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
