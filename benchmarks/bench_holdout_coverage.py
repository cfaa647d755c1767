"""Where a shipped benchmark's held-out intervals miss: coverage by isomorphism-class size.

A benchmark's manifest reports the interval coverage of its held-out records (``coverage90``),
row by row, and with every held-out architecture counted once (``per_architecture``). On a
table that holds a whole search space (NB201's 15,625 cells in 6,466 isomorphism classes) the
two differ: a few large classes of degenerate cells (operations cut off by ``none`` edges) hold
many cells each, and the hold-out keeps a class whole, so a handful of classes decide a large
share of the held-out rows. This prints, for the benchmark's held-out rows, the coverage of its
50 % and 90 % intervals (the ones ``predict(...).interval`` returns) by the size of each row's
class in the records (the number of records sharing its canonical hash; repeated seeds of one
architecture count too), the coverage of seed-0 and other runs of architectures held out with
several runs, and the largest held-out classes with their miss.

    python benchmarks/bench_holdout_coverage.py --task cifar100 --space nb201
    python benchmarks/bench_holdout_coverage.py --task darcyflow --space darts --protocol darcyflow-cpu-v1
"""
from __future__ import annotations

import argparse

import numpy as np

from surrogates import Benchmark
from surrogates.benchmark.fitting import disconnected_rows, held_out_predictions
from surrogates.benchmark.records import TrainingSet, held_out_rows, load_training_set
from surrogates.benchmark.scoring import HeldOutPrediction, per_architecture_coverage

# class-size strata (records per canonical hash): inclusive upper ends
STRATA: tuple[tuple[str, int], ...] = (("1", 1), ("2-3", 3), ("4-20", 20), (">20", np.iinfo(np.int64).max))


def class_sizes(groups: np.ndarray) -> np.ndarray:
    """Per row, how many rows share its group."""
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    return counts[inverse]


def strata_rows(data: TrainingSet, rows: np.ndarray, held: HeldOutPrediction, dead: np.ndarray) -> list[dict]:
    """One dict per class-size stratum with held-out rows (disconnected cells, ``dead``: per row of
    ``data``, answered by the benchmark's rule, apart): rows, architectures, 50/90 % coverage by
    row and with each architecture counted once."""
    size = class_sizes(data.groups)[rows]
    dead = dead[rows]
    y, groups = data.scores[rows], data.groups[rows]
    out, low = [], 0
    strata = [("disconnected", dead)]
    for name, high in STRATA:
        strata.append((name, (size > low) & (size <= high) & ~dead))
        low = high
    for name, mask in strata:
        if not mask.any():
            continue
        part = held.take(np.flatnonzero(mask))
        per_arch = per_architecture_coverage(groups[mask], y[mask], part)
        out.append({"class size": name, "rows": int(mask.sum()), "archs": per_arch["n_archs"],
                    "cov50 rows": float(np.mean(part.inside(y[mask], 0.5))),
                    "cov90 rows": float(np.mean(part.inside(y[mask], 0.9))),
                    "cov90 archs": per_arch["coverage90"]})
    return out


def seed_rows(data: TrainingSet, rows: np.ndarray, held: HeldOutPrediction) -> list[dict]:
    """Coverage of the held-out runs by kind: runs of architectures with one run, and the seed-0
    and other runs of architectures with several (under a v1 protocol every architecture's
    seed-0 run shares one random stream, so a surrogate may predict seed-0 runs better); rows,
    90 % coverage and mean absolute residual. Empty when no held-out architecture with several
    runs has a seed-0 run (NB201's twins are other cells, not seeds)."""
    size = class_sizes(data.groups[rows])
    seed = data.frame["seed"].to_numpy()[rows]
    y = data.scores[rows]
    if not ((size > 1) & (seed == 0)).any():  # no repeated architecture has a seed-0 run (NB201 twins)
        return []
    out = []
    for name, mask in [("architectures with one run", size == 1),
                       ("several runs: seed 0", (size > 1) & (seed == 0)),
                       ("several runs: other seeds", (size > 1) & (seed != 0))]:
        if mask.any():
            part = held.take(np.flatnonzero(mask))
            out.append({"runs": name, "rows": int(mask.sum()),
                        "cov90": float(np.mean(part.inside(y[mask], 0.9))),
                        "mean |residual|": float(np.mean(np.abs(y[mask] - part.mean)))})
    return out


def largest_classes(data: TrainingSet, rows: np.ndarray, held: HeldOutPrediction, k: int) -> list[dict]:
    """The ``k`` held-out classes with the most rows: size, mean score and its spread, the
    prediction, the 90 % half-width and the share of the class's rows inside."""
    groups = data.groups[rows]
    names, counts = np.unique(groups, return_counts=True)
    out = []
    for g in names[np.argsort(-counts, kind="stable")[:k]]:
        idx = np.flatnonzero(groups == g)
        y = data.scores[rows][idx]
        out.append({"rows": len(idx), "score mean": float(y.mean()), "score sd": float(y.std()),
                    "predicted": float(held.mean[idx[0]]), "half-width 90": float(held.half_width[0.9][idx[0]]),
                    "cov90": float(np.mean(held.take(idx).inside(y, 0.9)))})
    return out


def _fmt(value: float) -> str:
    """Three decimals, or two significant digits for small values (Darcy's residuals)."""
    return f"{value:.3f}" if value == 0 or abs(value) >= 0.1 else f"{value:.2g}"


def _table(rows: list[dict]) -> str:
    keys = list(rows[0])
    cells = [[_fmt(r[k]) if isinstance(r[k], float) else str(r[k]) for k in keys] for r in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    lines = ["  ".join(k.rjust(w) for k, w in zip(keys, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", required=True)
    parser.add_argument("--space", default=None)
    parser.add_argument("--protocol", default=None)
    parser.add_argument("--model", default="ensemble")
    parser.add_argument("--artifacts", default=None, help="artifacts folder (default: the shipped one)")
    parser.add_argument("--store", default=None, help="record store (default: the shipped records)")
    parser.add_argument("--largest", type=int, default=10, help="print this many of the largest held-out classes")
    args = parser.parse_args(argv)
    bench = Benchmark.load(args.task, space=args.space, protocol=args.protocol, model=args.model,
                           artifacts=args.artifacts)
    manifest = bench.manifest
    data = load_training_set(manifest["task"], manifest["space"], manifest["protocol"], args.store)
    evaluation = manifest["evaluation"]
    rows = held_out_rows(data, evaluation)
    dead = disconnected_rows(data)
    held = held_out_predictions(bench, data, rows, dead)
    y = data.scores[rows]
    per_arch = per_architecture_coverage(data.groups[rows], y, held)
    calibration = getattr(getattr(bench.model, "calibration_", None), "method", "none")
    print(f"{manifest['space']}/{manifest['task']}/{manifest['protocol']}: {len(rows)} held-out records of "
          f"{per_arch['n_archs']} architectures; calibration {calibration}")
    print(f"90 % coverage: {np.mean(held.inside(y, 0.9)):.3f} of rows, {per_arch['coverage90']:.3f} "
          f"with each architecture once (manifest: {evaluation['metrics']['coverage90']:.3f})")
    print(_table(strata_rows(data, rows, held, dead)))
    by_seed = seed_rows(data, rows, held)
    if by_seed:
        print(f"\nheld-out runs by seed:\n{_table(by_seed)}")
    if args.largest > 0:
        print(f"\nlargest held-out classes:\n{_table(largest_classes(data, rows, held, args.largest))}")


if __name__ == "__main__":
    main()
