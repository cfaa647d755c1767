"""The trivial baseline: predict the training mean with the training standard deviation."""
from __future__ import annotations

from typing import Any

import numpy as np

from surrogates.base import SurrogateModel
from surrogates.registry import register


@register("mean", checking={})
class MeanModel(SurrogateModel):
    """Predicts the mean of the training scores; std = their standard deviation."""

    defaults: dict[str, Any] = {}

    def _fit_z(self, space: Any, archs: list[Any], z: np.ndarray, groups: np.ndarray) -> None:
        self.var_z_ = float(np.var(z))

    def _predict_z(self, space: Any, archs: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        n = len(archs)
        return np.zeros(n), np.full(n, self.var_z_)

    def _predict_z_noise(self, space: Any, archs: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All of the spread of the training scores counts as noise (nothing is learnt)."""
        mean, var = self._predict_z(space, archs)
        return mean, var, var

    def _state(self) -> dict[str, Any]:
        return {"var_z": self.var_z_}

    def _set_state(self, state: dict[str, Any]) -> None:
        self.var_z_ = float(state["var_z"])
