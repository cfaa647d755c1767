"""``nb360 fit``: fit a benchmark's surrogate from the records and write its artifacts."""
from __future__ import annotations

import argparse

from nb360_cli.commands._options import (
    SHIPPED_ARTIFACTS_HELP,
    add_folder_option,
    add_surrogate_options,
    parse_params,
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("fit", help="fit a benchmark surrogate from the records (writes artifacts)")
    add_surrogate_options(parser, params_default="the shipped recipe")
    add_folder_option(parser, "--artifacts", SHIPPED_ARTIFACTS_HELP, old=("--out",))
    parser.add_argument("--threads", type=int, default=None, help="torch threads while fitting")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing benchmark")
    parser.add_argument("--no-curves", action="store_true",
                        help="skip the learning-curve model (fitted by default where the records "
                             "have learning curves)")
    parser.add_argument("--tune-trials", type=int, default=0,
                        help="tune the hyper-parameters first: random-search trials (0 = off)")
    parser.add_argument("--tune-budget-s", type=float, default=None, help="time budget of tuning")
    parser.add_argument("--tune-metric", default="kendall_tau",
                        help="validation metric tuning optimises (kendall_tau, nll, r2, ...)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from surrogates.benchmark import fit_benchmark
    from surrogates.benchmark.artifact_folders import read_benchmark_manifest

    params = parse_params(args.params)
    if args.threads is not None:
        import torch

        torch.set_num_threads(args.threads)
    from surrogates.benchmark.fitting import TuningOptions

    tuning = (TuningOptions(n_trials=args.tune_trials, time_budget_s=args.tune_budget_s,
                            metric=args.tune_metric) if args.tune_trials > 0 else None)
    folder = fit_benchmark(args.task, args.space, args.protocol, args.model, artifacts=args.artifacts,
                           params=params, store=args.store, seed=args.seed,
                           overwrite=args.overwrite, tuning=tuning, curves=not args.no_curves)
    manifest = read_benchmark_manifest(folder)
    evaluation = manifest["evaluation"]
    metrics = evaluation["metrics"]
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    print(f"wrote {folder} ({size / 1e6:.2f} MB, {manifest['training_data']['n_records']} records, "
          f"fit {manifest['fit_seconds']:.0f} s)")
    shown = ("kendall_tau", "sparse_kendall_tau", "r2", "mae", "coverage90", "nll")
    print(f"held-out ({evaluation['method']}, n_test={evaluation['n_test']}), against single runs: "
          + "  ".join(f"{k}={metrics[k]:.4g}" for k in shown))
    per_arch = evaluation.get("per_architecture")
    if per_arch:
        print(f"  interval coverage with each of the {per_arch['n_archs']} held-out architectures counted "
              f"once: coverage50={per_arch['coverage50']:.4g}  coverage90={per_arch['coverage90']:.4g}")
    seed_mean = evaluation.get("seed_mean", {})
    if "metrics" in seed_mean:
        print(f"  against the mean of >= {seed_mean['min_runs']} seeds ({seed_mean['n_archs']} archs): "
              + "  ".join(f"{k}={seed_mean['metrics'][k]:.4g}" for k in shown))
        for sampler, part in seed_mean.get("by_sampler", {}).items():
            figures = part.get("metrics")
            print(f"    archs proposed by {sampler} ({part['n_archs']}): "
                  + ("  ".join(f"{k}={figures[k]:.4g}" for k in ("kendall_tau", "r2", "coverage90"))
                     if figures else part["note"]))
    elif seed_mean:
        print(f"  against seed means: {seed_mean['note']}")
    from surrogates.curves import curves_folder

    if (curves_folder(folder) / "manifest.json").is_file():
        print(f"learning curves: {curves_folder(folder)} (validation: benchmarks/bench_curves.py)")
    if manifest.get("tuning"):
        tuned = manifest["tuning"]
        print("tuning: " + (tuned["skipped"] if "skipped" in tuned else
                            f"{len(tuned['trials'])} trials, {tuned['metric']} "
                            f"{tuned['default_score']:.4g} (recipe) -> {tuned['best_score']:.4g} (chosen)"))
    return 0
