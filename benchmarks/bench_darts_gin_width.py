"""Shipped DARTS ensemble: GIN hidden 32 vs 16, 5-fold CV on the committed DARTS CPU records.

Prints per task the cross-validated Kendall tau, Spearman, R2 and 90 % coverage of the shipped
recipe with each GIN width (``fit_benchmark`` into a temporary folder).

    .venv/bin/python benchmarks/bench_darts_gin_width.py
"""
import tempfile
import time

import torch

from surrogates.benchmark import fit_benchmark
from surrogates.benchmark.artifact_folders import read_benchmark_manifest
from surrogates.benchmark.shipping import shipped_params


def main() -> None:
    torch.set_num_threads(1)
    for task in ("ecg", "satellite", "darcyflow"):
        for hidden in (32, 16):
            params = shipped_params("ensemble", 100)
            params["members"][0]["params"]["hidden"] = hidden
            with tempfile.TemporaryDirectory() as tmp:
                t = time.perf_counter()
                folder = fit_benchmark(task, "darts", artifacts=tmp, params=params)
                m = read_benchmark_manifest(folder)["evaluation"]
                metrics = {k: round(m["metrics"][k], 3) for k in ("kendall_tau", "spearman", "r2", "coverage90")}
                print(task, "hidden", hidden, m["n_fit"], metrics, f"{time.perf_counter() - t:.0f}s", flush=True)


if __name__ == "__main__":
    main()
