"""The closing part of ``nb360 demo``: a short simulated comparison of NAS optimizers."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

DEMO_OPTIMIZERS: dict[str, dict[str, Any] | None] = {
    "random_search": None,
    "regularized_evolution": {"population_size": 20, "sample_size": 5},
    "local_search": None,
}
DEMO_PLOT = Path("runs") / "demo_anytime.png"


def simulated_comparison(bench: Any, seeds: int = 10, budget: int = 100, plot: Path = DEMO_PLOT) -> Path:
    """Run each demo optimizer ``seeds`` times on ``bench`` (4 simulated workers), print the
    final incumbents and write the anytime plot; returns the plot's path."""
    from nas_optimizers import plot_anytime, simulate

    start = time.perf_counter()
    frames = [
        simulate(name, bench, budget=budget, workers=4, seeds=range(seeds), optimizer_kwargs=kwargs)
        for name, kwargs in DEMO_OPTIMIZERS.items()
    ]
    runs = pd.concat(frames, ignore_index=True)
    final = runs.sort_values("evaluation").groupby(["optimizer", "seed"]).last()
    table = final.groupby("optimizer")["incumbent_true"].agg(["mean", "sem"])
    print(f"Simulated NAS on {bench.task}: {seeds} seeds x {budget} evaluations, 4 asynchronous "
          f"workers ({time.perf_counter() - start:.1f} s);\nfinal incumbent, predicted noise-free "
          f"error (mean +- sem over seeds)")
    for name, row in table.iterrows():
        print(f"  {name:22s} {row['mean']:.4g} +- {row['sem']:.2g}")
    plot.parent.mkdir(parents=True, exist_ok=True)
    return plot_anytime(runs, plot, x="sim_time", y="incumbent_true")
