"""Validation of the learning-curve surrogates against held-out real curves (issue 20).

Per shipped DARTS benchmark with curves, on whole held-out architectures: for benchmarks scored
on a 10 % hold-out, the shipped benchmark and its shipped curve model (both fitted on the other
90 %) on the held-out records; for cross-validated benchmarks (small data), 5 folds of whole
architectures, each refitting the benchmark's recipe and a curve model on the other folds.

Tables printed:

1. accuracy at epochs 1, 25 %, 50 % and the last (rounded up): Kendall tau and R2 of the
   predicted mean against the held-out runs' validation scores, and the share of them inside the
   50 % / 90 % predictive intervals;
2. low vs high fidelity: Spearman correlation between the score after epoch t and the final
   score over the held-out runs, in the records, in the surrogate's noisy draws (curve and
   final score of one simulated run; mean over ``--draws`` seeds) and between its noise-free
   means;
3. realism of sampled curves: std of the epoch-to-epoch change and the share of changes that
   improve the score, records vs the surrogate's noisy curves.

``--speed`` prints instead what the curves cost a fresh process in CPU seconds (steadier than wall
time on a shared machine; medians of 3): loading a benchmark
and a default query of 10 architectures, the first ``query_curve`` (reads the curve model), a
memoised ``query(epochs=E)`` and ``query_curve`` of 500 new architectures.

``--compare`` adds the method comparison that chose the model (mean Kendall tau over the 4
epochs, holdout benchmarks): final score + mean offset, SVD (NAS-Bench-x11: 2 coefficients of the
standardised curve, one tree model each), one tree model per epoch, and per epoch with the
ensemble's transfer (shipped).

    .venv/bin/python benchmarks/bench_curves.py [--task ecg ...] [--compare] [--draws 20]
    .venv/bin/python benchmarks/bench_curves.py --speed [--task satellite]
"""
from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass

import numpy as np


@dataclass
class HeldOut:
    """Held-out runs of one task: their archs, real curves, final scores and predictions."""

    task: str
    how: str
    archs: list[str]
    val: np.ndarray  # (n, T) real validation curves
    final: np.ndarray  # (n,) real final scores
    mean: np.ndarray  # (n, T) predicted
    std: np.ndarray
    final_mean: np.ndarray  # (n,) predicted final score
    partial_final: np.ndarray  # (T,) surrogate Spearman(sample_t, final sample), mean over draws
    steps: np.ndarray  # (draws * n, T - 1) epoch-to-epoch changes of sampled curves
    extra: dict  # method name -> (n, T) predicted means (--compare)


def report_epochs(max_epochs: int) -> list[int]:
    """Epochs 1, 25 %, 50 % and the last (rounded up), without repeats."""
    return sorted({1, int(np.ceil(0.25 * max_epochs)), int(np.ceil(0.5 * max_epochs)), max_epochs})


def _draws(bench, archs: list[str], draws: int) -> tuple[np.ndarray, np.ndarray]:
    """Per epoch the mean over ``draws`` seeds of Spearman(sampled curve at t, sampled final),
    and every sampled curve's epoch-to-epoch changes."""
    from scipy import stats

    rho, steps = [], []
    for seed in range(draws):
        curve = bench.query_curve(archs, with_noise=True, seed=seed).sample
        final = bench.query(archs, with_noise=True, seed=seed).sample
        rho.append([stats.spearmanr(curve[:, t], final).statistic for t in range(curve.shape[1])])
        steps.append(np.diff(curve, axis=1))
    return np.mean(rho, axis=0), np.concatenate(steps)


def _compare(bench, data, pool: np.ndarray, test: np.ndarray, val: np.ndarray) -> dict:
    """Predicted held-out means of the alternative methods (module docstring)."""
    from surrogates.curves import CURVE_XGB, fit_curve_model
    from surrogates.registry import create

    archs = data.archs
    pool_archs, test_archs = [archs[i] for i in pool], [archs[i] for i in test]
    final_mean, final_std = bench.predict(test_archs)
    offset = (val[pool] - data.scores[pool, None]).mean(axis=0)
    out = {"final + mean offset": final_mean[:, None] + offset[None, :]}
    mu, sd = val[pool].mean(axis=0), val[pool].std(axis=0)
    _, _, vt = np.linalg.svd((val[pool] - mu) / sd, full_matrices=False)
    coef = ((val[pool] - mu) / sd) @ vt[:2].T
    pred = np.column_stack([create("xgb", **CURVE_XGB, space="darts", seed=0).fit(
        pool_archs, coef[:, j], noise_groups=data.groups[pool]).predict(test_archs)[0] for j in range(2)])
    out["svd, 2 coefficients"] = (pred @ vt[:2]) * sd + mu
    model = fit_curve_model(pool_archs, val[pool], data.scores[pool], data.groups[pool], space="darts",
                            seed=0)
    space = bench.space
    objs = bench._resolve(test_archs)
    out["per epoch"] = np.column_stack([m._predict_units(space, objs)[0] for m in model.epoch_models])
    out["per epoch + transfer"] = model.predict(space, objs, final_mean, final_std)[0]
    return out


