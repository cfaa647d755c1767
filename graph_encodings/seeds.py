"""The one rule for seeds: an int >= 0, or None / a numpy Generator where the API takes one."""
from __future__ import annotations

from typing import Any

import numpy as np


def check_seed(seed: Any, name: str = "seed", *, allow_none: bool = False,
               allow_generator: bool = False) -> Any:
    """``seed`` as an ``int >= 0`` (numpy integers included), or None / a Generator if allowed.

    ``ValueError`` naming ``name``, the value and what is valid otherwise (bools are refused).
    """
    if seed is None and allow_none:
        return None
    if isinstance(seed, np.random.Generator) and allow_generator:
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)) and seed >= 0:
        return int(seed)
    valid = ["an integer >= 0"] + ["None"] * allow_none + ["a numpy Generator"] * allow_generator
    text = valid[0] if len(valid) == 1 else f"{', '.join(valid[:-1])} or {valid[-1]}"
    raise ValueError(f"{name} must be {text}, got {seed!r}")


def as_rng(seed: Any, name: str = "seed") -> np.random.Generator:
    """A numpy Generator from an int >= 0, None (fresh entropy) or a Generator (returned as is)."""
    seed = check_seed(seed, name, allow_none=True, allow_generator=True)
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
