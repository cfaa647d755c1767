"""Multi-fidelity optimizers: ask returns a :class:`Job` (an architecture and the epochs to train
it to; continuing a paused trial costs only the extra epochs)."""
from nas_optimizers.multi_fidelity.asha import ASHA
from nas_optimizers.multi_fidelity.base import (
    FidelityObservation,
    Job,
    MultiFidelityOptimizer,
    rung_levels,
)
from nas_optimizers.multi_fidelity.bohb import BOHB
from nas_optimizers.multi_fidelity.successive_halving import Hyperband, SuccessiveHalving

__all__ = [
    "ASHA",
    "BOHB",
    "FidelityObservation",
    "Hyperband",
    "Job",
    "MultiFidelityOptimizer",
    "SuccessiveHalving",
    "rung_levels",
]
