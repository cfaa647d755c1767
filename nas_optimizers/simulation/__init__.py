"""Simulated NAS runs against a benchmark: simulated clock, asynchronous workers, seeds in parallel."""
from nas_optimizers.simulation.interfaces import BenchmarkLike, QueryResultLike
from nas_optimizers.simulation.replay import RecordReplay, RecordSpace
from nas_optimizers.simulation.simulator import (
    BUDGET_KINDS,
    COLUMNS,
    FIDELITY_COLUMNS,
    evaluation_seed,
    simulate,
)
from nas_optimizers.simulation.toy import (
    TOY_OPTIMUM,
    FunctionBenchmark,
    FunctionResult,
    toy_benchmark,
)

__all__ = [
    "BUDGET_KINDS",
    "COLUMNS",
    "FIDELITY_COLUMNS",
    "TOY_OPTIMUM",
    "BenchmarkLike",
    "FunctionBenchmark",
    "FunctionResult",
    "QueryResultLike",
    "RecordReplay",
    "RecordSpace",
    "evaluation_seed",
    "simulate",
    "toy_benchmark",
]
