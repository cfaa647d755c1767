"""``nb360 demo``: the main job on the embedded default data (what ``make demo`` runs)."""
from __future__ import annotations

import argparse
import time

import numpy as np

DEMO_TASKS = ("ninapro", "darcyflow")
DEMO_TRAIN_SIZE = 1000


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("demo", help="fit a quick surrogate on the shipped NB201 NB360 records")
    parser.add_argument("--train-size", type=int, default=DEMO_TRAIN_SIZE)
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from graph_encodings import get_space
    from surrogates import create
    from surrogates.metrics import kendall_tau, r2, resolution_for, sparse_kendall_tau
    from training_data import load_records

    space = get_space("nb201")
    print(f"NB360-S demo: surrogates fitted on {args.train_size} real NB201 NB360 results per task,")
    print("scored on every other architecture of the table (held out).")
    for task in DEMO_TASKS:
        records = load_records(task=task, space="nb201")
        archs = [space.parse(text) for text in records["arch"]]
        scores = records["score"].to_numpy(dtype=float)
        order = np.random.default_rng(args.seed).permutation(len(archs))
        train, test = order[: args.train_size], order[args.train_size :]
        start = time.perf_counter()
        model = create("lgb").fit([archs[i] for i in train], scores[train])
        mean, _ = model.predict([archs[i] for i in test])
        seconds = time.perf_counter() - start
        print(
            f"  {task:10s} records={len(archs):6d} held-out={len(test):6d} "
            f"kendall_tau={kendall_tau(scores[test], mean):.3f} "
            f"sparse_kt={sparse_kendall_tau(scores[test], mean, resolution_for(task)):.3f} "
            f"r2={r2(scores[test], mean):.3f}  ({seconds:.1f} s)"
        )
    return 0
