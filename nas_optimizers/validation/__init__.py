"""Validation of surrogate benchmarks against a true table, and ranking calibration.

``python -m nas_optimizers.validation --task ninapro --fraction 0.1`` runs the study and writes its
figures and ``results.md`` (see :mod:`nas_optimizers.validation.study` and ``report``).
"""
from nas_optimizers.validation.ranking_coverage import (
    CalibrationResult,
    PrecomputedPredictor,
    ranking_calibration,
)
from nas_optimizers.validation.regret_comparison import (
    Comparison,
    add_true_regret,
    compare,
    final_regret,
)
from nas_optimizers.validation.study import (
    OPTIMIZERS,
    Diagnostics,
    FittedSurrogate,
    StudyConfig,
    TaskResult,
    fit_surrogate,
    run_task,
)

__all__ = [
    "OPTIMIZERS",
    "CalibrationResult",
    "Comparison",
    "Diagnostics",
    "FittedSurrogate",
    "PrecomputedPredictor",
    "StudyConfig",
    "TaskResult",
    "add_true_regret",
    "compare",
    "final_regret",
    "fit_surrogate",
    "ranking_calibration",
    "run_task",
]
