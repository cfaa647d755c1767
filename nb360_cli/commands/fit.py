"""``nb360 fit``: fit a benchmark's surrogate from the records and write its artifacts."""
from __future__ import annotations

import argparse

from nb360_cli.commands._options import add_surrogate_options, parse_params


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("fit", help="fit a benchmark surrogate from the records (writes artifacts)")
    add_surrogate_options(parser, params_default="the shipped recipe")
    parser.add_argument("--out", default=None,
                        help="artifact root (default: the shipped surrogates/artifacts)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads while fitting")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing benchmark")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from surrogates.benchmark import fit_benchmark
    from surrogates.benchmark.store import read_benchmark_manifest

    params = parse_params(args.params)
    if args.threads is not None:
        import torch

        torch.set_num_threads(args.threads)
    folder = fit_benchmark(args.task, args.space, args.protocol, args.model, out=args.out,
                           params=params, records_root=args.records, seed=args.seed,
                           overwrite=args.overwrite)
    manifest = read_benchmark_manifest(folder)
    evaluation = manifest["evaluation"]
    metrics = evaluation["metrics"]
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    print(f"wrote {folder} ({size / 1e6:.2f} MB, {manifest['training_data']['n_records']} records, "
          f"fit {manifest['fit_seconds']:.0f} s)")
    print(f"held-out ({evaluation['method']}, n_test={evaluation['n_test']}): "
          + "  ".join(f"{k}={metrics[k]:.4g}" for k in
                      ("kendall_tau", "sparse_kendall_tau", "r2", "mae", "coverage90", "nll")))
    return 0
