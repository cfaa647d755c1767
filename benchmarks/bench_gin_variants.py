"""Which GIN hyper-parameters rank unseen architectures best, alone and in the default ensemble?

For each NB201 table (``--tables``) and split (the splits of ``bench_graph_features.py``:
``--n`` random training records, test = up to ``--n-test`` records of architectures the training
set lacks): every GIN variant of ``--variants`` (JSON hyper-parameters over the defaults, ``{}``
the default GIN) and the default ``xgb`` member are fitted once each. Printed per split and as
medians: the Kendall tau of each variant alone and of its equal-weight mixture with the XGBoost
member (the default ensemble's mean), the paired gain of each variant over the first one, the
variant's mean absolute error and R2 alone (a loss that ranks better may fit the values worse),
and each fit's seconds.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_gin_variants.py --tables cifar100 ninapro \\
        darcyflow --splits 3 --variants '{}' '{"rank_weight": 1.0}' --out runs/gin_variants.jsonl
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_graph_features import add_split_arguments, load_split  # noqa: E402
from result_rows import emit_row, read_rows  # noqa: E402


def parse_variant(text: str) -> dict:
    """A ``--variants`` entry: a JSON object of GIN hyper-parameters."""
    try:
        params = json.loads(text)
    except json.JSONDecodeError as err:
        raise SystemExit(f"variant {text!r} is not JSON: {err}") from err
    if not isinstance(params, dict):
        raise SystemExit(f"variant {text!r} must be a JSON object of GIN hyper-parameters")
    return params


def run_split(task: str, n: int, split: int, n_test: int, variants: list[str]) -> dict:
    """One split's row: ``tau:<variant>``, ``tau:<variant>+xgb``, ``mae:<variant>``, ``r2:<variant>``
    and ``fit_s:<variant>``."""
    import surrogates
    from surrogates.metrics import kendall_tau, mae, r2
    from surrogates.models.ensemble import mixture

    data = load_split(task, n, split, n_test)
    space, test_archs, y_test = data.space, data.test_archs, data.test_y
    xgb = surrogates.create("xgb", seed=split).fit(data.fit_archs, data.fit_y)
    xgb_mean, xgb_var, _ = xgb._predict_units(space, test_archs)
    row: dict = {"task": task, "n": n, "split": split, "n_test": len(y_test)}
    for variant in variants:
        start = time.perf_counter()
        gin = surrogates.create("gin", seed=split, **parse_variant(variant)).fit(data.fit_archs, data.fit_y)
        row[f"fit_s:{variant}"] = round(time.perf_counter() - start, 1)
        mean, var, _ = gin._predict_units(space, test_archs)
        both, _ = mixture(np.stack([mean, xgb_mean]), np.stack([var, xgb_var]), np.array([0.5, 0.5]))
        row[f"tau:{variant}"] = kendall_tau(y_test, mean)
        row[f"tau:{variant}+xgb"] = kendall_tau(y_test, both)
        row[f"mae:{variant}"] = mae(y_test, mean)
        row[f"r2:{variant}"] = r2(y_test, mean)
    return row


def _median(rows: list[dict], key: str) -> float:
    return float(np.median([r[key] for r in rows]))


def _paired_gain(rows: list[dict], key: str, variant: str, base: str) -> float:
    """Median over splits of ``key`` (a format string) for ``variant`` minus for ``base``."""
    return float(np.median([r[key.format(variant)] - r[key.format(base)] for r in rows]))


def report(rows: list[dict]) -> str:
    """Medians over splits per (task, n): tau alone and with XGBoost, paired gain, fit seconds."""
    out = []
    for task, n in dict.fromkeys((r["task"], r["n"]) for r in rows):
        sel = [r for r in rows if (r["task"], r["n"]) == (task, n)]
        variants = [k[6:] for k in sel[0] if k.startswith("fit_s:")]
        base = variants[0]
        out.append(f"\n{task}, n = {n}, {len(sel)} splits (medians; gain: paired, over {base})")
        out.append(f"  {'variant':<40} {'tau':>6} {'gain':>7} {'+xgb':>6} {'gain':>7} {'MAE':>9} {'R2':>6} "
                   f"{'fit s':>6}")
        for v in variants:
            values = (f"{_median(sel, f'mae:{v}'):9.4g} {_median(sel, f'r2:{v}'):6.3f}"
                      if all(f"mae:{v}" in r for r in sel) else f"{'-':>9} {'-':>6}")
            out.append(f"  {v:<40} {_median(sel, f'tau:{v}'):6.3f} {_paired_gain(sel, 'tau:{}', v, base):+7.3f} "
                       f"{_median(sel, f'tau:{v}+xgb'):6.3f} {_paired_gain(sel, 'tau:{}+xgb', v, base):+7.3f} "
                       f"{values} {_median(sel, f'fit_s:{v}'):6.1f}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_split_arguments(parser)
    parser.add_argument("--variants", nargs="+", default=["{}", '{"rank_weight": 1.0}'])
    parser.add_argument("--out", type=Path, default=None, help="append rows here (JSON lines; resumable)")
    parser.add_argument("--report", type=Path, default=None, help="print the medians of this file")
    args = parser.parse_args(argv)
    if args.report is not None:
        print(report(read_rows(args.report)))
        return
    for v in args.variants:
        parse_variant(v)
    import torch

    torch.set_num_threads(1)
    done = {(r["task"], r["n"], r["split"]) for r in read_rows(args.out, missing_ok=True)}
    rows = []
    for task in args.tables:
        for split in range(args.splits):
            if (task, args.n, split) in done:
                continue
            row = run_split(task, args.n, split, args.n_test, args.variants)
            emit_row(row, args.out)
            rows.append(row)
    if rows:
        print(report(rows))


if __name__ == "__main__":
    main()
