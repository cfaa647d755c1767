"""Do data-free graph features (:mod:`surrogates.features`) help the tree members rank?

For each table (``--tables``) and split: ``--n`` records drawn at random train, the test set is
up to ``--n-test`` records of architectures the training set lacks (as in
``bench_calibration.py``). Fitted with their defaults, once each: ``gin``, ``xgb`` and
``xgb_default_onehot`` with ``features=None`` and ``features="graf"``. Printed: the Kendall tau
of each on the test set and of the GIN + XGB mixture (``surrogates.models.ensemble.mixture``) at the GIN
weights ``--weights``, with the plain and the graf XGB; the median over splits at the end.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_graph_features.py --tables cifar100 ninapro darcyflow --n 1000 --splits 3
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from result_rows import emit_row, read_rows  # noqa: E402

PROTOCOL = "nb360-nb201-200ep"
TREES = tuple((name, {"features": features}) for name in ("xgb", "xgb_default_onehot")
              for features in (None, "graf"))


def held_out_split(groups: np.ndarray, n: int, split: int, n_test: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train, test): ``n`` random records train, the test set is up to ``n_test``
    records of architectures (canonical hashes ``groups``) the training set lacks."""
    order = np.random.default_rng([split, 22]).permutation(len(groups))
    train, rest = order[:n], order[n:]
    return train, rest[~np.isin(groups[rest], groups[train])][:n_test]


@dataclass
class HeldOutSplit:
    """One split of an NB201 table: training cells and scores, and the unseen test cells (resolved
    in ``space``, as a model's ``_predict_units`` takes them) and their scores."""

    space: Any
    fit_archs: list
    fit_y: np.ndarray
    test_archs: list
    test_y: np.ndarray


def load_split(task: str, n: int, split: int, n_test: int) -> HeldOutSplit:
    """The :func:`held_out_split` of ``task``'s NB201 table."""
    from graph_encodings.resolve import resolve_archs
    from surrogates.benchmark.records import load_training_set

    data = load_training_set(task, "nb201", PROTOCOL)
    archs, y = data.archs, data.scores
    train, test = held_out_split(data.groups, n, split, n_test)
    space, test_archs = resolve_archs([archs[i] for i in test], "nb201")
    return HeldOutSplit(space, [archs[i] for i in train], y[train], test_archs, y[test])


def add_split_arguments(parser: argparse.ArgumentParser) -> None:
    """``--tables --n --splits --n-test``: which NB201 tables and which :func:`held_out_split`s."""
    parser.add_argument("--tables", nargs="+", default=["cifar100", "ninapro", "darcyflow"])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--splits", type=int, default=3)
    parser.add_argument("--n-test", type=int, default=2000)


def run_split(task: str, n: int, split: int, n_test: int, weights: list[float]) -> dict:
    import surrogates
    from surrogates.metrics import kendall_tau
    from surrogates.models.ensemble import mixture

    data = load_split(task, n, split, n_test)
    preds = {}
    for name, params in (("gin", {}), *TREES):
        model = surrogates.create(name, seed=split, **params).fit(data.fit_archs, data.fit_y)
        mean, var, _ = model._predict_units(data.space, data.test_archs)
        preds[name + ("+graf" if params.get("features") else "")] = (mean, var)
    row = {"task": task, "n": n, "split": split, "n_test": len(data.test_y)}
    row.update({f"tau:{k}": kendall_tau(data.test_y, m) for k, (m, _) in preds.items()})
    for xgb in ("xgb", "xgb+graf"):
        for w in weights:
            means = np.stack([preds["gin"][0], preds[xgb][0]])
            variances = np.stack([preds["gin"][1], preds[xgb][1]])
            mean, _ = mixture(means, variances, np.array([w, 1 - w]))
            row[f"tau:gin{w:g}+{xgb}"] = kendall_tau(data.test_y, mean)
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_split_arguments(parser)
    parser.add_argument("--weights", nargs="+", type=float, default=[0.75, 0.5, 0.25])
    parser.add_argument("--out", type=Path, default=None, help="append rows here (JSON lines)")
    parser.add_argument("--report", type=Path, default=None, help="print the medians of this file")
    args = parser.parse_args(argv)
    rows = []
    if args.report is None:
        import torch

        torch.set_num_threads(1)
        for task in args.tables:
            for split in range(args.splits):
                row = run_split(task, args.n, split, args.n_test, args.weights)
                emit_row(row, args.out)
                rows.append(row)
    else:
        rows = read_rows(args.report)
    for task, n in dict.fromkeys((r["task"], r["n"]) for r in rows):
        sel = [r for r in rows if (r["task"], r["n"]) == (task, n)]
        print(f"\n{task}, n = {n}, {len(sel)} splits: median Kendall tau on unseen architectures")
        for key in [k for k in sel[0] if k.startswith("tau:")]:
            print(f"  {key[4:]:<28} {np.median([r[key] for r in sel]):.3f}")


if __name__ == "__main__":
    main()