def held_out(task: str, draws: int, compare: bool) -> HeldOut:
    from surrogates import Benchmark
    from surrogates.benchmark.records import held_out_rows, load_training_set
    from surrogates.curves import curve_records, fit_curve_model
    from surrogates.registry import create
    from surrogates.run_noise import RunNoise
    from surrogates.splits import group_folds

    bench = Benchmark.load(task, "darts")
    manifest = bench.manifest
    data = load_training_set(task, "darts", manifest["protocol"])
    val = curve_records(data.frame["learning_curve"].tolist()).val
    evaluation = manifest["evaluation"]
    if evaluation["method"] == "holdout":
        test = held_out_rows(data, evaluation)
        pool = np.setdiff1d(np.arange(len(data)), test)
        archs = [data.archs[i] for i in test]
        result = bench.query_curve(archs)
        partial, steps = _draws(bench, archs, draws)
        extra = _compare(bench, data, pool, test, val) if compare else {}
        return HeldOut(task, "shipped benchmark, 10 % held-out archs", archs, val[test],
                       data.scores[test], result.mean, result.std, bench.query(archs).mean, partial,
                       steps, extra)
    k = int(evaluation["folds"])
    fold = group_folds(data.groups, k, np.random.default_rng(int(evaluation["split_seed"])))
    run_noise = RunNoise.from_dict(manifest["noise"]["run_noise"])
    order, means, stds, finals, rhos, all_steps = [], [], [], [], [], []
    for f in range(k):
        train, test = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        a, y, g, _ = data.architecture_means(train)
        model = create(manifest["model"], **manifest["hyper_parameters"]).fit(a, y, noise_groups=g)
        curves = fit_curve_model([data.archs[i] for i in train], val[train], data.scores[train],
                                 data.groups[train], space="darts")
        fold_bench = Benchmark.from_model(model, task=task, space="darts", protocol=data.protocol,
                                          run_noise=run_noise, curve_model=curves)
        archs = [data.archs[i] for i in test]
        result = fold_bench.query_curve(archs)
        rho, steps = _draws(fold_bench, archs, draws)
        order.append(test)
        means.append(result.mean)
        stds.append(result.std)
        finals.append(fold_bench.query(archs).mean)
        rhos.append(rho * len(test))
        all_steps.append(steps)
    rows = np.concatenate(order)
    return HeldOut(task, f"{k}-fold CV of whole archs (benchmark recipe refit per fold)",
                   [data.archs[i] for i in rows], val[rows], data.scores[rows], np.concatenate(means),
                   np.concatenate(stds), np.concatenate(finals), np.sum(rhos, axis=0) / len(rows),
                   np.concatenate(all_steps), {})


