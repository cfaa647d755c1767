"""Architecture inputs of the models: which space they belong to, coercion, targets."""
from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

import graph_encodings


def infer_space(archs: Sequence[Any], space: str | None = None) -> Any:
    """The search space of ``archs``: ``space`` when given, else the one whose type or text fits.

    Arch objects identify their space by type; strings/dicts are parsed by each registered space
    in turn. ``ValueError`` when nothing fits or ``archs`` is empty.
    """
    if isinstance(archs, (str, bytes, dict)):
        raise ValueError("archs must be a list of architectures, not a single string or dict")
    if space is not None:
        return graph_encodings.get_space(space)
    if len(archs) == 0:
        raise ValueError("archs is empty; pass at least one architecture")
    first = archs[0]
    spaces = [graph_encodings.get_space(name) for name in graph_encodings.list_spaces()]
    for candidate in spaces:
        if isinstance(first, candidate.arch_type):
            return candidate
    for candidate in spaces:
        try:
            candidate.parse(first)
        except (ValueError, TypeError, KeyError):
            continue
        return candidate
    raise ValueError(
        f"cannot tell the search space of {first!r}; valid spaces: "
        f"{', '.join(graph_encodings.list_spaces())} (pass the hyper-parameter space=...)"
    )


def coerce_archs(space: Any, archs: Sequence[Any]) -> list[Any]:
    """``archs`` as validated architecture objects of ``space`` (``ValueError`` otherwise)."""
    if isinstance(archs, (str, bytes, dict)):
        raise ValueError("archs must be a list of architectures, not a single string or dict")
    out = []
    for i, item in enumerate(archs):
        if not isinstance(item, (str, dict, space.arch_type)):
            raise ValueError(
                f"archs[{i}] is a {type(item).__name__}, not an architecture of space "
                f"{space.name!r} (expected {space.arch_type.__name__}, its text form or dict)"
            )
        try:
            out.append(space.coerce(item))
        except (ValueError, TypeError, KeyError) as err:
            raise ValueError(f"archs[{i}] is not a valid {space.name!r} architecture: {err}") from err
    if not out:
        raise ValueError("archs is empty; pass at least one architecture")
    return out


def check_targets(y: Any, n: int, what: str = "y") -> np.ndarray:
    """``y`` as a finite float64 vector of length ``n``.

    ``ValueError`` naming ``what`` (the argument) and the first bad entry otherwise: a shape other
    than ``(n,)``, an entry that is not a real number (strings and bools are not), NaN or inf.
    """
    try:
        arr = np.asarray(y)
    except ValueError as err:  # ragged nesting
        raise ValueError(f"{what} must be a flat sequence of {n} scores ({err})") from None
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{what} has shape {arr.shape}; expected ({n},), one score per architecture")
    if arr.dtype.kind not in "iuf":
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
        raise ValueError(f"{what} has shape {arr.shape}; expected ({n},), one label per architecture")
    return arr
