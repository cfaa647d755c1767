"""Fixtures of the training_data tests."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="module")
def ninapro_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny NinaPro files in NB360's format (windows (n, 52, 16) and labels), learnable."""
    root = tmp_path_factory.mktemp("data")
    folder = root / "ninapro"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for split, n in (("train", 40), ("val", 16), ("test", 16)):
        labels = rng.integers(0, 18, size=n)
        x = rng.normal(size=(n, 52, 16)).astype(np.float32)
        x[:, :, 0] += labels[:, None] / 4.0  # a class signal on one electrode
        np.save(folder / f"ninapro_{split}.npy", x)
        np.save(folder / f"label_{split}.npy", labels)
    return root
