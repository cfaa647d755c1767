"""The NAS-Bench-201 cell search space."""
from __future__ import annotations

from dataclasses import dataclass

# NB201 op order (the order of NB201's search space list; integer coding of ops uses it).
NB201_OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
# The 6 edges in NB201 string order, as (target node, source node).
NB201_EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
N_ARCHS = len(NB201_OPS) ** len(NB201_EDGES)  # 15,625


@dataclass(frozen=True)
class NB201Arch:
    """An NB201 cell: one op per edge, edges in the order of :data:`NB201_EDGES`."""

    ops: tuple[str, ...]

    def __str__(self) -> str:
        o = self.ops
        return f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"
