"""``nb360 evaluate``: held-out evaluation of a surrogate on the records (fresh fits)."""
from __future__ import annotations

import argparse

from nb360_cli.commands._options import add_surrogate_options, parse_params

SPLITS = ("random", "leave_one_sampler_out", "train_sizes")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("evaluate", help="fit a surrogate on part of the records, score the rest")
    add_surrogate_options(parser, params_default="the model's own defaults")
    parser.add_argument("--split", default="random", choices=SPLITS)
    parser.add_argument("--n-train", type=int, default=None, help="training archs (random split)")
    parser.add_argument("--n-test", type=int, default=None, help="test archs (default: 20 %%)")
    parser.add_argument("--train-sizes", type=int, nargs="+", default=None,
                        help="training sizes of the learning curve (split train_sizes)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from surrogates import evaluate_surrogate
    from surrogates.benchmark.records import load_training_set

    params = parse_params(args.params)
    data = load_training_set(args.task, args.space, args.protocol, args.store)
    extra = {} if args.train_sizes is None else {"train_sizes": args.train_sizes}
    table = evaluate_surrogate(args.model, data.archs, data.scores, split=args.split,
                               params=params, seed=args.seed, n_train=args.n_train,
                               n_test=args.n_test, groups=data.frame["sampler"].to_numpy(),
                               noise_groups=data.groups, task=args.task, **extra)
    print(f"{args.model} on {args.task}/{args.space}/{data.protocol}: {len(data)} ok records, "
          f"split {args.split}")
    columns = [c for c in ("held_out", "n_train", "n_test", "kendall_tau", "sparse_kendall_tau",
                           "spearman", "r2", "mae", "precision_top1", "precision_top5", "nll",
                           "coverage50", "coverage90", "fit_seconds") if c in table.columns]
    with pd.option_context("display.width", 200, "display.max_columns", None):
        print(table[columns].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    return 0
