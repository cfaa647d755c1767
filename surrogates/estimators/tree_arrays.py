"""XGBoost trees as numpy arrays: per-call overhead of microseconds for tiny batches.

``Booster.inplace_predict`` costs about half a millisecond per call whatever the batch size,
which dominates single-architecture queries of an ensemble of boosters. For small batches the
trees (read from the booster's own JSON dump, no pickle) are walked in numpy, all trees at
once; the result equals XGBoost's prediction up to float32 summation order.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

SMALL_BATCH = 4  # rows up to which numpy beats XGBoost's per-call overhead (measured)


@dataclass(frozen=True)
class TreeArrays:
    """The trees of one XGBoost regression booster, padded to ``(n_trees, max_nodes)``."""

    left: np.ndarray
    right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    default_left: np.ndarray
    value: np.ndarray
    is_leaf: np.ndarray
    depth: int
    base_score: float

    @classmethod
    def from_booster(cls, booster: Any) -> TreeArrays:
        model = json.loads(booster.save_raw("json"))["learner"]
        booster_model = model["gradient_booster"]
        if booster_model.get("name") != "gbtree" or model["objective"]["name"] != "reg:squarederror":
            raise ValueError("TreeArrays supports gbtree boosters with reg:squarederror only")
        trees = booster_model["model"]["trees"]
        size = max(len(t["left_children"]) for t in trees)
        shape = (len(trees), size)
        left, right, feature = (np.zeros(shape, np.int64) for _ in range(3))
        threshold, value = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
        default_left = np.zeros(shape, bool)
        is_leaf = np.ones(shape, bool)
        for i, t in enumerate(trees):
            n = len(t["left_children"])
            left[i, :n], right[i, :n] = t["left_children"], t["right_children"]
            feature[i, :n], threshold[i, :n] = t["split_indices"], t["split_conditions"]
            default_left[i, :n] = np.asarray(t["default_left"], bool)
            is_leaf[i, :n] = left[i, :n] == -1
            value[i, :n] = t["split_conditions"]  # a leaf's split_condition holds its value
        left[is_leaf], right[is_leaf] = 0, 0
        base = model["learner_model_param"]["base_score"].strip("[]")
        return cls(left, right, feature, threshold, default_left, value, is_leaf,
                   _max_depth(left, right, is_leaf), float(base))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predictions for rows ``X`` (float32 features), float64."""
        X = np.asarray(X, dtype=np.float32)
        rows = np.arange(len(X))[:, None]
        trees = np.arange(self.left.shape[0])[None, :]
        node = np.zeros((len(X), self.left.shape[0]), np.int64)
        for _ in range(self.depth):
            x = X[rows, self.feature[trees, node]]
            go_left = np.where(np.isnan(x), self.default_left[trees, node],
                               x < self.threshold[trees, node])
            step = np.where(go_left, self.left[trees, node], self.right[trees, node])
            node = np.where(self.is_leaf[trees, node], node, step)
        return self.value[trees, node].astype(np.float64).sum(axis=1) + self.base_score


def _max_depth(left: np.ndarray, right: np.ndarray, is_leaf: np.ndarray) -> int:
    """Longest root-to-leaf path over all trees."""
    depth = 0
    frontier = np.zeros((left.shape[0], 1), np.int64)
    trees = np.arange(left.shape[0])[:, None]
    while not is_leaf[trees, frontier].all():
        inner = ~is_leaf[trees, frontier]
        frontier = np.concatenate([np.where(inner, left[trees, frontier], frontier),
                                   np.where(inner, right[trees, frontier], frontier)], axis=1)
        depth += 1
    return depth
