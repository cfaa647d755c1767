"""The DARTS / NAS-Bench-301 / NAS-Bench-360 cell search space."""
from __future__ import annotations

from dataclasses import dataclass

# The 7 NB301 primitives (order used for every integer coding of ops in this project).
DARTS_OPS: tuple[str, ...] = (
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)
N_INTERMEDIATE = 4  # intermediate nodes 2..5; nodes 0, 1 are the two cell inputs
N_EDGES = 2 * N_INTERMEDIATE  # 8 (op, input) pairs per cell
CONCAT: tuple[int, ...] = (2, 3, 4, 5)
CELL_TYPES: tuple[str, ...] = ("normal", "reduce")

Cell = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class DartsArch:
    """A DARTS genotype: for each cell type, 8 ``(op, input)`` pairs.

    Pairs ``2k`` and ``2k + 1`` feed intermediate node ``k + 2``; an input is a node index
    ``0..k+1`` (0 and 1 are the cell inputs c_{k-2} and c_{k-1}). The two inputs of a node are
    distinct nodes (as in DARTS-derived genotypes and NB301's ConfigSpace). All four intermediate
    nodes are concatenated to the cell output.
    """

    normal: Cell
    reduce: Cell

    def cell(self, cell_type: str) -> Cell:
        return self.normal if cell_type == "normal" else self.reduce

    def __str__(self) -> str:
        def pairs(cell: Cell) -> str:
            return "[" + ", ".join(f"({op!r}, {i})" for op, i in cell) + "]"

        concat = "[" + ", ".join(str(c) for c in CONCAT) + "]"
        return (
            f"Genotype(normal={pairs(self.normal)}, normal_concat={concat}, "
            f"reduce={pairs(self.reduce)}, reduce_concat={concat})"
        )
