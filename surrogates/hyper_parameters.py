"""Checks of hyper-parameter values: ``ValueError`` naming the parameter, the value and what is valid.

Models call them at construction (:meth:`surrogates.SurrogateModel._check_hyper_parameters`), so a
bad value fails at ``create(...)``, not deep inside ``fit`` or ``predict``.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any


def check_int(name: str, value: Any, low: int, *, allow_none: bool = False) -> None:
    """``value`` is an integer >= ``low`` (numpy integers included; bools and floats are not)."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        valid = f"an integer >= {low}" + (" or None" if allow_none else "")
        raise ValueError(f"{name} must be {valid}, got {value!r}")


def check_real(name: str, value: Any, low: float, high: float, *, low_open: bool = False,
               high_open: bool = False) -> None:
    """``value`` is a real number in the interval from ``low`` to ``high`` (open ends as asked)."""
    ok = (not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value)
          and (value > low if low_open else value >= low)
          and (value < high if high_open else value <= high))
    if not ok:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be a number in {interval}, got {value!r}")


def check_bool(name: str, value: Any) -> None:
    """``value`` is True or False."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")


def check_choice(name: str, value: Any, valid: Sequence[Any]) -> None:
    """``value`` is one of ``valid``."""
    if value not in valid:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, valid))}, got {value!r}")
