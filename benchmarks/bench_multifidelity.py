"""Multi-fidelity vs full-fidelity NAS at equal simulated time (issue 20).

Run: ``.venv/bin/python benchmarks/bench_multifidelity.py [--tasks ecg satellite darcyflow]
[--seeds 20] [--workers 4] [--budget 25] [--surrogate] [--plot multifidelity.png]``.

On the replay of each task's real records (:class:`nas_optimizers.simulation.RecordReplay`: the
architectures that have records, their recorded learning curves, epoch times and final scores),
every optimizer runs ``--seeds`` seeds with ``--workers`` asynchronous workers for the same
simulated time, ``--budget`` times the median recorded time of one full training per worker
(25: about 100 full trainings in all with 4 workers, a tenth of a ~1,000-architecture table).
Full-fidelity optimizers (random search, regularised evolution) train every architecture fully;
the multi-fidelity ones (successive halving, Hyperband, ASHA, BOHB; eta 2) train most for 1-2
epochs. All select on what training shows (the validation curve) and are measured alike: the
regret of the incumbent's recorded final (test) score over the best final score in the table.

Prints, per task, how well the recorded validation score after each epoch ranks the final
scores (Kendall tau over the table's architectures, class means), then the mean regret +- standard error over seeds at 25 %, 50 % and 100 % of the
budget, and the number of trainings started (mean per seed; a continued trial counts once per
job). ``--surrogate`` runs the same on each task's shipped surrogate benchmark where it has
learning curves (``Benchmark.max_epochs``), searching the whole DARTS space: there is no known
optimum, so it prints the incumbent's predicted final score (noise-free) instead of a regret.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmark this checkout's code

from nas_optimizers import plot_anytime, simulate  # noqa: E402
from nas_optimizers.simulation import RecordReplay  # noqa: E402

FULL = ("random_search", "regularized_evolution")
MULTI = ("successive_halving", "hyperband", "asha", "bohb")
PROTOCOLS = {"ecg": "ecg-cpu-v1", "satellite": "satellite-cpu-v1", "darcyflow": "darcyflow-cpu-v1"}
CHECKPOINTS = (0.25, 0.5, 1.0)


def incumbent_at(frame: pd.DataFrame, times: np.ndarray, column: str = "incumbent_true") -> np.ndarray:
    """(seeds, len(times)) values of ``column`` of each seed's last row finished by each time."""
    out = []
    for _, run in frame.groupby("seed", sort=True):
        run = run.sort_values("sim_time", kind="stable")
        at = np.searchsorted(run["sim_time"].to_numpy(float), times, side="right") - 1
        values = run[column].to_numpy(float)
        out.append(np.where(at >= 0, values[np.maximum(at, 0)], np.nan))
    return np.array(out)


def surrogate_of(task: str) -> object | None:
    """The shipped DARTS surrogate benchmark of ``task`` if it has learning curves (else None,
    with the reason printed)."""
    from surrogates import Benchmark

    try:
        bench = Benchmark.load(task, space="darts")
    except ValueError as error:
        print(f"  {task}: no shipped DARTS surrogate ({error})")
        return None
    if getattr(bench, "max_epochs", None) is None:
        print(f"  {task}: the shipped surrogate has no learning curves (max_epochs is None)")
        return None
    return bench


def compare(benchmark: object, best: float | None, budget: float, seeds: int, workers: int,
            label: str) -> pd.DataFrame:
    """Every optimizer for ``budget`` simulated seconds; prints the regret table (the
    incumbent's final score where ``best`` is None)."""
    frames = []
    times = np.array([c * budget for c in CHECKPOINTS])
    known = "" if best is None else f"; best final score {best:.4f}"
    print(f"\n{label}: budget {budget:,.0f} simulated s x {workers} workers, {seeds} seeds{known}")
    what = "final score" if best is None else "regret"
    print(f"| optimizer | {what} @25% | {what} @50% | {what} @100% | trainings | wall s |")
    print("|---|---|---|---|---|---|")
    for name in FULL + MULTI:
        start = time.perf_counter()
        frame = simulate(name, benchmark, budget, budget_kind="seconds", workers=workers,
                         seeds=range(seeds))
        wall = time.perf_counter() - start
        regret = incumbent_at(frame, times) - (0.0 if best is None else best)
        cells = []
        for k in range(len(times)):
            column = regret[:, k]
            ok = column[np.isfinite(column)]
            note = "" if len(ok) == len(column) else f" ({len(ok)}/{len(column)} seeds)"
            sem = ok.std(ddof=1) / np.sqrt(len(ok)) if len(ok) > 1 else float("nan")
            cells.append(f"{ok.mean():.4f} +- {sem:.4f}{note}" if len(ok) else "-")
        trainings = frame.groupby("seed").size().mean()
        print(f"| {name} | {' | '.join(cells)} | {trainings:.0f} | {wall:.1f} |")
        frames.append(frame.assign(task=label))
    return pd.concat(frames, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", nargs="+", default=list(PROTOCOLS), choices=sorted(PROTOCOLS))
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--budget", type=float, default=25.0,
                        help="simulated time per worker, in median full trainings")
    parser.add_argument("--surrogate", action="store_true",
                        help="also on the shipped surrogates that have learning curves")
    parser.add_argument("--plot", type=Path, default=None, help="anytime plot (PNG) of the runs")
    args = parser.parse_args()
    frames = []
    for task in args.tasks:
        replay = RecordReplay.from_records(task, protocol=PROTOCOLS[task])
        full_times = replay.table.curves.runtimes[:, -1]
        budget = args.budget * float(np.median(full_times))
        print(f"\n## {task} ({replay.protocol}: {len(replay)} architectures with records, "
              f"{replay.max_epochs} epochs, median full training {np.median(full_times):.1f} s)")
        curves = replay.table.curves.means
        taus = [kendalltau(curves[:, e], replay.table.means)[0] for e in range(replay.max_epochs)]
        print("Kendall tau, validation score after epoch 1.. vs final score: "
              + " ".join(f"{t:.2f}" for t in taus))
        frames.append(compare(replay, replay.best_score, budget, args.seeds, args.workers,
                              f"{task} replay"))
        if args.surrogate:
            bench = surrogate_of(task)
            if bench is not None:
                frames.append(compare(bench, None, budget, args.seeds, args.workers,
                                      f"{task} surrogate"))
    if args.plot is not None:
        frame = pd.concat(frames, ignore_index=True)
        plot_anytime(frame, args.plot, y="incumbent_true",
                     title="incumbent's final score (mean +- s.e. over seeds)")
        print(f"\nwrote {args.plot}")


if __name__ == "__main__":
    main()
