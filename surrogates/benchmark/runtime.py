"""The cost of one evaluation in seconds: a runtime surrogate, or a FLOPs-based cost model.

Where the records carry training times (everything this project trains itself), a small
boosted-tree surrogate predicts ``log(train_seconds)`` from the ``onehot`` encoding and the
cost is ``exp`` of its mean. The NB201 tables have no training times, so their cost is a
documented nominal model of training from the network's exact FLOPs:

    seconds = epochs * (n_train * 3 * flops / THROUGHPUT + EPOCH_OVERHEAD)

with NB360's epochs and training-set sizes, 3 x forward FLOPs per training sample (forward plus
backward), a nominal effective throughput of :data:`THROUGHPUT` FLOP/s for small convnets on
one GPU and :data:`EPOCH_OVERHEAD` seconds per epoch (data loading, evaluation). These constants
are assumptions, not measurements: the model ranks architectures by cost faithfully (it is
monotone in FLOPs) but its absolute seconds are nominal.
"""
from __future__ import annotations

from typing import Any

import numpy as np

THROUGHPUT = 5e12  # FLOP/s, nominal
EPOCH_OVERHEAD = 1.0  # seconds per epoch, nominal
# NB360's NB201-space tables: 200 epochs; training samples of its NinaPro and Darcy splits, and
# CIFAR-100's 50,000 training images (NB201 trains its CIFAR-100 networks on the full train set).
NB201_TABLE_TRAINING: dict[str, dict[str, int]] = {
    "ninapro": {"epochs": 200, "n_train": 3297},
    "darcyflow": {"epochs": 200, "n_train": 1000},
    "cifar100": {"epochs": 200, "n_train": 50_000},
}


def flops_cost_model(task: str, protocol: str) -> dict[str, Any]:
    """The constants of the FLOPs cost model for ``task`` (recorded in the manifest)."""
    if task not in NB201_TABLE_TRAINING:
        raise ValueError(
            f"no FLOPs cost model for task {task!r} (protocol {protocol!r}): its records have no "
            f"train_seconds and it is not an NB201 table ({sorted(NB201_TABLE_TRAINING)}); fit "
            f"with records that have train_seconds, or pass runtime_model= to Benchmark.from_model"
        )
    return {**NB201_TABLE_TRAINING[task], "throughput_flops_per_s": THROUGHPUT,
            "epoch_overhead_s": EPOCH_OVERHEAD, "samples_cost": "3 x forward FLOPs",
            "note": "nominal constants, not measured: seconds are indicative, ranks are exact"}


def flops_seconds(flops: np.ndarray, spec: dict[str, Any]) -> np.ndarray:
    """Seconds per evaluation of networks with forward ``flops`` under cost model ``spec``."""
    per_epoch = spec["n_train"] * 3.0 * np.asarray(flops, dtype=np.float64) / spec[
        "throughput_flops_per_s"] + spec["epoch_overhead_s"]
    return spec["epochs"] * per_epoch
