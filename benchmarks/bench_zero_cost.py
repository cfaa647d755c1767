"""Do zero-cost proxies (:mod:`surrogates.proxies`) help the tree members rank unseen cells?

For each NB201 table (``--tables``) and split, the split of ``bench_graph_features.py``
(``held_out_split``: ``--n`` random records train, up to ``--n-test`` records of architectures
the training set lacks test). Printed per split and as medians over splits, the Kendall tau on
the test set of

* each proxy alone (``synflow``, ``params``, ``flops``): the rank correlation of minus the
  proxy with the score (scores are errors, a larger proxy should mean a better cell);
* ``xgb`` / ``lgb`` (``--models``; tuned defaults, fitted once each) with each ``features`` value
  of ``--features`` (default ``graf``, the models' default, and ``graf+synflow``; ``none`` is the
  one-hot encoding alone), keyed ``<model>+<features>``.

Synflow is computed only for the architectures the splits use, once per canonical architecture,
into the proxy cache (``$NB360_PROXY_CACHE_DIR`` or ``~/.cache/nb360/proxies``), so a rerun reads
it back. ``--out`` appends one JSON line per split and skips splits already there (resumable);
``--report FILE ...`` prints the medians of files (the rows of one split merged, so runs of other
``--features`` can be reported together).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_zero_cost.py --tables cifar100 ninapro darcyflow --n 1000 --splits 3 --out zero_cost.jsonl
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_graph_features import PROTOCOL, add_split_arguments, held_out_split  # noqa: E402
from result_rows import emit_row, read_rows  # noqa: E402

PROXIES = ("synflow", "params", "flops")


def progress_printer(label: str, every: int = 250):
    """A ``progress(done, total)`` for ``proxy_values``: prints to stderr every ``every`` values."""
    start = time.perf_counter()

    def report(done: int, total: int) -> None:
        if done == total or done % every == 0:
            per = (time.perf_counter() - start) / done
            print(f"  {label}: {done}/{total} computed, {1000 * per:.0f} ms per architecture",
                  file=sys.stderr, flush=True)
    return report


def run_split(task: str, n: int, split: int, n_test: int, models: list[str],
              features: list[str]) -> dict:
    import surrogates
    from graph_encodings.resolve import resolve_archs
    from surrogates.benchmark.records import load_training_set
    from surrogates.metrics import kendall_tau
    from surrogates.proxies import COMPUTED, proxy_values

    data = load_training_set(task, "nb201", PROTOCOL)
    archs, y, groups = data.archs, data.scores, data.groups
    train, test = held_out_split(groups, n, split, n_test)
    used = np.concatenate([train, test])
    space, objs = resolve_archs([archs[i] for i in used], "nb201")
    start, before = time.perf_counter(), COMPUTED["synflow"]
    values = {p: proxy_values(p, "nb201", task, objs,
                              progress=progress_printer(f"{task} split {split} {p}"))
              for p in PROXIES}
    computed = COMPUTED["synflow"] - before
    row: dict = {"task": task, "n": n, "split": split, "n_test": len(test),
                 "synflow_computed": computed,
                 "proxy_seconds": round(time.perf_counter() - start, 1)}
    test_rows = slice(len(train), len(used))
    for p in PROXIES:
        row[f"tau:{p}"] = kendall_tau(y[test], -values[p][test_rows])
    fit, test_archs = objs[:len(train)], objs[test_rows]
    for name in models:
        for spec in features:
            tic = time.perf_counter()
            model = surrogates.create(name, seed=split, proxy_task=task,
                                      features=None if spec == "none" else spec)
            model.fit(fit, y[train])
            mean, _, _ = model._predict_units(space, test_archs)
            key = f"{name}+{'onehot' if spec == 'none' else spec}"
            row[f"tau:{key}"] = kendall_tau(y[test], mean)
            row[f"seconds:{key}"] = round(time.perf_counter() - tic, 1)
    return row


def report(rows: list[dict]) -> None:
    """Medians over splits; for features ending in a proxy, also the median over splits of the
    gain over the same features without it (``graf+synflow`` over ``graf``, ``synflow`` over
    ``onehot``)."""
    for task, n in dict.fromkeys((r["task"], r["n"]) for r in rows):
        sel = [r for r in rows if (r["task"], r["n"]) == (task, n)]
        print(f"\n{task}, n = {n}, {len(sel)} splits: median Kendall tau on unseen architectures")
        keys = [k for k in dict.fromkeys(k for r in sel for k in r) if k.startswith("tau:")]
        for key in keys:
            vals = [r[key] for r in sel if key in r]
            parts = key.split("+")  # the same features less the last proxy
            base = ("+".join(parts[:-1]) if len(parts) > 2 else
                    f"{parts[0]}+onehot" if len(parts) == 2 and parts[1] not in ("graf", "onehot")
                    else None)
            paired = [r[key] - r[base] for r in sel if base and key in r and base in r]
            gain = f"  gain over {base[4:]}: {np.median(paired):+.3f}" if paired else ""
            print(f"  {key[4:]:<24} {np.median(vals):.3f}   (splits: "
                  f"{', '.join(f'{v:.3f}' for v in vals)}){gain}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_split_arguments(parser)
    parser.add_argument("--models", nargs="+", default=["xgb", "lgb"])
    parser.add_argument("--features", nargs="+", default=["graf", "graf+synflow"],
                        help="the models' features values, one fit each ('none': one-hot alone)")
    parser.add_argument("--out", type=Path, default=None,
                        help="append rows here (JSON lines); splits already there are skipped")
    parser.add_argument("--report", type=Path, nargs="+", default=None,
                        help="print the medians of these files (rows of one split merged)")
    args = parser.parse_args(argv)
    if args.report is not None:
        merged: dict[tuple, dict] = {}
        for path in args.report:
            for r in read_rows(path, missing_ok=True):
                merged.setdefault((r["task"], r["n"], r["split"]), {}).update(r)
        report(list(merged.values()))
        return
    import torch

    torch.set_num_threads(1)
    rows = read_rows(args.out, missing_ok=True)
    done = {(r["task"], r["n"], r["split"]) for r in rows}
    for task in args.tables:
        for split in range(args.splits):
            if (task, args.n, split) in done:
                continue
            row = run_split(task, args.n, split, args.n_test, args.models, args.features)
            emit_row(row, args.out)
            rows.append(row)
    report([r for r in rows if r["task"] in args.tables and r["n"] == args.n])


if __name__ == "__main__":
    main()
