"""Simulated NAS runs against a benchmark: simulated clock, asynchronous workers, seeds in parallel."""
from nas_optimizers.simulation.protocol import Benchmark, QueryResult
from nas_optimizers.simulation.simulator import BUDGET_KINDS, COLUMNS, evaluation_seed, simulate
from nas_optimizers.simulation.toy import (
    TOY_OPTIMUM,
    FunctionBenchmark,
    FunctionResult,
    toy_benchmark,
)

__all__ = [
    "BUDGET_KINDS",
    "COLUMNS",
    "TOY_OPTIMUM",
    "Benchmark",
    "FunctionBenchmark",
    "FunctionResult",
    "QueryResult",
    "evaluation_seed",
    "simulate",
    "toy_benchmark",
]
