"""Learning-curve surrogates: the validation score after every epoch of a benchmark's protocol.

:class:`CurveModel` (fitted per benchmark by :func:`fit_curves`, shipped next to the
benchmark's artifacts) answers ``Benchmark.query(archs, epochs=E)`` and
``Benchmark.query_curve(archs)``; :class:`CurveNoise` makes sampled curves look like reruns.
Importing this package imports neither pandas, scipy, torch nor XGBoost.
"""
from __future__ import annotations

from typing import Any

from surrogates.curves.model import CURVE_XGB, CurveModel, curves_folder
from surrogates.curves.noise import CurveNoise
from surrogates.curves.records import CurveRecords, curve_records

__all__ = ["CURVE_XGB", "CurveModel", "CurveNoise", "CurveRecords", "curve_records", "curves_folder",
           "fit_curve_model", "fit_curves"]


def __getattr__(name: str) -> Any:
    if name in ("fit_curves", "fit_curve_model"):
        from surrogates.curves import fitting

        return getattr(fitting, name)
    raise AttributeError(f"module 'surrogates.curves' has no attribute {name!r}")
