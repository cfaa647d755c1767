"""Target and group inputs of the models, checked (architectures: :func:`graph_encodings.resolve_archs`)."""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from graph_encodings.resolve import resolve_archs, show


def check_targets(y: Any, n: int, what: str = "y") -> np.ndarray:
    """``y`` as a finite float64 vector of length ``n``.

    ``ValueError`` naming ``what`` (the argument) and the first bad entry otherwise: a shape other
    than ``(n,)``, an entry that is not a real number (strings and bools are not), NaN or inf.
    """
    try:
        arr = np.asarray(y)
    except ValueError as err:  # ragged nesting
        raise ValueError(f"{what} must be a flat sequence of {n} scores, got {show(y)} ({err})") from None
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{what} has shape {arr.shape}; expected ({n},), one score per "
                         f"architecture, got {show(y)}")
    if arr.dtype.kind not in "iuf" or not isinstance(y, np.ndarray):  # a list may hide bools
        for i, value in enumerate(y.tolist() if isinstance(y, np.ndarray) else list(y)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"{what} must be numbers (one score per architecture); "
                                 f"{what}[{i}] = {value!r} is not")
    arr = arr.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(arr))
    if len(bad):
        raise ValueError(f"{what} has {len(bad)} non-finite values (NaN/inf), the first "
                         f"{what}[{bad[0]}] = {arr[bad[0]]}; scores must be finite")
    return arr


def check_groups(groups: Any, n: int, what: str = "noise_groups") -> np.ndarray:
    """``groups`` as an array of ``n`` labels (``ValueError`` otherwise)."""
    arr = np.asarray(groups)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{what} has shape {arr.shape}; expected ({n},), one label per "
                         f"architecture, got {show(groups)}")
    return arr


def fit_inputs(archs: Any, y: Any, noise_groups: Any = None,
               space: Any = None) -> tuple[Any, list[Any], np.ndarray, np.ndarray]:
    """The checked inputs of a fit: ``(space, arch objects, y, noise groups)``.

    ``archs`` go through :func:`graph_encodings.resolve_archs` (``space`` None: inferred);
    ``noise_groups`` default to the canonical hashes (isomorphic twins and repeated seeds are
    repeats of one network).
    """
    space, archs = resolve_archs(archs, space)
    y = check_targets(y, len(archs))
    if noise_groups is None:
        noise_groups = np.array(space.canonical_hash_many(archs))
    return space, archs, y, check_groups(noise_groups, len(archs))
