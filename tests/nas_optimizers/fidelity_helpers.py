"""A tiny analytic benchmark with an epoch fidelity, and synthetic records with learning curves."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from graph_encodings import get_space
from graph_encodings.resolve import resolve_archs
from nas_optimizers.simulation import FunctionResult
from nas_optimizers.simulation.toy import nb201_toy_runtime, nb201_toy_score

MAX_EPOCHS = 8


class CurveBenchmark:
    """NB201 toy curves: after ``E`` epochs the error is ``toy + 8 / E`` (final: ``toy``); the
    noise is ``N(0, noise)`` drawn from the seed alone (so one seed is one noisy curve); ``E``
    epochs take ``E * toy_runtime / 8`` seconds."""

    max_epochs = MAX_EPOCHS

    def __init__(self, noise: float = 0.5) -> None:
        self.space = get_space("nb201")
        self.noise = noise
        self.queries: list[tuple[int | None, int | None]] = []  # (epochs, seed) of each query

    def curve(self, arch: Any, epochs: int | None) -> float:
        final = nb201_toy_score(arch)
        return final if epochs is None else final + 8.0 / epochs

    def elapsed(self, arch: Any, epochs: int | None) -> float:
        return nb201_toy_runtime(arch) * (MAX_EPOCHS if epochs is None else epochs) / MAX_EPOCHS

    def query(self, archs: Sequence[Any], with_noise: bool = False, seed: int | None = None,
              epochs: int | None = None) -> FunctionResult:
        self.queries.append((epochs, seed))
        archs = resolve_archs(archs, self.space)[1]
        mean = np.array([self.curve(a, epochs) for a in archs])
        sample = None
        if with_noise:
            sample = mean + np.random.default_rng(seed).normal(0.0, self.noise, len(archs))
        runtime = np.array([self.elapsed(a, epochs) for a in archs])
        return FunctionResult(mean, np.full(len(archs), self.noise), sample, runtime)


def curve_records(n_archs: int = 30, epochs: int = 4, repeats: int = 3,
                  seed: int = 0) -> pd.DataFrame:
    """DARTS records with learning curves: ``n_archs`` distinct cells, the first ``repeats`` of
    them trained twice; run ``r`` of arch ``i`` has validation error ``50 - 5 e + i + 3 r`` at
    epoch ``e`` and epochs of ``1 + i / 10`` seconds; the final (test) score is ``40 + i + r``."""
    space = get_space("darts")
    rng = np.random.default_rng(seed)
    archs: list[Any] = []
    hashes: set[str] = set()
    while len(archs) < n_archs:
        arch = space.sample(rng)
        if space.canonical_hash(arch) not in hashes:
            hashes.add(space.canonical_hash(arch))
            archs.append(arch)
    rows = []
    for i, arch in enumerate(archs):
        for r in range(2 if i < repeats else 1):
            curve = [{"epoch": e, "val_score": 50.0 - 5 * e + i + 3 * r, "seconds": 1 + i / 10}
                     for e in range(1, epochs + 1)]
            rows.append({"task": "ecg", "space": "darts", "protocol": "toy-curves", "arch": str(arch),
                         "arch_hash": space.canonical_hash(arch), "status": "ok", "seed": r,
                         "score": 40.0 + i + r, "train_seconds": epochs * (1 + i / 10),
                         "learning_curve": curve})
    return pd.DataFrame(rows)
