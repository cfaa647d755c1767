"""The DARTS part of ``nb360 demo``: the benchmarks fitted on this project's own ground truth.

One line per task with shipped DARTS-space artifacts (under their CPU protocols): how many records
the artifact was fitted on, its held-out (or, on small data, cross-validated) Kendall tau against
single training runs, and the predicted score (mean +- std) of DARTS-V2's cells and of a seeded
random architecture, with DARTS-V2's predicted training time and size.
"""
from __future__ import annotations

import textwrap
from typing import Any

import numpy as np

from graph_encodings.spaces.darts import DARTS_V2

METHOD_WORDS = {"cross_validation": "CV", "holdout": "held out"}
UNIT_WORDS = {"ecg": "ECG 1 - macro F1", "satellite": "Satellite error %", "darcyflow": "Darcy relative L2",
              "psicov": "PSICOV MAE8 A", "ninapro": "NinaPro error %"}  # each task's score, in words


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
    archs = [space.parse(DARTS_V2), space.sample(np.random.default_rng(seed))]
    units = ", ".join(UNIT_WORDS[task] for task in dict.fromkeys(b.task for b in benches)
                      if task in UNIT_WORDS)
    print("DARTS space, this project's own CPU records; scores:")
    print(textwrap.fill(units, width=118, initial_indent="  ", subsequent_indent="  "))
    print(f"  {'task / protocol':28s} {'records':>7s} {'Kendall tau':>16s} {'DARTS-V2 cells':>17s} "
          f"{'random arch':>17s} {'train s':>7s} {'params':>7s}")
    for bench in benches:
        result = bench.query(archs, with_noise=False)
        runtime = result.runtime[0] if result.runtime is not None else np.nan
        evaluation = bench.manifest["evaluation"]
        tau = (f"{evaluation['metrics']['kendall_tau']:.2f} "
               f"({METHOD_WORDS.get(evaluation['method'], evaluation['method'])})")
        predicted = "".join(f" {f'{result.mean[i]:.4g} +- {result.std[i]:.2g}':>17s}" for i in range(2))
        print(f"  {bench.task + ' / ' + bench.protocol:28s} "
              f"{bench.manifest['training_data']['n_records']:7d} {tau:>16s}{predicted} "
              f"{runtime:7.1f} {result.params[0]:7d}")
    print("  (taus against single training runs, bounded by seed noise: `nb360 data summary` "
          "prints the ceilings)")
    return len(benches)