def _print_tables(results: list[HeldOut], draws: int) -> None:
    from scipy import stats

    from surrogates.metrics import kendall_tau, r2

    print("\n## Accuracy on held-out architectures (validation score after epoch t)\n")
    print("| task | held out | epoch | Kendall tau | R2 | 50% coverage | 90% coverage |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for h in results:
        for e in report_epochs(h.val.shape[1]):
            t = e - 1
            z = np.abs(h.val[:, t] - h.mean[:, t]) / h.std[:, t]
            print(f"| {h.task} | {len(h.val)} runs, {h.how} | {e} / {h.val.shape[1]} | "
                  f"{kendall_tau(h.val[:, t], h.mean[:, t]):.3f} | {r2(h.val[:, t], h.mean[:, t]):.3f} | "
                  f"{np.mean(z <= 0.6745):.2f} | {np.mean(z <= 1.6449):.2f} |")
    print(f"\n## Low vs high fidelity: Spearman(score after epoch t, final score), held-out runs "
          f"(surrogate: noisy draws, mean of {draws} seeds; and its noise-free means)\n")
    print("| task | epoch | records | surrogate, noisy runs | surrogate, means |")
    print("| --- | --- | --- | --- | --- |")
    for h in results:
        for e in report_epochs(h.val.shape[1]):
            t = e - 1
            real = stats.spearmanr(h.val[:, t], h.final).statistic
            means = stats.spearmanr(h.mean[:, t], h.final_mean).statistic
            print(f"| {h.task} | {e} / {h.val.shape[1]} | {real:.2f} | {h.partial_final[t]:.2f} | {means:.2f} |")
    print("\n## Sampled curves vs real ones (held-out archs; all epoch-to-epoch changes)\n")
    print("| task | std of a change: records | surrogate | share of changes that improve: records | surrogate |")
    print("| --- | --- | --- | --- | --- |")
    for h in results:
        real = np.diff(h.val, axis=1)
        print(f"| {h.task} | {np.std(real):.4g} | {np.std(h.steps):.4g} | {np.mean(real < 0):.2f} | "
              f"{np.mean(h.steps < 0):.2f} |")
    compared = [h for h in results if h.extra]
    if compared:
        print("\n## Method comparison (Kendall tau on held-out archs at the epochs above, and their mean)\n")
        print("| task | method | per epoch | mean |")
        print("| --- | --- | --- | --- |")
        for h in compared:
            epochs = report_epochs(h.val.shape[1])
            for name, mean in h.extra.items():
                taus = [kendall_tau(h.val[:, e - 1], mean[:, e - 1]) for e in epochs]
                print(f"| {h.task} | {name} | {' / '.join(f'{x:.3f}' for x in taus)} | {np.mean(taus):.3f} |")


SPEED_CODE = """
import time
t0 = time.process_time()
from surrogates import Benchmark
bench = Benchmark.load({task!r}, 'darts')
archs = bench.space.sample_many(10, rng=0)
bench.query(archs)
t1 = time.process_time()
bench.query_curve(archs, with_noise=True, seed=0)
t2 = time.process_time()
bench.query(archs, epochs=bench.max_epochs, with_noise=True, seed=1)
t3 = time.process_time()
more = bench.space.sample_many(500, rng=1)
t4 = time.process_time()
bench.query_curve(more)
t5 = time.process_time()
print(t1 - t0, t2 - t1, t3 - t2, t5 - t4)
"""


def speed(task: str, repeats: int = 3) -> None:
    """Fresh-process timings of the curve queries (module docstring), medians of ``repeats``."""
    import subprocess
    import sys

    runs = [subprocess.run([sys.executable, "-c", SPEED_CODE.format(task=task)], capture_output=True,
                           text=True, check=True).stdout.split() for _ in range(repeats)]
    load, first, memo, batch = np.median(np.array(runs, dtype=float), axis=0)
    print(f"{task} (CPU time): load + default query of 10 archs {load:.2f} s; first query_curve of them (reads "
          f"the curve model) {first:.2f} s; memoised query(epochs=E) {memo * 1e3:.1f} ms; "
          f"query_curve of 500 new archs {batch:.2f} s [medians of {repeats}, load average "
          f"{os.getloadavg()[0]:.1f}]", flush=True)


def main(argv: list[str] | None = None) -> None:
    from surrogates.benchmark.artifact_folders import artifact_dir, list_benchmarks
    from surrogates.curves import curves_folder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", action="append", help="task (repeatable; default: every DARTS "
                        "benchmark with a shipped curve model)")
    parser.add_argument("--draws", type=int, default=20, help="noisy draws per held-out run")
    parser.add_argument("--compare", action="store_true", help="also the method comparison")
    parser.add_argument("--speed", action="store_true", help="only the fresh-process timings")
    args = parser.parse_args(argv)
    tasks = args.task or [t for s, t, p, m in list_benchmarks() if s == "darts" and m == "ensemble"
                          and (curves_folder(artifact_dir(s, t, p, m)) / "manifest.json").is_file()]
    if args.speed:
        for task in tasks:
            speed(task)
        return
    results = []
    for task in tasks:
        start = time.perf_counter()
        results.append(held_out(task, args.draws, args.compare))
        print(f"{task}: {time.perf_counter() - start:.0f} s", flush=True)
    _print_tables(results, args.draws)


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
