"""Figures and the markdown report of the validation study (every number comes from the results).

Writes into one folder: ``anytime_<task>.png`` (true regret vs evaluations, table and surrogate
side by side), ``anytime_<task>_time.png`` (vs simulated seconds), ``final_regret.png`` (mean
final regret per optimizer, table vs surrogate), ``ranking_calibration.png`` (top-set coverage
vs nominal probability) and ``results.md`` linking them, plus ``anytime.csv`` (the curves'
numbers: mean and standard error of the true regret after each evaluation) and
``final_regret.csv`` (every run's final true regret).
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from nas_optimizers.validation.study import StudyConfig, TaskResult

BENCH_LABELS = {"table": "(a) true table", "surrogate": "(b) surrogate"}  # panel order


def _figure(width: float, height: float, cols: int):  # noqa: ANN202 - matplotlib types
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width * cols, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.subplots(1, cols, squeeze=False).ravel()


def plot_anytime_pair(result: TaskResult, folder: Path) -> list[Path]:
    """True regret vs evaluations and vs simulated time, one panel per benchmark."""
    from nas_optimizers.plots import plot_anytime

    frame = result.frame.copy()
    frame["task"] = [f"{result.task}: {BENCH_LABELS[b]}" for b in frame["benchmark"]]
    paths = []
    for x, suffix in (("evaluation", ""), ("sim_time", "_time")):
        paths.append(plot_anytime(
            frame, folder / f"anytime_{result.task}{suffix}.png", x=x, y="regret", log_y=True,
            title=f"{result.task}: true regret of the incumbent (mean +- s.e. over seeds)"))
    return paths


def plot_final_regret(results: Sequence[TaskResult], path: Path) -> Path:
    """Mean final true regret (+- s.e.) per optimizer: surrogate against table, one panel per task."""
    figure, axes = _figure(4.6, 4.2, len(results))
    for ax, result in zip(axes, results, strict=True):
        rows = result.comparison.per_optimizer
        for k, row in rows.iterrows():
            ax.errorbar(row["table"], row["surrogate"], xerr=row["sem_table"],
                        yerr=row["sem_surrogate"], fmt="o", color=f"C{k % 10}",
                        label=row["optimizer"], capsize=3)
        low = min(rows["table"].min(), rows["surrogate"].min())
        high = max(rows["table"].max(), rows["surrogate"].max())
        pad = 0.1 * (high - low) if high > low else 0.1
        ax.plot([low - pad, high + pad], [low - pad, high + pad], color="grey", lw=1, ls="--")
        ax.set_xlabel("final regret on the true table")
        ax.set_ylabel("final true regret when run on the surrogate")
        ax.set_title(f"{result.task} (Kendall tau {result.comparison.kendall:.2f})")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    figure.savefig(path, dpi=110)
    return path


def plot_calibration(results: Sequence[TaskResult], path: Path) -> Path:
    """Measured coverage of the true best by ``top_set(p)`` against ``p``, and the set sizes."""
    figure, (cover, size) = _figure(4.6, 4.0, 2)
    for k, result in enumerate(results):
        table = result.calibration.coverage
        cover.errorbar(table["prob"], table["coverage"], yerr=table["coverage_se"], marker="o",
                       color=f"C{k}", label=result.task, capsize=3)
        size.plot(table["prob"], table["mean_size"], marker="o", color=f"C{k}", label=result.task)
    cover.plot([0, 1], [0, 1], color="grey", ls="--", lw=1)
    cover.set_xlabel("nominal P(best in top set)")
    cover.set_ylabel("measured share of pools with the true best inside")
    cover.set_title("top-set calibration")
    size.set_xlabel("nominal P(best in top set)")
    size.set_ylabel(f"mean top-set size (pool of {results[0].calibration.pool_size})")
    size.set_title("top-set size")
    for ax in (cover, size):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    figure.savefig(path, dpi=110)
    return path


def anytime_table(results: Sequence[TaskResult]) -> pd.DataFrame:
    """Mean and standard error over seeds of the true regret after each evaluation.

    Columns task, benchmark, optimizer, evaluation, mean, sem, n (seeds).
    """
    frame = pd.concat([r.frame for r in results], ignore_index=True)
    grouped = frame.groupby(["task", "benchmark", "optimizer", "evaluation"], sort=True)["regret"]
    out = grouped.agg(["mean", "sem", "count"]).reset_index().rename(columns={"count": "n"})
    out["sem"] = out["sem"].fillna(0.0)
    return out


def _interval(pair: tuple[float, float]) -> str:
    return f"[{pair[0]:+.3g}, {pair[1]:+.3g}]"


def _task_section(result: TaskResult, figures: list[str]) -> list[str]:
    c, d = result.comparison, result.diagnostics
    level = f"{c.level:.0%}"
    lines = [
        f"## {result.task}",
        "",
        f"Best table mean: {result.best_score:.4g}. Surrogate fitted on {d.n_train_records} "
        f"records ({d.n_train_classes} classes) in {d.fit_seconds:.0f} s; on the held-out "
        f"classes: Kendall tau {d.kendall:.3f}, Spearman {d.spearman:.3f}, Kendall tau among the "
        f"true best 5 % {d.kendall_top:.3f}; true regret of its predicted best "
        f"{d.surrogate_best_regret:.3g}; median predictive std {d.surrogate_std:.3g}, median "
        f"size of what its noisy samples add {d.surrogate_noise:.3g} (median absolute deviation). "
        f"Table noise: median absolute deviation of twin runs {d.table_noise:.3g}; "
        f"{d.table_single_share:.0%} of its classes have a single run, whose noisy draws on the "
        f"table are noise-free.",
        "",
        f"| optimizer | final regret, table | final regret, surrogate | surrogate - table "
        f"[{level} CI] | rank table | rank surrogate | vs random, table [{level} CI] | "
        f"vs random, surrogate [{level} CI] |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for _, row in c.per_optimizer.iterrows():
        lines.append(
            f"| {row['optimizer']} | {row['table']:.4g} +- {row['sem_table']:.2g} | "
            f"{row['surrogate']:.4g} +- {row['sem_surrogate']:.2g} | {row['difference']:+.3g} "
            f"{_interval(row['difference_interval'])} | {row['rank_table']:g} | "
            f"{row['rank_surrogate']:g} | {row['vs_random_search_table']:+.3g} "
            f"{_interval(row['vs_random_search_table_interval'])} {row['verdict_table']} | "
            f"{row['vs_random_search_surrogate']:+.3g} "
            f"{_interval(row['vs_random_search_surrogate_interval'])} "
            f"{row['verdict_surrogate']} |")
    lines += [
        "",
        f"Ranking of the optimizers by mean final regret, table vs surrogate: Spearman "
        f"{c.spearman:.3f}, Kendall tau {c.kendall:.3f} (bootstrap over seeds "
        f"{_interval(c.kendall_interval)}).",
        "",
        _verdict(result),
        "",
    ]
    lines += [f"![{Path(f).stem}]({f})" for f in figures]
    return lines + [""]


def _verdict(result: TaskResult) -> str:
    """One paragraph: does the surrogate change the conclusion, and if so the likely reason."""
    c, d = result.comparison, result.diagnostics
    rows, winners = c.per_optimizer, c.winners
    if winners["table"] == winners["surrogate"]:
        best = f"Both benchmarks name {winners['table']} the best optimizer"
    else:
        best = (f"The lowest mean final regret goes to {winners['table']} on the table and to "
                f"{winners['surrogate']} on the surrogate, but neither benchmark separates the "
                f"two (interval of their difference: table {_interval(c.winner_gaps['table'])}, "
                f"surrogate {_interval(c.winner_gaps['surrogate'])})")
    if not c.conclusion_changed:
        return (f"**Same conclusion.** {best}, and every optimizer gets the same verdict "
                f"against random search.")
    parts = []
    if not c.same_winner:
        parts.append(f"the winner differs (table: {winners['table']}, surrogate: "
                     f"{winners['surrogate']}; interval of their regret difference: table "
                     f"{_interval(c.winner_gaps['table'])}, surrogate "
                     f"{_interval(c.winner_gaps['surrogate'])})")
    if c.changed_verdicts:
        parts.append(f"the verdict against random search differs for "
                     f"{', '.join(c.changed_verdicts)}")
    spread = rows["table"].max() - rows["table"].min()
    reasons = []
    if (rows["verdict_table"] == "tie").all() or (rows["verdict_surrogate"] == "tie").all():
        reasons.append(f"on one benchmark no optimizer is distinguishable from random search at "
                       f"this budget and number of seeds (table spread of mean final regret "
                       f"{spread:.3g}), so the order is decided by differences the seeds do not "
                       f"resolve")
    if d.kendall_top < 0.3:
        reasons.append(f"the surrogate barely orders the best architectures (Kendall tau "
                       f"{d.kendall_top:.2f} among the true best 5 %, {d.kendall:.2f} overall), "
                       f"so optimizers that exploit it are steered to architectures that are good "
                       f"only on the surrogate (its own predicted best has true regret "
                       f"{d.surrogate_best_regret:.3g})")
    if d.surrogate_noise < 0.5 * d.table_noise or d.surrogate_noise > 2 * d.table_noise:
        reasons.append(f"its evaluation noise differs from the table's (median absolute "
                       f"deviation {d.surrogate_noise:.3g} vs the twins' {d.table_noise:.3g}; "
                       f"{d.table_single_share:.0%} of the table's classes are noise-free single "
                       f"runs), which changes how often noisy evaluations mislead the optimizers")
    if not reasons:
        reasons.append(f"the surrogate's landscape differs from the table's near the optimum "
                       f"(held-out Kendall tau {d.kendall:.2f}, {d.kendall_top:.2f} among the best "
                       f"5 %)")
    return (f"**The surrogate changes the conclusion:** {'; '.join(parts)}. Likely reason: "
            f"{'; and '.join(reasons)}.")


def _calibration_section(results: Sequence[TaskResult], figure: str) -> list[str]:
    first = results[0].calibration
    lines = [
        "## Uncertainty-aware ranking: calibration",
        "",
        f"{first.n_pools} random pools of {first.pool_size} held-out architectures per task, "
        f"ranked with `surrogates.rank` from the surrogate's predictive mixture; a pool counts "
        f"as covered when its true best (lowest table mean) is inside `top_set(p)`.",
        "",
        "| task | nominal p | measured coverage | s.e. | mean top-set size |",
        "|---|---|---|---|---|",
    ]
    for result in results:
        for _, row in result.calibration.coverage.iterrows():
            lines.append(f"| {result.task} | {row['prob']:.2f} | {row['coverage']:.3f} | "
                         f"{row['coverage_se']:.3f} | {row['mean_size']:.1f} |")
    lines += ["", "| task | rank-interval coverage (measured) | nominal |", "|---|---|---|"]
    for result in results:
        cal = result.calibration
        lines.append(f"| {result.task} | {cal.interval_coverage:.3f} | "
                     f"{cal.interval_nominal:.2f} |")
    return lines + ["", f"![ranking calibration]({figure})", ""]


def write_report(
    results: Sequence[TaskResult], config: StudyConfig, folder: str | Path, command: str,
    seconds: float,
) -> Path:
    """Write the figures, CSVs and ``results.md`` into ``folder`` (created); returns the markdown."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sections: list[str] = []
    for result in results:
        figures = [p.name for p in plot_anytime_pair(result, folder)]
        sections += _task_section(result, figures)
    final_png = plot_final_regret(results, folder / "final_regret.png").name
    calibration_png = plot_calibration(results, folder / "ranking_calibration.png").name
    anytime_table(results).to_csv(folder / "anytime.csv", index=False)
    pd.concat([r.finals.assign(task=r.task) for r in results]).to_csv(
        folder / "final_regret.csv", index=False)
    changed = [r.task for r in results if r.comparison.conclusion_changed]
    summary = ("The surrogate changes the conclusion on: " + ", ".join(changed) + " (see below)."
               if changed else "On every task the surrogate leads to the same conclusion as the "
               "true table.")
    header = [
        "# Validation against the true NB201 NB360 tables",
        "",
        "Generated by `nas_optimizers.validation` (do not edit by hand). Command:",
        "",
        f"    {command}",
        "",
        f"Every optimizer ({', '.join(config.optimizers)}) ran {config.seeds} seeds x "
        f"{config.budget} evaluations with {config.workers} asynchronous workers on the true "
        f"table (noisy evaluations = real twin runs) and on a surrogate (model "
        f"`{config.model}`) fitted on a random {config.fraction:.0%} of the table's records. Regret = table mean of "
        f"the incumbent - best table mean, for both (runs on the surrogate are scored with the "
        f"table). Intervals: {config.n_boot}-resample percentile bootstrap over seeds. "
        f"Wall time {seconds:.0f} s.",
        "",
        summary,
        "",
        f"![final regret]({final_png})",
        "",
    ]
    path = folder / "results.md"
    path.write_text("\n".join(header + sections + _calibration_section(results, calibration_png)))
    return path
