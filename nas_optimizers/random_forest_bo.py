"""SMAC-style Bayesian optimisation: a random forest with expected improvement over mutations.

Why this method: SMAC (Hutter, Hoos, Leyton-Brown 2011; SMAC3, Lindauer et al. 2022) is the
random-forest BO that researchers still use as the default model-based baseline for
categorical, conditional spaces such as cell-based NAS (auto-sklearn, SMAC3's HPO facades,
NAS-Bench-301's and HPOBench's comparisons). Tree ensembles are the strongest predictors in the
low-data regime of a NAS run (White et al. 2021, "How powerful are performance predictors in
NAS?"), they need no training schedule, are cheap on CPU, and give an uncertainty for free. It
complements BANANAS: a different model family (trees vs. neural ensemble), a different encoding
(the labelled-adjacency one-hot, natural for trees) and a different acquisition (EI vs. ITS).

Model: scikit-learn ``RandomForestRegressor`` (bootstrap, ``max_features`` 1/3 of the columns as
in SMAC) on the one-hot encoding; predictive mean = forest mean, predictive std = spread of
the per-tree predictions. Acquisition: expected improvement over the lowest predicted mean
of the observed architectures, maximised over mutations of the incumbents (SMAC's local search
from the best configurations, one step deep per round) plus random samples (SMAC's
interleaved random configurations); see :mod:`nas_optimizers.model_based`.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.ensemble import RandomForestRegressor

from graph_encodings import encode
from nas_optimizers.model_based import ModelBasedOptimizer


class RandomForestBO(ModelBasedOptimizer):
    """Random-forest surrogate + expected improvement over mutations and random samples."""

    name = "rf_bo"
    default_acquisition = "ei"

    def __init__(
        self, space: Any, seed: int | None = 0, n_trees: int = 50, min_samples_leaf: int = 1,
        encoding: str = "onehot", **kwargs: Any,
    ) -> None:
        super().__init__(space, seed, **kwargs)
        for label, value in (("n_trees", n_trees), ("min_samples_leaf", min_samples_leaf)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{label} must be an integer >= 1, got {value!r}")
        if encoding not in ("path", "onehot"):
            raise ValueError(f"unknown encoding {encoding!r}; valid: path, onehot")
        self.n_trees, self.min_samples_leaf, self.encoding = n_trees, min_samples_leaf, encoding
        self.model_: RandomForestRegressor | None = None

    def _fit(self, archs: Sequence[Any], scores: np.ndarray) -> None:
        self.model_ = RandomForestRegressor(
            n_estimators=self.n_trees, max_features=1 / 3, min_samples_leaf=self.min_samples_leaf,
            random_state=int(self.rng.integers(2**31)), n_jobs=1,
        ).fit(encode(self.space, list(archs), self.encoding), scores)

    def _predict(self, archs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        X = encode(self.space, list(archs), self.encoding)
        per_tree = np.stack([tree.predict(X) for tree in self.model_.estimators_])
        return per_tree.mean(axis=0), per_tree.std(axis=0)
