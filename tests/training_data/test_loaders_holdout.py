"""last_fraction_as_val: NB360's unshuffled tail validation split (CIFAR-100, Spherical)."""
from __future__ import annotations

import numpy as np
import pytest

from training_data.tasks.loaders._holdout import last_fraction_as_val


def _pair(n: int, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    x = np.arange(start, start + n, dtype=np.float32).reshape(n, 1)
    return x, np.arange(start, start + n, dtype=np.int64)


@pytest.mark.parametrize(("n", "n_train"), [(10, 8), (7, 5), (50_000, 40_000)])
def test_the_last_fraction_is_validation_in_order(n: int, n_train: int) -> None:
    data = last_fraction_as_val("t", _pair(n), _pair(3, start=100), 0.2, {"k": 1})
    assert data.task == "t" and data.meta == {"k": 1}
    assert data.train.y.tolist() == list(range(n_train))
    assert data.val.y.tolist() == list(range(n_train, n))
    assert data.val.x[:, 0].tolist() == list(range(n_train, n))
    assert data.test.y.tolist() == [100, 101, 102]


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1])
def test_a_fraction_outside_0_1_is_rejected(fraction: float) -> None:
    with pytest.raises(ValueError, match=rf"val_fraction must be in \(0, 1\), got {fraction}"):
        last_fraction_as_val("t", _pair(10), _pair(3), fraction, {})
