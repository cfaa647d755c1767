"""How fast does a surrogate learn a record set? Its learning curve, to decide what to collect.

For each ``--tables`` entry ``<task>/<protocol>`` (records of ``--space`` in the store), each
``--models`` surrogate (registered name, with the hyper-parameters ``nb360 fit`` would ship, or
``--params``: a JSON object of hyper-parameters that replaces them, to measure another recipe) is
scored as ``nb360 fit`` scores a set of fewer than 1,000 architectures
(``surrogates.benchmark.fitting.cross_validate``: 5 folds of whole architectures, per-architecture
mean targets), but each fold is fitted on only ``--fractions`` of its training architectures (all
their seeds; the held-out folds stay the same). Printed per table and model, medians over
``--repeats`` fold draws: training architectures per fold, Kendall tau against held-out single
runs and against held-out 3-seed means, and the slope of the 3-seed tau per doubling of the
training architectures (least squares on the medians against log2 of the architectures), with the
number of architectures at which that line would reach ``--goal``: an extrapolation of a
log-linear trend, not a measurement, and only where the slope is positive.

``--out`` appends one JSON line per (table, model, ``--params``, fraction, repeat) and skips those already there
(resumable); ``--report FILE`` prints the summary.

    OMP_NUM_THREADS=1 python benchmarks/bench_record_learning_curve.py \\
        --tables ecg/ecg-cpu-v3 psicov/psicov-cpu-v2 --models xgb --out learning_curve.jsonl
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
from record_tables import table_spec, training_set  # noqa: E402
from result_rows import emit_row, median_present, read_rows  # noqa: E402

FRACTIONS = (0.25, 0.5, 1.0)


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"a fraction is in (0, 1]; got {text!r}")
    return value


def _tau(section: dict[str, Any]) -> float | None:
    metrics = section.get("metrics")
    return None if metrics is None else metrics["kendall_tau"]


def run_cell(data: Any, dead: np.ndarray, model: str, fraction: float, repeat: int,
             params: dict[str, Any] | None = None) -> dict[str, Any]:
    """One cross-validation of ``model`` (fold draw ``repeat``; hyper-parameters ``params``,
    default the shipped ones) fitted on ``fraction`` of each fold's training architectures."""
    from surrogates.benchmark.fitting import cross_validate
    from surrogates.benchmark.shipping import shipped_params

    hyper_parameters = shipped_params(model, len(data), data.space) if params is None else params
    start = time.perf_counter()
    section = cross_validate(model, hyper_parameters, data, seed=repeat, dead=dead, fit_fraction=fraction)
    return {"table": f"{data.task}/{data.protocol}", "space": data.space, "model": model,
            "params": _params_text(params),
            "fraction": fraction, "repeat": repeat, "n_records": len(data),
            "n_archs": int(len(np.unique(data.groups))),
            "n_fit_archs": float(np.median(section["n_fit_archs"])),
            "tau": _tau(section), "tau_seed_mean": _tau(section["seed_mean"]),
            "n_seed_mean_archs": section["seed_mean"]["n_archs"],
            "seconds": round(time.perf_counter() - start, 1)}


def _params_text(params: dict[str, Any] | None) -> str | None:
    """How a row names its hyper-parameters: None for the shipped ones."""
    return None if params is None else json.dumps(params, sort_keys=True)


def _key(row: dict[str, Any]) -> tuple:
    return row["table"], row["space"], row["model"], row.get("params"), row["fraction"], row["repeat"]


def _params(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"--params is a JSON object; got {text!r} ({error})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"--params is a JSON object; got {text!r}")
    return value


def trend(n_archs: list[float], taus: list[float], goal: float) -> tuple[float, float | None]:
    """The least-squares slope of ``taus`` per doubling of ``n_archs`` and the architectures at
    which that line reaches ``goal`` (None where the slope is not positive or there are fewer
    than two distinct sizes)."""
    x, y = np.log2(np.asarray(n_archs, dtype=float)), np.asarray(taus, dtype=float)
    keep = np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(np.unique(x)) < 2:
        return float("nan"), None
    slope, intercept = np.polyfit(x, y, 1)
    if slope <= 0:
        return float(slope), None
    return float(slope), float(2 ** ((goal - intercept) / slope))


def report(paths: list[Path], goal: float) -> None:
    rows = [row for path in paths for row in read_rows(path)]
    recipes = sorted({(r["table"], r["space"], r["model"], r.get("params") or "") for r in rows})
    for table, space, model, params in recipes:
        mine = [r for r in rows if (r["table"], r["space"], r["model"], r.get("params") or "")
                == (table, space, model, params)]
        print(f"\n{space}/{table}, {model} {params or '(shipped hyper-parameters)'}: 5-fold CV by "
              f"architecture, each fold fitted on a fraction of its training architectures; medians "
              f"over fold draws")
        print(f"  {'fraction':>8s} {'runs':>4s} {'train archs':>11s} {'tau':>6s} {'tau 3-seed':>10s} "
              f"{'(3-seed archs)':>14s} {'s/CV':>6s}")
        sizes, taus3 = [], []
        for fraction in sorted({r["fraction"] for r in mine}):
            these = [r for r in mine if r["fraction"] == fraction]
            size, tau3 = median_present([r["n_fit_archs"] for r in these]), median_present([r["tau_seed_mean"] for r in these])
            sizes.append(size)
            taus3.append(tau3)
            print(f"  {fraction:8.2f} {len(these):4d} {size:11.0f} {median_present([r['tau'] for r in these]):6.3f} "
                  f"{tau3:10.3f} {these[0]['n_seed_mean_archs']:14d} {median_present([r['seconds'] for r in these]):6.0f}")
        slope, reach = trend(sizes, taus3, goal)
        if np.isnan(slope):
            print("  one training-set size: no trend")
            continue
        if reach is None:
            where = "the slope is not positive"
        elif reach > 100 * max(sizes):
            where = f"the line reaches {goal} only beyond 100x the largest training set measured"
        else:
            where = f"the line reaches {goal} at ~{reach:,.0f} training architectures"
        print(f"  tau 3-seed per doubling of the training architectures: {slope:+.3f}; {where} "
              f"(a log-linear extrapolation, not a measurement)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tables", nargs="+", type=table_spec, default=[])
    ap.add_argument("--space", default="darts")
    ap.add_argument("--models", nargs="+", default=["xgb"])
    ap.add_argument("--params", type=_params, help="hyper-parameters (JSON) instead of the shipped ones")
    ap.add_argument("--fractions", nargs="+", type=_fraction, default=list(FRACTIONS))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--records", type=int, help="use the first N records of each table (default all)")
    ap.add_argument("--goal", type=float, default=0.7, help="the 3-seed tau the report extrapolates to")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--report", nargs="+", type=Path)
    args = ap.parse_args(argv)
    if args.report:
        report(args.report, args.goal)
        return
    if not args.tables:
        ap.error("give --tables (or --report)")
    from surrogates.benchmark.fitting import disconnected_rows

    done = {_key(row) for row in read_rows(args.out, missing_ok=True)}
    params = _params_text(args.params)
    for task, protocol in args.tables:
        data = training_set(task, protocol, args.records, args.space)
        dead = disconnected_rows(data)
        for repeat in range(args.repeats):
            for model in args.models:
                for fraction in args.fractions:
                    if (f"{task}/{data.protocol}", data.space, model, params, fraction, repeat) in done:
                        continue
                    emit_row(run_cell(data, dead, model, fraction, repeat, args.params), args.out)


if __name__ == "__main__":
    main()
