"""Do zero-cost proxies help the tree surrogates rank the architectures of a record set?

The record-set counterpart of ``bench_zero_cost.py`` (which uses the NB201 tables): for each
``--tables`` entry ``<task>/<protocol>`` (DARTS records of the store), the proxies are computed on
that training protocol's network at initialisation (``surrogates.proxies``, ``protocol=``; the
data-dependent ``grad_norm``, ``snip`` and ``jacob_cov`` on a fixed batch of its training data),
once per canonical architecture, into the proxy cache. Printed per table:

* each proxy alone: Kendall tau of minus the proxy with the architectures' mean score (scores are
  errors), over all architectures, and over those with >= 3 seeds;
* ``xgb`` / ``lgb`` (``--models``) with each ``--features`` value, scored as ``nb360 fit`` scores a
  set of fewer than 1,000 architectures (``surrogates.benchmark.fitting.cross_validate``: 5 folds
  of whole architectures, per-architecture mean targets), Kendall tau against single runs and
  against the 3-seed means of held-out architectures; medians over ``--repeats`` fold draws and
  the median paired gain over the first ``--features`` value (same folds).

``--out`` appends one JSON line per (table, model, features, repeat) and skips those already there
(resumable); ``--report FILE`` prints the medians.

    NB360_DATA_ROOT=../shared/data OMP_NUM_THREADS=1 python benchmarks/bench_zero_cost_records.py \\
        --tables psicov/psicov-cpu-v2 darcyflow/darcyflow-cpu-v2 --out zc_records.jsonl
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_zero_cost import progress_printer  # noqa: E402
from record_tables import table_spec, training_set  # noqa: E402
from result_rows import median_present  # noqa: E402

PROXIES = ("synflow", "grad_norm", "snip", "jacob_cov")
FEATURES = ("graf", "graf+synflow", "graf+grad_norm", "graf+snip", "graf+jacob_cov",
            "graf+synflow+grad_norm+snip+jacob_cov")


def proxy_alone(data: Any, names: tuple[str, ...] = PROXIES) -> dict[str, dict[str, float]]:
    """Each proxy's Kendall tau with minus the architectures' mean score (all, and >= 3 seeds) on
    ``data`` (a :func:`training_set`)."""
    from surrogates.metrics import kendall_tau
    from surrogates.proxies import proxy_values

    task, protocol = data.task, data.protocol
    archs, means, _, counts = data.architecture_means(np.arange(len(data)))
    out: dict[str, dict[str, float]] = {}
    for proxy in names:
        values = proxy_values(proxy, "darts", task, archs, protocol=protocol,
                              progress=progress_printer(f"{task} {proxy}", every=50))
        finite = np.isfinite(values)
        three = finite & (counts >= 3)
        out[proxy] = {"tau_all": float(kendall_tau(-values[finite], means[finite])),
                      "tau_3_seeds": (float(kendall_tau(-values[three], means[three]))
                                      if three.sum() >= 3 else None),
                      "n_archs": int(finite.sum()), "n_archs_3_seeds": int(three.sum())}
    return out


def run_cell(data: Any, dead: np.ndarray, model: str, features: str, repeat: int) -> dict:
    """One cross-validation of ``model`` with ``features`` (fold draw ``repeat``) on ``data`` (a
    :func:`training_set`; ``dead``: its disconnected cells)."""
    from surrogates.benchmark.fitting import cross_validate
    from surrogates.features import feature_parts

    params: dict[str, Any] = {"features": features}
    if feature_parts(features)[1]:  # proxies among the features: computed on the records' protocol
        params["proxy_protocol"] = data.protocol
    start = time.process_time()
    section = cross_validate(model, params, data, seed=repeat, dead=dead)
    seed_mean = section["seed_mean"].get("metrics", {})
    return {"table": f"{data.task}/{data.protocol}", "model": model, "features": features, "repeat": repeat,
            "n_records": len(data), "tau": section["metrics"]["kendall_tau"],
            "tau_seed_mean": seed_mean.get("kendall_tau"),
            "n_seed_mean": section["seed_mean"]["n_archs"],
            "cpu_s": round(time.process_time() - start, 1)}


def _done(path: Path | None) -> set[tuple]:
    """Keys of the rows ``path`` holds: ``(table,)`` for a proxies-alone row, ``(table, model,
    features, repeat)`` for a cell."""
    if path is None or not path.exists():
        return set()
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {(r["table"], r["model"], r["features"], r["repeat"]) if "model" in r else (r["table"],)
            for r in rows}


def _fmt(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:+.3f}"


def report(paths: list[Path]) -> None:
    rows = [json.loads(line) for p in paths for line in p.read_text().splitlines() if line.strip()]
    for alone in (r for r in rows if "proxies" in r):
        print(f"\n{alone['table']}: each proxy alone, Kendall tau of minus the proxy with the mean score")
        for proxy, v in alone["proxies"].items():
            print(f"  {proxy:10s} all {v['tau_all']:+.3f} ({v['n_archs']} archs)   "
                  f">= 3 seeds {_fmt(v['tau_3_seeds'])} ({v['n_archs_3_seeds']})")
    cells = [r for r in rows if "model" in r]
    for table in sorted({r["table"] for r in cells}):
        print(f"\n{table}: 5-fold CV by architecture, medians over fold draws (gain: median paired "
              f"difference to the first features of the model)")
        print(f"  {'model':5s} {'features':40s} {'n':>2s} {'tau':>6s} {'gain':>7s} {'tau 3-seed':>10s} {'gain':>7s}")
        for model in sorted({r["model"] for r in cells if r["table"] == table}):
            mine = [r for r in cells if r["table"] == table and r["model"] == model]
            order = list(dict.fromkeys(r["features"] for r in mine))
            base = {r["repeat"]: r for r in mine if r["features"] == order[0]}
            for features in order:
                these = [r for r in mine if r["features"] == features]
                paired = [r for r in these if r["repeat"] in base]
                gain = median_present([r["tau"] - base[r["repeat"]]["tau"] for r in paired])
                gain3 = median_present([r["tau_seed_mean"] - base[r["repeat"]]["tau_seed_mean"] for r in paired
                                 if r["tau_seed_mean"] is not None
                                 and base[r["repeat"]]["tau_seed_mean"] is not None])
                print(f"  {model:5s} {features:40s} {len(these):2d} {median_present([r['tau'] for r in these]):6.3f} "
                      f"{gain:+7.3f} {median_present([r['tau_seed_mean'] for r in these]):10.3f} {gain3:+7.3f}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tables", nargs="+", type=table_spec, default=[])
    ap.add_argument("--models", nargs="+", default=["xgb", "lgb"])
    ap.add_argument("--features", nargs="+", default=list(FEATURES))
    ap.add_argument("--proxies", nargs="+", default=list(PROXIES), help="the proxies scored alone")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--records", type=int, help="use the first N records of each table (default all)")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--report", nargs="+", type=Path)
    args = ap.parse_args(argv)
    if args.report:
        report(args.report)
        return
    if not args.tables:
        ap.error("give --tables (or --report)")
    from surrogates.benchmark.fitting import disconnected_rows

    done = _done(args.out)
    for task, protocol in args.tables:
        table = f"{task}/{protocol}"
        data = training_set(task, protocol, args.records)
        dead = disconnected_rows(data)
        alone = {"table": table, "proxies": proxy_alone(data, tuple(args.proxies))}
        print(json.dumps(alone), flush=True)
        if args.out is not None and (table,) not in done:
            with args.out.open("a") as fh:
                fh.write(json.dumps(alone) + "\n")
        for repeat in range(args.repeats):
            for model in args.models:
                for features in args.features:
                    if (table, model, features, repeat) in done:
                        continue
                    row = run_cell(data, dead, model, features, repeat)
                    print(json.dumps(row), flush=True)
                    if args.out is not None:
                        with args.out.open("a") as fh:
                            fh.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
