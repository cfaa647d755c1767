"""Command line of the validation study: ``python -m nas_optimizers.validation [options]``."""
from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from nas_optimizers.validation.study import OPTIMIZERS, TASKS, StudyConfig, run_task

DEFAULT_OUT = Path("docs") / "validation"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    defaults = StudyConfig()
    parser = argparse.ArgumentParser(prog="python -m nas_optimizers.validation",
                                     description="NAS optimizers on the true table vs a surrogate.")
    parser.add_argument("--task", action="append", choices=TASKS,
                        help="task (repeat for several; default: all of " + ", ".join(TASKS) + ")")
    parser.add_argument("--optimizers", default=",".join(OPTIMIZERS),
                        help="comma-separated optimizer names (must include random_search)")
    parser.add_argument("--fraction", type=float, default=defaults.fraction)
    parser.add_argument("--seeds", type=int, default=defaults.seeds)
    parser.add_argument("--budget", type=int, default=defaults.budget)
    parser.add_argument("--workers", type=int, default=defaults.workers)
    parser.add_argument("--model", default=defaults.model)
    parser.add_argument("--checking", action="store_true",
                        help="fit the surrogate with its tiny checking parameters (tests only)")
    parser.add_argument("--split-seed", type=int, default=defaults.split_seed)
    parser.add_argument("--n-jobs", type=int, default=defaults.n_jobs)
    parser.add_argument("--pools", type=int, default=defaults.n_pools)
    parser.add_argument("--pool-size", type=int, default=defaults.pool_size)
    parser.add_argument("--samples", type=int, default=defaults.n_samples)
    parser.add_argument("--boot", type=int, default=defaults.n_boot)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    return parser.parse_args(argv)


def config_from_args(args: argparse.Namespace) -> StudyConfig:
    """The :class:`StudyConfig` the parsed arguments describe."""
    import surrogates

    params = surrogates.checking_parameters(args.model) if args.checking else {}
    return StudyConfig(
        tasks=tuple(args.task or TASKS),
        optimizers=tuple(o.strip() for o in args.optimizers.split(",") if o.strip()),
        seeds=args.seeds, budget=args.budget, workers=args.workers, fraction=args.fraction,
        model=args.model, model_params=params, split_seed=args.split_seed, n_jobs=args.n_jobs,
        pool_size=args.pool_size, n_pools=args.pools, n_samples=args.samples, n_boot=args.boot,
    )


def main(argv: Sequence[str] | None = None) -> Path:
    """Run the study and write its report; returns the path of ``results.md``."""
    import torch

    from nas_optimizers.validation.report import write_report

    torch.set_num_threads(1)
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    config = config_from_args(args)
    start = time.perf_counter()
    results = []
    for task in config.tasks:
        print(f"[validation] {task}: fitting, simulating, calibrating ...", flush=True)
        results.append(run_task(task, config))
    command = shlex.join(["python", "-m", "nas_optimizers.validation", *argv])
    path = write_report(results, config, args.out, command, time.perf_counter() - start)
    print(f"[validation] wrote {path} in {time.perf_counter() - start:.0f} s", flush=True)
    return path


if __name__ == "__main__":
    main()
