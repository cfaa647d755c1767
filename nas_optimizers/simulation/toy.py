"""Analytic benchmarks: closed-form scores and runtimes, for quick tests of NAS optimizers.

:class:`FunctionBenchmark` turns any deterministic ``score_fn(arch) -> float`` (and optionally
``runtime_fn(arch) -> seconds``) into a benchmark satisfying the simulator's contract
(:class:`~nas_optimizers.simulation.BenchmarkLike`), with Gaussian evaluation noise drawn
from the query's seed. :func:`toy_benchmark` gives a ready-made one per space whose structure
resembles a real table (a few ops are better on most edges, a residual edge prefers skip, a
disconnected NB201 cell gets a 90 % error) while being cheap and fully known: its optimum is
:data:`TOY_OPTIMUM`.

NB201 toy error (%): ``5 + sum over the 6 edges of a per-edge op cost`` (conv3x3 0, conv1x1 1,
skip 2, avg_pool 2.5, none 3; on the 0->3 edge skip costs 0 and conv3x3 0.5), or 90 when no
input->output path avoids 'none'. Runtime: ``1 + number of convolutions`` seconds.
DARTS toy error (%): ``5 + 0.5 * sum over the 16 (op, input) pairs of an op cost`` (sep_conv_3x3
0, sep_conv_5x5 0.3, dil_conv_3x3 0.6, dil_conv_5x5 0.8, skip 1.2, max_pool 1.5, avg_pool 1.6),
plus 1 per intermediate node whose two inputs are the same node. Runtime:
``1 + 0.5 * number of convolutions`` seconds.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from graph_encodings import SearchSpace, get_space
from graph_encodings.resolve import resolve_archs


@dataclass(frozen=True)
class FunctionResult:
    """The answer to one batched query (arrays of shape (n,)); see ``interfaces.QueryResultLike``."""

    mean: np.ndarray
    std: np.ndarray
    sample: np.ndarray | None = None
    runtime: np.ndarray | None = None


class FunctionBenchmark:
    """A benchmark whose score is a known function of the architecture, plus Gaussian noise.

    ``query(archs, with_noise, seed)`` returns ``mean = score_fn(arch)``, ``std = noise_std``,
    ``sample = mean + N(0, noise_std)`` drawn from ``numpy.random.default_rng(seed)`` (only when
    ``with_noise``), and ``runtime = runtime_fn(arch)`` (None without a ``runtime_fn``).
    Architectures may be given as objects or text forms.
    """

    def __init__(
        self,
        space: SearchSpace | str,
        score_fn: Callable[[Any], float],
        noise_std: float = 0.0,
        runtime_fn: Callable[[Any], float] | None = None,
    ) -> None:
        if not (np.isfinite(noise_std) and noise_std >= 0):
            raise ValueError(f"noise_std must be a finite number >= 0, got {noise_std!r}")
        self.space = get_space(space) if isinstance(space, str) else space
        self.score_fn = score_fn
        self.noise_std = float(noise_std)
        self.runtime_fn = runtime_fn

    def query(
        self, archs: Sequence[Any], with_noise: bool = False, seed: int | None = None
    ) -> FunctionResult:
        """Scores (and runtimes) of ``archs``; see the class docstring."""
        archs = resolve_archs(archs, self.space)[1]
        mean = np.array([self.score_fn(a) for a in archs], dtype=float)
        std = np.full(len(archs), self.noise_std)
        sample = None
        if with_noise:
            sample = mean + np.random.default_rng(seed).normal(0.0, 1.0, len(archs)) * std
        runtime = None
        if self.runtime_fn is not None:
            runtime = np.array([self.runtime_fn(a) for a in archs], dtype=float)
        return FunctionResult(mean, std, sample, runtime)

    def __repr__(self) -> str:
        return f"FunctionBenchmark(space={self.space.name!r}, noise_std={self.noise_std})"


_NB201_OP_COST = {"none": 3.0, "skip_connect": 2.0, "nor_conv_1x1": 1.0, "nor_conv_3x3": 0.0,
                  "avg_pool_3x3": 2.5}
_NB201_RESIDUAL_COST = {**_NB201_OP_COST, "skip_connect": 0.0, "nor_conv_3x3": 0.5}
_NB201_RESIDUAL_EDGE = 3  # the 0->3 edge in NB201 string order
_DARTS_OP_COST = {"sep_conv_3x3": 0.0, "sep_conv_5x5": 0.3, "dil_conv_3x3": 0.6,
                  "dil_conv_5x5": 0.8, "skip_connect": 1.2, "max_pool_3x3": 1.5,
                  "avg_pool_3x3": 1.6}

#: The lowest toy error of each space (NB201: conv3x3 everywhere, skip on 0->3; DARTS: all
#: sep_conv_3x3 with distinct inputs per node).
TOY_OPTIMUM = {"nb201": 5.0, "darts": 5.0}


def _nb201_connected(ops: Sequence[str]) -> bool:
    """Whether some input->output path of the NB201 cell avoids 'none' edges."""
    e10, e20, e21, e30, e31, e32 = (op != "none" for op in ops)
    return e30 or (e10 and e31) or (e20 and e32) or (e10 and e21 and e32)


def nb201_toy_score(arch: Any) -> float:
    """The NB201 toy error (module docstring)."""
    if not _nb201_connected(arch.ops):
        return 90.0
    return 5.0 + sum(
        (_NB201_RESIDUAL_COST if e == _NB201_RESIDUAL_EDGE else _NB201_OP_COST)[op]
        for e, op in enumerate(arch.ops)
    )


def nb201_toy_runtime(arch: Any) -> float:
    """1 + the number of convolutions of an NB201 cell, in seconds."""
    return 1.0 + sum(op.startswith("nor_conv") for op in arch.ops)


def darts_toy_score(arch: Any) -> float:
    """The DARTS toy error (module docstring)."""
    error = 5.0
    for cell in (arch.normal, arch.reduce):
        error += 0.5 * sum(_DARTS_OP_COST[op] for op, _ in cell)
        error += sum(cell[k][1] == cell[k + 1][1] for k in range(0, len(cell), 2))
    return error


def darts_toy_runtime(arch: Any) -> float:
    """1 + 0.5 * the number of convolutions of both DARTS cells, in seconds."""
    return 1.0 + 0.5 * sum("conv" in op for cell in (arch.normal, arch.reduce) for op, _ in cell)


_TOYS = {"nb201": (nb201_toy_score, nb201_toy_runtime), "darts": (darts_toy_score, darts_toy_runtime)}


def toy_benchmark(space: str = "nb201", noise_std: float = 0.5) -> FunctionBenchmark:
    """The analytic toy benchmark of ``space`` ('nb201' or 'darts'; module docstring)."""
    if space not in _TOYS:
        raise ValueError(f"no toy benchmark for space {space!r}; valid: {', '.join(_TOYS)}")
    score_fn, runtime_fn = _TOYS[space]
    return FunctionBenchmark(space, score_fn, noise_std=noise_std, runtime_fn=runtime_fn)
