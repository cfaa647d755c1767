"""Anytime plots of simulated NAS runs: mean incumbent with standard-error bands.

Uses matplotlib's object API with the Agg canvas (no pyplot, no display, no global backend
change), so it is safe in scripts, tests and worker processes.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

X_AXES = ("sim_time", "evaluation")


def anytime_curves(
    df: pd.DataFrame, x: str = "sim_time", y: str = "incumbent", points: int = 200
) -> pd.DataFrame:
    """Mean and standard error over seeds of the step function ``y`` against ``x``.

    Each seed's trajectory is read as a step function (the value of its last row with
    ``x <= grid point``; undefined before its first row) on a grid shared by the seeds of a
    (task, optimizer) group: ``evaluation`` uses every integer up to the longest run,
    ``sim_time`` ``points`` evenly spaced times up to the latest finish. Returns columns
    [task,] optimizer, x, mean, sem, n (seeds defined at that point; sem is 0 when n = 1).
    """
    _check_frame(df, x, y)
    keys = ["task", "optimizer"] if "task" in df.columns else ["optimizer"]
    parts = []
    for key, group in df.groupby(keys, sort=True):
        if x == "evaluation":
            grid = np.arange(1, int(group[x].max()) + 1, dtype=float)
        else:
            grid = np.linspace(0.0, float(group[x].max()), points)
        values = []
        for _, run in group.groupby("seed", sort=True):
            run = run.sort_values(x, kind="stable")
            at = np.searchsorted(run[x].to_numpy(float), grid, side="right") - 1
            series = run[y].to_numpy(float)
            values.append(np.where(at >= 0, series[np.maximum(at, 0)], np.nan))
        values = np.array(values)
        n = np.sum(np.isfinite(values), axis=0)
        with warnings.catch_warnings():  # all-NaN columns (before any result) are expected
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(values, axis=0)
            std = np.nanstd(values, axis=0, ddof=1)
        sem = np.where(n > 1, std / np.sqrt(np.maximum(n, 1)), 0.0)
        part = pd.DataFrame({x: grid, "mean": mean, "sem": sem, "n": n})
        for name, value in zip(keys, key if isinstance(key, tuple) else (key,), strict=True):
            part.insert(len(keys) - 1 if name == "optimizer" else 0, name, value)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def plot_anytime(
    df: pd.DataFrame,
    path: str | Path,
    x: str = "sim_time",
    y: str = "incumbent",
    log_y: bool = False,
    title: str | None = None,
) -> Path:
    """Write a PNG of the mean ``y`` (+- one standard error) vs ``x`` per optimizer; one panel per task.

    ``df`` is a :func:`~nas_optimizers.simulation.simulate` frame (optionally with a ``task``
    column, e.g. several frames concatenated); ``y`` may be any of its numeric columns, such as
    ``incumbent_true`` for the noise-free incumbent. Returns the path written.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:  # matplotlib is an optional dependency
        raise ImportError("plot_anytime needs matplotlib (pip install matplotlib)") from error
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"plot path must end in .png, got {str(path)!r}")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"folder {str(path.parent)!r} of the plot path does not exist")
    curves = anytime_curves(df, x, y)
    tasks = sorted(curves["task"].unique()) if "task" in curves.columns else [None]
    optimizers = sorted(curves["optimizer"].unique())
    colours = {name: f"C{k % 10}" for k, name in enumerate(optimizers)}
    cols = min(len(tasks), 3)
    rows = -(-len(tasks) // cols)
    figure = Figure(figsize=(5.0 * cols, 3.8 * rows), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, cols, squeeze=False).ravel()
    for ax, task in zip(axes, tasks, strict=False):
        panel = curves if task is None else curves[curves["task"] == task]
        for name in optimizers:
            curve = panel[panel["optimizer"] == name]
            if curve.empty:
                continue
            ax.plot(curve[x], curve["mean"], color=colours[name], label=name, lw=1.6)
            ax.fill_between(curve[x], curve["mean"] - curve["sem"], curve["mean"] + curve["sem"],
                            color=colours[name], alpha=0.2, lw=0)
        ax.set_xlabel("simulated time (s)" if x == "sim_time" else "evaluations")
        ax.set_ylabel(f"{y} (error, lower is better)")
        if log_y:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.set_title(task if task is not None else (title or "anytime performance"))
        ax.legend(fontsize=8)
    for ax in axes[len(tasks):]:
        ax.set_visible(False)
    if title and tasks != [None]:
        figure.suptitle(title)
    figure.savefig(path, dpi=110)
    return path


def _check_frame(df: pd.DataFrame, x: str, y: str) -> None:
    """Raise ``ValueError`` naming a bad axis or the missing columns of ``df``."""
    if x not in X_AXES:
        raise ValueError(f"unknown x axis {x!r}; valid: {', '.join(X_AXES)}")
    missing = [c for c in ("optimizer", "seed", x, y) if c not in df.columns]
    if missing:
        raise ValueError(f"frame lacks column(s) {missing}; it has {list(df.columns)}")
    if df.empty:
        raise ValueError("frame has no rows to plot")
