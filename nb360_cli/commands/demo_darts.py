"""The DARTS part of ``nb360 demo``: the benchmarks fitted on this project's own ground truth.

For each task with shipped DARTS-space artifacts (ECG, Satellite, Darcy Flow under their CPU
protocols), query DARTS-V2's cells and two seeded random architectures with uncertainty, a noisy
run and the predicted training time, and say how many records the artifact was fitted on and its
held-out (or, on small data, cross-validated) Kendall tau against single training runs.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from graph_encodings.spaces.darts import DARTS_V2

N_RANDOM = 2
METHOD_WORDS = {"cross_validation": "5-fold cross-validated", "holdout": "held-out"}


def darts_benchmarks() -> list[Any]:
    """Every shipped DARTS-space benchmark (the default model of each task and protocol)."""
    from surrogates import Benchmark, list_benchmarks

    return [Benchmark.load(task, space=space, protocol=protocol, model=model)
            for space, task, protocol, model in list_benchmarks() if space == "darts"]


def show_darts(seed: int = 0) -> int:
    """Print the DARTS part of the demo; returns how many benchmarks it showed."""
    benches = darts_benchmarks()
    if not benches:
        print("No DARTS-space artifacts are shipped in this installation.")
        return 0
    space = benches[0].space
    rng = np.random.default_rng(seed)
    archs = [space.parse(DARTS_V2), *(space.sample(rng) for _ in range(N_RANDOM))]
    names = ["DARTS-V2 cells", *(f"random arch {i + 1}" for i in range(N_RANDOM))]
    print("DARTS space on this project's own ground truth (CPU protocols; scores: ECG 1 - macro F1, "
          "Satellite error %, Darcy relative L2)")
    print(f"  {'benchmark':28s} {'architecture':16s} {'mean':>9s} {'std':>8s} {'noisy':>9s} "
          f"{'train s':>8s} {'params':>8s}")
    for bench in benches:
        result = bench.query(archs, with_noise=True, seed=seed)
        label = f"{bench.task} / {bench.protocol}"
        runtime = result.runtime if result.runtime is not None else np.full(len(archs), np.nan)
        for i, name in enumerate(names):
            print(f"  {label if i == 0 else '':28s} {name:16s} {result.mean[i]:9.4g} "
                  f"{result.std[i]:8.3g} {result.sample[i]:9.4g} {runtime[i]:8.1f} "
                  f"{result.params[i]:8d}")
        evaluation = bench.manifest["evaluation"]
        method = METHOD_WORDS.get(evaluation["method"], evaluation["method"])
        print(f"  {'':28s} fitted on {bench.manifest['training_data']['n_records']} records; "
              f"{method} Kendall tau {evaluation['metrics']['kendall_tau']:.2f}")
    print("  (scored against single training runs, so seed noise bounds the rank correlation: "
          "`nb360 data summary` prints each protocol's tau_ceiling)")
    return len(benches)
